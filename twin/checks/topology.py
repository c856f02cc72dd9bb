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
        loop = " -> ".join([*members, members[0]]) if len(members) > 1 else f"{members[0]} -> itself"
        yield Hit(members[0], f"cycle in `{field}:`: {loop}; power and heat must flow one way",
                  data=(("members", list(members)),))


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
