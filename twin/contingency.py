"""Contingency sweep (SPEC section 7): every failure set of size 1..K.

K is the largest of ``policy.contingency`` and every rack's ``contingency``. R001/R003
count a rack only for sets no larger than its own contingency, and only when it is
not already down (for power; or without cooling) under a smaller subset. R002/R004
keep, per component, its highest utilization over the sets no larger than
``policy.contingency``, with the earliest set (enumeration order) that reaches it
within a relative 1e-9, so that rounding never changes which set is reported.

Two engines give the same answer: ``incremental`` (:mod:`twin.engine`, the default)
and ``reference`` (a full :func:`twin.flow.evaluate` per set, the baseline).
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from math import comb

from twin.engine import Engine
from twin.flow import FlowResult, Network, evaluate

ENGINES = ("incremental", "reference")
_TOL = 1e-9


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


class _Records:
    """Per component, the running maxima of utilization as (index, value, scenario).

    An entry is kept only when it beats every earlier one: a later, lower value is
    never the earliest set within tolerance of the maximum.
    """

    def __init__(self):
        self.records: dict[int, list] = {}

    def add(self, i: int, u: float, index: int, scenario) -> None:
        recs = self.records.get(i)
        if recs is None:
            self.records[i] = [(index, u, scenario)]
        elif u > recs[-1][1]:
            recs.append((index, u, scenario))

    def worst(self, extra: dict | None = None) -> dict[int, Worst]:
        """Each component's maximum and the earliest set within tolerance of it.

        ``extra`` adds one candidate per component, (index, value, scenario), out of order.
        """
        out = {}
        keys = set(self.records) | set(extra or ())
        for i in keys:
            cands = list(self.records.get(i, ()))
            if extra and i in extra:
                cands.append(extra[i])
            top = max(u for _, u, _ in cands)
            index, _, scenario = min((c for c in cands if c[1] >= top * (1 - _TOL)),
                                     key=lambda c: c[0])
            out[i] = Worst(top, scenario)
        return out


def rack_contingencies(net: Network, policy_k: int) -> list[int]:
    """Each rack's own contingency: its ``contingency`` or the policy's."""
    return [policy_k if r.contingency is None else r.contingency for r in net.layout.racks]


def failure_sets(net: Network, k: int):
    """All failure sets of size 1..k over failable components, smallest first, file order."""
    for size in range(1, k + 1):
        yield from combinations(net.failable, size)


def sweep(net: Network, normal: FlowResult, policy_k: int, *, progress=None,
          engine: str = "incremental") -> SweepResult:
    """Evaluate every failure set up to K = max(policy, racks' contingency)."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}")
    rack_k = rack_contingencies(net, policy_k)
    k = max([policy_k, *rack_k]) if rack_k else policy_k
    total = sum(comb(len(net.failable), s) for s in range(1, k + 1))
    run = _incremental if engine == "incremental" else _reference
    return run(net, normal, policy_k, k, rack_k, total, progress)


def _fresh(found, size, scenario, known, rack_k):
    subsets = [frozenset(s) for n in range(size) for s in combinations(scenario, n)]
    return [r for r in sorted(found) if rack_k[r] >= size
            and not any(r in known.get(sub, ()) for sub in subsets)]


def _reference(net, normal, policy_k, k, rack_k, total, progress) -> SweepResult:
    down_of = {frozenset(): _down(normal)}
    lost_of = {frozenset(): _lost(normal)}
    power_outages, cooling_outages = [], []
    p_rec, c_rec = _Records(), _Records()
    count = 0
    for scenario in failure_sets(net, k):
        result = evaluate(net, scenario)
        size = len(scenario)
        down, lost = _down(result), _lost(result)
        key = frozenset(scenario)
        if size < k:
            down_of[key], lost_of[key] = down, lost
        for found, known, outages in ((down, down_of, power_outages),
                                      (lost, lost_of, cooling_outages)):
            fresh = _fresh(found, size, scenario, known, rack_k)
            if fresh:
                outages.append(Outage(scenario, tuple(net.rack_ids[r] for r in fresh)))
        if size <= policy_k:
            for i, (load, cap) in enumerate(zip(result.power_out_kw, net.power_capacity_kw)):
                if load > 0.0:
                    p_rec.add(i, load / cap, count, scenario)
            for j, (load, cap) in enumerate(zip(result.cooling_heat_kw, net.cooling_capacity_kw)):
                if cap is not None and load > 0.0:
                    c_rec.add(j, load / cap, count, scenario)
        count += 1
        if progress is not None and count % 500 == 0:
            progress(count, total)
    if progress is not None:
        progress(count, total)
    return SweepResult(k, count, tuple(power_outages), tuple(cooling_outages),
                       p_rec.worst(), c_rec.worst())


def _incremental(net, normal, policy_k, k, rack_k, total, progress) -> SweepResult:
    eng = Engine(net, normal)
    base_down, base_lost = _down(normal), _lost(normal)
    down_of = {frozenset(): base_down}
    lost_of = {frozenset(): base_lost}
    power_outages, cooling_outages = [], []
    p_rec, c_rec = _Records(), _Records()
    # the first set that leaves each component untouched (its load is then the normal one)
    p_next = [0] * len(net.power_ids)
    c_next = [0] * len(net.cooling_ids)
    p_first_untouched: dict[int, int] = {}
    c_first_untouched: dict[int, int] = {}
    p_cap, c_cap = net.power_capacity_kw, net.cooling_capacity_kw
    count = 0
    worst_sets = sum(comb(len(net.failable), s) for s in range(1, policy_k + 1))
    for scenario in failure_sets(net, k):
        d = eng.delta(scenario)
        size = len(scenario)
        down = {r for r, (up, _) in d.racks.items() if not up}
        lost = {r for r, (up, media) in d.racks.items() if up and media}
        key = frozenset(scenario)
        if size < k:
            down_of[key] = base_down | down
            lost_of[key] = (base_lost - set(d.racks)) | lost
        for found, known, outages in ((down, down_of, power_outages),
                                      (lost, lost_of, cooling_outages)):
            if found:
                fresh = _fresh(found, size, scenario, known, rack_k)
                if fresh:
                    outages.append(Outage(scenario, tuple(net.rack_ids[r] for r in fresh)))
        if size <= policy_k:
            for i, load in d.power_out_kw.items():
                _track(p_next, p_first_untouched, i, count)
                if load > 0.0:
                    p_rec.add(i, load / p_cap[i], count, scenario)
            for j, load in d.cooling_heat_kw.items():
                _track(c_next, c_first_untouched, j, count)
                if c_cap[j] is not None and load > 0.0:
                    c_rec.add(j, load / c_cap[j], count, scenario)
        count += 1
        if progress is not None and count % 2000 == 0:
            progress(count, total)
    if progress is not None:
        progress(count, total)
    sets = list(failure_sets(net, policy_k)) if worst_sets else []
    p_extra = _untouched(normal.power_out_kw, p_cap, p_next, p_first_untouched, worst_sets, sets)
    c_extra = _untouched(normal.cooling_heat_kw, c_cap, c_next, c_first_untouched, worst_sets,
                         sets)
    return SweepResult(k, count, tuple(power_outages), tuple(cooling_outages),
                       p_rec.worst(p_extra), c_rec.worst(c_extra))


def _track(nxt: list, first: dict, i: int, index: int) -> None:
    """Note that component ``i`` was touched by set ``index`` (sets come in order)."""
    if i in first:
        return
    if nxt[i] == index:
        nxt[i] = index + 1
    else:  # some set between nxt[i] and index left it untouched
        first[i] = nxt[i]


def _untouched(loads, caps, nxt, first, n_sets, sets) -> dict:
    """Per component with a normal load, the first set that leaves it at that load."""
    out = {}
    for i, load in enumerate(loads):
        if caps[i] is None or load <= 0.0:
            continue
        index = first.get(i, nxt[i])
        if index < n_sets:
            out[i] = (index, load / caps[i], sets[index])
    return out


def _down(result: FlowResult) -> frozenset:
    return frozenset(k for k, up in enumerate(result.rack_up) if not up)


def _lost(result: FlowResult) -> frozenset:
    return frozenset(k for k, media in enumerate(result.rack_lost_media) if media)
