"""The HTML report's data model: floor plans, one-line diagrams and N-1 table from a snapshot.

Everything the page shows is computed here, into frozen records; the formatter
(:mod:`twin.reporters.html_reporter`) only turns them into markup.

**Geometry of a floor plan** (metres, drawn to scale): positions run along the row,
left to right, at a pitch of :data:`RACK_WIDTH_M` (0.6 m, a 600 mm rack); a rack is
0.6 m wide and ``footprint_m2 / 0.6`` deep (the default 0.72 m² gives 0.6 × 1.2 m; the
GB300 NVL72's 0.6408 m² gives 0.6 × 1.068 m). A row is as deep as its deepest rack
(1.2 m when empty); the hall's rows are stacked top to bottom in the order the hall
lists them, separated by a :data:`AISLE_M` aisle (1.2 m, DOMAIN 7), with a
:data:`MARGIN_M` margin all round.

**A rack's N-1 margin** (N-K for ``policy.contingency`` K) is the smallest failover
margin, as a fraction of capacity, over every component the rack depends on: its
power feeds and everything upstream of them (``from:``), its cooling units and
everything downstream of them (``to:``). A component's failover margin is
``failover_utilization × capacity − worst load`` over the sweep (as in ``twin
report``), or its normal margin when no failure set loads it (contingency 0). A rack
that some failure set within its contingency takes down (power or cooling), or that
is down in normal operation, is **lost**, whatever the margins say.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from twin.physics._engine import Engine
from twin.questions.headroom import ComponentHeadroom, HeadroomReport, component_headroom
from twin.physics.snapshot import over

RACK_WIDTH_M = 0.6
DEFAULT_DEPTH_M = 1.2
AISLE_M = 1.2
MARGIN_M = 1.2
#: Drawing scale: PX_PER_M for a few halls, SMALL_PX_PER_M past MANY_HALLS (a campus).
PX_PER_M, SMALL_PX_PER_M, MANY_HALLS = 40.0, 12.0, 6
MAX_PLAN_PX = 1100.0
#: Unplaced racks are drawn in lines of this many.
UNPLACED_PER_LINE = 20
#: Diagram aggregation: above this many nodes, ids are grouped by their block prefix.
MAX_DIAGRAM_NODES = 400
#: Most findings the page lists (the rest are counted).
MAX_FINDINGS = 500
#: Most failure sets the N-1 table lists (the rest are summarised).
MAX_N1_SETS = 30
#: Rack ids shown per cell of the N-1 table and per diagram node (the rest are counted).
MAX_IDS = 12
#: Margin bands, as (band, lowest margin fraction): the first band whose bound the
#: margin reaches; below 0 is ``over``.
BANDS = (("ample", 0.25), ("moderate", 0.10), ("tight", 0.0))
BAND_NAMES = ("lost", "over", "tight", "moderate", "ample", "unknown")

#: Margins closer than this (a fraction of capacity) are a tie: the first one is named.
_TIE = 1e-9
COL_W, NODE_W, NODE_H, ROW_H, PAD = 170.0, 140.0, 22.0, 28.0, 16.0


def band_of(margin: float | None, lost: bool = False) -> str:
    """The colour band of a margin fraction (``lost`` wins over any margin)."""
    if lost:
        return "lost"
    if margin is None:
        return "unknown"
    for name, low in BANDS:
        if margin >= low:
            return name
    return "over"


@dataclass(frozen=True, slots=True)
class RackCell:
    """One rack on a floor plan: where (m), what, and its worst-case margin."""

    id: str
    type: str | None
    it_kw: float
    row: str | None
    pos: int | None
    x_m: float
    y_m: float
    width_m: float
    depth_m: float
    power: tuple[str, ...]
    cooling: tuple[str, ...]
    margin: float | None
    binding: str | None
    binding_scenario: tuple[str, ...]
    lost_under: tuple[str, ...] | None  # the first set that takes it down; () = normal operation
    band: str


@dataclass(frozen=True, slots=True)
class RowOutline:
    name: str
    positions: int
    x_m: float
    y_m: float
    length_m: float
    depth_m: float


@dataclass(frozen=True, slots=True)
class FloorPlan:
    """A hall drawn to scale (``hall`` is ``None`` for the strip of unplaced racks)."""

    hall: str | None
    area_m2: float | None
    width_m: float
    height_m: float
    px_per_m: float
    rows: tuple[RowOutline, ...]
    racks: tuple[RackCell, ...]
    it_kw: float
    scale_bar_m: float  # length of the scale bar drawn in the corner


@dataclass(frozen=True, slots=True)
class DiagramNode:
    """A component, a group of components (aggregated) or a group of loads."""

    key: str
    label: str
    kind: str
    count: int
    members: tuple[str, ...]  # up to MAX_IDS ids
    capacity_kw: float | None
    load_kw: float
    worst_load_kw: float | None
    margin: float | None
    binding: str | None
    binding_scenario: tuple[str, ...]
    band: str
    depth: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class DiagramEdge:
    source: str
    target: str
    count: int  # links between the members of the two nodes
    x1: float
    y1: float
    x2: float
    y2: float
    xm: float  # where the curve turns, halfway between the columns


@dataclass(frozen=True, slots=True)
class Diagram:
    """A one-line diagram, layered by depth from the sources (columns left to right)."""

    title: str
    level: int | None  # None: one node per component; k: grouped by the first k segments
    components: int
    nodes: tuple[DiagramNode, ...]
    edges: tuple[DiagramEdge, ...]
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class N1Row:
    """One failure set that matters: what goes down and what is overloaded."""

    scenario: tuple[str, ...]
    racks_down: tuple[str, ...]
    racks_without_cooling: tuple[str, ...]
    it_lost_kw: float
    overloaded: tuple[tuple[str, float, float], ...]  # (id, utilization, failover limit)
    tightest: str | None
    tightest_margin: float | None
    worst_of: int  # components whose worst case this set is


@dataclass(frozen=True, slots=True)
class N1Summary:
    k: int
    scenarios: int
    with_outages: int
    worst_sets: int
    overload_sets: int
    listed: int


@dataclass(frozen=True, slots=True)
class HtmlReport:
    file: str
    name: str
    basis: str  # "N-1", "N-2" or "normal"
    kpis: dict
    counts: dict
    errors: int
    warnings: int
    findings: tuple  # twin.core.Finding, at most MAX_FINDINGS
    findings_total: int
    floors: tuple[FloorPlan, ...]
    unplaced: FloorPlan | None
    halls: tuple  # twin.questions.headroom.HallHeadroom
    power: Diagram
    cooling: Diagram
    n1: tuple[N1Row, ...]
    n1_summary: N1Summary


def component_margins(rows: tuple[ComponentHeadroom, ...]) -> dict[str, float | None]:
    """Each component's worst-case margin as a fraction of capacity (``None``: uncapped)."""
    out = {}
    for c in rows:
        if c.capacity_kw is None or c.capacity_kw <= 0:
            out[c.id] = None
        elif c.worst_margin_kw is not None:
            out[c.id] = c.worst_margin_kw / c.capacity_kw
        else:
            out[c.id] = c.margin_kw / c.capacity_kw
    return out


