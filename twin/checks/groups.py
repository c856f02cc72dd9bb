"""R005, R006 and R007: the failure sets a layout states itself: groups, events, maintenance.

A group promises a redundancy target (``N+k``: any ``k`` members may fail; ``2N``: either
side may fail whole); an event names what one cause takes out together (both utilities
in a grid outage, everything in a fire compartment); ``policy.maintenance`` (or a tier of
3 or more) says any one component may be taken out of service for maintenance. Each set
is evaluated by the one flow model with everything else live, whatever
``policy.contingency`` says, and judged by the rules of R001-R004 (:class:`Judge`, the
only copy of them here): a rack is lost when it is down for power or has no effective
unit for a medium it needs (and was not so in normal operation), and a component is over
when its load passes its ``failover_utilization``. A set with none of that passes.

The sets are evaluated on the snapshot's incremental engine (only what a set changes is
recomputed), or with a full :func:`twin.physics.flow.evaluate` per set when the snapshot
was made with ``engine="reference"``; both give the same findings.

A zone event fails every component whose ``zone:`` is the zone; the racks in the zone
are lost with the room rather than reported, so they draw no power and make no heat.
``failable: false`` components are failed too: a group or an event states what the
design must survive, so it is checked as written, and a pipe or a busbar is maintained
even if it never fails.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from twin.checks import Check, Hit, when_failing
from twin.layout.model import RACK_FACING_KINDS
from twin.physics.flow import evaluate, in_file_order
from twin.physics.incremental import Incremental
from twin.physics.limits import failover_limit, over

#: Racks or components shown by name in a message, before "and N more".
_SHOWN = 5


@dataclasses.dataclass(frozen=True, slots=True)
class Broken:
    """What one failure set breaks: racks lost (file order), components over their limit
    as (id, kind, utilization, limit, capacity) worst first."""

    scenario: tuple[str, ...]
    racks: tuple[str, ...]
    over: tuple[tuple[str, str, float, float, float], ...]

    @property
    def ok(self) -> bool:
        return not self.racks and not self.over

    def weight(self) -> tuple:
        """Bigger is worse: racks lost, then the highest overload over its limit (rounded,
        so that the last bits of a sum never make a later, equal set the worst)."""
        return (len(self.racks),
                round(max((u / lim for _, _, u, lim, _ in self.over), default=0.0), 9))


class Judge:
    """Says what a failure set breaks on one network (:class:`Broken`), by the rules of
    R001-R004.

    With ``incremental`` (a :class:`twin.physics.incremental.Incremental` on ``net`` and
    ``normal``) a set is evaluated as a change: racks and components it does not touch
    keep their normal state and load. Without, each set is a full
    :func:`twin.physics.flow.evaluate`. The judging below is the same for both.
    """

    def __init__(self, net, normal, incremental=None):
        self.net, self.normal, self.incremental = net, normal, incremental
        self.base_down = frozenset(r for r, up in enumerate(normal.rack_up) if not up)
        self.base_lost = frozenset(r for r, media in enumerate(normal.rack_lost_media) if media)
        policy = net.layout.policy
        self.p_limit = [failover_limit(policy, kind) for kind in net.power_kind]
        self.c_limit = [failover_limit(policy, kind) for kind in net.cooling_kind]
        # over their limit already in normal operation: a change that leaves them alone
        # leaves them over (a full evaluation finds them under every set)
        self.p_hot = frozenset(
            i for i, (load, cap) in enumerate(zip(normal.power_out_kw, net.power_capacity_kw,
                                                  strict=True)) if self._p_over(i, load, cap))
        self.c_hot = frozenset(
            j for j, (load, cap) in enumerate(zip(normal.cooling_heat_kw, net.cooling_capacity_kw,
                                                  strict=True)) if self._c_over(j, load, cap))

    def _p_over(self, i, load, cap) -> bool:
        return load > 0.0 and over(load / cap, self.p_limit[i])

    def _c_over(self, j, load, cap) -> bool:
        return cap is not None and load > 0.0 and over(load / cap, self.c_limit[j])

    def breaks(self, failed, spared: frozenset = frozenset()) -> Broken:
        """What ``failed`` (ids) breaks; racks of ``spared`` (indices, lost with their
        zone) are never counted."""
        net = self.net
        if self.incremental is None:
            result = evaluate(net, failed)
            racks = enumerate(zip(result.rack_up, result.rack_lost_media, strict=True))
            power = enumerate(result.power_out_kw)
            cooling = enumerate(result.cooling_heat_kw)
        else:
            change = self.incremental.change(tuple(failed))
            racks = sorted(change.racks.items())
            p_new, c_new = change.power_out_kw, change.cooling_heat_kw
            base_p, base_c = self.normal.power_out_kw, self.normal.cooling_heat_kw
            power = ((i, p_new.get(i, base_p[i])) for i in sorted(self.p_hot.union(p_new)))
            cooling = ((j, c_new.get(j, base_c[j])) for j in sorted(self.c_hot.union(c_new)))
        lost = tuple(net.rack_ids[r] for r, (up, media) in racks if r not in spared and (
            (not up and r not in self.base_down) or (up and media and r not in self.base_lost)))
        hot = []
        for i, load in power:
            cap = net.power_capacity_kw[i]
            if self._p_over(i, load, cap):
                hot.append((net.power_ids[i], net.power_kind[i], load / cap, self.p_limit[i], cap))
        for j, load in cooling:
            cap = net.cooling_capacity_kw[j]
            if self._c_over(j, load, cap):
                hot.append((net.cooling_ids[j], net.cooling_kind[j], load / cap,
                            self.c_limit[j], cap))
        # worst first; rounded, so that the last bits of a sum never reorder equal loads
        hot.sort(key=lambda h: -round(h[2] / h[3], 9))
        return Broken(in_file_order(net, failed), lost, tuple(hot))


def judge(s, net=None, normal=None) -> Judge:
    """The judge of snapshot ``s`` (on its engine), or of ``net`` and ``normal`` when a zone
    event needs its own network (a new engine then, on the same side of ``s.engine``)."""
    if net is None:
        return Judge(s.net, s.normal, s.incremental() if s.engine == "incremental" else None)
    return Judge(net, normal, Incremental(net, normal) if s.engine == "incremental" else None)


def _list(items) -> str:
    items = list(items)
    return ", ".join(items[:_SHOWN]) + (f" and {len(items) - _SHOWN} more"
                                        if len(items) > _SHOWN else "")


def describe(b: Broken) -> str:
    """"3 rack(s) lose power or cooling: r1, r2, r3; ups-b reaches 130.0% ..." of a set."""
    parts = []
    if b.racks:
        parts.append(f"{len(b.racks)} rack(s) lose power or cooling: {_list(b.racks)}")
    for ident, kind, u, limit, cap in b.over[:_SHOWN]:
        parts.append(f"{kind} {ident} reaches {round(u, 9):.1%} of its {cap:,.1f} kW "
                     f"capacity (failover limit {limit:.0%})")
    if len(b.over) > _SHOWN:
        parts.append(f"{len(b.over) - _SHOWN} more component(s) over their limit")
    return "; ".join(parts)


def check_groups(s) -> Iterator[Hit]:
    """R005: a group whose redundancy target does not hold, at its worst failure set."""
    layout = s.layout
    if not layout.groups:
        return
    judged = judge(s)
    for group in layout.groups:
        sets = group.failure_sets()
        broken = [b for b in (judged.breaks(fs) for fs in sets) if not b.ok]
        if not broken:
            continue
        worst = max(broken, key=Broken.weight)  # the first of the worst, in set order
        what = (f"{group.redundancy} over {len(group.members)} members" if group.k is not None
                else "2N over two sides")
        yield Hit(group.id, f"group {group.id} ({what}) misses its target: "
                  f"{len(broken)} of {len(sets)} failure set(s) it promises to survive break "
                  f"something; worst: {when_failing(worst.scenario)}, {describe(worst)}",
                  scenario=worst.scenario, racks=worst.racks,
                  data=(("sets", len(sets)), ("broken", len(broken))))


def event_set(layout, event) -> tuple[tuple[str, ...], frozenset]:
    """The components an event fails and the ids of the racks it takes with its zone."""
    if event.zone is None:
        return event.fails, frozenset()
    failed = tuple(c.id for c in (*layout.power, *layout.cooling) if c.zone == event.zone)
    return failed, frozenset(r.id for r in layout.racks if r.zone == event.zone)


def _without(net, rack_ids: frozenset):
    """``net`` with the racks of ``rack_ids`` drawing nothing: lost with their room."""
    if not rack_ids:
        return net, frozenset()
    gone = frozenset(r for r, ident in enumerate(net.rack_ids) if ident in rack_ids)

    def zeroed(values):
        return tuple(0.0 if r in gone else v for r, v in enumerate(values))

    return dataclasses.replace(net, rack_it_kw=zeroed(net.rack_it_kw),
                               rack_liquid_kw=zeroed(net.rack_liquid_kw),
                               rack_air_kw=zeroed(net.rack_air_kw)), gone


def event_breaks(s, event, judged: Judge | None = None):
    """What ``event`` breaks on snapshot ``s`` (:class:`Broken`), the components it fails
    and the racks lost with its zone: R006's judgement, and the tier's zones' too."""
    failed, room = event_set(s.layout, event)
    net, spared = _without(s.net, room)
    if net is s.net:
        return (judged or judge(s)).breaks(failed, spared), failed, room
    return judge(s, net, evaluate(net)).breaks(failed, spared), failed, room


