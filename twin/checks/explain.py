"""What an R001 or R003 finding shows besides its line: where the racks' paths meet.

A finding under a failure set points at the failed component (the symptom); the line a
designer changed is usually elsewhere: both PDUs of a rack written ``from: ups-a``. For
each finding listed, :func:`with_related` adds the feed entries where the affected racks'
paths meet at the failure, as related locations (file, line, column of the entry in the
``from:``, ``power:``, ``to:`` or ``cooling:`` list, and a short message).

How: under the failure set, the components and racks that are down are found from the
racks upward (only what they depend on is evaluated, by the rules of
:func:`twin.physics.flow.evaluate`), with an edge from each dependency that explains why
a node is down to the node. In that graph, with a root above the failed components, the
immediate dominator of a rack is where all its dead paths meet (``networkx``'s
``immediate_dominators``); the edges out of it toward the racks are the last hop that
merges. When the paths meet only at the root (several failures, each taking one path),
the edges out of each failed component are given. Computed for the findings listed, not
for every failure set, so a clean layout pays nothing.
"""
from __future__ import annotations

import dataclasses

from twin.core import MAX_RELATED, Finding, Related
from twin.layout.model import AIR_UNIT_KINDS, LIQUID_UNIT_KINDS, Layout, order_key

_ROOT = ("root",)
#: What each reference field says, for the related location's message.
_RELATION = {"from": "{b} takes power from {a}", "rack-power": "rack {b} takes power from {a}",
             "power": "{b} takes power from {a}", "to": "{b} sends its heat to {a}",
             "cooling": "rack {b} is cooled by {a}"}


class _Index:
    """The layout's components and racks by id, made once per validation."""

    def __init__(self, layout: Layout):
        self.layout = layout
        self.power = {c.id: c for c in layout.power}
        self.cooling = {u.id: u for u in layout.cooling}
        self.racks = {r.id: r for r in layout.racks}


def _groups(ix: _Index, node: str) -> list[tuple[str, tuple[str, ...]]]:
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


def _dead_graph(ix: _Index, failed: set[str], racks, medium_rule: bool):
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


def _lost_media(ix: _Index, rack, is_dead) -> list[tuple[str, ...]]:
    """The units of each medium the rack needs and has none of left (R003's rule)."""
    out = []
    for kinds, load in ((LIQUID_UNIT_KINDS, rack.liquid_kw), (AIR_UNIT_KINDS, rack.air_kw)):
        if load <= 0.0:
            continue
        units = tuple(u for u in rack.cooling if u in ix.cooling and ix.cooling[u].kind in kinds)
        if units and all(is_dead(u) for u in units):
            out.append(units)
    return out


def related_of(ix: _Index, finding: Finding) -> tuple[list[Related], int]:
    """The related locations of one R001 or R003 finding (file order, at most
    :data:`MAX_RELATED`) and how many more there are."""
    import networkx as nx

    failed = set(finding.scenario)
    edges = _dead_graph(ix, failed, finding.racks, finding.code == "R003")
    g = nx.DiGraph()
    g.add_node(_ROOT)
    for a, b, field in edges:
        g.add_edge(a, b, field=field)
    idom = nx.immediate_dominators(g, _ROOT)
    by_meet: dict[object, list[str]] = {}
    for r in finding.racks:
        if r in idom and r in g:
            by_meet.setdefault(idom[r], []).append(r)
    chosen: dict[tuple, int] = {}
    for meet, racks in by_meet.items():
        reach = set(racks)
        stack = list(racks)
        while stack:
            for a in g.predecessors(stack.pop()):
                if a not in reach:
                    reach.add(a)
                    stack.append(a)
        tops = [s for s in g.successors(_ROOT)] if meet == _ROOT else [meet]
        for top in tops:
            out = [(top, b, g.edges[top, b]["field"]) for b in g.successors(top) if b in reach]
            paths = sum(b not in ix.racks for _, b, _ in out)  # branches, not racks, meet
            for e in out:
                chosen[e] = max(chosen.get(e, 0), paths)
    found = []
    failing = " and ".join(finding.scenario)
    down = f"{'fails' if len(finding.scenario) == 1 else 'fail'}"
    for (a, b, field), paths in chosen.items():
        why = "which fails" if a in failed else f"which is down when {failing} {down}"
        found.append(_related(ix.layout, a, b, field, why, paths))
    found.sort(key=lambda pair: pair[0])
    shown = [r for _, r in found[:MAX_RELATED]]
    return shown, max(0, len(found) - MAX_RELATED)


def _related(layout: Layout, a: str, b: str, field: str, why: str, paths: int):
    written = "power" if field == "rack-power" else field
    loc = (layout.ref_loc(b, written, a) or layout.loc_of(f"{b}.{written}")
           or layout.loc_of(b))
    text = f"{_RELATION[field].format(a=a, b=b)}, {why}"
    if paths > 1:
        text += f": {paths} paths to the racks meet here"
    if loc is None:
        return (float("inf"), text), Related(layout.file, 1, 1, text)
    return (order_key(loc), text), Related(loc.file, loc.line, loc.column, text, loc.via)


def with_related(findings, layout: Layout) -> tuple[Finding, ...]:
    """``findings`` with their related locations filled in (R001 and R003)."""
    ix = None
    out = []
    for f in findings:
        if f.code in ("R001", "R003") and f.racks and f.scenario:
            ix = ix or _Index(layout)
            related, more = related_of(ix, f)
            if related:
                f = dataclasses.replace(f, related=tuple(related), related_more=more)
        out.append(f)
    return tuple(out)


def loop_note(layout: Layout, scenario) -> str:
    """For an R003 message whose failure set holds a loop: that loops are failable unless
    they say otherwise, and how to write a header that is not a single path."""
    loops = [u for u in layout.cooling if u.kind == "loop" and u.id in scenario]
    if not loops:
        return ""
    names = " and ".join(u.id for u in loops)
    how = ("failable by default (a loop fails like any unit unless it says "
           "`failable: false`)" if all(layout.loc_of(f"{u.id}.failable") is None for u in loops)
           else "marked `failable: true`")
    example = loops[0].id
    return (f"; loop {names} {'is' if len(loops) == 1 else 'are'} {how}: if it is passive piping "
            "the design accepts as a single path, write `failable: false` on it; otherwise give "
            "a redundant header: two loops, each unit listing both in `to:` (e.g. "
            f"`to: [{example}-a, {example}-b]`)")
