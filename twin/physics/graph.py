"""The layout as one networkx graph of power, heat and placement, and what its shape answers.

Nodes are ids with attributes ``sort`` (power, cooling, rack, hall), ``kind`` and
``capacity_kw``; power and cooling components also ``failable``, power components
``source`` (a utility or generator, live by itself) and racks ``min_feeds``. Edges carry
``relation``: ``power`` (upstream → consumer), ``heat`` (rack or unit → the unit that
takes its heat) and ``placement`` (hall → rack). Nodes and edges are added in file
order, so every walk is deterministic.

Questions of shape are answered with networkx's algorithms: cycles (strongly connected
components), the single points of failure of a rack's power (dominators) and how many
failures it takes to lose it (a minimum cut). Load flow is not done here: that is the
index arrays of :mod:`twin.physics.flow`.
"""
from __future__ import annotations

from itertools import combinations
from typing import TYPE_CHECKING

from twin.layout.model import Layout

if TYPE_CHECKING:  # networkx is imported when a graph is built, so `twin --help` stays fast
    import networkx as nx


def build_graph(layout: Layout) -> nx.DiGraph:
    """Build the graph; references to unknown ids are skipped (the loader reported them)."""
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from((c.id, {"sort": "power", "kind": c.kind, "capacity_kw": c.capacity_kw,
                             "failable": c.failable, "source": c.is_source})
                     for c in layout.power)
    g.add_nodes_from((u.id, {"sort": "cooling", "kind": u.kind, "capacity_kw": u.capacity_kw,
                             "failable": u.failable})
                     for u in layout.cooling)
    g.add_nodes_from((h.id, {"sort": "hall", "kind": "hall", "capacity_kw": None})
                     for h in layout.halls)
    g.add_nodes_from((r.id, {"sort": "rack", "kind": "rack", "capacity_kw": None,
                             "it_kw": r.it_kw, "min_feeds": r.min_feeds})
                     for r in layout.racks)
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
    import networkx as nx

    keep = [n for n, d in g.nodes(data=True) if d["sort"] == sort]
    sub = nx.DiGraph()
    sub.add_nodes_from(keep)
    sub.add_edges_from((a, b) for a, b, d in g.edges(data=True)
                       if d["relation"] == relation and a in sub and b in sub)
    return sub


def cycles(g: nx.DiGraph, order: dict[str, int]) -> list[list[str]]:
    """Each cycle in ``from:`` or ``to:`` as its members in file order (one per loop knot)."""
    import networkx as nx

    found = []
    for relation, sort in (("power", "power"), ("heat", "cooling")):
        sub = relation_subgraph(g, relation, sort)
        for comp in nx.strongly_connected_components(sub):
            if len(comp) > 1 or any(sub.has_edge(n, n) for n in comp):
                found.append(sorted(comp, key=order.__getitem__))
    return sorted(found, key=lambda members: order[members[0]])


# ---------------------------------------------------------------- failures of a rack's power
#: The virtual node above every source (a power component live by itself).
ROOT = ("root",)
_SINK = ("rack",)


def _graph_of(layout_or_graph) -> nx.DiGraph:
    return build_graph(layout_or_graph) if isinstance(layout_or_graph, Layout) else layout_or_graph


def _power_tree(g: nx.DiGraph) -> nx.DiGraph:
    """The power components under :data:`ROOT`: root → each source, and every ``from:``
    edge into a component that is not a source (a source is live whatever feeds it)."""
    import networkx as nx

    h = nx.DiGraph()
    h.add_node(ROOT)
    power = {n: d for n, d in g.nodes(data=True) if d["sort"] == "power"}
    h.add_nodes_from(power)
    h.add_edges_from((ROOT, n) for n, d in power.items() if d["source"])
    h.add_edges_from((a, b) for a, b, d in g.edges(data=True)
                     if d["relation"] == "power" and a in power and b in power
                     and not power[b]["source"])
    return h


