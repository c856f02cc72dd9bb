"""Edit a layout's text in place of rewriting it: comments, order and style survive.

Used by ``twin capacity --write``: the new racks go at the end of the file's ``racks:``
mapping, one flow mapping per line, indented like the racks already there. Every byte
of the file is kept (a UTF-8 BOM, CRLF or LF line ends); the new lines take the line
end most of the file uses. :func:`check_racks_added` reads the result back before it
is written: it must parse as the same tree with the racks added, and load as the same
model with the racks added.
"""
from __future__ import annotations

import codecs
import dataclasses
import math

from twin.layout.emit import plain_ok, quote
from twin.layout.source import Limits, YMap, YScalar, YSeq, parse, resolve_tag

_TAG = "tag:yaml.org,2002:"
_STR = f"{_TAG}str"


def yaml_text(value) -> str:
    """A scalar or list as YAML flow text that reads back as the same value.

    Text is plain when YAML reads it back as that text, else double-quoted with every
    character YAML could change escaped (:func:`twin.layout.emit.quote`: characters outside the
    Basic Multilingual Plane are written as they are, never as surrogate pairs).
    """
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(yaml_text(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    text = str(value)
    if plain_ok(text) and resolve_tag(text, True) == _STR:
        return text
    return quote(text)


def entry_line(ident: str, fields: dict, indent: int) -> str:
    body = ", ".join(f"{k}: {yaml_text(v)}" for k, v in fields.items())
    return f"{' ' * indent}{yaml_text(ident)}: {{{body}}}"


def line_end(text: str) -> str:
    """The line end most lines of ``text`` use: ``\\r\\n``, ``\\n`` or (old Mac) ``\\r``."""
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    if crlf or lf:
        return "\r\n" if crlf > lf else "\n"
    return "\r" if "\r" in text else "\n"


def append_racks(text: str, racks: list[tuple[str, dict]], note: str) -> str:
    """``text`` with ``racks`` (id, fields) added at the end of its ``racks:`` mapping.

    Raises :class:`ValueError` when the file cannot be edited that way.
    """
    note = note if note.isprintable() else quote(note)  # a comment stays one line
    eol = line_end(text)
    lone_cr = eol == "\r"
    work = text.replace("\r", "\n") if lone_cr else text  # positions are in \n lines
    tree, problems = parse(work)
    if tree is None:
        raise ValueError("the layout does not parse")
    if lone_cr:
        eol = "\n"
    if work and not work.endswith("\n"):
        work += eol
    cr = "\r" if eol == "\r\n" else ""
    lines = work.split("\n")  # a CRLF line keeps its \r
    entry = tree.entries.get("racks")
    if entry is None:
        block = ["racks:", f"  # {note}"] + [entry_line(i, f, 2) for i, f in racks]
        out = work + "".join(f"{line}{eol}" for line in block)
    elif isinstance(entry.value, YScalar) and entry.value.is_null and entry.value.text == "":
        block = [f"  # {note}"] + [entry_line(i, f, 2) for i, f in racks]
        at = _entry_end(tree, entry, lines, entry.line)
        out = "\n".join(lines[:at] + [f"{line}{cr}" for line in block] + lines[at:])
    elif isinstance(entry.value, YMap) and entry.value.entries:
        first = next(iter(entry.value.entries.values()))
        if first.line == entry.line:  # flow style `racks: {...}`
            raise ValueError("racks: is written as one flow mapping; write it as a block to "
                             "add to it")
        indent = first.column - 1
        at = _entry_end(tree, entry, lines, len(lines))
        block = [f"{' ' * indent}# {note}"] + [entry_line(i, f, indent) for i, f in racks]
        out = "\n".join(lines[:at] + [f"{line}{cr}" for line in block] + lines[at:])
    else:
        raise ValueError("racks: is not a block mapping of racks (or empty); write it as "
                         "one to add to it")
    return out.replace("\n", "\r") if lone_cr else out


def _entry_end(tree: YMap, entry, lines: list[str], last: int) -> int:
    """Index of the line after ``entry``'s last non-blank line (before the next key)."""
    later = [e.line for e in tree.entries.values() if e.line > entry.line]
    end = (min(later) - 1) if later else last
    while end > entry.line and not lines[end - 1].strip():
        end -= 1
    return end


def add_racks(data: bytes, racks: list[tuple[str, dict]], note: str) -> bytes:
    """The layout file's bytes with ``racks`` added; a UTF-8 BOM and line ends kept."""
    bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""
    text = data[len(bom):].decode("utf-8")
    return bom + append_racks(text, racks, note).encode("utf-8")


def same_tree(a, b) -> bool:
    """True when two trees have the same keys in the same order, and scalars with the same
    text and type (plain scalars of the same text and no explicit tag resolve alike)."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if type(x) is not type(y):
            return False
        if isinstance(x, YMap):
            if list(x.entries) != list(y.entries):
                return False
            stack += zip([e.value for e in x.entries.values()],
                         [e.value for e in y.entries.values()])
        elif isinstance(x, YSeq):
            if len(x.items) != len(y.items):
                return False
            stack += zip(x.items, y.items)
        elif x.text != y.text or not (x.plain and y.plain and x._tag is None
                                      and y._tag is None) and x.tag != y.tag:
            return False
    return True


def _value_of(node):
    """A scalar or a sequence of scalars as the Python value written by :func:`yaml_text`."""
    if isinstance(node, YSeq):
        return [_value_of(i) for i in node.items]
    if isinstance(node, YMap):
        return node
    return node.value


def check_reads_back(text: str, tree: YMap, limits: Limits = Limits()) -> None:
    """Raise :class:`ValueError` unless ``text`` parses as ``tree``: the same keys in the
    same order, and scalars with the same text and type (what ``twin expand`` promises)."""
    roomy = dataclasses.replace(limits, max_bytes=max(limits.max_bytes, len(text) * 4 + 1),
                                max_nodes=2**62)  # written by twin: no alias in it
    back, problems = parse(text, roomy)
    if back is None:
        p = problems[0]
        raise ValueError(f"the text written does not parse ({p.line}:{p.column}: {p.message})")
    if not same_tree(back, tree):
        raise ValueError("the text written does not read back as the expanded layout")


def _no_loc(item):
    return dataclasses.replace(item, loc=None) if hasattr(item, "loc") else item


def check_racks_added(old: bytes, new: bytes, racks: list[tuple[str, dict]], *, file: str,
                      old_layout, limits: Limits = Limits()) -> None:
    """Read ``new`` back: it must parse as ``old``'s tree with ``racks`` added to ``racks:``
    and load as ``old_layout`` with those racks added. Raises :class:`ValueError` naming
    what differs; nothing is written then."""
    from twin.layout.blocks import expand
    from twin.layout.loader import load_tree

    grown = max(0, len(new) - len(old))
    roomy = dataclasses.replace(limits, max_bytes=limits.max_bytes + grown,
                                max_nodes=limits.max_nodes + 64 * len(racks))
    old_tree, old_problems = parse(old, limits)
    new_tree, new_problems = parse(new, roomy)
    if new_tree is None:
        p = new_problems[0]
        raise ValueError(f"the edited layout does not parse ({p.line}:{p.column}: {p.message})")
    if old_tree is None or len(new_problems) != len(old_problems):
        raise ValueError("the edited layout reads with other problems than the original")
    ids = [ident for ident, _ in racks]
    old_keys = list(old_tree.entries)
    if list(new_tree.entries) != (old_keys if "racks" in old_keys else [*old_keys, "racks"]):
        raise ValueError("the edited layout does not have the original's top-level keys")
    for key in old_keys:
        if key != "racks" and not same_tree(old_tree.entries[key].value,
                                            new_tree.entries[key].value):
            raise ValueError(f"the edited layout's {key}: differs from the original's")
    before = old_tree.entries["racks"].value if "racks" in old_keys else None
    before = before.entries if isinstance(before, YMap) else {}
    after = new_tree.entries["racks"].value
    after = after.entries if isinstance(after, YMap) else {}
    if list(after) != [*before, *ids] or not all(
            same_tree(before[k].value, after[k].value) for k in before):
        raise ValueError("the edited layout's racks: are not the original's with the new "
                         "racks added")
    for ident, fields in racks:
        body = after[ident].value
        if not isinstance(body, YMap) or list(body.entries) != list(fields) or any(
                _value_of(body.entries[k].value) != v for k, v in fields.items()):
            raise ValueError(f"rack {ident!r} does not read back as written")
    tree, problems = expand(new_tree, file, roomy, size=len(new))
    layout, more = (load_tree(tree, file, max_id_length=roomy.max_id_length,
                              max_findings=roomy.max_findings) if tree is not None else (None, ()))
    if layout is None or len(new_problems) or len(problems) or len(more):
        raise ValueError("the edited layout does not load")
    same = all(tuple(map(_no_loc, getattr(layout, name))) ==
               tuple(map(_no_loc, getattr(old_layout, name)))
               for name in ("power", "cooling", "halls", "rack_types"))
    same = same and layout.site == old_layout.site and layout.policy == old_layout.policy
    now = {r.id: _no_loc(r) for r in layout.racks}
    was = {r.id: _no_loc(r) for r in old_layout.racks}
    same = same and len(now) == len(layout.racks) and sorted(now) == sorted([*was, *ids])
    same = same and all(now[k] == r for k, r in was.items())
    for ident, fields in racks:
        got = {k: getattr(now.get(ident), k, None) for k in fields}
        want = {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}
        same = same and got == want
    if not same:
        raise ValueError("the edited layout does not load as the layout with the new racks "
                         "added")


__all__ = ["add_racks", "append_racks", "check_racks_added", "check_reads_back", "entry_line",
           "line_end", "same_tree", "yaml_text"]
