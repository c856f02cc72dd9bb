"""Graphviz DOT of a layout: one file, a power cluster and a cooling cluster, racks between."""
from __future__ import annotations

from twin.model import Layout


def _q(text: str) -> str:
    """A DOT double-quoted ID (quotes and backslashes escaped)."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _label(*parts: str) -> str:
    return _q("\n".join(parts))


def _kw(value: float | None) -> str:
    return "capacity not given" if value is None else f"{value:,.0f} kW"


def dot(layout: Layout) -> str:
    """The DOT text of ``layout`` (deterministic: file order).

    ``cluster_power`` holds the power components with their ``from:`` edges (upstream →
    downstream); ``cluster_cooling`` the cooling components with their ``to:`` edges (heat
    flow). Racks sit outside both clusters: a solid edge from each feed to the rack and a
    heat edge from the rack to each cooling unit. Dashed grey edges are the power supplies
    of cooling components (``power:``).
    """
    lines = ["digraph twin {",
             f"  graph [rankdir=LR, fontname=Helvetica, label={_q(layout.file)}];",
             "  node [fontname=Helvetica, fontsize=10];",
             "  edge [fontname=Helvetica, fontsize=9];",
             "  subgraph cluster_power {",
             '    label="power"; color="#1f77b4";',
             ]
    for c in layout.power:
        label = _label(c.id, f"{c.kind}, {_kw(c.capacity_kw)}")
        lines.append(f"    {_q(c.id)} [shape=box, label={label}];")
    for c in layout.power:
        for s in c.sources:
            lines.append(f"    {_q(s)} -> {_q(c.id)};")
    lines += ["  }", "  subgraph cluster_cooling {", '    label="cooling"; color="#2ca02c";']
    for u in layout.cooling:
        label = _label(u.id, f"{u.kind}, {_kw(u.capacity_kw)}")
        lines.append(f"    {_q(u.id)} [shape=ellipse, label={label}];")
    for u in layout.cooling:
        for t in u.to:
            lines.append(f"    {_q(u.id)} -> {_q(t)} [color=\"#d62728\", label=\"heat\"];")
    lines.append("  }")
    for r in layout.racks:
        where = [f"{r.hall} {r.row}/{r.pos}"] if r.hall is not None else []
        label = _label(r.id, f"{r.it_kw:g} kW", *where)
        lines.append(f"  {_q(r.id)} [shape=box3d, label={label}];")
    for r in layout.racks:
        for p in r.power:
            lines.append(f"  {_q(p)} -> {_q(r.id)};")
        for u in r.cooling:
            lines.append(f"  {_q(r.id)} -> {_q(u)} [color=\"#d62728\"];")
    for u in layout.cooling:
        for p in u.power:
            lines.append(f"  {_q(p)} -> {_q(u.id)} [style=dashed, color=grey50];")
    lines.append("}")
    return "\n".join(lines) + "\n"
