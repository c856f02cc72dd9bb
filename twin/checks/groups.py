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


def _lost(result, base_down, base_lost, spared) -> list[int]:
    """Racks down for power or without cooling under ``result`` but not in normal operation,
    leaving out those of ``spared`` (lost with their zone)."""
    out = []
    for r, up in enumerate(result.rack_up):
        if r in spared:
            continue
        if (not up and r not in base_down) or (up and result.rack_lost_media[r]
                                               and r not in base_lost):
            out.append(r)
    return out


def breaks(net, normal, failed, spared: frozenset = frozenset()) -> Broken:
    """Evaluate ``failed`` (ids) on ``net`` and say what it breaks (:class:`Broken`)."""
    result = evaluate(net, failed)
    base_down = {r for r, up in enumerate(normal.rack_up) if not up}
    base_lost = {r for r, media in enumerate(normal.rack_lost_media) if media}
    racks = tuple(net.rack_ids[r] for r in _lost(result, base_down, base_lost, spared))
    policy = net.layout.policy
    hot = []
    for i, (load, cap) in enumerate(zip(result.power_out_kw, net.power_capacity_kw)):
        limit = failover_limit(policy, net.power_kind[i])
        if load > 0.0 and over(load / cap, limit):
            hot.append((net.power_ids[i], net.power_kind[i], load / cap, limit, cap))
    for j, (load, cap) in enumerate(zip(result.cooling_heat_kw, net.cooling_capacity_kw)):
        if cap is None or load <= 0.0:
            continue
        limit = failover_limit(policy, net.cooling_kind[j])
        if over(load / cap, limit):
            hot.append((net.cooling_ids[j], net.cooling_kind[j], load / cap, limit, cap))
    hot.sort(key=lambda h: -h[2] / h[3])
    return Broken(in_file_order(net, failed), racks, tuple(hot))


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


def check_events(s) -> Iterator[Hit]:
    """R006: a common-cause event that takes racks down or overloads a component."""
    layout = s.layout
    for event in layout.events:
        failed, room = event_set(layout, event)
        net, spared = _without(s.net, room)
        normal = s.normal if net is s.net else evaluate(net)
        b = breaks(net, normal, failed, spared)
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
