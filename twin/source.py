"""Read a layout file safely into a position-keeping tree (L001 and L005 findings).

PyYAML's composer (the C one when present) builds nodes that keep line and column;
this module refuses what is hostile before and after composing: files over a size
limit (never read whole), nesting deep enough to crash the C composer, alias bombs
(expanded size counted once per shared node), and any tag outside YAML's core
schema (``!!python/...`` is never constructed). It then converts the nodes into a
small tree of :class:`YMap`, :class:`YSeq` and :class:`YScalar`, expanding merge keys
(``<<``) and reporting duplicate keys instead of keeping the last one.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import yaml

try:  # the C composer is 5-10x faster; fall back to the pure-Python one
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

from twin.errors import UsageError

#: Documented defaults; each can be overridden (``twin validate --max-bytes`` etc.).
MAX_BYTES = 64 * 1024 * 1024
MAX_NODES = 5_000_000
MAX_DEPTH = 64
#: Above this many nested levels libyaml's C composer recurses deep enough to crash.
_SAFE_COMPOSE_DEPTH = 5_000

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}
_MERGE = f"{_TAG}merge"
_constructor = yaml.constructor.SafeConstructor()


@dataclass(frozen=True, slots=True)
class Limits:
    """Hard limits on what a layout file may be (bytes, expanded nodes, nesting depth)."""

    max_bytes: int = MAX_BYTES
    max_nodes: int = MAX_NODES
    max_depth: int = MAX_DEPTH


@dataclass(slots=True)
class YScalar:
    """A scalar with its resolved Python value, the text written and its 1-based position."""

    value: object
    text: str
    tag: str
    line: int
    column: int


@dataclass(slots=True)
class YSeq:
    items: list
    line: int
    column: int


@dataclass(slots=True)
class YEntry:
    """A mapping entry: the key's position and the value node."""

    key: str
    line: int
    column: int
    value: object


@dataclass(slots=True)
class YMap:
    entries: dict  # key text -> YEntry, in file order
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Problem:
    """A problem found while reading: code (L001 or L005), message, position."""

    code: str
    message: str
    line: int = 1
    column: int = 1
    key: str | None = None


class _Refuse(Exception):
    def __init__(self, message: str, line: int = 1, column: int = 1):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def read_bytes(path: str, limits: Limits) -> bytes | None:
    """Read at most ``max_bytes + 1`` bytes; ``None`` when the file is larger than the limit."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limits.max_bytes + 1)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, not a layout file") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return None if len(data) > limits.max_bytes else data


def parse(data: bytes, limits: Limits = Limits()) -> tuple[YMap | None, list[Problem]]:
    """Parse YAML bytes into a :class:`YMap`, or ``None`` with an L001 problem."""
    problems: list[Problem] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [Problem("L001", f"file is not UTF-8 text (bad byte at offset {exc.start})", line)]
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, [Problem("L001", "file contains a NUL character: not a YAML text file", line)]
    try:
        _check_nesting(data, limits)
        node = yaml.compose(text, Loader=_Loader)
    except _Refuse as exc:
        return None, [Problem("L001", exc.message, exc.line, exc.column)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or "invalid YAML"
        if exc.context and "single document" in str(exc.context):
            what = "a layout is one YAML document, but the file holds several"
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [Problem("L001", f"not valid YAML: {what}", line, col)]
    except yaml.YAMLError as exc:
        return None, [Problem("L001", f"not valid YAML: {exc}")]
    except RecursionError:
        return None, [Problem("L001", f"nesting deeper than {limits.max_depth} levels")]
    if node is None:
        return None, [Problem("L001", "file is empty: a layout is a YAML mapping with `twin: 1`")]
    if not isinstance(node, yaml.MappingNode):
        line, col = _pos(node)
        return None, [Problem("L001", "a layout must be a YAML mapping (key: value), not a "
                              f"{_node_kind(node)}", line, col)]
    try:
        _check_size(node, limits)
        tree = _Converter(problems, limits.max_depth).convert(node, 0)
    except _Refuse as exc:
        return None, [Problem("L001", exc.message, exc.line, exc.column)]
    return tree, problems


def _pos(node) -> tuple[int, int]:
    mark = node.start_mark
    return mark.line + 1, mark.column + 1


def _node_kind(node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "list"
    return "single value"


def _check_nesting(data: bytes, limits: Limits) -> None:
    """Refuse nesting that would crash the C composer, without composing.

    Nesting depth is at most the deepest flow-bracket count plus the longest line
    (block nesting needs one more column per level); only when that cheap bound is
    high is the file walked event by event for its true depth.
    """
    if len(data) < _SAFE_COMPOSE_DEPTH:
        return
    raw = np.frombuffer(data, dtype=np.uint8)
    steps = np.zeros(raw.shape, dtype=np.int32)
    steps[(raw == 0x5B) | (raw == 0x7B)] = 1
    steps[(raw == 0x5D) | (raw == 0x7D)] = -1
    flow = int(np.cumsum(steps).max()) if len(steps) else 0
    newlines = np.flatnonzero(raw == 0x0A)
    bounds = np.concatenate(([-1], newlines, [len(raw)]))
    longest = int(np.diff(bounds).max())
    if flow + longest < _SAFE_COMPOSE_DEPTH:
        return
    depth = 0
    for event in yaml.parse(data, Loader=_Loader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > limits.max_depth:
                line, col = event.start_mark.line + 1, event.start_mark.column + 1
                raise _Refuse(f"nesting deeper than {limits.max_depth} levels", line, col)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _check_size(root, limits: Limits) -> None:
    """Count nodes as if every alias were expanded, visiting each shared node once.

    Iterative post-order with a memo of subtree sizes: an alias bomb of a few hundred
    bytes that would expand to billions of nodes is refused in microseconds.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_nodes.discard(key)
            if isinstance(node, yaml.MappingNode):
                total = 1 + sum(sizes[id(k)] + sizes[id(v)] for k, v in node.value)
            elif isinstance(node, yaml.SequenceNode):
                total = 1 + sum(sizes[id(v)] for v in node.value)
            else:
                total = 1
            if total > limits.max_nodes:
                line, col = _pos(node)
                raise _Refuse(
                    f"expands to more than {limits.max_nodes:,} nodes (an alias bomb?); "
                    "raise the limit with --max-nodes if this is intended", line, col)
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            line, col = _pos(node)
            raise _Refuse("an alias refers to a node that contains it (recursive alias)", line, col)
        open_nodes.add(key)
        stack.append((node, True))
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                stack.append((k, False))
                stack.append((v, False))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((v, False) for v in node.value)


