"""P checks: the power chain in normal operation (load limits, battery, fuel).

P003 also reads the sweep: a UPS's battery runtime is checked at its worst failure set
too (SPEC section 12), from the per-component worst loads the sweep keeps for R002.
"""
from __future__ import annotations

from collections.abc import Iterator

from twin.checks import Check, Hit, in_file_order, when_failing
from twin.physics.limits import battery_runtime_min, normal_limit, over, power_limit_kw
from twin.physics.outage import ups_gaps


def check_over_limit(s) -> Iterator[Hit]:
    """P001: output load above ``max_utilization`` × capacity in normal operation."""
    policy = s.layout.policy
    for i, c in enumerate(s.layout.power):
        load, limit = s.normal.power_out_kw[i], normal_limit(policy, c.kind)
        if over(load, power_limit_kw(s.net, i)):
            yield Hit(c.id, f"{c.kind} {c.id} carries {load:,.1f} kW of {c.capacity_kw:,.1f} kW "
                      f"({load / c.capacity_kw:.1%}), over its {limit:.0%} limit in normal "
                      "operation",
                      data=(("load_kw", load), ("capacity_kw", c.capacity_kw), ("limit", limit)))


def check_battery(s) -> Iterator[Hit]:
    """P003: UPS runtime ``battery_min × capacity / load`` below ``min_battery_min``.

    Checked in normal operation; in a utility outage, against the seconds until the
    power behind the UPS returns (the generators' ``start_s``); and at the UPS's worst
    failure set no larger than ``policy.contingency`` (the set R002 weighs: the highest
    load is the shortest runtime), when that set loads it more than normal operation
    does: at most one finding of each per UPS, the second with the set as its
    ``scenario``.
    """
    need = s.layout.policy.min_battery_min
    worst = s.sweep.power_worst if s.sweep is not None else {}
    # a utility outage: the power behind each UPS goes and returns (the generators)
    gaps = ups_gaps(s.net) if "utility" in s.net.power_kind else {}
    for i, c in enumerate(s.layout.power):
        if c.kind != "ups" or c.battery_min is None:
            continue
        load = s.normal.power_out_kw[i]
        if load > 0.0:
            runtime = battery_runtime_min(c.battery_min, c.capacity_kw, load)
            if over(need, runtime):
                yield Hit(c.id, f"ups {c.id} runs {runtime:.2f} min on battery at its "
                          f"{load:,.1f} kW load, below the {need:g} min "
                          f"policy.min_battery_min{_battery_fix(c, load, need)}",
                          at=f"{c.id}.battery_min", data=(("runtime_min", runtime),))
        if i in gaps and load > 0.0:
            yield from _outlasts(c, load, *gaps[i])
        w = worst.get(i)
        if w is None:
            continue
        failed_load = w.utilization * c.capacity_kw
        if not over(failed_load, load):
            continue  # no set loads it beyond normal operation: the check above covers it
        runtime = battery_runtime_min(c.battery_min, c.capacity_kw, failed_load)
        if over(need, runtime):
            scenario = in_file_order(s.layout, w.scenario)
            yield Hit(c.id, f"ups {c.id} runs {runtime:.2f} min on battery at "
                      f"{failed_load:,.1f} kW {when_failing(scenario)} (its worst failure set; "
                      f"{load:,.1f} kW in normal operation), below the {need:g} min "
                      f"policy.min_battery_min{_battery_fix(c, failed_load, need)}",
                      scenario=scenario, at=f"{c.id}.battery_min",
                      data=(("runtime_min", runtime), ("load_kw", failed_load)))


def _outlasts(c, load: float, gone_s: float, back_s: float) -> Iterator[Hit]:
    """P003 in a utility outage: the battery must carry the load until the power behind
    the UPS returns (the generators' ``start_s``), ``back_s − gone_s`` seconds."""
    runtime = battery_runtime_min(c.battery_min, c.capacity_kw, load)
    gap = back_s - gone_s
    if not over(gap, 60.0 * runtime):
        return
    need = gap / 60.0
    yield Hit(c.id, f"ups {c.id} runs {runtime:.2f} min on battery at its {load:,.1f} kW "
              f"load, shorter than the {gap:,.4g} s until the generators carry the load "
              f"(start_s) in a utility outage: what it feeds goes down at "
              f"{60.0 * runtime:,.4g} s{_battery_fix(c, load, need)}, or a faster "
              "generator start",
              at=f"{c.id}.battery_min", data=(("runtime_min", runtime), ("gap_s", gap)))


def _battery_fix(c, load: float, need: float) -> str:
    """The fix: the battery_min, or the capacity_kw, that lasts ``need`` minutes at ``load``."""
    return (f"; give it battery_min >= {need * load / c.capacity_kw:.2f} min (or capacity_kw "
            f">= {need * load / c.battery_min:,.1f} kW)" if c.battery_min > 0 else
            f"; give it battery_min >= {need * load / c.capacity_kw:.2f} min")


def check_fuel(s) -> Iterator[Hit]:
    """P004: generator ``fuel_h`` below ``min_fuel_h``."""
    need = s.layout.policy.min_fuel_h
    for c in s.layout.power:
        if c.kind == "generator" and c.fuel_h is not None and over(need, c.fuel_h):
            yield Hit(c.id, f"generator {c.id} has {c.fuel_h:g} h of fuel at full load, below the "
                      f"{need:g} h policy.min_fuel_h", at=f"{c.id}.fuel_h")


_F = "power"
_NEEDS = ("normal",)  # what the runner must give these checks (checks/runner.py)
CHECKS = (
    Check("P001", "power-over-limit", "error", _F,
          "power component over its limit in normal operation", check_over_limit, needs=_NEEDS),
    Check("P003", "battery-runtime-short", "error", _F,
          "UPS runtime at its load below `min_battery_min`", check_battery,
          needs=("normal", "sweep")),
    Check("P004", "fuel-short", "error", _F, "generator `fuel_h` below `min_fuel_h`", check_fuel, needs=_NEEDS),
)
