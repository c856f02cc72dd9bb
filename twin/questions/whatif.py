"""What-if: one failure set asked of a snapshot: down, overloaded, short batteries, KPIs after.

A what-if is a derived snapshot (Batfish's word): the same flow evaluator with the
named components failed, read with the same failover limits as the R checks.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from twin.core import Finding
from twin.physics.flow import evaluate
from twin.physics.kpis import kpis
from twin.physics.limits import (
    battery_runtime_min,
    cooling_utilization,
    failover_limit,
    over,
    power_utilization,
)
from twin.physics.snapshot import Snapshot


@dataclass(frozen=True, slots=True)
class Overload:
    """A component over its limit in a what-if: load and capacity in kW, utilization 0..1."""

    component: str
    kind: str
    load_kw: float
    capacity_kw: float
    utilization: float
    limit: float


@dataclass(frozen=True, slots=True)
class BatteryShort:
    """A UPS whose battery lasts less than ``policy.min_battery_min`` at its what-if load
    (P003's rule): load in kW, runtime and the minimum in minutes."""

    component: str
    load_kw: float
    runtime_min: float
    min_battery_min: float


@dataclass(frozen=True, slots=True)
class WhatIf:
    """One failure set: what is down, what is overloaded, and the KPIs after it."""

    file: str
    failed: tuple[str, ...]
    down: tuple[str, ...] = ()
    racks_down: tuple[str, ...] = ()
    racks_without_cooling: tuple[tuple[str, tuple[str, ...]], ...] = ()
    overloaded: tuple[Overload, ...] = ()
    kpis: dict | None = None
    findings: tuple[Finding, ...] = field(default=())
    battery_short: tuple[BatteryShort, ...] = ()

    def as_dict(self) -> dict:
        return {
            "file": self.file, "failed": list(self.failed), "down": list(self.down),
            "racks_down": list(self.racks_down),
            "racks_without_cooling": [{"rack": r, "media": list(m)}
                                      for r, m in self.racks_without_cooling],
            "overloaded": [vars_of(o) for o in self.overloaded],
            "battery_short": [vars_of(b) for b in self.battery_short], "kpis": self.kpis,
            "findings": [f.as_dict() for f in self.findings],
        }


def vars_of(obj) -> dict:
    return {name: getattr(obj, name) for name in obj.__slots__}


def ask(snap: Snapshot, fail: Iterable[str]) -> WhatIf:
    """The what-if of failing ``fail`` (known component ids) in a clean snapshot."""
    model, net = snap.layout, snap.net
    result = evaluate(net, fail)
    policy = model.policy
    down = [c.id for i, c in enumerate(model.power) if not result.power_live[i]]
    down += [u.id for j, u in enumerate(model.cooling) if not result.cooling_effective[j]]
    overloads = []
    for i, c in enumerate(model.power):
        u, limit = power_utilization(net, result, i), failover_limit(policy, c.kind)
        if over(u, limit):
            overloads.append(Overload(c.id, c.kind, result.power_out_kw[i], c.capacity_kw, u,
                                      limit))
    for j, c in enumerate(model.cooling):
        u, limit = cooling_utilization(net, result, j), failover_limit(policy, c.kind)
        if u is not None and over(u, limit):
            overloads.append(Overload(c.id, c.kind, result.cooling_heat_kw[j], c.capacity_kw, u,
                                      limit))
    need = policy.min_battery_min
    short = []
    for i, c in enumerate(model.power):
        load = result.power_out_kw[i]
        if c.kind == "ups" and c.battery_min is not None and load > 0.0:
            runtime = battery_runtime_min(c.battery_min, c.capacity_kw, load)
            if over(need, runtime):
                short.append(BatteryShort(c.id, load, runtime, need))
    return WhatIf(
        model.file, result.failed, tuple(down),
        tuple(r for r, up in zip(net.rack_ids, result.rack_up, strict=True) if not up),
        tuple((r, m) for r, m in zip(net.rack_ids, result.rack_lost_media, strict=True) if m),
        tuple(overloads), kpis(net, result), battery_short=tuple(short))
