"""The flow engine: one function evaluates a scenario (a set of failed components).

``compile_network`` turns a layout into index arrays once; ``evaluate`` then applies
SPEC sections 2-4 and 7 to one failure set, in this order:

1. power liveness, upstream first: a source is live unless failed; a distribution
   component is live when it has not failed and one of its ``from`` sources is live;
2. cooling effectiveness, heat sinks first: not failed, one ``power`` feed live (if it
   lists any), one ``to`` target effective (if it lists any);
3. racks: up when live feeds ≥ ``min_feeds``; the load splits equally over live feeds;
   liquid heat goes to the effective CDUs it lists and air heat to the effective air
   units, each shared in proportion to capacity;
4. heat pass-on, heat sources first: a unit draws ``power_kw × Q / capacity_kw`` (a
   chiller without ``power_kw`` draws ``Q / cop``), passes ``Q + draw`` to its effective
   targets in proportion to capacity (equally when a target has no capacity), and its
   draw splits equally over its live power feeds;
5. power load flow, consumers first: output load is what the children draw; input is
   output / efficiency; ``transfer`` takes all from the first live source, ``share``
   splits over live sources in proportion to capacity.

Every check, KPI, what-if and contingency reads :class:`FlowResult`; nothing else
derives loads.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass

from twin.layout.model import AIR_UNIT_KINDS, LIQUID_UNIT_KINDS, Layout, order_key


@dataclass(frozen=True, slots=True)
class Network:
    """A layout compiled to index arrays (lists indexed by position in file order)."""

    layout: Layout
    power_ids: tuple[str, ...]
    power_kind: tuple[str, ...]
    power_capacity_kw: tuple[float, ...]
    power_efficiency: tuple[float, ...]
    power_is_source: tuple[bool, ...]
    power_share: tuple[bool, ...]
    power_sources: tuple[tuple[int, ...], ...]
    power_order: tuple[int, ...]  # upstream first
    cooling_ids: tuple[str, ...]
    cooling_kind: tuple[str, ...]
    cooling_capacity_kw: tuple[float | None, ...]
    cooling_power_kw: tuple[float | None, ...]
    cooling_cop: tuple[float | None, ...]
    cooling_feeds: tuple[tuple[int, ...], ...]
    cooling_to: tuple[tuple[int, ...], ...]
    heat_order: tuple[int, ...]  # heat sources first (rack-facing units before plant)
    rack_ids: tuple[str, ...]
    rack_it_kw: tuple[float, ...]
    rack_liquid_kw: tuple[float, ...]
    rack_air_kw: tuple[float, ...]
    rack_flow_lpm_per_kw: tuple[float, ...]
    rack_feeds: tuple[tuple[int, ...], ...]
    rack_min_feeds: tuple[int, ...]
    rack_liquid_units: tuple[tuple[int, ...], ...]
    rack_air_units: tuple[tuple[int, ...], ...]
    failable: tuple[str, ...]  # failable ids, power then cooling, file order
    index: dict  # id -> ("power"|"cooling"|"rack", i)
    file_order: dict = None  # failable id -> its rank in file order (a scenario's order)


@dataclass(frozen=True, slots=True)
class FlowResult:
    """Loads of one scenario. Lists are indexed like the :class:`Network` arrays; kW."""

    failed: tuple[str, ...]
    power_live: list[bool]
    power_out_kw: list[float]
    power_in_kw: list[float]
    cooling_effective: list[bool]
    cooling_heat_kw: list[float]
    cooling_draw_kw: list[float]
    cooling_flow_lpm: list[float]  # coolant the racks need from each CDU, L/min
    rack_up: list[bool]
    rack_lost_media: list[tuple[str, ...]]  # media with no effective unit, for racks that are up
    unfed_cooling_kw: float  # draw of cooling units with no `power:` feed


def topological_order(parents: list[tuple[int, ...]]) -> tuple[int, ...]:
    """Indices ordered so every node comes after its parents; ties by index (file order).

    ``parents[i]`` lists the nodes that must come before ``i``; the graph must be acyclic
    (cycles are reported as T001 before any evaluation).
    """
    n = len(parents)
    children: list[list[int]] = [[] for _ in range(n)]
    waiting = [0] * n
    for i, ps in enumerate(parents):
        for p in set(ps):
            children[p].append(i)
            waiting[i] += 1
    heap = [i for i in range(n) if waiting[i] == 0]
    heapq.heapify(heap)
    order = []
    while heap:
        i = heapq.heappop(heap)
        order.append(i)
        for c in children[i]:
            waiting[c] -= 1
            if waiting[c] == 0:
                heapq.heappush(heap, c)
    if len(order) != n:
        raise ValueError("cycle in the graph: report T001 before evaluating")
    return tuple(order)


def compile_network(layout: Layout) -> Network:
    """Compile a loaded layout (free of L findings and cycles) into index arrays."""
    p_index = {c.id: i for i, c in enumerate(layout.power)}
    c_index = {u.id: j for j, u in enumerate(layout.cooling)}
    power_order = topological_order([tuple(p_index[s] for s in c.sources) for c in layout.power])
    heat_from: list[list[int]] = [[] for _ in layout.cooling]
    for j, u in enumerate(layout.cooling):
        for t in u.to:
            heat_from[c_index[t]].append(j)
    heat_order = topological_order([tuple(h) for h in heat_from])
    liquid = set(LIQUID_UNIT_KINDS)
    air = set(AIR_UNIT_KINDS)
    index: dict = {}
    index.update({k: ("power", i) for k, i in p_index.items()})
    index.update({k: ("cooling", j) for k, j in c_index.items()})
    index.update({r.id: ("rack", k) for k, r in enumerate(layout.racks)})
    return Network(
        layout=layout,
        power_ids=tuple(c.id for c in layout.power),
        power_kind=tuple(c.kind for c in layout.power),
        power_capacity_kw=tuple(c.capacity_kw for c in layout.power),
        power_efficiency=tuple(c.efficiency for c in layout.power),
        power_is_source=tuple(c.is_source for c in layout.power),
        power_share=tuple(c.mode == "share" for c in layout.power),
        power_sources=tuple(tuple(p_index[s] for s in c.sources) for c in layout.power),
        power_order=power_order,
        cooling_ids=tuple(u.id for u in layout.cooling),
        cooling_kind=tuple(u.kind for u in layout.cooling),
        cooling_capacity_kw=tuple(u.capacity_kw for u in layout.cooling),
        cooling_power_kw=tuple(u.power_kw for u in layout.cooling),
        cooling_cop=tuple(u.cop for u in layout.cooling),
        cooling_feeds=tuple(tuple(p_index[p] for p in u.power) for u in layout.cooling),
        cooling_to=tuple(tuple(c_index[t] for t in u.to) for u in layout.cooling),
        heat_order=heat_order,
        rack_ids=tuple(r.id for r in layout.racks),
        rack_it_kw=tuple(r.it_kw for r in layout.racks),
        rack_liquid_kw=tuple(r.liquid_kw for r in layout.racks),
        rack_air_kw=tuple(r.air_kw for r in layout.racks),
        rack_flow_lpm_per_kw=tuple(r.flow_lpm_per_kw for r in layout.racks),
        rack_feeds=tuple(tuple(p_index[p] for p in r.power) for r in layout.racks),
        rack_min_feeds=tuple(r.min_feeds for r in layout.racks),
        rack_liquid_units=tuple(tuple(c_index[u] for u in r.cooling
                                      if layout.cooling[c_index[u]].kind in liquid)
                                for r in layout.racks),
        rack_air_units=tuple(tuple(c_index[u] for u in r.cooling
                                   if layout.cooling[c_index[u]].kind in air)
                             for r in layout.racks),
        # power components in file order, then cooling ones (docs/format.md, "Which sets"),
        # wherever the file writes its cooling section
        failable=tuple(x.id for group in (layout.power, layout.cooling) for x in sorted(
            (x for x in group if x.failable), key=lambda x: order_key(x.loc))),
        index=index,
        file_order={x.id: n for n, x in enumerate(sorted(
            [c for c in layout.power if c.failable] + [u for u in layout.cooling if u.failable],
            key=lambda x: order_key(x.loc)))},
    )


def _shares(targets: list[int], capacity) -> list[tuple[int, float]]:
    """Weights of ``targets`` in proportion to capacity (equal when any has none)."""
    caps = [capacity[t] for t in targets]
    if any(c is None for c in caps):
        w = 1.0 / len(targets)
        return [(t, w) for t in targets]
    total = sum(caps)
    return [(t, c / total) for t, c in zip(targets, caps)]


def _unit_draw_kw(net: "Network", j: int, q: float) -> float:
    """Electrical draw of cooling unit ``j`` at heat load ``q`` (kW).

    ``power_kw × q / capacity_kw`` when ``power_kw`` is given (SPEC section 3, so a
    chiller written with ``power_kw: 0`` draws nothing); a chiller without ``power_kw``
    draws ``q / cop``.
    """
    pk = net.cooling_power_kw[j]
    if pk is not None:
        cap = net.cooling_capacity_kw[j]
        return pk * q / cap if pk > 0.0 and cap else 0.0
    if net.cooling_kind[j] == "chiller":
        return q / net.cooling_cop[j]
    return 0.0


def reshared_heat(net: Network, result: FlowResult, units) -> dict[tuple[int, int], object]:
    """Heat that moves onto other units when one of ``units`` (cooling indices) fails.

    Rule 4 at the units that pass heat to the failed one: each effective unit sharing
    ``Q + draw`` over several effective targets re-shares it over the others, in
    proportion to capacity. Returns ``(failed, target) -> extra heat`` (kW, or the load
    type of ``result``), keyed in heat order of the passing units; what the failed
    unit's own targets lose, and how the extra heat changes draws further on, is not
    followed (simulate's hourly N-1 of heat-rejection units).
    """
    eff, cap = result.cooling_effective, net.cooling_capacity_kw
    moved: dict[tuple[int, int], object] = {}
    for j in net.heat_order:
        to = [t for t in net.cooling_to[j] if eff[t]] if eff[j] else ()
        if len(to) < 2 or not any(f in units for f in to):
            continue
        passed = result.cooling_heat_kw[j] + result.cooling_draw_kw[j]
        normal = dict(_shares(to, cap))
        for f in to:
            if f not in units:
                continue
            for t, w in _shares([t for t in to if t != f], cap):
                key = (f, t)
                share = passed * (w - normal[t])
                moved[key] = moved[key] + share if key in moved else share
    return moved


def in_file_order(net: Network, ids) -> tuple[str, ...]:
    """Component ids in the order they are written in the file (SPEC section 8).

    Failable or not: a what-if may fail a ``failable: false`` component, and its place
    must not depend on the order of a set.
    """
    def key(ident):
        sort, i = net.index.get(ident, ("", -1))
        comps = {"power": net.layout.power, "cooling": net.layout.cooling}.get(sort)
        return (order_key(comps[i].loc) if comps is not None else (float("inf"),), ident)
    return tuple(sorted(ids, key=key))


def evaluate(net: Network, failed=(), *, draw=None) -> FlowResult:
    """Evaluate one scenario: ``failed`` is an iterable of component ids (order ignored).

    ``draw(j, q)``, when given, is the electrical draw of cooling unit ``j`` at heat load
    ``q`` where it differs from rule 4 (``None`` keeps the rule): simulate's chillers
    and heat rejection against the weather. Loads are then whatever values add and scale
    like kW (:class:`twin.physics.hourly.Hourly`, a load over the hours of a year).
    """
    failed_set = set(failed)
    n_p, n_c, n_r = len(net.power_ids), len(net.cooling_ids), len(net.rack_ids)

    # 1. power liveness, upstream first
    live = [False] * n_p
    for i in net.power_order:
        if net.power_ids[i] in failed_set:
            continue
        live[i] = net.power_is_source[i] or any(live[s] for s in net.power_sources[i])

    # 2. cooling effectiveness, heat sinks first
    eff = [False] * n_c
    for j in reversed(net.heat_order):
        if net.cooling_ids[j] in failed_set:
            continue
        feeds, to = net.cooling_feeds[j], net.cooling_to[j]
        eff[j] = (not feeds or any(live[p] for p in feeds)) and (not to or any(eff[t] for t in to))

    # 3. racks: load on live feeds, heat on effective units
    demand = [0.0] * n_p
    heat = [0.0] * n_c
    flow = [0.0] * n_c
    rack_up = [False] * n_r
    lost: list[tuple[str, ...]] = [()] * n_r
    cap_c = net.cooling_capacity_kw
    for k in range(n_r):
        feeds = [p for p in net.rack_feeds[k] if live[p]]
        if not feeds or len(feeds) < net.rack_min_feeds[k]:
            continue
        rack_up[k] = True
        per_feed = net.rack_it_kw[k] / len(feeds)
        for p in feeds:
            demand[p] += per_feed
        missing = []
        for medium, load, units in (("liquid", net.rack_liquid_kw[k], net.rack_liquid_units[k]),
                                    ("air", net.rack_air_kw[k], net.rack_air_units[k])):
            if load <= 0.0:
                continue
            up = [u for u in units if eff[u]]
            if not up:
                missing.append(medium)
                continue
            for u, w in _shares(up, cap_c):
                heat[u] += load * w
                if medium == "liquid":
                    flow[u] += load * w * net.rack_flow_lpm_per_kw[k]
        if missing:
            lost[k] = tuple(missing)

    # 4. heat pass-on with each unit's electrical draw
    draws = [0.0] * n_c
    unfed = 0.0
    for j in net.heat_order:
        if not eff[j]:
            continue
        q = heat[j]
        d = None if draw is None else draw(j, q)
        if d is None:
            d = _unit_draw_kw(net, j, q)
        draws[j] = d
        to = [t for t in net.cooling_to[j] if eff[t]]
        if to:
            for t, w in _shares(to, cap_c):
                heat[t] += (q + d) * w
        if d:
            feeds = [p for p in net.cooling_feeds[j] if live[p]]
            if feeds:
                for p in feeds:
                    demand[p] += d / len(feeds)
            else:
                unfed += d

    # 5. power load flow, consumers first
    out = demand
    inp = [0.0] * n_p
    cap_p = net.power_capacity_kw
    for i in reversed(net.power_order):
        if not live[i]:
            out[i] = 0.0
            continue
        if net.power_is_source[i]:
            inp[i] = out[i]
            continue
        inp[i] = out[i] / net.power_efficiency[i]
        srcs = [s for s in net.power_sources[i] if live[s]]
        if net.power_share[i]:
            total = sum(cap_p[s] for s in srcs)
            for s in srcs:
                out[s] += inp[i] * cap_p[s] / total
        else:
            out[srcs[0]] += inp[i]

    return FlowResult(
        failed=in_file_order(net, failed_set),
        power_live=live, power_out_kw=out, power_in_kw=inp, cooling_effective=eff,
        cooling_heat_kw=heat, cooling_draw_kw=draws, cooling_flow_lpm=flow, rack_up=rack_up,
        rack_lost_media=lost, unfed_cooling_kw=unfed)