def _chain_minima(snapshot, rows, margins):
    """Per component, (margin, id, scenario) of the tightest one in its dependency chain.

    Power: itself and everything upstream (``from:``). Cooling: itself and everything
    downstream (``to:``). Ties go to the component met first (itself, then file order).
    """
    layout, net = snapshot.layout, snapshot.net
    info = {c.id: c for c in rows}

    def own(ident):
        m = margins.get(ident)
        return None if m is None else (m, ident, info[ident].worst_scenario)
    best: dict[str, tuple | None] = {}
    for i in net.power_order:  # upstream first
        c = layout.power[i]
        best[c.id] = _lowest([own(c.id), *(best[s] for s in c.sources)])
    for j in reversed(net.heat_order):  # heat sinks first
        u = layout.cooling[j]
        best[u.id] = _lowest([own(u.id), *(best[t] for t in u.to)])
    return best


def _lowest(cands):
    """The candidate (margin, id, scenario) with the lowest margin; the first on ties."""
    best = None
    for c in cands:
        if c is not None and (best is None or c[0] < best[0] - _TIE):
            best = c
    return best


def _lost_racks(snapshot) -> dict[str, tuple[str, ...]]:
    """Rack id → the first failure set that takes it down; () when down in normal operation."""
    net, normal, sw = snapshot.net, snapshot.normal, snapshot.sweep
    lost: dict[str, tuple[str, ...]] = {}
    for r, up, media in zip(net.rack_ids, normal.rack_up, normal.rack_lost_media, strict=True):
        if not up or media:
            lost[r] = ()
    if sw is not None:
        for o in (*sw.power_outages, *sw.cooling_outages):
            for r in o.racks:
                lost.setdefault(r, o.scenario)
    return lost


