"""Graphviz DOT of a layout: one file, a power cluster and a cooling cluster, racks between."""
from __future__ import annotations

import re

from twin.core import UsageError
from twin.layout.model import Layout


#: A backslash run of odd length just before a quote, a line break or the end of an id:
#: the DOT lexer would read it as an escape, so no quoted DOT ID can hold it.
_UNWRITABLE = re.compile(r'(?<!\\)(?:\\\\)*\\(?=["\n]|\Z)|\x00')


def _id(text: str) -> str:
    """A DOT double-quoted ID that the DOT lexer reads back as ``text``.

    In a quoted DOT string only ``\\"`` is an escape (for ``"``); every other character,
    a backslash included, is kept as it is, and a backslash before a line break joins
    lines. Labels are another matter (:func:`_label`). An id with a backslash right
    before a quote, a line break or its end, or with a NUL, cannot be written: a usage
    error names it.
    """
    text = str(text)
    bad = _UNWRITABLE.search(text)
    if bad is not None:
        what = "a NUL character" if bad.group() == "\x00" else \
            "a backslash before a quote, a line break or its end"
        raise UsageError(f"--dot: id {text!r} has {what}, which a DOT file cannot hold as a "
                         "node name: rename it")
    return '"' + text.replace('"', '\\"') + '"'


def _label(*parts: str) -> str:
    """A label (a Graphviz escString): lines joined by ``\\n``; a backslash is written
    ``\\\\`` and ``"`` as ``\\"``, so ``\\N``, ``\\l`` and the like in an id are shown as
    written, not expanded."""
    lines = [str(p).replace("\\", "\\\\").replace('"', '\\"').replace("\r\n", "\\n")
             .replace("\n", "\\n").replace("\r", "\\n") for p in parts]
    return '"' + "\\n".join(lines) + '"'


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
             f"  graph [rankdir=LR, fontname=Helvetica, label={_label(layout.file)}];",
             "  node [fontname=Helvetica, fontsize=10];",
             "  edge [fontname=Helvetica, fontsize=9];",
             "  subgraph cluster_power {",
             '    label="power"; color="#1f77b4";',
             ]
    for c in layout.power:
        label = _label(c.id, f"{c.kind}, {_kw(c.capacity_kw)}")
        lines.append(f"    {_id(c.id)} [shape=box, label={label}];")
    for c in layout.power:
        for s in c.sources:
            lines.append(f"    {_id(s)} -> {_id(c.id)};")
    lines += ["  }", "  subgraph cluster_cooling {", '    label="cooling"; color="#2ca02c";']
    for u in layout.cooling:
        outside = [f"{what}: external" for what, flag in
                   (("power", u.power_external), ("to", u.to_external)) if flag]
        label = _label(u.id, f"{u.kind}, {_kw(u.capacity_kw)}", *outside)
        lines.append(f"    {_id(u.id)} [shape=ellipse, label={label}];")
    for u in layout.cooling:
        for t in u.to:
            lines.append(f"    {_id(u.id)} -> {_id(t)} [color=\"#d62728\", label=\"heat\"];")
    lines.append("  }")
    for r in layout.racks:
        where = [f"{r.hall} {r.row}/{r.pos}"] if r.hall is not None else []
        label = _label(r.id, f"{r.it_kw:g} kW", *where)
        lines.append(f"  {_id(r.id)} [shape=box3d, label={label}];")
    for r in layout.racks:
        for p in r.power:
            lines.append(f"  {_id(p)} -> {_id(r.id)};")
        for u in r.cooling:
            lines.append(f"  {_id(r.id)} -> {_id(u)} [color=\"#d62728\"];")
    for u in layout.cooling:
        for p in u.power:
            lines.append(f"  {_id(p)} -> {_id(u.id)} [style=dashed, color=grey50];")
    lines.append("}")
    return "\n".join(lines) + "\n"