def check_events(s) -> Iterator[Hit]:
    """R006: a common-cause event that takes racks down or overloads a component."""
    layout = s.layout
    if not layout.events:
        return
    judged = judge(s)
    for event in layout.events:
        b, failed, room = event_breaks(s, event, judged)
        if b.ok:
            continue
        cause = (f"zone {event.zone} ({len(failed)} component(s), {len(room)} rack(s) lost "
                 "with it)" if event.zone is not None else " and ".join(b.scenario))
        yield Hit(event.id, f"event {event.id} fails {cause}: {describe(b)}",
                  scenario=b.scenario, racks=b.racks)


def maintenance_breaks(s, *, every_rack: bool = False,
                       grid: tuple[str, ...] = ()) -> Iterator[tuple[object, Broken, bool]]:
    """R007's judgement: each component taken out alone, ``failable: false`` ones included,
    as ``(component, what breaks, grid lost)`` for each one that breaks something.

    What the contingency sweep already reports for the same single set is left out: a
    failable component's set is judged by R001/R003 for the racks whose contingency is 1
    or more, and by R002/R004 when ``policy.contingency`` is 1 or more. A rack with
    ``contingency: 0`` is not counted (it says it may go down) unless ``every_rack`` (the
    tier counts every rack). With ``grid`` (utility ids), a component whose set alone
    breaks nothing is judged again out of service with ``grid`` failed too (the site on
    its generators), and ``grid lost`` says which set broke.
    """
    layout = s.layout
    swept_overloads = s.policy_contingency >= 1
    rack_k = [s.policy_contingency if r.contingency is None else r.contingency
              for r in layout.racks]
    # racks R007 never counts (contingency: 0), and those the sweep checks under a single
    exempt = frozenset() if every_rack else frozenset(
        r.id for r in layout.racks if r.contingency == 0)
    swept = frozenset(r.id for r, k in zip(layout.racks, rack_k, strict=True) if k >= 1)
    judged = None
    for c in (*layout.power, *layout.cooling):
        if c.failable and swept_overloads:
            continue  # every rack not exempt has contingency >= 1: the sweep judged it all
        judged = judged or judge(s)

        def counted(b, c=c):
            return Broken(b.scenario, tuple(r for r in b.racks if r not in exempt and not (
                c.failable and r in swept)), b.over)

        found = alone_then_on_generators(judged, c.id, grid, counted)
        if found is not None:
            yield c, *found