def _feeds(g: nx.DiGraph, rack: str) -> tuple[list[str], int]:
    """The rack's feeds in file order and how many must be live (``min_feeds``, at least 1)."""
    if rack not in g or g.nodes[rack]["sort"] != "rack":
        raise KeyError(f"{rack!r} is not a rack of the layout")
    feeds = [a for a, _, d in g.in_edges(rack, data=True) if d["relation"] == "power"]
    return feeds, max(1, g.nodes[rack].get("min_feeds", 1))


def single_points_of_failure(layout_or_graph, rack: str) -> tuple[str, ...]:
    """The failable power components whose failure alone takes ``rack`` down for power.

    A component is live when it is a source or one of its ``from:`` components is live
    (SPEC section 2), so a component whose every path from the sources runs through ``x``
    dies with ``x``: ``x`` dominates it in the power graph under a virtual root above the
    sources (``networkx.immediate_dominators``). ``x`` takes the rack down when it kills
    so many of its feeds that fewer than ``min_feeds`` stay live. Components marked
    ``failable: false`` are not counted (no failure set includes them). File order; ``()``
    when the rack is down already in normal operation, or survives every single failure.

    ``layout_or_graph``: a :class:`Layout` or the graph :func:`build_graph` made of one.
    """
    import networkx as nx

    g = _graph_of(layout_or_graph)
    feeds, need = _feeds(g, rack)
    tree = _power_tree(g)
    idom = nx.immediate_dominators(tree, ROOT)
    live = [p for p in feeds if p in idom]
    if len(live) < need:
        return ()
    kills: dict[str, int] = {}
    for p in live:
        x = p
        while x != ROOT:
            kills[x] = kills.get(x, 0) + 1
            x = idom[x]
    return tuple(n for n in g if n in kills and g.nodes[n]["failable"]
                 and len(live) - kills[n] < need)


def smallest_failure_set(layout_or_graph, rack: str) -> tuple[str, ...] | None:
    """A smallest set of failable power components whose failure takes ``rack`` down for
    power (file order), ``()`` when it is down already, ``None`` when no failure of
    failable components can (a path of ``failable: false`` components feeds it).

    The rack is down when all but ``min_feeds − 1`` of its live feeds are dead. For each
    choice of the feeds that die, a minimum cut (``networkx.minimum_cut``, each failable
    component split into an in and an out node joined by capacity 1, everything else
    uncuttable) between the virtual root above the sources and those feeds is the fewest
    failures that kill them; the smallest over the choices wins (the first in file order
    of feeds on a tie). Of several smallest cuts, the one nearest the rack.
    """
    import networkx as nx

    g = _graph_of(layout_or_graph)
    feeds, need = _feeds(g, rack)
    tree = _power_tree(g)
    reachable = nx.descendants(tree, ROOT)
    live = [p for p in feeds if p in reachable]
    must_die = len(live) - need + 1
    if must_die <= 0:
        return ()
    split = nx.DiGraph()
    for n in tree:
        if n != ROOT and g.nodes[n]["failable"]:
            split.add_edge((n, "in"), (n, "out"), capacity=1)
        else:
            split.add_edge((n, "in"), (n, "out"))  # no capacity: never cut
    split.add_edges_from(((a, "out"), (b, "in")) for a, b in tree.edges)
    best = None
    for dying in combinations(live, must_die):
        h = split.copy()
        h.add_edges_from(((p, "out"), _SINK) for p in dying)
        try:
            value, (side, _) = nx.minimum_cut(h, (ROOT, "in"), _SINK)
        except nx.NetworkXUnbounded:
            continue
        if best is None or value < len(best):
            best = [n for n in g if (n, "in") in side and (n, "out") not in side]
    return None if best is None else tuple(best)


def failures_to_lose(layout_or_graph, rack: str) -> int | None:
    """How many failures of failable power components take ``rack`` down for power, at
    least: 0 when it is down already, 1 when it has a single point of failure, ``None``
    when no failure of failable components can (see :func:`smallest_failure_set`)."""
    found = smallest_failure_set(layout_or_graph, rack)
    return None if found is None else len(found)