def _rack_cell(r, x, y, depth, chain, lost) -> RackCell:
    b = _tightest((*r.power, *r.cooling), chain)
    lost_under = lost.get(r.id)
    margin = b[0] if b else None
    return RackCell(r.id, r.type, r.it_kw, r.row, r.pos, x, y, RACK_WIDTH_M, depth, r.power,
                    r.cooling, margin, b[1] if b else None, tuple(b[2]) if b else (),
                    lost_under, band_of(margin, lost_under is not None))


def _depth_of(r) -> float:
    return r.footprint_m2 / RACK_WIDTH_M if r.footprint_m2 and r.footprint_m2 > 0 \
        else DEFAULT_DEPTH_M


def floor_plans(layout, chain, lost) -> tuple[tuple[FloorPlan, ...], FloorPlan | None]:
    """One plan per hall (file order), and a strip of the racks with no floor position."""
    halls = {h.id: h for h in layout.halls}
    placed: dict[str, dict[str, list]] = {h: {} for h in halls}
    unplaced = []
    for r in layout.racks:
        hall = halls.get(r.hall) if r.hall is not None else None
        if hall is None or r.row is None or r.pos is None or hall.positions_of(r.row) is None:
            unplaced.append(r)
        else:
            placed[r.hall].setdefault(r.row, []).append(r)
    plans = []
    scale = PX_PER_M if len(layout.halls) <= MANY_HALLS else SMALL_PX_PER_M
    for hall in layout.halls:
        rows, cells = [], []
        y = MARGIN_M
        width = 0.0
        for name, positions in hall.rows:
            racks = placed[hall.id].get(name, [])
            depth = max([_depth_of(r) for r in racks] or [DEFAULT_DEPTH_M])
            rows.append(RowOutline(name, positions, MARGIN_M, y, positions * RACK_WIDTH_M, depth))
            for r in racks:
                d = _depth_of(r)
                cells.append(_rack_cell(r, MARGIN_M + (r.pos - 1) * RACK_WIDTH_M,
                                        y + (depth - d) / 2, d, chain, lost))
            width = max(width, max(positions, *(r.pos for r in racks)) * RACK_WIDTH_M)
            y += depth + AISLE_M
        height = y - AISLE_M + MARGIN_M if hall.rows else 2 * MARGIN_M
        plans.append(_plan(hall.id, hall.area_m2, width + 2 * MARGIN_M, height, rows, cells,
                           scale))
    strip = None
    if unplaced:
        cells = []
        for n, r in enumerate(unplaced):
            line, col = divmod(n, UNPLACED_PER_LINE)
            cells.append(_rack_cell(r, MARGIN_M + col * RACK_WIDTH_M * 1.5,
                                    MARGIN_M + line * (DEFAULT_DEPTH_M + AISLE_M / 2),
                                    _depth_of(r), chain, lost))
        lines = (len(unplaced) + UNPLACED_PER_LINE - 1) // UNPLACED_PER_LINE
        cols = min(len(unplaced), UNPLACED_PER_LINE)
        strip = _plan(None, None, 2 * MARGIN_M + cols * RACK_WIDTH_M * 1.5,
                      2 * MARGIN_M + lines * (DEFAULT_DEPTH_M + AISLE_M / 2), [], cells,
                      PX_PER_M)
    return tuple(plans), strip


def _plan(hall, area, width, height, rows, cells, px_per_m) -> FloorPlan:
    scale = min(px_per_m, MAX_PLAN_PX / width) if width > 0 else px_per_m
    return FloorPlan(hall, area, width, height, scale, tuple(rows), tuple(cells),
                     sum(c.it_kw for c in cells), 1.0 if scale >= 30 else 5.0)


# ---------------------------------------------------------------- one-line diagrams

def _grouper(level: int | None):
    """Key and label of an id at an aggregation level (None: the id itself)."""
    def key(ident: str, depth: int, kind: str) -> tuple[str, str]:
        if level is None:
            return ident, ident
        segs = ident.split("/")
        prefix = segs[:min(level, len(segs) - 1)]
        local = re.sub(r"\d+", "#", segs[-1])
        skipped = len(segs) - 1 - len(prefix)
        label = "/".join([*prefix, *(["…"] if skipped else []), local])
        return f"{'/'.join(prefix)}|{depth}|{kind}|{local}", label
    return key


