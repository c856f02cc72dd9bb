"""Contingency sweep (SPEC section 7): every failure set of size 1..K.

K is the largest of ``policy.contingency`` and every rack's ``contingency``. R001/R003
count a rack only for sets no larger than its own contingency, and only when it is
not already down (for power; or without cooling) under a smaller subset. R002/R004
keep, per component, its highest utilization over the sets no larger than
``policy.contingency``, with the earliest set (enumeration order) that reaches it
within a relative 1e-9, so that rounding never changes which set is reported.

Two engines give the same answer: ``incremental`` (:mod:`twin.physics._engine`, the default)
and ``reference`` (a full :func:`twin.physics.flow.evaluate` per set, the baseline).
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from math import comb

from twin.physics._engine import Engine
from twin.physics.flow import FlowResult, Network, evaluate

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


def scenario_results(net: Network, normal: FlowResult, scenarios):
    """The full :class:`FlowResult` of each failure set of ``scenarios`` (tuples of ids).

    From the incremental engine the sweep uses, so every figure is the one the sweep
    weighed (the worst case it reported is this result's, to the last bit).
    """
    engine = Engine(net, normal)
    for scenario in scenarios:
        yield engine.result(scenario)


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
    """Singles through the engine; pairs only where two footprints meet, the rest by sum.

    Two failures a and b are independent when neither's footprint (the entities whose
    local rule it changes: dead, or a source, feed, target or unit of theirs died)
    meets the other's footprint or the entities whose load the other changes. Then no
    rack goes down under {a, b} that neither takes down alone, and loads add exactly:
    load(a, b) = normal + delta(a) + delta(b). Only dependent pairs are evaluated; for
    R002/R004 the independent pairs are folded in per component from the largest
    positive single deltas.
    """
    eng = Engine(net, normal)
    base_down, base_lost = _down(normal), _lost(normal)
    failable = net.failable
    n1 = len(failable)
    pairs_needed = k >= 2
    power_outages, cooling_outages = [], []
    p_rec, c_rec = _Records(), _Records()
    p_next, c_next = [0] * len(net.power_ids), [0] * len(net.cooling_ids)
    p_first_untouched: dict[int, int] = {}
    c_first_untouched: dict[int, int] = {}
    p_cap, c_cap = net.power_capacity_kw, net.cooling_capacity_kw
    base_p, base_c = normal.power_out_kw, normal.cooling_heat_kw
    footprints, single_down, single_lost, p_deltas, c_deltas = [], [], [], [], []
    count = 0
    p_add, c_add = p_rec.add, c_rec.add
    for a, x in enumerate(failable):
        scenario = (x,)
        d = eng.delta(scenario, footprint=pairs_needed)
        down = {r for r, (up, _) in d.racks.items() if not up}
        lost = {r for r, (up, media) in d.racks.items() if up and media}
        for found, known, outages in ((down, base_down, power_outages),
                                      (lost, base_lost, cooling_outages)):
            fresh = [r for r in sorted(found) if rack_k[r] >= 1 and r not in known]
            if fresh:
                outages.append(Outage(scenario, tuple(net.rack_ids[r] for r in fresh)))
        if policy_k >= 1:
            for i, load in d.power_out_kw.items():
                if i not in p_first_untouched:  # _track, inlined: the hot loop
                    if p_next[i] == a:
                        p_next[i] = a + 1
                    else:
                        p_first_untouched[i] = p_next[i]
                if load > 0.0:
                    p_add(i, load / p_cap[i], a, scenario)
            for j, load in d.cooling_heat_kw.items():
                if j not in c_first_untouched:
                    if c_next[j] == a:
                        c_next[j] = a + 1
                    else:
                        c_first_untouched[j] = c_next[j]
                if c_cap[j] is not None and load > 0.0:
                    c_add(j, load / c_cap[j], a, scenario)
        if pairs_needed:
            n_p = len(net.power_ids)
            footprints.append((d.footprint, frozenset(d.power_out_kw).union(
                n_p + j for j in d.cooling_heat_kw)))
            single_down.append(down)
            single_lost.append((base_lost - set(d.racks)) | lost)
            if policy_k >= 2:
                p_deltas.append({i: v - base_p[i] for i, v in d.power_out_kw.items()})
                c_deltas.append({j: v - base_c[j] for j, v in d.cooling_heat_kw.items()})
        count += 1
        if progress is not None and count % 2000 == 0:
            progress(count, total)
    # only single sets are ever indexed here (index < n1); listing every pair as well
    # took O(n²) memory: 56 million tuples, some 4 GB, for the 1 GW campus under N-2
    sets = [(x,) for x in failable] if policy_k else []
    p_extra = _untouched(base_p, p_cap, p_next, p_first_untouched, min(n1, len(sets)), sets)
    c_extra = _untouched(base_c, c_cap, c_next, c_first_untouched, min(n1, len(sets)), sets)
    p_worst, c_worst = p_rec.worst(p_extra), c_rec.worst(c_extra)
    if pairs_needed:
        evaluated = _pairs(net, eng, failable, footprints, single_down, single_lost, base_down,
                           base_lost, rack_k, policy_k, p_deltas, c_deltas, p_worst, c_worst,
                           power_outages, cooling_outages, progress, total)
        count += evaluated
    if progress is not None:
        progress(total, total)
    return SweepResult(k, total, tuple(power_outages), tuple(cooling_outages), p_worst, c_worst)


def _pair_index(n: int, a: int, b: int) -> int:
    """Position of pair (a, b), a < b, in ``combinations(range(n), 2)``, after the n singles."""
    return n + a * (2 * n - a - 1) // 2 + (b - a - 1)


def _pairs(net, eng, failable, footprints, single_down, single_lost, base_down, base_lost,
           rack_k, policy_k, p_deltas, c_deltas, p_worst, c_worst, power_outages,
           cooling_outages, progress, total) -> int:
    """Evaluate the interacting pairs; fold every pair into the worst-case records."""
    n = len(failable)
    changed_by: dict[int, list[int]] = {}  # entity -> failures that change its rule
    loaded_by: dict[int, list[int]] = {}  # entity -> failures that change its load only
    for a, (fp, touched) in enumerate(footprints):
        for e in fp:
            changed_by.setdefault(e, []).append(a)
        for e in touched - fp:
            loaded_by.setdefault(e, []).append(a)
    interacting = set()
    for e, changers in changed_by.items():
        interacting.update(combinations(changers, 2))
        for a in changers:
            for b in loaded_by.get(e, ()):
                interacting.add((a, b) if a < b else (b, a))
    p_cap, c_cap = net.power_capacity_kw, net.cooling_capacity_kw
    base_p, base_c = eng.normal.power_out_kw, eng.normal.cooling_heat_kw
    p_cands: dict[int, list] = {}
    c_cands: dict[int, list] = {}
    done = n
    for a, b in sorted(interacting):
        scenario = (failable[a], failable[b])
        d = eng.delta(scenario)
        down = {r for r, (up, _) in d.racks.items() if not up}
        lost = {r for r, (up, media) in d.racks.items() if up and media}
        fresh = [r for r in sorted(down) if rack_k[r] >= 2 and r not in base_down
                 and r not in single_down[a] and r not in single_down[b]]
        if fresh:
            power_outages.append(Outage(scenario, tuple(net.rack_ids[r] for r in fresh)))
        fresh = [r for r in sorted(lost) if rack_k[r] >= 2 and r not in base_lost
                 and r not in single_lost[a] and r not in single_lost[b]]
        if fresh:
            cooling_outages.append(Outage(scenario, tuple(net.rack_ids[r] for r in fresh)))
        if policy_k >= 2:
            index = _pair_index(n, a, b)
            for i, load in d.power_out_kw.items():
                if load > 0.0:
                    p_cands.setdefault(i, []).append((index, load / p_cap[i], scenario))
            for j, load in d.cooling_heat_kw.items():
                if c_cap[j] is not None and load > 0.0:
                    c_cands.setdefault(j, []).append((index, load / c_cap[j], scenario))
        done += 1
        if progress is not None and done % 2000 == 0:
            progress(done, total)
    if policy_k >= 2:
        _fold_pairs(failable, p_deltas, base_p, p_cap, interacting, p_cands, p_worst)
        _fold_pairs(failable, c_deltas, base_c, c_cap, interacting, c_cands, c_worst)
    return len(interacting)


def _fold_pairs(failable, deltas, base, caps, interacting, cands, worst: dict) -> None:
    """Add the pairs' candidates to each component's worst case (in place).

    Non-interacting pairs load a component with normal + delta(a) + delta(b); only pairs
    of two positive deltas can beat every single set, so those are enumerated from the
    largest down, stopping once no pair can reach the current maximum.
    """
    n = len(failable)
    positive: dict[int, list] = {}
    for a, per in enumerate(deltas):
        for i, dv in per.items():
            if dv > 0.0:
                positive.setdefault(i, []).append((dv, a))
    for i in set(positive) | set(cands):
        cap = caps[i]
        if cap is None:
            continue
        current = worst.get(i)
        top = current.utilization if current else 0.0
        found = list(cands.get(i, ()))
        top = max([top, *(u for _, u, _ in found)])
        plus = sorted(positive.get(i, ()), key=lambda t: (-t[0], t[1]))
        for x, (da, a) in enumerate(plus):
            if x + 1 >= len(plus) or (base[i] + da + plus[x + 1][0]) / cap < top * (1 - _TOL):
                break
            for db, b in plus[x + 1:]:
                u = (base[i] + da + db) / cap
                if u < top * (1 - _TOL):
                    break
                lo, hi = (a, b) if a < b else (b, a)
                if (lo, hi) in interacting:
                    continue
                found.append((_pair_index(n, lo, hi), u, (failable[lo], failable[hi])))
                top = max(top, u)
        if not found:
            continue
        cands_all = found + ([(-1, current.utilization, current.scenario)] if current else [])
        best = max(u for _, u, _ in cands_all)
        qualifying = [c for c in cands_all if c[1] >= best * (1 - _TOL)]
        if current is not None and current.utilization >= best * (1 - _TOL):
            worst[i] = Worst(best, current.scenario)  # a single set comes first
        else:
            index, _, scenario = min(qualifying, key=lambda c: c[0])
            worst[i] = Worst(best, scenario)


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
