"""The incremental contingency engine: a failure only changes its own subtree.

``flow.evaluate`` recomputes the whole layout per scenario; it stays as the reference
and the baseline. :class:`Engine` compiles the same :class:`~twin.physics.flow.Network` once,
keeps the normal-operation result and, per failure set, computes only what changes:

1. the power components that die (downstream of the failed ones, when every source
   is dead) and the cooling units that stop being effective (a dead or failed unit,
   all feeds dead, or all targets ineffective);
2. the racks that touch them: their new split over live feeds and effective units,
   as a delta against their normal contribution;
3. heat deltas pushed down the heat graph in topological order (a unit's draw and
   pass-on are recomputed only where its heat or its live targets/feeds changed);
4. power deltas pushed up the power graph, consumers first (re-routing only where a
   source died: a transfer switch moves everything to its next live source).

Loads are linear once liveness is fixed, so normal + delta equals a full
re-evaluation up to floating-point rounding (a test proves it on random layouts).

A private accelerator of that one evaluator: only :mod:`twin.physics.sweep` and
:mod:`twin.physics.incremental` use it; every other module asks them.
"""
from __future__ import annotations

from dataclasses import dataclass
from heapq import heapify, heappop, heappush

from twin.physics.flow import FlowResult, Network, evaluate
from twin.physics.flow import _shares as shares
from twin.physics.flow import _unit_draw_kw as unit_draw_kw


@dataclass(frozen=True, slots=True)
class RackSpec:
    """A rack as the engine sees it: kW, L/min per kW and its links as indices."""

    it_kw: float
    liquid_kw: float
    air_kw: float
    flow_lpm_per_kw: float
    feeds: tuple[int, ...]
    min_feeds: int
    liquid_units: tuple[int, ...]
    air_units: tuple[int, ...]


@dataclass(slots=True)
class Delta:
    """What one failure set changes, sparse: new values of the touched entries only."""

    failed: tuple[str, ...]
    dead_power: set
    dead_cooling: set
    power_out_kw: dict  # power index -> new output load
    power_in_kw: dict
    cooling_heat_kw: dict  # cooling index -> new heat load
    cooling_draw_kw: dict
    cooling_flow_lpm: dict
    racks: dict  # rack index -> (up, lost media), for racks whose state changed
    unfed_cooling_kw: float
    #: Entities whose local rule changed (dead, or a source/feed/target/unit of theirs
    #: died), as integer keys; two failure sets whose footprints are disjoint add up.
    footprint: frozenset = frozenset()