def alone_then_on_generators(judged: Judge, ident: str, grid: tuple[str, ...],
                             counted=None) -> tuple[Broken, bool] | None:
    """``ident`` failed alone and, when that breaks nothing, with every id of ``grid``
    (the utilities) failed too, the site on its generators: ``(what breaks, grid lost)``
    of the first set that breaks something, or ``None``. ``counted`` narrows what a set
    breaks to what the caller counts (R007 leaves out racks it exempts)."""
    sets = [((ident,), False)]
    with_grid = tuple(dict.fromkeys((ident, *grid)))
    if with_grid != (ident,):
        sets.append((with_grid, True))
    for failed, grid_lost in sets:
        b = judged.breaks(failed)
        if counted is not None:
            b = counted(b)
        if not b.ok:
            return b, grid_lost
    return None


def maintenance_message(s, c, b: Broken, grid_lost: bool = False) -> str:
    """R007's message for component ``c`` out of service breaking ``b``."""
    if not b.racks:
        fix = "give the rest the capacity to carry its load, or add a redundant unit"
    elif c.kind == "loop":
        fix = ("give a second path around it: a redundant header written as two loops "
               "(each unit listing both in `to:`)")
    elif c.kind in RACK_FACING_KINDS:
        fix = ("add a redundant unit: a second unit in the `cooling:` of its racks with "
               "the capacity to carry them alone")
    elif c.id in s.net.index and s.net.index[c.id][0] == "cooling":
        fix = ("add a redundant unit: a second one in the `to:` of what sends heat to it, "
               "with the capacity to take that heat alone")
    else:
        fix = ("give a second path around it: a second feed or busway from another "
               "source (each rack or unit listing both), or a redundant unit")
    when = " with every utility lost (on its generators)" if grid_lost else " with the rest live"
    return (f"{c.kind} {c.id} cannot be maintained{when}: with it out of service, "
            f"{describe(b)}; {fix}")


