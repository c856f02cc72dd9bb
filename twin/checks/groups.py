"""R005 and R006: the failure sets a layout states itself, groups and common-cause events.

A group promises a redundancy target (``N+k``: any ``k`` members may fail; ``2N``: either
side may fail whole); an event names what one cause takes out together (both utilities
in a grid outage, everything in a fire compartment). Each set is evaluated by the one
flow model (:func:`twin.physics.flow.evaluate`) with everything else live, whatever
``policy.contingency`` says, and judged by the rules of R001-R004: a rack is lost when it
is down for power or has no effective unit for a medium it needs (and was not so in
normal operation), and a component is over when its load passes its
``failover_utilization``. A group or event with none of that passes.

A zone event fails every component whose ``zone:`` is the zone; the racks in the zone
are lost with the room rather than reported, so they draw no power and make no heat.
``failable: false`` components are failed too: a group or an event states what the
design must survive, so it is checked as written.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from twin.checks import Check, Hit, when_failing
from twin.physics.flow import evaluate, in_file_order
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


def breaks(net, normal, failed, spared: frozenset = frozenset()) -> Broken:
    """Evaluate ``failed`` (ids) on ``net`` and say what it breaks (:class:`Broken`)."""
    result = evaluate(net, failed)
    return _judged(net, normal, failed, spared,
                   enumerate(zip(result.rack_up, result.rack_lost_media)),
                   enumerate(result.power_out_kw), enumerate(result.cooling_heat_kw))


def hot_in_normal(net, normal) -> tuple[frozenset, frozenset]:
    """Power and cooling indices over their failover limit in normal operation already:
    :func:`breaks_delta` looks at them whatever a set changes."""
    policy = net.layout.policy
    p = frozenset(i for i, (load, cap) in enumerate(zip(normal.power_out_kw,
                                                        net.power_capacity_kw))
                  if load > 0.0 and over(load / cap, failover_limit(policy, net.power_kind[i])))
    c = frozenset(j for j, (load, cap) in enumerate(zip(normal.cooling_heat_kw,
                                                        net.cooling_capacity_kw))
                  if cap is not None and load > 0.0
                  and over(load / cap, failover_limit(policy, net.cooling_kind[j])))
    return p, c


def breaks_delta(net, normal, delta, hot: tuple[frozenset, frozenset]) -> Broken:
    """:func:`breaks` of a set from the incremental engine's sparse delta
    (:meth:`twin.physics._engine.Engine.delta`): the same judgement, looking only at what
    the set changed and at ``hot`` (:func:`hot_in_normal`), the rest being as in normal
    operation, so a sweep over thousands of sets does not walk the whole network each time."""
    def values(changed: dict, dead: set, base: list, always: frozenset):
        for i in sorted(set(changed) | set(dead) | always):
            yield i, (0.0 if i in dead else changed.get(i, base[i]))

    racks = ((r, delta.racks[r]) for r in sorted(delta.racks))
    return _judged(net, normal, delta.failed, frozenset(), racks,
                   values(delta.power_out_kw, delta.dead_power, normal.power_out_kw, hot[0]),
                   values(delta.cooling_heat_kw, delta.dead_cooling, normal.cooling_heat_kw,
                          hot[1]))


def _judged(net, normal, failed, spared, racks, power, cooling) -> Broken:
    """The one judgement of a failure set, from its racks as (index, (up, lost media)) and
    its power and cooling loads as (index, kW), in index order: a rack is lost when it is
    down for power or without a unit for a medium and was not so in normal operation
    (leaving out ``spared``, lost with their zone); a component is over when its load
    passes its ``failover_utilization``."""
    lost = []
    for r, (up, media) in racks:
        if r in spared:
            continue
        if (not up and normal.rack_up[r]) or (up and media and not normal.rack_lost_media[r]):
            lost.append(net.rack_ids[r])
    policy = net.layout.policy
    hot = []
    for i, load in power:
        cap = net.power_capacity_kw[i]
        limit = failover_limit(policy, net.power_kind[i])
        if load > 0.0 and over(load / cap, limit):
            hot.append((net.power_ids[i], net.power_kind[i], load / cap, limit, cap))
    for j, load in cooling:
        cap = net.cooling_capacity_kw[j]
        if cap is None or load <= 0.0:
            continue
        limit = failover_limit(policy, net.cooling_kind[j])
        if over(load / cap, limit):
            hot.append((net.cooling_ids[j], net.cooling_kind[j], load / cap, limit, cap))
    hot.sort(key=lambda h: -h[2] / h[3])
    return Broken(in_file_order(net, failed), tuple(lost), tuple(hot))


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
    for group in layout.groups:
        sets = group.failure_sets()
        broken = [b for b in (breaks(s.net, s.normal, fs) for fs in sets) if not b.ok]
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


def event_breaks(s, event) -> tuple[Broken, tuple[str, ...], frozenset]:
    """What ``event`` breaks on the snapshot ``s``, the components it fails and the racks
    lost with its zone: R006's judgement, also the tier's compartmentalisation rule's."""
    failed, room = event_set(s.layout, event)
    net, spared = _without(s.net, room)
    normal = s.normal if net is s.net else evaluate(net)
    return breaks(net, normal, failed, spared), failed, room


def check_events(s) -> Iterator[Hit]:
    """R006: a common-cause event that takes racks down or overloads a component."""
    for event in s.layout.events:
        b, failed, room = event_breaks(s, event)
        if b.ok:
            continue
        cause = (f"zone {event.zone} ({len(failed)} component(s), {len(room)} rack(s) lost "
                 "with it)" if event.zone is not None else " and ".join(b.scenario))
        yield Hit(event.id, f"event {event.id} fails {cause}: {describe(b)}",
                  scenario=b.scenario, racks=b.racks)


_F = "resilience"
_NEEDS = ("normal",)  # the evaluated network; the sets are the layout's own
CHECKS = (
    Check("R005", "group-redundancy-missed", "error", _F,
          "a group misses its redundancy target (N+k: some k members failed; 2N: one side "
          "failed) under `failover_utilization`", check_groups, needs=_NEEDS),
    Check("R006", "event-breaks", "error", _F,
          "a common-cause event (`fails:` or a `zone:`) takes a rack down or a component "
          "over `failover_utilization`", check_events, needs=_NEEDS),
)
