"""Read a layout file safely into a position-keeping tree (L001 and L005 findings).

The tree is built straight from the C parser's events (PyYAML's libyaml binding),
not from its composer: events are parsed iteratively, so hostile nesting cannot
crash the process, every limit is checked as the tree grows (file size before
reading, nesting depth, nodes counted as if every alias were expanded, each shared
node once), and scalars are typed lazily, only when the loader reads them as numbers.
That makes reading a layout several times faster than ``yaml.load`` itself.

Plain scalars are typed by the YAML 1.2 core schema (null, true/false, decimal numbers),
by linear expressions, never by PyYAML's YAML 1.1 resolver: ``0120`` is 120, not octal
80; ``1:20``, ``0x1F``, ``0b1``, ``1_000``, ``yes`` and ``2024-01-01`` stay text, and the
loader says what each would be in YAML 1.1 where a number or a boolean is expected. Only
the core schema's tags are accepted: a ``!!python/...`` or custom tag is refused, never
constructed. Merge keys (``<<``) are expanded, keys written in the mapping winning; a
repeated key is reported (L005) instead of silently keeping the last.
"""
from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass

import yaml

try:  # libyaml's parser; the pure-Python one gives the same events, slower
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

from twin.core import UsageError
from twin.layout.problems import MAX_FINDINGS, Problem, Problems

#: Documented defaults; each can be overridden (``twin validate --max-bytes`` etc.).
MAX_BYTES = 64 * 1024 * 1024
MAX_NODES = 5_000_000
MAX_DEPTH = 64
MAX_ID_LENGTH = 256
#: Most racks, components (power, cooling and halls) and block instances a layout may
#: expand to: 14, 18 and 112 times the shipped 1 GW campus (7,040 racks, 11,120
#: components, 888 instances).
MAX_RACKS = 100_000
MAX_COMPONENTS = 200_000
MAX_INSTANCES = 100_000
#: Duplicate keys reported one by one; after that one L005 says there are more (a file
#: of a million repeated keys would otherwise print a million findings).
MAX_DUPLICATE_REPORTS = 100
#: Longest number, in characters as written, that twin reads (a bound of the format, no
#: flag): a float has 17 significant digits and no quantity of a layout needs more than a
#: dozen, so 100 leaves room for any way of writing one, and refuses a 100,000-digit
#: scalar before anything converts it.
MAX_NUMBER_LENGTH = 100

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null"))
_MAP, _SEQ, _MERGE = f"{_TAG}map", f"{_TAG}seq", f"{_TAG}merge"
_SCALAR_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL, f"{_TAG}timestamp"}
_UNSET = object()
_FLOAT_MAX = sys.float_info.max


@dataclass(frozen=True, slots=True)
class Limits:
    """Hard limits on what a layout file may be (bytes, expanded nodes, nesting depth, id
    length, racks and components once expanded) and the folders its includes may read
    besides its own (``include_roots``; see docs/blocks.md), and on the findings listed for it."""

    max_bytes: int = MAX_BYTES
    max_nodes: int = MAX_NODES
    max_depth: int = MAX_DEPTH
    max_id_length: int = MAX_ID_LENGTH
    max_racks: int = MAX_RACKS
    max_components: int = MAX_COMPONENTS
    max_instances: int = MAX_INSTANCES
    include_roots: tuple[str, ...] = ()
    max_findings: int = MAX_FINDINGS


# The YAML 1.2 core schema (yaml.org/spec/1.2.2, section 10.3.2), for plain scalars. Each
# expression is linear: no two branches or repetitions can match the same characters, so a
# failed match backtracks at most a constant number of steps per character.
_CORE_NULL = frozenset(("", "~", "null", "Null", "NULL"))
_CORE_BOOL = {"true": True, "True": True, "TRUE": True,
              "false": False, "False": False, "FALSE": False}
