"""Write a layout tree back to YAML text: one flow mapping per entry, values as written.

The text re-reads (:func:`twin.layout.source.parse`) as the same tree: the same keys, and
scalars with the same text and type. A scalar that was plain stays plain where flow
style allows it and is double-quoted otherwise (only text can need that); a quoted
scalar stays quoted, with its tag written out when it is not text (``!!int "5"``).
"""
from __future__ import annotations

import re

from twin.layout.source import YMap, YScalar, YSeq, resolve_tag

_STR = "tag:yaml.org,2002:str"
_TAG = "tag:yaml.org,2002:"
#: Block levels under each top-level key before entries are written in flow style.
_BLOCK_DEPTH = {"catalog": 2}
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
_FLOW_BREAKERS = set(",[]{}")
_ESCAPES = {"\0": "\\0", "\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v",
            "\f": "\\f", "\r": "\\r", "\x1b": "\\e", '"': '\\"', "\\": "\\\\",
            "\x85": "\\N", "\u2028": "\\L", "\u2029": "\\P"}
#: Text that is always safe as a plain scalar (ids, numbers): the fast path.
_SIMPLE = re.compile(r"-?[A-Za-z0-9_.~][A-Za-z0-9_./+~-]*\Z")
#: Characters YAML does not print as they are (control, line separators, BOM, surrogates),
#: and the bidirectional controls, written as escapes so that they reorder nothing shown.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff"
                          "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: Simple keys longer than this are written as explicit keys (YAML allows 1024 chars).
_MAX_SIMPLE_KEY = 1000


def emit(tree: YMap) -> str:
    """The YAML text of ``tree``: top-level keys in block style, each entry on one line."""
    if not tree.entries:
        return "{}\n"
    lines: list[str] = []
    for key, entry in tree.entries.items():
        _block(lines, key, entry.value, 0, _BLOCK_DEPTH.get(key, 1))
    return "".join(f"{line}\n" for line in lines)


def _block(lines: list[str], key: str, value, indent: int, depth: int) -> None:
    pad = " " * indent
    if depth > 0 and isinstance(value, YMap) and value.entries:
        lines.append(f"{pad}{_key(key, block=True)}:" if len(key) <= _MAX_SIMPLE_KEY
                     else f"{pad}{_key(key, block=True)}\n{pad}:")
        for sub_key, entry in value.entries.items():
            _block(lines, sub_key, entry.value, indent + 2, depth - 1)
        return
    text = flow(value)
    after = f" {text}" if text else ""
    if len(key) > _MAX_SIMPLE_KEY:
        lines.append(f"{pad}{_key(key, block=True)}\n{pad}:{after}")
    else:
        lines.append(f"{pad}{_key(key, block=True)}:{after}")


def flow(node, in_seq: bool = False) -> str:
    """One node in flow style."""
    if isinstance(node, YMap):
        parts = []
        for key, entry in node.entries.items():
            value = flow(entry.value)
            parts.append(f"{_key(key)}: {value}" if value else f"{_key(key)}:")
        return "{" + ", ".join(parts) + "}"
    if isinstance(node, YSeq):
        return "[" + ", ".join(flow(item, True) for item in node.items) + "]"
    return scalar(node, in_seq)


def scalar(node: YScalar, in_seq: bool = False) -> str:
    """A scalar that re-reads with the same text and type."""
    text = node.text
    if node.plain:
        if plain_ok(text):
            return text
        if text == "":
            # an empty plain value is null: nothing after `key:`, a tagged empty in a list
            return '!!null ""' if in_seq else ""
        tag = node.tag
        if tag != _STR:
            return f"!!{tag[len(_TAG):]} {quote(text)}"
        return quote(text)
    tag = node.tag
    if tag == _STR:
        return quote(text)
    shown = f"!!{tag[len(_TAG):]}" if tag.startswith(_TAG) else f"!<{tag}>"
    return f"{shown} {quote(text)}"


def _key(text: str, block: bool = False) -> str:
    explicit = len(text) > _MAX_SIMPLE_KEY
    if text != "<<" and plain_ok(text) and not explicit:
        return text
    written = quote(text)
    if explicit:
        return f"? {written}" if block else f"? {written} "
    return written


def plain_ok(text: str) -> bool:
    """True when ``text`` can be written as a plain scalar in flow style and read back."""
    if _SIMPLE.match(text):
        return True
    if not text or text != text.strip(" ") or _UNPRINTABLE.search(text):
        return False
    first = text[0]
    if first in _INDICATORS:
        if first not in "-?:" or len(text) < 2 or text[1] in " \t" or text[1] in _FLOW_BREAKERS:
            return False
        if first in "?:":
            return False  # `?x` and `:x` open keys in flow style
    if any(c in _FLOW_BREAKERS for c in text):
        return False
    if ": " in text or ":?" in text or text.endswith(":") or " #" in text or "\t" in text:
        return False
    return True


def quote(text: str) -> str:
    """``text`` double-quoted, with every character YAML could change escaped."""
    out = []
    for c in text:
        escaped = _ESCAPES.get(c)
        if escaped is not None:
            out.append(escaped)
            continue
        o = ord(c)
        if o < 0x20 or 0x7F <= o <= 0x9F:
            out.append(f"\\x{o:02x}")
        elif 0xD800 <= o <= 0xDFFF or (o >= 0x61C and _UNPRINTABLE.match(c)):
            out.append(f"\\u{o:04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


__all__ = ["emit", "flow", "plain_ok", "quote", "scalar", "resolve_tag"]
