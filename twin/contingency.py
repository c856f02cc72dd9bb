"""Contingency sweep (SPEC section 7): every failure set of size 1..K through the engine.

R001/R003 count a rack only for sets no larger than its own contingency and only when
it is not already down (for power; or without cooling) under a smaller subset. R002/R004
keep, per component, the worst set no larger than ``policy.contingency``.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from twin.flow import FlowResult, Network, evaluate


@dataclass(frozen=True, slots=True)
class Outage:
    """Racks (ids, file order) that a failure set newly takes down."""

    scenario: tuple[str, ...]
    racks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Worst:
    """A component's highest utilization under any failure set, and that set."""

    utilization: float
    scenario: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SweepResult:
    """What the sweep found: outages per set, worst failover utilization per component."""

    k: int
    scenarios: int
    power_outages: tuple[Outage, ...]
    cooling_outages: tuple[Outage, ...]
    power_worst: dict  # power index -> Worst
    cooling_worst: dict  # cooling index -> Worst


def rack_contingencies(net: Network, policy_k: int) -> list[int]:
    """Each rack's own contingency: its ``contingency`` or the policy's."""
    return [policy_k if r.contingency is None else r.contingency for r in net.layout.racks]


def failure_sets(net: Network, k: int):
    """All failure sets of size 1..k over failable components, smallest first, file order."""
    for size in range(1, k + 1):
        yield from combinations(net.failable, size)


def sweep(net: Network, normal: FlowResult, policy_k: int, *, progress=None) -> SweepResult:
    """Evaluate every failure set up to K = max(policy, racks' contingency)."""
    rack_k = rack_contingencies(net, policy_k)
    k = max([policy_k, *rack_k]) if rack_k else policy_k
    down_of: dict[frozenset, frozenset] = {frozenset(): _down(normal)}
    lost_of: dict[frozenset, frozenset] = {frozenset(): _lost(normal)}
    power_outages, cooling_outages = [], []
    power_worst: dict[int, Worst] = {}
    cooling_worst: dict[int, Worst] = {}
    count = 0
    total = sum(_n_choose(len(net.failable), s) for s in range(1, k + 1))
    for scenario in failure_sets(net, k):
        count += 1
        if progress is not None and count % 500 == 0:
            progress(count, total)
        result = evaluate(net, scenario)
        key = frozenset(scenario)
        size = len(scenario)
        down, lost = _down(result), _lost(result)
        if size < k:
            down_of[key], lost_of[key] = down, lost
        subsets = [frozenset(s) for n in range(size) for s in combinations(scenario, n)]
        for found, known, outages in ((down, down_of, power_outages),
                                      (lost, lost_of, cooling_outages)):
            fresh = [r for r in sorted(found) if rack_k[r] >= size
                     and not any(r in known.get(sub, ()) for sub in subsets)]
            if fresh:
                outages.append(Outage(scenario, tuple(net.rack_ids[r] for r in fresh)))
        if size <= policy_k:
            _keep_worst(power_worst, result.power_out_kw, net.power_capacity_kw, scenario)
            _keep_worst(cooling_worst, result.cooling_heat_kw, net.cooling_capacity_kw, scenario)
    if progress is not None:
        progress(count, total)
    return SweepResult(k, count, tuple(power_outages), tuple(cooling_outages),
                       power_worst, cooling_worst)


def _down(result: FlowResult) -> frozenset:
    return frozenset(k for k, up in enumerate(result.rack_up) if not up)


def _lost(result: FlowResult) -> frozenset:
    return frozenset(k for k, media in enumerate(result.rack_lost_media) if media)


def _keep_worst(worst: dict, loads, capacities, scenario) -> None:
    for i, (load, cap) in enumerate(zip(loads, capacities)):
        if cap is None or load <= 0.0:
            continue
        u = load / cap
        best = worst.get(i)
        if best is None or u > best.utilization:
            worst[i] = Worst(u, scenario)


def _n_choose(n: int, k: int) -> int:
    from math import comb
    return comb(n, k)