class _Converter:
    """Converts composed nodes into the Y-tree, checking tags and duplicate keys."""

    def __init__(self, problems: list[Problem], max_depth: int = MAX_DEPTH):
        self.problems = problems
        self.max_depth = max_depth

    def convert(self, node, depth: int):
        if depth > self.max_depth:
            line, col = _pos(node)
            raise _Refuse(f"nesting deeper than {self.max_depth} levels", line, col)
        line, col = _pos(node)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, line, col)
        if isinstance(node, yaml.SequenceNode):
            self.check_tag(node, f"{_TAG}seq")
            return YSeq([self.convert(item, depth + 1) for item in node.value], line, col)
        self.check_tag(node, f"{_TAG}map")
        entries: dict[str, YEntry] = {}
        merged: list = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged.append(value_node)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                kline, kcol = _pos(key_node)
                raise _Refuse("a mapping key must be a plain value, not a list or mapping", kline, kcol)
            self.check_tag(key_node, None)
            key = key_node.value
            kline, kcol = _pos(key_node)
            if key in entries:
                first = entries[key]
                self.problems.append(Problem(
                    "L005", f"duplicate key {key!r} (first at line {first.line}); YAML would "
                    "silently keep the last one: remove or rename one", kline, kcol, key))
                continue
            entries[key] = YEntry(key, kline, kcol, self.convert(value_node, depth + 1))
        for source in merged:
            self.merge(entries, source, depth)
        return YMap(entries, line, col)

    def merge(self, entries: dict, source, depth: int) -> None:
        """Apply a ``<<`` merge: keys written in the mapping win over merged ones."""
        sources = source.value if isinstance(source, yaml.SequenceNode) else [source]
        for item in sources:
            if not isinstance(item, yaml.MappingNode):
                line, col = _pos(item)
                raise _Refuse("a merge key (<<) must name a mapping or a list of mappings", line, col)
            converted = self.convert(item, depth + 1)
            for key, entry in converted.entries.items():
                entries.setdefault(key, entry)

    def check_tag(self, node, expected: str | None) -> None:
        tag = node.tag
        if tag == expected or tag in _SCALAR_TAGS:
            return
        if tag in (f"{_TAG}map", f"{_TAG}seq", f"{_TAG}str"):
            return
        line, col = _pos(node)
        if tag.startswith(f"{_TAG}python/"):
            raise _Refuse(f"tag !!{tag[len(_TAG):]} is not allowed: twin reads plain YAML data "
                          "and never runs code from a layout", line, col)
        raise _Refuse(f"tag {tag} is not allowed: use plain values without tags", line, col)

    def scalar(self, node, line: int, col: int) -> YScalar:
        self.check_tag(node, None)
        tag = node.tag
        text = node.value
        value: object = text
        if not node.style:  # plain scalars only: quoted text is always a string
            try:
                if tag == f"{_TAG}int":
                    value = _constructor.construct_yaml_int(node)
                elif tag == f"{_TAG}float":
                    value = _constructor.construct_yaml_float(node)
                elif tag == f"{_TAG}bool":
                    value = _constructor.construct_yaml_bool(node)
                elif tag == f"{_TAG}null":
                    value = None
            except (ValueError, yaml.YAMLError):
                value = text
        elif tag != f"{_TAG}str":
            self.check_tag(node, None)
        return YScalar(value, text, tag, line, col)


def is_number(value: object) -> bool:
    """True for a finite int or float that is not a bool."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value)
