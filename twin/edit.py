"""Edit a layout's text in place of rewriting it: comments, order and style survive.

Used by ``twin capacity --write``: the new racks go at the end of the file's ``racks:``
mapping, one flow mapping per line, indented like the racks already there.
"""
from __future__ import annotations

import json
import re

from twin.source import YMap, parse

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*")
_RESERVED = {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE",
             "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null",
             "NULL"}


def yaml_text(value) -> str:
    """A scalar or list as YAML flow text that reads back as the same value."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(yaml_text(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and text not in _RESERVED:
        return text
    return json.dumps(text)


def entry_line(ident: str, fields: dict, indent: int) -> str:
    body = ", ".join(f"{k}: {yaml_text(v)}" for k, v in fields.items())
    return f"{' ' * indent}{yaml_text(ident)}: {{{body}}}"


def append_racks(text: str, racks: list[tuple[str, dict]], note: str) -> str:
    """``text`` with ``racks`` (id, fields) added at the end of its ``racks:`` mapping."""
    tree, problems = parse(text)
    if tree is None:
        raise ValueError("the layout does not parse")
    lines = text.splitlines()
    entry = tree.entries.get("racks")
    if entry is None or not isinstance(entry.value, YMap) or not entry.value.entries:
        block = ["racks:", f"  # {note}"] + [entry_line(i, f, 2) for i, f in racks]
        return text.rstrip("\n") + "\n" + "\n".join(block) + "\n"
    body = entry.value
    first = next(iter(body.entries.values()))
    if first.line == entry.line:  # flow style `racks: {...}`: append a block after it
        raise ValueError("racks: is written as one flow mapping; write it as a block to add to it")
    indent = first.column - 1
    later = [e.line for e in tree.entries.values() if e.line > entry.line]
    end = (min(later) - 1) if later else len(lines)  # lines before the next top-level key
    while end > entry.line and not lines[end - 1].strip():
        end -= 1
    new = [f"{' ' * indent}# {note}"] + [entry_line(i, f, indent) for i, f in racks]
    out = lines[:end] + new + lines[end:]
    return "\n".join(out) + "\n"