class _Builder:
    """Accumulates aggregated nodes and edges of one diagram."""

    def __init__(self):
        self.nodes: dict[str, dict] = {}
        self.edges: Counter = Counter()

    def add(self, key, label, kind, depth, ident, capacity, load, worst, margin):
        n = self.nodes.get(key)
        if n is None:
            n = self.nodes[key] = {"label": label, "kind": kind, "depth": depth, "count": 0,
                                   "members": [], "capacity": None, "load": 0.0, "worst": None,
                                   "margin": None, "binding": None, "scenario": (),
                                   "lost": False, "order": len(self.nodes)}
        n["count"] += 1
        if len(n["members"]) < MAX_IDS:
            n["members"].append(ident)
        if capacity is not None:
            n["capacity"] = (n["capacity"] or 0.0) + capacity
        n["load"] += load
        if worst is not None:
            n["worst"] = (n["worst"] or 0.0) + worst
        if margin is not None and (n["margin"] is None or margin[0] < n["margin"]):
            n["margin"], n["binding"], n["scenario"] = margin[0], margin[1], tuple(margin[2])

    def link(self, a, b):
        if a != b:
            self.edges[(a, b)] += 1

    def build(self, title, level, components) -> Diagram:
        columns: dict[int, list[str]] = {}
        for key, n in self.nodes.items():
            columns.setdefault(n["depth"], []).append(key)
        parents: dict[str, list[str]] = {}
        for (a, b) in self.edges:
            parents.setdefault(b, []).append(a)
        index: dict[str, float] = {}
        depths = sorted(columns)
        tallest = max((len(c) for c in columns.values()), default=0)
        for d in depths:
            keys = columns[d]

            def centre(k):
                ps = [index[p] for p in parents.get(k, ()) if p in index]
                return (sum(ps) / len(ps) if ps else float("inf"), self.nodes[k]["order"])
            keys.sort(key=centre)
            offset = (tallest - len(keys)) / 2
            for i, k in enumerate(keys):
                index[k] = i + offset
        nodes, where = [], {}
        for col, d in enumerate(depths):
            for k in columns[d]:
                n = self.nodes[k]
                x, y = PAD + col * COL_W, PAD + index[k] * ROW_H
                where[k] = (x, y)
                nodes.append(DiagramNode(
                    k, n["label"], n["kind"], n["count"], tuple(n["members"]), n["capacity"],
                    n["load"], n["worst"], n["margin"], n["binding"], n["scenario"],
                    band_of(n["margin"], n["lost"]), d, x, y, NODE_W, NODE_H))
        edges = []
        for (a, b), count in self.edges.items():
            (xa, ya), (xb, yb) = where[a], where[b]
            x1 = xa + NODE_W
            edges.append(DiagramEdge(a, b, count, x1, ya + NODE_H / 2, xb, yb + NODE_H / 2,
                                     (x1 + xb) / 2))
        width = 2 * PAD + (len(depths) - 1) * COL_W + NODE_W if depths else 2 * PAD
        height = 2 * PAD + max(tallest - 1, 0) * ROW_H + NODE_H
        return Diagram(title, level, components, tuple(nodes), tuple(edges), width, height)


def _power_depths(snapshot) -> dict[str, int]:
    """Sources are depth 0; a component is one deeper than its deepest source."""
    layout, depth = snapshot.layout, {}
    for i in snapshot.net.power_order:
        c = layout.power[i]
        depth[c.id] = 1 + max((depth[s] for s in c.sources), default=-1)
    return depth


def _cooling_depths(snapshot) -> dict[str, int]:
    """Racks are depth 0; a component is one deeper than the deepest that passes it heat."""
    layout, depth = snapshot.layout, {}
    heat_from: dict[str, list[str]] = {u.id: [] for u in layout.cooling}
    for u in layout.cooling:
        for t in u.to:
            heat_from[t].append(u.id)
    for j in snapshot.net.heat_order:
        u = layout.cooling[j]
        depth[u.id] = 1 + max((depth[s] for s in heat_from[u.id]), default=0)
    return depth