class Engine:
    """Compiled network plus its normal-operation result, for fast scenario deltas."""

    def __init__(self, net: Network, normal: FlowResult | None = None):
        self.net = net
        self._share_memo: dict[tuple, tuple] = {}
        self._heat_memo: dict[tuple, tuple] = {}
        self._load_memo: dict[tuple, tuple] = {}
        self._change_memo: dict[tuple, tuple] = {}
        self.normal = normal if normal is not None else evaluate(net)
        n_p, n_c, n_r = len(net.power_ids), len(net.cooling_ids), len(net.rack_ids)
        self.p_pos = [0] * n_p
        for pos, i in enumerate(net.power_order):
            self.p_pos[i] = pos
        self.c_pos = [0] * n_c
        for pos, j in enumerate(net.heat_order):
            self.c_pos[j] = pos
        self.p_children = [[] for _ in range(n_p)]
        for i, sources in enumerate(net.power_sources):
            for s in sources:
                self.p_children[s].append(i)
        # racks alike in every figure and link form one class, evaluated once
        classes: dict[tuple, int] = {}
        self.class_members: list[list[int]] = []
        self.class_rep: list[int] = []
        for k in range(n_r):
            sig = (net.rack_it_kw[k], net.rack_liquid_kw[k], net.rack_air_kw[k],
                   net.rack_flow_lpm_per_kw[k], net.rack_feeds[k], net.rack_min_feeds[k],
                   net.rack_liquid_units[k], net.rack_air_units[k])
            c = classes.get(sig)
            if c is None:
                c = classes[sig] = len(self.class_rep)
                self.class_rep.append(k)
                self.class_members.append([])
            self.class_members[c].append(k)
        self.class_spec = [RackSpec(net.rack_it_kw[k], net.rack_liquid_kw[k], net.rack_air_kw[k],
                                    net.rack_flow_lpm_per_kw[k], net.rack_feeds[k],
                                    net.rack_min_feeds[k], net.rack_liquid_units[k],
                                    net.rack_air_units[k]) for k in self.class_rep]
        self.p_racks = [[] for _ in range(n_p)]
        for c, k in enumerate(self.class_rep):
            for p in set(net.rack_feeds[k]):
                self.p_racks[p].append(c)
        self.p_units = [[] for _ in range(n_p)]
        for j, feeds in enumerate(net.cooling_feeds):
            for p in set(feeds):
                self.p_units[p].append(j)
        self.c_upstream = [[] for _ in range(n_c)]
        for j, targets in enumerate(net.cooling_to):
            for t in set(targets):
                self.c_upstream[t].append(j)
        self.c_racks = [[] for _ in range(n_c)]
        for c, k in enumerate(self.class_rep):
            for u in set(net.rack_liquid_units[k] + net.rack_air_units[k]):
                self.c_racks[u].append(c)
        self.order = net.file_order  # a scenario lists its ids in file order
        self.ident = {x: i for i, x in enumerate(net.power_ids)}
        self.cident = {x: j for j, x in enumerate(net.cooling_ids)}
        base_p_live = set(i for i, v in enumerate(self.normal.power_live) if v)
        base_c_eff = set(j for j, v in enumerate(self.normal.cooling_effective) if v)
        self.base_p_dead = set(range(n_p)) - base_p_live
        self.base_c_dead = set(range(n_c)) - base_c_eff
        self.rack_base = [self.split(spec, self.base_p_dead, self.base_c_dead)
                          for spec in self.class_spec]
        self.unit_base = [self._unit(j, self.normal.cooling_heat_kw[j], self.base_p_dead,
                                     self.base_c_dead) for j in range(n_c)]
        self.power_base = [self._route(i, self.normal.power_out_kw[i], self.base_p_dead)
                           for i in range(n_p)]
        # normal split weights: how a change of input or heat is passed on unchanged
        self.route_weights = [self._route(i, 1.0 * self._eff(i), self.base_p_dead)[1]
                              for i in range(n_p)]
        self.unit_weights = []
        for j in range(n_c):
            _, passes, feeds, unfed = self._unit(j, 0.0, self.base_p_dead, self.base_c_dead)
            to = [t for t in net.cooling_to[j] if t not in self.base_c_dead]
            live = [p for p in net.cooling_feeds[j] if p not in self.base_p_dead]
            self.unit_weights.append((tuple(shares(to, net.cooling_capacity_kw)) if to else (),
                                      tuple((p, 1.0 / len(live)) for p in live),
                                      bool(net.cooling_feeds[j]) is False or not live))

    def _eff(self, i: int) -> float:
        net = self.net
        return 1.0 if net.power_is_source[i] else net.power_efficiency[i]

    # -- local rules, shared by the base and every scenario --------------------------
    def _shares(self, targets: list[int]) -> tuple:
        """``flow.shares`` over cooling capacity, memoised per tuple of targets."""
        key = tuple(targets)
        got = self._share_memo.get(key)
        if got is None:
            got = self._share_memo[key] = tuple(shares(targets, self.net.cooling_capacity_kw))
        return got

    def split(self, rack: RackSpec, dead_p, dead_c):
        """How a rack splits over live feeds and effective units (SPEC section 4).

        Returns (up, lost media, [(feed, kW)], [(unit, heat kW, L/min)]).
        """
        feeds = rack.feeds
        if not dead_p.isdisjoint(feeds):
            feeds = tuple(p for p in feeds if p not in dead_p)
        if not feeds or len(feeds) < rack.min_feeds:
            return False, (), (), ()
        key = (rack.it_kw, tuple(feeds))
        loads = self._load_memo.get(key)
        if loads is None:
            per_feed = rack.it_kw / len(feeds)
            loads = self._load_memo[key] = tuple((p, per_feed) for p in feeds)
        liquid = air = ()
        if rack.liquid_kw > 0.0:
            liquid = rack.liquid_units
            if not dead_c.isdisjoint(liquid):
                liquid = tuple(u for u in liquid if u not in dead_c)
        if rack.air_kw > 0.0:
            air = rack.air_units
            if not dead_c.isdisjoint(air):
                air = tuple(u for u in air if u not in dead_c)
        key = (rack.liquid_kw, rack.air_kw, rack.flow_lpm_per_kw, tuple(liquid), tuple(air))
        got = self._heat_memo.get(key)
        if got is None:
            heats = []
            lost = []
            for medium, load, up in (("liquid", rack.liquid_kw, liquid),
                                     ("air", rack.air_kw, air)):
                if load <= 0.0:
                    continue
                if not up:
                    lost.append(medium)
                    continue
                fpk = rack.flow_lpm_per_kw if medium == "liquid" else 0.0
                for u, w in self._shares(up):
                    heats.append((u, load * w, load * w * fpk))
            got = self._heat_memo[key] = (tuple(lost), tuple(heats))
        return True, got[0], loads, got[1]

    def _heat_change(self, before: tuple, after: tuple) -> tuple:
        """Per unit, (heat kW, L/min) of ``after`` minus ``before``, one rack's split.

        Both come from the memo of :meth:`split`, so they live as long as the engine and
        their ids are a sound key.
        """
        key = (id(before), id(after))
        got = self._change_memo.get(key)
        if got is None:
            change: dict[int, list] = {}
            for u, kw, lpm in before:
                c = change.setdefault(u, [0.0, 0.0])
                c[0] -= kw
                c[1] -= lpm
            for u, kw, lpm in after:
                c = change.setdefault(u, [0.0, 0.0])
                c[0] += kw
                c[1] += lpm
            got = self._change_memo[key] = tuple((u, kw, lpm) for u, (kw, lpm) in change.items())
        return got

    def _unit(self, j: int, q: float, dead_p, dead_c):
        """A unit's draw, its pass-on [(target, kW)] and its draw per live feed [(feed, kW)]."""
        net = self.net
        if j in dead_c:
            return 0.0, (), (), 0.0
        d = unit_draw_kw(net, j, q)
        to = net.cooling_to[j]
        if not dead_c.isdisjoint(to):
            to = [t for t in to if t not in dead_c]
        passes = tuple((t, (q + d) * w) for t, w in self._shares(to)) if to else ()
        feeds_draw, unfed = (), 0.0
        if d:
            feeds = net.cooling_feeds[j]
            if not dead_p.isdisjoint(feeds):
                feeds = [p for p in feeds if p not in dead_p]
            if feeds:
                feeds_draw = tuple((p, d / len(feeds)) for p in feeds)
            else:
                unfed = d
        return d, passes, feeds_draw, unfed

    def _route(self, i: int, out: float, dead_p):
        """A power component's input and how it draws it from its live sources."""
        net = self.net
        if i in dead_p:
            return 0.0, ()
        if net.power_is_source[i]:
            return out, ()
        inp = out / net.power_efficiency[i]
        srcs = [s for s in net.power_sources[i] if s not in dead_p]
        if net.power_share[i]:
            cap = net.power_capacity_kw
            total = sum(cap[s] for s in srcs)
            return inp, tuple((s, inp * cap[s] / total) for s in srcs)
        return inp, ((srcs[0], inp),)

    # -- one scenario -----------------------------------------------------------------
    def liveness(self, failed):
        """Dead power and cooling indices under ``failed`` (ids), and the newly dead ones."""
        net = self.net
        dead_p = set(self.base_p_dead)
        dead_c = set(self.base_c_dead)
        newly_p, newly_c = [], []
        for x in failed:
            if x in self.ident:
                i = self.ident[x]
                if i not in dead_p:
                    dead_p.add(i)
                    newly_p.append(i)
            elif x in self.cident:
                j = self.cident[x]
                if j not in dead_c:
                    dead_c.add(j)
                    newly_c.append(j)
        # 1a. power deaths flow downstream
        stack = list(newly_p)
        while stack:
            i = stack.pop()
            for c in self.p_children[i]:
                if c not in dead_p and dead_p.issuperset(net.power_sources[c]):
                    dead_p.add(c)
                    newly_p.append(c)
                    stack.append(c)
        # 1b. cooling units lose effectiveness: all feeds dead, or all targets ineffective
        for i in newly_p:
            for j in self.p_units[i]:
                if j not in dead_c and dead_p.issuperset(net.cooling_feeds[j]):
                    dead_c.add(j)
                    newly_c.append(j)
        stack = list(newly_c)
        while stack:
            t = stack.pop()
            for j in self.c_upstream[t]:
                if j not in dead_c and dead_c.issuperset(net.cooling_to[j]):
                    dead_c.add(j)
                    newly_c.append(j)
                    stack.append(j)
        return dead_p, dead_c, newly_p, newly_c

    def delta(self, failed, *, footprint: bool = False) -> Delta:
        """What changes when the components ``failed`` (ids) fail together.

        With ``footprint``, also the entities whose local rule changed (see :class:`Delta`).
        """
        net = self.net
        dead_p, dead_c, newly_p, newly_c = self.liveness(failed)

        # 2. racks touching what changed
        touched_racks = set()
        for i in newly_p:
            touched_racks.update(self.p_racks[i])
        for j in newly_c:
            touched_racks.update(self.c_racks[j])
        d_demand: dict[int, float] = {}
        d_heat: dict[int, float] = {}
        d_flow: dict[int, float] = {}
        racks = {}
        split, class_spec = self.split, self.class_spec
        changes: dict[int, list] = {}  # id of a memoised heat change -> [change, racks]
        for c in touched_racks:
            up, lost, loads, heats = split(class_spec[c], dead_p, dead_c)
            base_up, base_lost, base_loads, base_heats = self.rack_base[c]
            members = self.class_members[c]
            if up != base_up or lost != base_lost:
                for k in members:
                    racks[k] = (up, lost)
            n = len(members)
            if loads != base_loads:
                for p, kw in base_loads:
                    d_demand[p] = d_demand.get(p, 0.0) - kw * n
                for p, kw in loads:
                    d_demand[p] = d_demand.get(p, 0.0) + kw * n
            if heats is not base_heats:
                # classes of one hall share units: add each distinct change once, times
                # the racks of every class that makes it
                change = self._heat_change(base_heats, heats)
                entry = changes.get(id(change))
                if entry is None:
                    changes[id(change)] = [change, n]
                else:
                    entry[1] += n
        for change, n in changes.values():
            for u, kw, lpm in change:
                d_heat[u] = d_heat.get(u, 0.0) + kw * n
                d_flow[u] = d_flow.get(u, 0.0) + lpm * n

        # 3. heat down the heat graph, sources of heat first
        c_pos = self.c_pos
        rerouted_c = set(newly_c)
        for j in newly_c:
            rerouted_c.update(self.c_upstream[j])
        for i in newly_p:
            rerouted_c.update(self.p_units[i])
        queued = rerouted_c.union(d_heat)
        heap = [(c_pos[j], j) for j in queued]
        heapify(heap)
        new_heat, new_draw, new_flow = {}, {}, {}
        unfed = self.normal.unfed_cooling_kw
        base_heat = self.normal.cooling_heat_kw
        base_draw = self.normal.cooling_draw_kw
        unit_weights = self.unit_weights
        while heap:
            _, j = heappop(heap)
            q = 0.0 if j in dead_c else base_heat[j] + d_heat.get(j, 0.0)
            new_heat[j] = q
            if j in d_flow:
                new_flow[j] = 0.0 if j in dead_c else self.normal.cooling_flow_lpm[j] + d_flow[j]
            if j not in rerouted_c:
                # same live targets and feeds: pass the change on by the normal weights
                d = unit_draw_kw(net, j, q)
                new_draw[j] = d
                dq = q + d - base_heat[j] - base_draw[j]
                dd = d - base_draw[j]
                to_w, feed_w, unfed_j = unit_weights[j]
                if dq:
                    for t, w in to_w:
                        d_heat[t] = d_heat.get(t, 0.0) + dq * w
                        if t not in queued:
                            queued.add(t)
                            heappush(heap, (c_pos[t], t))
                if dd:
                    if unfed_j:
                        unfed += dd
                    for p, w in feed_w:
                        d_demand[p] = d_demand.get(p, 0.0) + dd * w
                continue
            d, passes, feeds_draw, unfed_j = self._unit(j, q, dead_p, dead_c)
            bd, bpasses, bfeeds, bunfed = self.unit_base[j]
            new_draw[j] = d
            unfed += unfed_j - bunfed
            for t, kw in bpasses:
                d_heat[t] = d_heat.get(t, 0.0) - kw
                if t not in queued:
                    queued.add(t)
                    heappush(heap, (c_pos[t], t))
            for t, kw in passes:
                d_heat[t] = d_heat.get(t, 0.0) + kw
                if t not in queued:
                    queued.add(t)
                    heappush(heap, (c_pos[t], t))
            for p, kw in bfeeds:
                d_demand[p] = d_demand.get(p, 0.0) - kw
            for p, kw in feeds_draw:
                d_demand[p] = d_demand.get(p, 0.0) + kw

        # 4. power up the power graph, consumers first
        p_pos = self.p_pos
        rerouted_p = set(newly_p)
        for i in newly_p:
            rerouted_p.update(self.p_children[i])
        queued = rerouted_p.union(d_demand)
        heap = [(-p_pos[i], i) for i in queued]
        heapify(heap)
        new_out, new_in = {}, {}
        base_out, base_in = self.normal.power_out_kw, self.normal.power_in_kw
        efficiency, is_source = net.power_efficiency, net.power_is_source
        route_weights = self.route_weights
        while heap:
            _, i = heappop(heap)
            if i not in rerouted_p:
                # same live sources: the change in input goes by the normal split
                out = base_out[i] + d_demand.get(i, 0.0)
                new_out[i] = out
                inp = out if is_source[i] else out / efficiency[i]
                new_in[i] = inp
                dv = inp - base_in[i]
                if dv:
                    for src, w in route_weights[i]:
                        d_demand[src] = d_demand.get(src, 0.0) + dv * w
                        if src not in queued:
                            queued.add(src)
                            heappush(heap, (-p_pos[src], src))
                continue
            out = 0.0 if i in dead_p else base_out[i] + d_demand.get(i, 0.0)
            new_out[i] = out
            inp, routes = self._route(i, out, dead_p)
            new_in[i] = inp
            for src, kw in self.power_base[i][1]:
                d_demand[src] = d_demand.get(src, 0.0) - kw
                if src not in queued:
                    queued.add(src)
                    heappush(heap, (-p_pos[src], src))
            for src, kw in routes:
                d_demand[src] = d_demand.get(src, 0.0) + kw
                if src not in queued:
                    queued.add(src)
                    heappush(heap, (-p_pos[src], src))

        fp = frozenset()
        if footprint:
            n_p = len(net.power_ids)
            n_pc = n_p + len(net.cooling_ids)
            fp = frozenset([*rerouted_p, *(n_p + j for j in rerouted_c),
                            *(n_pc + c for c in touched_racks)])
        if len(failed) == 1:
            failed = tuple(failed)
        else:
            order = self.order
            failed = tuple(sorted(set(failed), key=lambda x: order.get(x, len(order))))
        return Delta(failed,
                     dead_p, dead_c, new_out, new_in, new_heat, new_draw, new_flow, racks, unfed,
                     fp)

    def result(self, failed) -> FlowResult:
        """The full :class:`FlowResult` of a scenario, built from its delta."""
        d = self.delta(failed)
        n = self.normal
        out, inp = list(n.power_out_kw), list(n.power_in_kw)
        for i, v in d.power_out_kw.items():
            out[i] = v
        for i, v in d.power_in_kw.items():
            inp[i] = v
        heat, draw, flow = list(n.cooling_heat_kw), list(n.cooling_draw_kw), list(n.cooling_flow_lpm)
        for j, v in d.cooling_heat_kw.items():
            heat[j] = v
        for j, v in d.cooling_draw_kw.items():
            draw[j] = v
        for j, v in d.cooling_flow_lpm.items():
            flow[j] = v
        up, lost = list(n.rack_up), list(n.rack_lost_media)
        for k, (u, m) in d.racks.items():
            up[k], lost[k] = u, m
        return FlowResult(
            d.failed, [i not in d.dead_power for i in range(len(out))], out, inp,
            [j not in d.dead_cooling for j in range(len(heat))], heat, draw, flow, up, lost,
            d.unfed_cooling_kw)
