"""R checks: racks and components under failure sets (SPEC section 7), from the sweep."""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from twin.checks import Check, Hit, in_file_order, when_failing
from twin.checks.explain import loop_note
from twin.physics.limits import failover_limit, over


def _lost_message(scenario, racks, what: str) -> str:
    shown = ", ".join(racks[:5]) + (f" and {len(racks) - 5} more" if len(racks) > 5 else "")
    return f"{when_failing(scenario)}, {len(racks)} rack(s) lose {what}: {shown}"


def _lost(s, outages, what: str) -> Iterator[Hit]:
    for outage in outages:
        scenario = in_file_order(s.layout, outage.scenario)
        yield Hit(scenario[0], _lost_message(scenario, outage.racks, what), scenario=scenario,
                  racks=outage.racks)


def check_power_lost(s) -> Iterator[Hit]:
    """R001: under a failure set a rack that must survive it is down for power."""
    yield from _lost(s, s.sweep.power_outages, "power")


def check_cooling_lost(s) -> Iterator[Hit]:
    """R003: under a failure set a rack that must survive it has no effective unit for a medium."""
    for hit in _lost(s, s.sweep.cooling_outages, "cooling"):
        note = loop_note(s.layout, hit.scenario)  # a loop in the set: its default, the fix
        yield dataclasses.replace(hit, message=hit.message + note) if note else hit


def _overloads(layout, components, worst: dict) -> Iterator[Hit]:
    for i, c in enumerate(components):
        w = worst.get(i)
        if w is None:
            continue
        limit = failover_limit(layout.policy, c.kind)
        if over(w.utilization, limit):
            scenario = in_file_order(layout, w.scenario)
            # rounded first so that the last bits of a sum never flip the shown digit
            yield Hit(c.id, f"{c.kind} {c.id} reaches {round(w.utilization, 9):.1%} of its "
                      f"{c.capacity_kw:,.1f} kW capacity {when_failing(scenario)} "
                      f"(failover limit {limit:.0%})",
                      scenario=scenario, data=(("utilization", w.utilization),))


def check_power_overload(s) -> Iterator[Hit]:
    """R002: a power component over ``failover_utilization`` under its worst failure set."""
    yield from _overloads(s.layout, s.layout.power, s.sweep.power_worst)


def check_cooling_overload(s) -> Iterator[Hit]:
    """R004: a cooling component over ``failover_utilization`` under its worst failure set."""
    yield from _overloads(s.layout, s.layout.cooling, s.sweep.cooling_worst)


_F = "resilience"
_NEEDS = ("sweep",)  # what the runner must give these checks (checks/runner.py)
CHECKS = (
    Check("R001", "rack-power-lost", "error", _F,
          "under a failure set, a rack that must survive it is down for power", check_power_lost, needs=_NEEDS),
    Check("R002", "power-failover-overload", "error", _F,
          "under some failure set, a power component is over `failover_utilization`",
          check_power_overload, needs=_NEEDS),
    Check("R003", "rack-cooling-lost", "error", _F,
          "under a failure set, a rack that must survive it has no effective unit for a medium",
          check_cooling_lost, needs=_NEEDS),
    Check("R004", "cooling-failover-overload", "error", _F,
          "under some failure set, a cooling component is over `failover_utilization`",
          check_cooling_overload, needs=_NEEDS),
)