def _diagram(kind: str, snapshot, rows, chain, lost, margins, level):
    """The nodes and links of one diagram at one level, not yet laid out."""
    layout, normal = snapshot.layout, snapshot.normal
    info = {c.id: c for c in rows}
    key = _grouper(level)
    b = _Builder()
    node_of: dict[str, str] = {}

    def put(ident, depth, kind_):
        c = info[ident]
        m = margins.get(ident)
        k, label = key(ident, depth, kind_)
        b.add(k, label, kind_, depth, ident, c.capacity_kw, c.load_kw, c.worst_load_kw,
              None if m is None else (m, ident, c.worst_scenario))
        node_of[ident] = k
    if kind == "power":
        depth = _power_depths(snapshot)
        for c in layout.power:
            put(c.id, depth[c.id], c.kind)
        for c in layout.power:
            for s in c.sources:
                b.link(node_of[s], node_of[c.id])
        last = max(depth.values(), default=-1) + 1
        loads = [(r.id, "racks", r.power, r.it_kw, r.id in lost) for r in layout.racks]
        loads += [(u.id, u.kind, u.power, normal.cooling_draw_kw[j], False)
                  for j, u in enumerate(layout.cooling) if u.power]
        for ident, what, feeds, kw, is_lost in loads:
            gk = "load|" + what + "|" + "|".join(sorted({node_of[f] for f in feeds}))
            label = what if what == "racks" else f"{what} units"
            b.add(gk, label, what, last, ident, None, kw, None,
                  _tightest(feeds, chain))
            if is_lost:
                b.nodes[gk]["lost"] = True
            for f in feeds:
                b.link(node_of[f], gk)
        title, components = "Power", len(layout.power)
    else:
        depth = _cooling_depths(snapshot)
        for u in layout.cooling:
            put(u.id, depth[u.id], u.kind)
        for u in layout.cooling:
            for t in u.to:
                b.link(node_of[u.id], node_of[t])
        for r in layout.racks:
            gk = "load|racks|" + "|".join(sorted({node_of[u] for u in r.cooling}))
            b.add(gk, "racks", "racks", 0, r.id, None, r.it_kw, None, _tightest(r.cooling, chain))
            if r.id in lost:
                b.nodes[gk]["lost"] = True
            for u in r.cooling:
                b.link(gk, node_of[u])
        title, components = "Cooling", len(layout.cooling)
    return b, title, components


def _tightest(ids, chain):
    return _lowest([chain.get(i) for i in ids])


def diagram(kind: str, snapshot, rows, chain, lost, margins) -> Diagram:
    """The power or cooling one-line diagram, aggregated just enough to stay readable.

    One node per component when there are at most :data:`MAX_DIAGRAM_NODES`; otherwise
    ids are grouped by their first two, then one, then no ``/`` segments, digits in the
    last segment read as ``#`` (``b1/h07/r2/ups-a`` → ``b1/…/ups-a``), and by kind and
    depth, at the finest level that fits. Loads (racks, cooling units) are grouped by
    the nodes that feed them.
    """
    for level in (None, 2, 1, 0):
        b, title, components = _diagram(kind, snapshot, rows, chain, lost, margins, level)
        if len(b.nodes) <= MAX_DIAGRAM_NODES:
            break
    return b.build(title, level, components)


# ---------------------------------------------------------------- N-1 table

