"""Loads of one more rack and of single failures, from the incremental engine: its public face.

The capacity search asks, for a rack it might add: which feeds and units it would use
(SPEC section 4, as :func:`twin.physics.flow.compile_network` links a rack), what it
adds to every component in normal operation and under a failure set, and which failure
sets change the rules on its paths at all. Loads are linear once liveness is fixed, so
increments add up. The engine behind (:mod:`twin.physics._engine`) stays private: its
entity keys, memo tables and rack classes are nobody else's business.
"""
from __future__ import annotations

from dataclasses import dataclass
from heapq import heapify, heappop, heappush

from twin.layout.model import AIR_UNIT_KINDS, LIQUID_UNIT_KINDS
from twin.physics._engine import Engine, RackSpec
from twin.physics.flow import FlowResult, Network
from twin.physics.flow import _shares as shares
from twin.physics.flow import _unit_draw_kw as unit_draw_kw

#: Coolant per kW of liquid heat when a rack type gives none, L/min/kW (as a rack's default).
DEFAULT_FLOW_LPM_PER_KW = 1.5


@dataclass(frozen=True, slots=True)
class Change:
    """What one failure set changes: the new loads of the entities it touches only.

    ``footprint`` holds the entities whose local rule it changes (dead, or a source, feed,
    target or unit of theirs died), as keys :meth:`Incremental.paths` speaks too.
    """

    failed: tuple[str, ...]
    power_out_kw: dict  # power index -> new output load, kW
    cooling_heat_kw: dict  # cooling index -> new heat load, kW
    racks: dict  # rack index -> (up, media lost), for racks whose state changed
    footprint: frozenset


@dataclass(frozen=True, slots=True)
class Increment:
    """What one more rack adds under a failure set: it runs (``up``, ``lost`` media), and
    extra kW per power component, kW of heat and L/min per cooling unit."""

    up: bool
    lost: tuple[str, ...]
    power_kw: dict
    heat_kw: dict
    flow_lpm: dict


class Incremental:
    """A compiled network and its normal operation, asked about changes and increments."""

    def __init__(self, net: Network, normal: FlowResult):
        self.net, self.normal = net, normal
        self._engine = Engine(net, normal)
        self._p_index = {x: i for i, x in enumerate(net.power_ids)}
        self._c_index = {x: j for j, x in enumerate(net.cooling_ids)}

    def change(self, failed: tuple[str, ...], *, footprint: bool = False) -> Change:
        """The loads ``failed`` (ids) changes, with its footprint when asked."""
        d = self._engine.delta(failed, footprint=footprint)
        return Change(d.failed, d.power_out_kw, d.cooling_heat_kw, d.racks, d.footprint)

    def rack(self, it_kw: float, liquid_fraction: float | None, flow_lpm_per_kw: float | None,
             power: tuple[str, ...], min_feeds: int, cooling: tuple[str, ...]) -> RackSpec:
        """A rack that is not in the layout, linked to ``power`` and ``cooling`` (ids): its
        liquid heat goes to the CDUs it lists, its air heat to the air units."""
        lf = liquid_fraction or 0.0
        kinds = self.net.cooling_kind
        units = [self._c_index[u] for u in cooling]
        return RackSpec(
            it_kw, it_kw * lf, it_kw * (1.0 - lf),
            flow_lpm_per_kw if flow_lpm_per_kw is not None else DEFAULT_FLOW_LPM_PER_KW,
            tuple(self._p_index[p] for p in power), min_feeds,
            tuple(j for j in units if kinds[j] in LIQUID_UNIT_KINDS),
            tuple(j for j in units if kinds[j] in AIR_UNIT_KINDS))

    def increment(self, failed: tuple[str, ...], rack: RackSpec) -> Increment:
        """What ``rack`` adds with ``failed`` (ids; ``()``: normal operation) failed."""
        return Increment(*_increment(self._engine, failed, rack))

    def paths(self, rack: RackSpec, inc: Increment) -> frozenset:
        """The entities on ``rack``'s paths (its feeds, its units and all it loads), as
        footprint keys: a failure set whose footprint misses them leaves it unchanged."""
        n_p = len(self.net.power_ids)
        return frozenset([*inc.power_kw, *(n_p + j for j in inc.heat_kw), *rack.feeds,
                          *(n_p + j for j in rack.liquid_units + rack.air_units)])


def _increment(eng: Engine, failed, rack: RackSpec):
    """Extra loads that one more rack causes under the failure set ``failed`` (the engine's
    liveness, splits and normal weights, read here: nothing is recorded in it).

    The rack splits over the scenario's live feeds and effective units; its load is
    passed up the power chain and its heat down the heat chain with the scenario's
    routing. Returns (up, lost media, power index -> extra output kW, cooling index ->
    extra heat kW, cooling index -> extra L/min). Loads are linear, so increments add.
    """
    net = eng.net
    dead_p, dead_c, newly_p, newly_c = eng.liveness(failed)
    up, lost, loads, heats = eng.split(rack, dead_p, dead_c)
    demand: dict[int, float] = {}
    heat: dict[int, float] = {}
    flow: dict[int, float] = {}
    for p, kw in loads:
        demand[p] = demand.get(p, 0.0) + kw
    for u, kw, lpm in heats:
        heat[u] = heat.get(u, 0.0) + kw
        if lpm:
            flow[u] = flow.get(u, 0.0) + lpm
    rerouted_p = set(newly_p)
    for i in newly_p:
        rerouted_p.update(eng.p_children[i])
    rerouted_c = set(newly_c)
    for j in newly_c:
        rerouted_c.update(eng.c_upstream[j])
    for i in newly_p:
        rerouted_c.update(eng.p_units[i])
    d_heat = dict(heat)
    d_demand = dict(demand)
    heap = [(eng.c_pos[j], j) for j in d_heat]
    heapify(heap)
    queued = set(d_heat)
    out_c = {}
    cap = net.cooling_capacity_kw
    while heap:
        _, j = heappop(heap)
        if j in dead_c:
            continue
        dq = d_heat[j]
        out_c[j] = dq
        dd = unit_draw_kw(net, j, dq)
        if j in rerouted_c:
            to = [t for t in net.cooling_to[j] if t not in dead_c]
            to_w = shares(to, cap) if to else ()
            live = [p for p in net.cooling_feeds[j] if p not in dead_p]
            feed_w = [(p, 1.0 / len(live)) for p in live]
        else:
            to_w, feed_w, _ = eng.unit_weights[j]
        for t, w in to_w:
            d_heat[t] = d_heat.get(t, 0.0) + (dq + dd) * w
            if t not in queued:
                queued.add(t)
                heappush(heap, (eng.c_pos[t], t))
        for p, w in feed_w:
            d_demand[p] = d_demand.get(p, 0.0) + dd * w
    heap = [(-eng.p_pos[i], i) for i in d_demand]
    heapify(heap)
    queued = set(d_demand)
    out_p = {}
    while heap:
        _, i = heappop(heap)
        if i in dead_p:
            continue
        dv = d_demand[i]
        out_p[i] = dv
        if net.power_is_source[i]:
            continue
        routes = (eng._route(i, eng._eff(i), dead_p)[1] if i in rerouted_p
                  else eng.route_weights[i])
        dv_in = dv / net.power_efficiency[i]
        for src, w in routes:
            d_demand[src] = d_demand.get(src, 0.0) + dv_in * w
            if src not in queued:
                queued.add(src)
                heappush(heap, (-eng.p_pos[src], src))
    return up, lost, out_p, out_c, flow
