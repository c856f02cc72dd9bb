"""Where the lost paths of racks meet under a failure set: the hop a designer would change.

Under a failure set, the components and racks that are down are found from the racks
upward, by the liveness rules of :func:`twin.physics.flow.evaluate` (a failed component
is down; a distribution component with no live source is down; a cooling unit is
effective when one ``power`` feed is live and one ``to`` target effective, if it lists
any; a rack is down for power with fewer live feeds than ``min_feeds``, without cooling
for a medium when no unit of it is effective). Only what the racks depend on is
evaluated. Each node down gets an edge from each dependency that explains it; with a
root above the failed components, the immediate dominator of a rack
(``networkx.immediate_dominators``) is where all its lost paths meet, and the edges out
of it toward the rack are the last hop that merges. Where the paths meet only at the
root (several failures, each taking one path), the edges out of each failed component.
"""
from __future__ import annotations

from twin.layout.model import AIR_UNIT_KINDS, LIQUID_UNIT_KINDS, Layout

_ROOT = ("root",)
class Index:
    """The layout's components and racks by id, made once and asked for many sets."""

    def __init__(self, layout: Layout):
        self.layout = layout
        self.power = {c.id: c for c in layout.power}
        self.cooling = {u.id: u for u in layout.cooling}
        self.racks = {r.id: r for r in layout.racks}


def _groups(ix: Index, node: str) -> list[tuple[str, tuple[str, ...]]]:
    """The reference lists of ``node`` it needs one live member of (SPEC sections 2, 3)."""
    c = ix.power.get(node)
    if c is not None:
        return [] if c.is_source else [("from", tuple(s for s in c.sources if s in ix.power))]
    u = ix.cooling.get(node)
    if u is not None:
        out = []
        feeds = tuple(p for p in u.power if p in ix.power)
        if feeds:
            out.append(("power", feeds))
        to = tuple(t for t in u.to if t in ix.cooling)
        if to:
            out.append(("to", to))
        return out
    return []


def _dead_graph(ix: Index, failed: set[str], racks, medium_rule: bool):
    """The down graph: ``edges`` (a, b, field) from a down dependency to what it takes
    down, from the root to the failed components, and into each rack from its down
    feeds (R001) or down units of each medium it lost (R003)."""
    dead: dict[str, bool] = {}

    def is_dead(start: str) -> bool:
        stack = [start]
        while stack:
            node = stack[-1]
            if node in dead:
                stack.pop()
                continue
            if node in failed:
                dead[node] = True
                stack.pop()
                continue
            groups = _groups(ix, node)
            pending = [t for _, members in groups for t in members if t not in dead]
            if pending:
                stack.extend(pending)
                if len(stack) > 4 * (len(ix.power) + len(ix.cooling)) + 16:
                    return False  # a cycle (reported as T001): never here on a clean load
                continue
            stack.pop()
            if node in ix.power and not ix.power[node].is_source and not groups[0][1]:
                dead[node] = True  # a distribution component with no source
            else:
                dead[node] = any(all(dead[t] for t in members) for _, members in groups)
        return dead[start]

    edges: list[tuple[object, str, str]] = []
    seen: set[str] = set()
    todo: list[str] = []

    def visit(node: str) -> None:
        if node not in seen:
            seen.add(node)
            todo.append(node)

    for r in racks:
        rack = ix.racks.get(r)
        if rack is None:
            continue
        if medium_rule:
            for members in _lost_media(ix, rack, is_dead):
                for u in members:
                    edges.append((u, r, "cooling"))
                    visit(u)
        else:
            for p in rack.power:
                if p in ix.power and is_dead(p):
                    edges.append((p, r, "rack-power"))
                    visit(p)
    while todo:
        node = todo.pop()
        if node in failed:
            edges.append((_ROOT, node, ""))
            continue
        for field, members in _groups(ix, node):
            if members and all(is_dead(t) for t in members):
                for t in members:
                    edges.append((t, node, field))
                    visit(t)
    return edges


def _lost_media(ix: Index, rack, is_dead) -> list[tuple[str, ...]]:
    """The units of each medium the rack needs and has none of left (R003's rule)."""
    out = []
    for kinds, load in ((LIQUID_UNIT_KINDS, rack.liquid_kw), (AIR_UNIT_KINDS, rack.air_kw)):
        if load <= 0.0:
            continue
        units = tuple(u for u in rack.cooling if u in ix.cooling and ix.cooling[u].kind in kinds)
        if units and all(is_dead(u) for u in units):
            out.append(units)
    return out


def meeting_edges(ix: Index, scenario, racks, cooling: bool) -> list[tuple[str, str, str, int]]:
    """The edges where the lost paths of ``racks`` meet under ``scenario``: (dependency,
    dependent, field, paths), ``field`` being how the dependent names it (``from``,
    ``power``, ``to``, ``cooling``, or ``rack-power`` for a rack's ``power``) and
    ``paths`` how many branches (not racks) meet there. ``cooling``: the racks lost
    cooling (R003), else power (R001). In the order found; the caller sorts."""
    import networkx as nx

    edges = _dead_graph(ix, set(scenario), racks, cooling)
    g = nx.DiGraph()
    g.add_node(_ROOT)
    for a, b, field in edges:
        g.add_edge(a, b, field=field)
    idom = nx.immediate_dominators(g, _ROOT)
    by_meet: dict[object, list[str]] = {}
    for r in racks:
        if r in idom and r in g:
            by_meet.setdefault(idom[r], []).append(r)
    chosen: dict[tuple, int] = {}
    for meet, group in by_meet.items():
        reach = set(group)
        stack = list(group)
        while stack:
            for a in g.predecessors(stack.pop()):
                if a not in reach:
                    reach.add(a)
                    stack.append(a)
        tops = list(g.successors(_ROOT)) if meet == _ROOT else [meet]
        for top in tops:
            out = [(top, b, g.edges[top, b]["field"]) for b in g.successors(top) if b in reach]
            paths = sum(b not in ix.racks for _, b, _ in out)  # branches, not racks, meet
            for e in out:
                chosen[e] = max(chosen.get(e, 0), paths)
    return [(a, b, field, paths) for (a, b, field), paths in chosen.items()]