def n1_table(snapshot, rows) -> tuple[tuple[N1Row, ...], N1Summary]:
    """The failure sets that matter, evaluated one by one, and a summary of the rest.

    Listed, at most :data:`MAX_N1_SETS`, in this order: sets that take racks down (most
    racks first), sets that overload some component (the worst case of a component
    over its failover limit), then the worst case of any component, tightest first.
    """
    sw, net, layout = snapshot.sweep, snapshot.net, snapshot.layout
    policy = layout.policy
    if sw is None or sw.k == 0:
        return (), N1Summary(0, 0, 0, 0, 0, 0)
    outages: dict[tuple, int] = {}
    for o in (*sw.power_outages, *sw.cooling_outages):
        outages[o.scenario] = outages.get(o.scenario, 0) + len(o.racks)
    kind = {c.id: c.kind for c in (*layout.power, *layout.cooling)}
    worst_of: Counter = Counter()
    tight: dict[tuple, float] = {}
    overloading = set()
    for c in rows:
        if not c.worst_scenario or c.worst_utilization is None:
            continue
        s = c.worst_scenario
        worst_of[s] += 1
        frac = c.worst_margin_kw / c.capacity_kw
        tight[s] = min(tight.get(s, frac), frac)
        if over(c.worst_utilization, policy.failover_utilization_of(kind[c.id])):
            overloading.add(s)
    order = sorted(outages, key=lambda s: -outages[s])
    order += sorted((s for s in overloading if s not in outages), key=lambda s: tight[s])
    order += sorted((s for s in tight if s not in outages and s not in overloading),
                    key=lambda s: tight[s])
    listed = []
    chosen = order[:MAX_N1_SETS]
    if chosen:
        engine = Engine(net, snapshot.normal)
        limits = ([policy.failover_utilization_of(k) for k in net.power_kind],
                  [policy.failover_utilization_of(k) for k in net.cooling_kind])
        for s in chosen:
            listed.append(_n1_row(engine, s, limits, worst_of.get(s, 0)))
    summary = N1Summary(sw.k, sw.scenarios, len(outages), len(tight), len(overloading),
                        len(listed))
    return tuple(listed), summary


def _n1_row(engine: Engine, scenario, limits, worst_of: int) -> N1Row:
    """One failure set through the incremental engine: racks lost, overloads, tightest."""
    net, normal = engine.net, engine.normal
    d = engine.delta(scenario)
    state = {r: (up, bool(media)) for r, (up, media) in d.racks.items()}
    down, hot = [], []
    for r, rid in enumerate(net.rack_ids):
        up, lost = state.get(r, (normal.rack_up[r], bool(normal.rack_lost_media[r])))
        if not up:
            down.append(rid)
        elif lost:
            hot.append(rid)
    overloaded, best = [], None
    for sort, ids, loads, base, caps, dead in (
            ("power", net.power_ids, d.power_out_kw, normal.power_out_kw,
             net.power_capacity_kw, d.dead_power),
            ("cooling", net.cooling_ids, d.cooling_heat_kw, normal.cooling_heat_kw,
             net.cooling_capacity_kw, d.dead_cooling)):
        limit_of = limits[0] if sort == "power" else limits[1]
        for i, ident in enumerate(ids):
            cap = caps[i]
            if cap is None or cap <= 0:
                continue
            u = loads.get(i, base[i]) / cap
            if over(u, limit_of[i]):
                overloaded.append((ident, u, limit_of[i]))
            if i not in dead and (best is None or limit_of[i] - u < best[1] - _TIE):
                best = (ident, limit_of[i] - u)
    rack_kw = dict(zip(net.rack_ids, net.rack_it_kw, strict=True))
    return N1Row(tuple(scenario), tuple(down), tuple(hot), sum(rack_kw[r] for r in down),
                 tuple(overloaded), best[0] if best else None, best[1] if best else None,
                 worst_of)


# ---------------------------------------------------------------- the whole page

def build(snapshot, report, halls: HeadroomReport | None = None) -> HtmlReport:
    """The report's model from a clean snapshot (its sweep run) and its validation report."""
    layout = snapshot.layout
    rows = component_headroom(snapshot)
    margins = component_margins(rows)
    chain = _chain_minima(snapshot, rows, margins)
    lost = _lost_racks(snapshot)
    floors, unplaced = floor_plans(layout, chain, lost)
    n1, summary = n1_table(snapshot, rows)
    k = snapshot.policy_contingency
    findings = tuple(report.findings)
    counts = {"halls": len(layout.halls), "racks": len(layout.racks),
              "power components": len(layout.power), "cooling components": len(layout.cooling),
              "failure sets evaluated": report.scenarios,
              "racks lost under a failure set": sum(1 for s in lost.values() if s)}
    return HtmlReport(
        layout.file, layout.site.name or layout.file.replace("\\", "/").rsplit("/", 1)[-1],
        f"N-{k}" if k else "normal", dict(report.kpis or {}), counts,
        sum(f.severity == "error" for f in findings),
        sum(f.severity == "warning" for f in findings),
        findings[:MAX_FINDINGS], len(findings), floors, unplaced,
        tuple(halls.halls) if halls is not None else (),
        diagram("power", snapshot, rows, chain, lost, margins),
        diagram("cooling", snapshot, rows, chain, lost, margins), n1, summary)
