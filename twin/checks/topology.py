"""T checks: the shape of the power and heat graphs (cycles, unused components)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from twin.checks import Check, Hit
from twin.physics.graph import cycles

if TYPE_CHECKING:
    import networkx as nx


def check_cycles(layout, graph: nx.DiGraph) -> Iterator[Hit]:
    """T001: a cycle in ``from:`` or ``to:``; reported at its first member in file order."""
    order = {c.id: n for n, c in enumerate((*layout.power, *layout.cooling))}
    for members in cycles(graph, order):
        field = "from" if graph.nodes[members[0]]["sort"] == "power" else "to"
        if len(members) > 1:
            path = _cycle_through(graph, members, order)
            loop = " -> ".join([*path, path[0]])
            rest = [m for m in members if m not in path]
            if rest:
                loop += f" (the same knot holds {', '.join(rest)})"
        else:
            loop = f"{members[0]} -> itself"
        yield Hit(members[0], f"cycle in `{field}:`: {loop}; power and heat must flow one way",
                  data=(("members", list(members)),))


def _cycle_through(graph: nx.DiGraph, members: list[str], order: dict[str, int]) -> list[str]:
    """A shortest cycle through ``members[0]`` along the edges of its relation inside the
    knot ``members`` (a strongly connected component): the ids as the file links them."""
    start, inside = members[0], set(members)
    relation = "power" if graph.nodes[start]["sort"] == "power" else "heat"

    def after(n):
        return sorted((b for _, b, d in graph.out_edges(n, data=True)
                       if d["relation"] == relation and b in inside), key=order.__getitem__)

    parent, queue = {start: None}, [start]
    for n in queue:
        for b in after(n):
            if b == start:
                path = [n]
                while parent[path[-1]] is not None:
                    path.append(parent[path[-1]])
                return path[::-1]
            if b not in parent:
                parent[b] = n
                queue.append(b)
    return members  # not reached: every member of a knot lies on a cycle through start


def check_unused(snapshot) -> Iterator[Hit]:
    """T002: a power component no one draws from, or a cooling component no one sends heat to."""
    g = snapshot.graph
    for c in snapshot.layout.power:
        if not any(d["relation"] == "power" for _, _, d in g.out_edges(c.id, data=True)):
            yield Hit(c.id, f"{c.kind} {c.id} feeds nothing: no component, rack or unit names it "
                      "in `from:` or `power:`")
    for u in snapshot.layout.cooling:
        if not any(d["relation"] == "heat" for _, _, d in g.in_edges(u.id, data=True)):
            yield Hit(u.id, f"{u.kind} {u.id} takes no heat: no rack or unit names it in "
                      "`cooling:` or `to:`")


_F = "topology"
_NEEDS = ("model", "graph")  # what the runner must give these checks (checks/runner.py)
CHECKS = (
    Check("T001", "cycle", "error", _F, "cycle in `from:` or `to:`", None),
    Check("T002", "unused-component", "warning", _F,
          "a power component nothing draws from, or a cooling component nothing sends heat to",
          check_unused, needs=_NEEDS),
)
