"""P checks: the power chain in normal operation (load limits, battery, fuel)."""
from __future__ import annotations

from collections.abc import Iterator

from twin.checks import Check, Hit
from twin.physics.limits import battery_runtime_min, normal_limit, over, power_limit_kw


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
    """P003: UPS runtime ``battery_min × capacity / load`` below ``min_battery_min``."""
    need = s.layout.policy.min_battery_min
    for i, c in enumerate(s.layout.power):
        load = s.normal.power_out_kw[i]
        if c.kind != "ups" or c.battery_min is None or load <= 0.0:
            continue
        runtime = battery_runtime_min(c.battery_min, c.capacity_kw, load)
        if over(need, runtime):
            yield Hit(c.id, f"ups {c.id} runs {runtime:.2f} min on battery at its {load:,.1f} kW "
                      f"load, below the {need:g} min policy.min_battery_min",
                      at=f"{c.id}.battery_min", data=(("runtime_min", runtime),))


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
          "UPS runtime at its load below `min_battery_min`", check_battery, needs=_NEEDS),
    Check("P004", "fuel-short", "error", _F, "generator `fuel_h` below `min_fuel_h`", check_fuel, needs=_NEEDS),
)
