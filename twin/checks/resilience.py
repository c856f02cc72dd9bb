"""R checks: racks and components under failure sets (SPEC section 7), from the sweep."""
from __future__ import annotations

from typing import Iterator

from twin.checks import Check, Hit
from twin.snapshot import over


def _lost_message(outage, what: str) -> str:
    racks = outage.racks
    shown = ", ".join(racks[:5]) + (f" and {len(racks) - 5} more" if len(racks) > 5 else "")
    failing = " and ".join(outage.scenario)
    verb = "fails" if len(outage.scenario) == 1 else "fail"
    return f"when {failing} {verb}, {len(racks)} rack(s) lose {what}: {shown}"


def check_power_lost(s) -> Iterator[Hit]:
    """R001: under a failure set a rack that must survive it is down for power."""
    for outage in s.sweep.power_outages:
        yield Hit(outage.scenario[0], _lost_message(outage, "power"), scenario=outage.scenario,
                  racks=outage.racks)


def check_cooling_lost(s) -> Iterator[Hit]:
    """R003: under a failure set a rack that must survive it has no effective unit for a medium."""
    for outage in s.sweep.cooling_outages:
        yield Hit(outage.scenario[0], _lost_message(outage, "cooling"), scenario=outage.scenario,
                  racks=outage.racks)


def _overloads(components, worst: dict, limit_of) -> Iterator[Hit]:
    for i, c in enumerate(components):
        w = worst.get(i)
        if w is None:
            continue
        limit = limit_of(c.kind)
        if over(w.utilization, limit):
            failing = " and ".join(w.scenario)
            yield Hit(c.id, f"{c.kind} {c.id} reaches {w.utilization:.1%} of its "
                      f"{c.capacity_kw:,.1f} kW capacity when {failing} "
                      f"{'fails' if len(w.scenario) == 1 else 'fail'} (failover limit {limit:.0%})",
                      scenario=w.scenario, data=(("utilization", w.utilization),))


def check_power_overload(s) -> Iterator[Hit]:
    """R002: a power component over ``failover_utilization`` under its worst failure set."""
    yield from _overloads(s.layout.power, s.sweep.power_worst,
                          s.layout.policy.failover_utilization_of)


def check_cooling_overload(s) -> Iterator[Hit]:
    """R004: a cooling component over ``failover_utilization`` under its worst failure set."""
    yield from _overloads(s.layout.cooling, s.sweep.cooling_worst,
                          s.layout.policy.failover_utilization_of)


_F = "resilience"
CHECKS = (
    Check("R001", "rack-power-lost", "error", _F,
          "under a failure set, a rack that must survive it is down for power", check_power_lost),
    Check("R002", "power-failover-overload", "error", _F,
          "under some failure set, a power component is over `failover_utilization`",
          check_power_overload),
    Check("R003", "rack-cooling-lost", "error", _F,
          "under a failure set, a rack that must survive it has no effective unit for a medium",
          check_cooling_lost),
    Check("R004", "cooling-failover-overload", "error", _F,
          "under some failure set, a cooling component is over `failover_utilization`",
          check_cooling_overload),
)
