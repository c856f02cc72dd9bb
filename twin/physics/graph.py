"""The layout as one networkx graph of power, heat and placement, and its cycle check.

Nodes are ids with attributes ``sort`` (power, cooling, rack, hall), ``kind`` and
``capacity_kw``; edges carry ``relation``: ``power`` (upstream → consumer), ``heat``
(rack or unit → the unit that takes its heat) and ``placement`` (hall → rack).
Nodes and edges are added in file order, so every walk is deterministic.
"""
from __future__ import annotations

import networkx as nx

from twin.layout.model import Layout


def build_graph(layout: Layout) -> nx.DiGraph:
    """Build the graph; references to unknown ids are skipped (the loader reported them)."""
    g = nx.DiGraph()
    g.add_nodes_from((c.id, {"sort": "power", "kind": c.kind, "capacity_kw": c.capacity_kw})
                     for c in layout.power)
    g.add_nodes_from((u.id, {"sort": "cooling", "kind": u.kind, "capacity_kw": u.capacity_kw})
                     for u in layout.cooling)
    g.add_nodes_from((h.id, {"sort": "hall", "kind": "hall", "capacity_kw": None})
                     for h in layout.halls)
    g.add_nodes_from((r.id, {"sort": "rack", "kind": "rack", "capacity_kw": None,
                             "it_kw": r.it_kw}) for r in layout.racks)
    power, heat, placement = [], [], []
    for c in layout.power:
        power.extend((s, c.id) for s in c.sources)
    for u in layout.cooling:
        power.extend((p, u.id) for p in u.power)
        heat.extend((u.id, t) for t in u.to)
    for r in layout.racks:
        power.extend((p, r.id) for p in r.power)
        heat.extend((r.id, u) for u in r.cooling)
        if r.hall is not None:
            placement.append((r.hall, r.id))
    for edges, relation in ((power, "power"), (heat, "heat"), (placement, "placement")):
        g.add_edges_from(((a, b) for a, b in edges if a in g and b in g), relation=relation)
    return g


def relation_subgraph(g: nx.DiGraph, relation: str, sort: str) -> nx.DiGraph:
    """The edges of one relation between nodes of one sort (e.g. ``from:`` among power)."""
    keep = [n for n, d in g.nodes(data=True) if d["sort"] == sort]
    sub = nx.DiGraph()
    sub.add_nodes_from(keep)
    sub.add_edges_from((a, b) for a, b, d in g.edges(data=True)
                       if d["relation"] == relation and a in sub and b in sub)
    return sub


def cycles(g: nx.DiGraph, order: dict[str, int]) -> list[list[str]]:
    """Each cycle in ``from:`` or ``to:`` as its members in file order (one per loop knot)."""
    found = []
    for relation, sort in (("power", "power"), ("heat", "cooling")):
        sub = relation_subgraph(g, relation, sort)
        for comp in nx.strongly_connected_components(sub):
            if len(comp) > 1 or any(sub.has_edge(n, n) for n in comp):
                found.append(sorted(comp, key=order.__getitem__))
    return sorted(found, key=lambda members: order[members[0]])