_CORE_DECIMAL = re.compile(r"[-+]?[0-9]+")
#: Octal and hexadecimal integers of the core schema: typed int, but not read as numbers
#: by twin (the loader asks for the decimal value).
_CORE_OTHER_INT = re.compile(r"0o[0-7]+|0x[0-9a-fA-F]+")
_CORE_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_CORE_SPECIAL = {".inf": math.inf, ".Inf": math.inf, ".INF": math.inf,
                 "+.inf": math.inf, "+.Inf": math.inf, "+.INF": math.inf,
                 "-.inf": -math.inf, "-.Inf": -math.inf, "-.INF": -math.inf,
                 ".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan}
_NUMBER_START = frozenset("0123456789+-.")


def resolve_tag(text: str, plain: bool) -> str:
    """The tag of a scalar by the YAML 1.2 core schema (``str`` for a quoted one)."""
    if not plain:
        return _STR
    if text in _CORE_NULL:
        return _NULL
    if text[0] in _NUMBER_START:
        if _CORE_DECIMAL.fullmatch(text) or _CORE_OTHER_INT.fullmatch(text):
            return _INT
        if text in _CORE_SPECIAL or _CORE_FLOAT.fullmatch(text):
            return _FLOAT
        return _STR
    return _BOOL if text in _CORE_BOOL else _STR


class YScalar:
    """A scalar: the text written, its tag, its 1-based position; ``value`` typed on demand.

    Every node also carries ``file`` (``None``: the layout's own file) and ``via``: for a
    node copied into a block instance, the chain of :class:`twin.layout.model.Via` that made it.
    """

    __slots__ = ("text", "plain", "line", "column", "_tag", "_value", "file", "via")

    def __init__(self, text: str, plain: bool, line: int, column: int, tag: str | None = None):
        self.text, self.plain, self.line, self.column = text, plain, line, column
        self._tag = tag
        self._value = _UNSET
        self.file = None
        self.via = ()

    @property
    def tag(self) -> str:
        """The tag written, else the one resolved; ``_tag`` stays ``None`` for a quoted
        scalar without a tag (always text), so it tells quoted from tagged ``!!str``."""
        if self._tag is None:
            if not self.plain:
                return _STR
            self._tag = resolve_tag(self.text, True)
        return self._tag

    @property
    def value(self):
        """The Python value (str, int, float, bool or None), as YAML's core schema reads it."""
        if self._value is _UNSET:
            self._value = _construct(self.tag, self.text)
        return self._value

    @property
    def is_null(self) -> bool:
        return self.plain and (self.text == "" or self.text[:1] in "~nN") and self.value is None

    def __repr__(self) -> str:
        return f"YScalar({self.text!r}, line={self.line}, column={self.column})"


def _construct(tag: str, text: str):
    """The value of a scalar with ``tag`` (implicit or written): text where the core
    schema's decimal forms do not match it (``!!int "0x1F"``, ``!!bool "yes"``), and for
    a number longer than :data:`MAX_NUMBER_LENGTH` (never converted)."""
    if tag == _STR:
        return text
    if tag == _INT or tag == _FLOAT:
        if len(text) > MAX_NUMBER_LENGTH:
            return text
        if _CORE_DECIMAL.fullmatch(text):
            return int(text) if tag == _INT else float(text)
        if tag == _FLOAT:
            special = _CORE_SPECIAL.get(text)
            if special is not None:
                return special
            if _CORE_FLOAT.fullmatch(text):
                return float(text)
        return text
    if tag == _BOOL:
        return _CORE_BOOL.get(text, text)
    if tag == _NULL:
        return None
    return text  # timestamps stay text


class YSeq:
    """A sequence with its items and position; ``size`` counts nodes with aliases expanded."""

    __slots__ = ("items", "line", "column", "size", "file", "via")

    def __init__(self, items: list, line: int, column: int):
        self.items, self.line, self.column, self.size = items, line, column, 1
        self.file = None
        self.via = ()


class YEntry:
    """A mapping entry: the key's text and position, and the value node."""

    __slots__ = ("key", "line", "column", "value", "file", "via")

    def __init__(self, key: str, line: int, column: int, value):
        self.key, self.line, self.column, self.value = key, line, column, value
        self.file = None
        self.via = ()


class YMap:
    """A mapping: entries by key text in file order, its position and expanded size."""

    __slots__ = ("entries", "line", "column", "size", "file", "via")

    def __init__(self, entries: dict, line: int, column: int):
        self.entries, self.line, self.column, self.size = entries, line, column, 1
        self.file = None
        self.via = ()


class _Refuse(Exception):
    def __init__(self, message: str, line: int = 1, column: int = 1):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def read_bytes(path: str, limits: Limits) -> bytes | None:
    """Read at most ``max_bytes + 1`` bytes; ``None`` when the file is larger than the limit.

    ``-`` reads standard input. A pipe, a FIFO or an endless stream is read the same way:
    never more than the limit plus one byte.
    """
    if path == "-":
        data = sys.stdin.buffer.read(limits.max_bytes + 1)
        return None if len(data) > limits.max_bytes else data
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


def parse(data: bytes | str, limits: Limits = Limits()) -> tuple[YMap | None, list[Problem]]:
    """Parse YAML into a :class:`YMap`, or ``None`` with an L001 problem."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            return None, [Problem("L001", f"file is not UTF-8 text (bad byte at offset "
                                  f"{exc.start})", line)]
    else:
        text = data
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, [Problem("L001", "file contains a NUL character: not a YAML text file", line)]
    problems = Problems(limits.max_findings)
    where = _LineMap(text) if _ODD_BREAK.search(text) else None
    try:
        root = _Builder(problems, limits).build(text)
    except _Refuse as exc:
        return None, [_moved(Problem("L001", exc.message, exc.line, exc.column), where, text)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [_moved(Problem("L001", f"not valid YAML: {exc.problem or exc.context}",
                                     line, col), where, text)]
    except yaml.YAMLError as exc:
        return None, [Problem("L001", f"not valid YAML: {exc}")]
    if where is not None or not text.endswith("\n"):  # positions past the last line
        problems[:] = [_moved(p, where, text) for p in problems]
        if root is not None:
            (where or _LineMap(text)).fix_tree(root)
    if root is None:
        return None, [Problem("L001", "file is empty: a layout is a YAML mapping with `twin: 1`")]
    if not isinstance(root, YMap):
        what = "list" if isinstance(root, YSeq) else "single value"
        return None, [Problem("L001", f"a layout must be a YAML mapping (key: value), not a {what}",
                              root.line, root.column)]
    return root, problems


#: Line breaks YAML counts but editors, ``grep -n`` and ``wc -l`` do not: a lone CR,
#: NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR. Positions are reported in ``\n`` lines.
_ODD_BREAK = re.compile("\r(?!\n)|[\x85\u2028\u2029]")
_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


class _LineMap:
    """Turns YAML's (line, column) into the ``\n``-line and column of the same character."""

    def __init__(self, text: str):
        self.text = text
        starts, lines, line_start = [(0, 1, 0)], 1, 0  # (offset, real line, its offset)
        for m in _YAML_BREAK.finditer(text):
            if m.group().endswith("\n"):
                lines, line_start = lines + 1, m.end()
            starts.append((m.end(), lines, line_start))
        self.starts = starts
        self.last = text.count("\n") + 1
        self.last_column = max(1, len(text) - (text.rfind("\n") + 1) + 1)

    def __call__(self, line: int, column: int) -> tuple[int, int]:
        if line - 1 >= len(self.starts):
            offset, real, real_start = self.starts[-1]
            return real, max(1, len(self.text) - real_start + 1)
        offset, real, real_start = self.starts[max(line - 1, 0)]
        return real, offset + column - real_start

    def fix_tree(self, root) -> None:
        seen, stack = set(), [root]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            line, column = self(node.line, node.column)
            if line > self.last:
                line, column = self.last, self.last_column
            node.line, node.column = line, column
            if isinstance(node, YMap):
                stack.extend(node.entries.values())
            elif isinstance(node, YSeq):
                stack.extend(node.items)
            elif isinstance(node, YEntry):
                stack.append(node.value)


def _moved(problem: Problem, where: _LineMap | None, text: str) -> Problem:
    """The problem at its ``\n``-line and column, and never past the last line."""
    line, column = (where(problem.line, problem.column) if where is not None
                    else (problem.line, problem.column))
    last = text.count("\n") + 1
    if line > last:
        line, column = last, max(1, len(text) - (text.rfind("\n") + 1) + 1)
    if (line, column) == (problem.line, problem.column):
        return problem
    return Problem(problem.code, problem.message, line, column, problem.key, problem.file,
                   problem.via)


class _Frame:
    __slots__ = ("node", "key", "merges", "anchor", "is_map")

    def __init__(self, node, anchor, is_map):
        self.node, self.anchor, self.is_map = node, anchor, is_map
        self.key = None  # pending key scalar of a mapping
        self.merges: list = []


class _Builder:
    """Builds the Y-tree from parser events, enforcing every limit as it goes."""

    def __init__(self, problems: list[Problem], limits: Limits):
        self.problems = problems
        self.limits = limits
        self.anchors: dict[str, object] = {}
        self.open_anchors: set[str] = set()
        self.duplicates = 0

    def build(self, text: str):
        stack: list[_Frame] = []
        root = None
        documents = 0
        max_depth, max_nodes = self.limits.max_depth, self.limits.max_nodes
        scalar_ev, map_start, seq_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
        alias_ev, map_end, seq_end = yaml.AliasEvent, yaml.MappingEndEvent, yaml.SequenceEndEvent
        for event in yaml.parse(text, Loader=_Loader):
            cls = event.__class__
            if cls is scalar_ev:
                mark = event.start_mark
                tag = event.tag
                if tag is not None and tag != "!":
                    self.check_tag(tag, mark, scalar=True)
                    node = YScalar(event.value, False, mark.line + 1, mark.column + 1, tag)
                else:
                    node = YScalar(event.value, event.implicit[0] and not event.style,
                                   mark.line + 1, mark.column + 1)
                if event.anchor is not None:
                    self.anchors[event.anchor] = node
                size = 1
            elif cls is map_start or cls is seq_start:
                mark = event.start_mark
                if len(stack) >= max_depth:
                    raise _Refuse(f"nesting deeper than {max_depth} levels; raise the limit with "
                                  "--max-depth if this is intended", mark.line + 1, mark.column + 1)
                is_map = cls is map_start
                if event.tag is not None and event.tag != "!":
                    self.check_tag(event.tag, mark, expected=_MAP if is_map else _SEQ)
                node = (YMap({}, mark.line + 1, mark.column + 1) if is_map
                        else YSeq([], mark.line + 1, mark.column + 1))
                if event.anchor is not None:
                    self.open_anchors.add(event.anchor)
                stack.append(_Frame(node, event.anchor, is_map))
                continue
            elif cls is map_end or cls is seq_end:
                frame = stack.pop()
                node = frame.node
                if frame.is_map and frame.merges:
                    self.merge(node, frame.merges)
                if frame.anchor is not None:
                    self.open_anchors.discard(frame.anchor)
                    self.anchors[frame.anchor] = node
                size = node.size
            elif cls is alias_ev:
                mark = event.start_mark
                if event.anchor in self.open_anchors:
                    raise _Refuse("an alias refers to a node that contains it (recursive alias)",
                                  mark.line + 1, mark.column + 1)
                node = self.anchors.get(event.anchor)
                if node is None:
                    raise _Refuse(f"alias *{event.anchor} refers to no anchor &{event.anchor}",
                                  mark.line + 1, mark.column + 1)
                size = 1 if isinstance(node, YScalar) else node.size
            elif cls is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    mark = event.start_mark
                    raise _Refuse("a layout is one YAML document, but the file holds several",
                                  mark.line + 1, mark.column + 1)
                continue
            else:
                continue
            if not stack:
                root = node
                continue
            parent = stack[-1]
            parent.node.size += size
            if parent.node.size > max_nodes:
                raise _Refuse(f"expands to more than {max_nodes:,} nodes (an alias bomb?); "
                              "raise the limit with --max-nodes if this is intended",
                              parent.node.line, parent.node.column)
            if not parent.is_map:
                parent.node.items.append(node)
            elif parent.key is None:
                if not isinstance(node, YScalar):
                    raise _Refuse("a mapping key must be a plain value, not a list or mapping",
                                  node.line, node.column)
                parent.key = node
            else:
                self.add_entry(parent, node)
        return root

    def add_entry(self, frame: _Frame, value) -> None:
        key = frame.key
        frame.key = None
        if key.plain and key.text == "<<":
            frame.merges.append((key, value))
            return
        entries = frame.node.entries
        text = key.text
        if text in entries:
            self.duplicates += 1
            if self.duplicates > MAX_DUPLICATE_REPORTS:
                if self.duplicates == MAX_DUPLICATE_REPORTS + 1:
                    self.problems.append(Problem(
                        "L005", f"more than {MAX_DUPLICATE_REPORTS} duplicate keys: the rest are "
                        "not listed one by one", key.line, key.column, text))
                return
            first = entries[text]
            self.problems.append(Problem(
                "L005", f"duplicate key {text!r} (first at line {first.line}); YAML would "
                "silently keep the last one: remove or rename one", key.line, key.column, text))
            return
        entries[text] = YEntry(text, key.line, key.column, value)

    @staticmethod
    def merge(node: YMap, merges) -> None:
        """Apply ``<<`` merges: keys written in the mapping win, earlier merges win."""
        for key, value in merges:
            sources = value.items if isinstance(value, YSeq) else [value]
            for source in sources:
                if not isinstance(source, YMap):
                    raise _Refuse("a merge key (<<) must name a mapping or a list of mappings",
                                  key.line, key.column)
                for k, entry in source.entries.items():
                    node.entries.setdefault(k, entry)

    @staticmethod
    def check_tag(tag: str, mark, *, scalar: bool = False, expected: str | None = None) -> None:
        if (scalar and tag in _SCALAR_TAGS) or tag == expected:
            return
        line, col = mark.line + 1, mark.column + 1
        if tag.startswith(f"{_TAG}python/"):
            raise _Refuse(f"tag !!{tag[len(_TAG):]} is not allowed: twin reads plain YAML data "
                          "and never runs code from a layout", line, col)
        shown = f"!!{tag[len(_TAG):]}" if tag.startswith(_TAG) else tag
        raise _Refuse(f"tag {shown} is not allowed here: use plain values without tags", line, col)


def is_number(value: object) -> bool:
    """True for a finite int or float that is not a bool."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):  # an integer too large for a float (1e400 written out) is not
        return -_FLOAT_MAX <= value <= _FLOAT_MAX
    return isinstance(value, float) and math.isfinite(value)