def check_maintenance(s) -> Iterator[Hit]:
    """R007: one component out for maintenance takes a rack down or another one over its limit.

    Runs when ``policy.checks_maintenance``; judged by :func:`maintenance_breaks` (racks
    with ``contingency: 0`` not counted, nothing the contingency sweep reports repeated).
    """
    if not s.layout.policy.checks_maintenance:
        return
    for c, b, _ in maintenance_breaks(s):
        yield Hit(c.id, maintenance_message(s, c, b), scenario=b.scenario, racks=b.racks)


_F = "resilience"
_NEEDS = ("normal",)  # the evaluated network; the sets are the layout's own
CHECKS = (
    Check("R005", "group-redundancy-missed", "error", _F,
          "a group misses its redundancy target (N+k: some k members failed; 2N: one side "
          "failed) under `failover_utilization`", check_groups, needs=_NEEDS,
          unasked=lambda layout: None if layout.groups else "not asked: the layout has no "
          "`groups:`"),
    Check("R006", "event-breaks", "error", _F,
          "a common-cause event (`fails:` or a `zone:`) takes a rack down or a component "
          "over `failover_utilization`", check_events, needs=_NEEDS,
          unasked=lambda layout: None if layout.events else "not asked: the layout has no "
          "`events:`"),
    Check("R007", "maintenance-breaks", "error", _F,
          "with `policy.maintenance` (or `tier` 3+): one component out of service, "
          "`failable: false` ones included, takes a rack down or a component over "
          "`failover_utilization`", check_maintenance, needs=_NEEDS,
          unasked=lambda layout: None if layout.policy.checks_maintenance else
          "not asked: `policy.maintenance` is not true and `policy.tier` is not 3 or more"),
)
