"""What a limit is: each component's normal and failover limits, and when a load is over one.

SPEC section 6: in normal operation a component may carry ``max_utilization`` of its
capacity (per kind, default 1.0); while components have failed, ``failover_utilization``
(default 1.0). A UPS must also carry its load for ``min_battery_min`` on battery. Loads
are compared with a relative tolerance, so a load exactly at its limit passes.

Every check, question and report asks this module; none multiplies a policy fraction
by a capacity itself.
"""
from __future__ import annotations

#: Relative tolerance when comparing a load with a limit: "exactly at the limit" passes.
TOLERANCE = 1e-9


def over(value, limit):
    """True when ``value`` exceeds ``limit`` beyond floating-point noise.

    Numbers give a bool; numpy arrays (hours, say) give one bool per element.
    """
    return value > limit * (1.0 + TOLERANCE) + 1e-12


def normal_limit(policy, kind: str) -> float:
    """``max_utilization`` of ``kind``: its normal-operation limit, a fraction of capacity."""
    return policy.max_utilization_of(kind)


def failover_limit(policy, kind: str) -> float:
    """``failover_utilization`` of ``kind``: its limit under failures, a fraction of capacity."""
    return policy.failover_utilization_of(kind)


def limit_of(policy, kind: str, *, failover: bool = False) -> float:
    """The normal or the failover limit of ``kind``, a fraction of capacity."""
    return failover_limit(policy, kind) if failover else normal_limit(policy, kind)


def limit_kw(policy, kind: str, capacity_kw, *, failover: bool = False):
    """Most a component of ``kind`` with ``capacity_kw`` may carry, kW.

    ``capacity_kw`` may be a numpy array: a dry cooler's capacity hour by hour, derated
    by the weather (:mod:`twin.physics.thermal`), gives its limit hour by hour.
    """
    return limit_of(policy, kind, failover=failover) * capacity_kw


def power_limit_kw(net, i: int, *, failover: bool = False) -> float:
    """Most output power component ``i`` of ``net`` may carry, kW (normal or failover)."""
    return limit_kw(net.layout.policy, net.power_kind[i], net.power_capacity_kw[i],
                    failover=failover)


def cooling_limit_kw(net, j: int, *, failover: bool = False) -> float | None:
    """Most heat cooling unit ``j`` of ``net`` may take, kW; ``None`` when it has no capacity."""
    cap = net.cooling_capacity_kw[j]
    if cap is None:
        return None
    return limit_kw(net.layout.policy, net.cooling_kind[j], cap, failover=failover)


def power_limits_kw(net, *, failover: bool = False) -> list[float]:
    """:func:`power_limit_kw` of every power component, in file order."""
    return [power_limit_kw(net, i, failover=failover) for i in range(len(net.power_ids))]


def cooling_limits_kw(net, *, failover: bool = False) -> list[float | None]:
    """:func:`cooling_limit_kw` of every cooling unit, in file order."""
    return [cooling_limit_kw(net, j, failover=failover) for j in range(len(net.cooling_ids))]


def battery_limit_kw(net, i: int) -> float | None:
    """Most load UPS ``i`` carries for ``policy.min_battery_min`` on battery, kW.

    ``battery_min × capacity_kw / min_battery_min`` (the battery holds ``battery_min``
    minutes at full rated load); ``None`` for a component without a battery to check.
    """
    c = net.layout.power[i]
    need = net.layout.policy.min_battery_min
    if c.kind != "ups" or c.battery_min is None or need <= 0:
        return None
    return c.battery_min * c.capacity_kw / need


def battery_runtime_min(battery_min: float, capacity_kw: float, load_kw: float) -> float:
    """Minutes a UPS rated ``battery_min`` at ``capacity_kw`` runs on battery at ``load_kw``."""
    return battery_min * capacity_kw / load_kw


def power_utilization(net, result, i: int) -> float:
    """Output load over capacity of power component ``i`` (a fraction)."""
    return result.power_out_kw[i] / net.power_capacity_kw[i]


def cooling_utilization(net, result, j: int) -> float | None:
    """Heat load over capacity of cooling unit ``j``; ``None`` when it has no capacity."""
    cap = net.cooling_capacity_kw[j]
    return None if cap is None else result.cooling_heat_kw[j] / cap
