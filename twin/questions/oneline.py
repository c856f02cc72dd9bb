"""One-line diagrams for the HTML report: power and cooling, layered, aggregated to stay readable.

Columns are depths from the sources (power: sources at depth 0, a component one deeper
than its deepest source; cooling: racks at depth 0, a unit one deeper than the deepest
that passes it heat), in the order of the compiled network. Each node carries its load,
worst-case load and the tightest margin of its chain (:mod:`twin.questions.margins`).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from twin.questions.margins import band_of, tightest

#: Diagram aggregation: above this many nodes, ids are grouped by their block prefix.
MAX_DIAGRAM_NODES = 400
#: Ids shown per diagram node (the rest are counted).
MAX_IDS = 12
COL_W, NODE_W, NODE_H, ROW_H, PAD = 170.0, 140.0, 22.0, 28.0, 16.0


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
                  tightest(feeds, chain))
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
            b.add(gk, "racks", "racks", 0, r.id, None, r.it_kw, None, tightest(r.cooling, chain))
            if r.id in lost:
                b.nodes[gk]["lost"] = True
            for u in r.cooling:
                b.link(gk, node_of[u])
        title, components = "Cooling", len(layout.cooling)
    return b, title, components


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
