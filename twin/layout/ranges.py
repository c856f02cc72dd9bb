"""Range and ``$param`` text rules: the keys of blocks, the expansion context, findings.

The first of the expansion's stages (ranges < copies < includes < tally < blocks): what
a key or a reference becomes once its ``$name`` / ``${name}`` / ``$i`` are substituted
and its one range ``{a..b}`` is expanded, and the problems those rules find. The state
these methods read (``problems``, ``range_cache``, ``range_sizes`` ...) is set up by
:class:`twin.layout.blocks._Expander`, the one class they are mixed into.
"""
from __future__ import annotations

import re

from twin.core import did_you_mean  # noqa: F401 - used by the expansion's modules
from twin.layout.scalars import scalar_text as text_of  # noqa: F401
from twin.layout.source import Problem, YEntry, YMap, YScalar, YSeq

#: Top-level keys this module reads; a layout without any of them is plain v1.
NEW_KEYS = ("include", "blocks", "instances")
SECTIONS = ("power", "cooling", "space", "racks")
#: Read at the top of the main file only, passed to the loader as written (ids expanded).
INTENT_KEYS = ("groups", "events")
TOP_KEYS = ("twin", "site", "policy", "catalog", *SECTIONS, *INTENT_KEYS, *NEW_KEYS)
BLOCK_KEYS = ("params", *SECTIONS, "instances", "notes")
INSTANCE_KEYS = ("block", "with", "notes")
#: Fields of a power/cooling/rack entry that name ids: prefixed inside an instance.
REF_FIELDS = frozenset(("from", "power", "to", "cooling", "hall"))
#: Most items one range may make.
MAX_RANGE = 100_000
#: Deepest nesting of instances, and of includes, whatever --max-depth says (each
#: level is a Python call).
MAX_NESTING = 200

NAME = r"[A-Za-z_][A-Za-z0-9_]*"
WHOLE = re.compile(rf"\$({NAME})\Z")
INNER = re.compile(rf"\$\{{({NAME})\}}|\$\$")
RANGE = re.compile(r"\{(\d+)\.\.(\d+)\}")
IDENT = re.compile(rf"{NAME}\Z")


class Ctx:
    """Where nodes are being copied to: the instance prefix, its ids, bindings and chain.

    ``active``: ``$`` substitution is on (inside a block or a range entry); ``fresh``:
    every node is copied (inside an instance, where each copy carries its own ``via``).
    """

    __slots__ = ("prefix", "locals", "instances", "bindings", "index", "via", "active", "fresh",
                 "block")

    def __init__(self, prefix="", local_ids=frozenset(), instances=frozenset(), bindings=None,
                 index=None, via=(), active=False, fresh=False, block=None):
        self.prefix, self.locals, self.instances = prefix, local_ids, instances
        self.bindings = bindings or {}
        self.index = index  # (integer text, padded text) inside a range entry
        self.via, self.active, self.fresh, self.block = via, active, fresh, block

    def at_index(self, index) -> Ctx:
        return Ctx(self.prefix, self.locals, self.instances, self.bindings, index, self.via,
                    True, self.fresh, self.block)


class Rules:
    """Findings, mappings, ranges and ``$`` params: what every later stage uses."""

    def problem(self, code: str, message: str, at, component: str | None = None,
                via: tuple = ()) -> None:
        if self.quiet:
            self.suppressed = True
            return
        line, column = (at.line, at.column) if at is not None else (1, 1)
        file = getattr(at, "file", None)
        key = (code, message, file, line, column, via)
        if key in self.reported:
            return
        self.reported.add(key)
        self.problems.append(Problem(code, message, line, column, component, file, via))

    def mapping(self, entry: YEntry, what: str, component: str | None = None,
                via: tuple = ()) -> YMap | None:
        value = entry.value
        if isinstance(value, YMap):
            return value
        if isinstance(value, YScalar) and value.is_null:
            return YMap({}, entry.line, entry.column)
        self.problem("L004", f"{what} must be a mapping, not {text_of(value)}", entry, component,
                     via)
        return None

    def range_size(self, text: str) -> int:
        """How many entries a key makes: a range's items, 0 for a bad range, else 1."""
        size = self.range_sizes.get(text)
        if size is None:
            found = list(RANGE.finditer(text)) if "{" in text else []
            size = 0 if len(found) > 1 else 1  # two ranges in one id: L004, nothing made
            if len(found) == 1:
                a, b = int(found[0].group(1)), int(found[0].group(2))
                size = b - a + 1 if a <= b and b - a + 1 <= MAX_RANGE else 0
            self.range_sizes[text] = size
        return size

    def keys(self, mapping: YMap, ctx: Ctx, what: str) -> list[tuple[str, tuple | None, YEntry]]:
        """Each key of ``mapping`` with ``$`` substituted and ranges expanded."""
        out = []
        for key, entry in mapping.entries.items():
            text = key
            if ctx.active and "$" in key:
                text = self.key_text(key, entry, ctx)
            if "{" in text:
                expanded = self.range_of(text, entry, ctx, what)
                if expanded is not None:
                    out.extend((t, index, entry) for t, index in expanded)
                    continue
            out.append((text, None, entry))
        return out

    def key_text(self, key: str, entry: YEntry, ctx: Ctx) -> str:
        whole = WHOLE.match(key)
        if whole:
            bound = self.param(whole.group(1), entry, ctx)
            if bound is not None and not isinstance(bound, YScalar):
                self.problem("L004", f"{key} is {text_of(bound)}; an id is a single value", entry,
                             via=ctx.via)
            return bound.text if isinstance(bound, YScalar) else key
        return self.interpolate(key, entry, ctx)

    def range_of(self, text: str, at, ctx: Ctx, what: str):
        """``[(text, (int text, padded text)), ...]`` for a range, else ``None``."""
        if text in self.range_cache:
            return self.range_cache[text]
        self.suppressed = False
        found = list(RANGE.finditer(text))
        result = None
        if len(found) > 1:
            self.problem("L004", f"{what} {text!r}: one range per id; write the other part out "
                         "or use a block", at, via=ctx.via)
            result = []  # as written it is no id either (a `{` is outside the id grammar)
        elif found:
            match = found[0]
            low, high = match.group(1), match.group(2)
            a, b = int(low), int(high)
            if b < a:
                self.problem("L004", f"{what} {text!r}: the range ends ({b}) below its start "
                             f"({a})", at, via=ctx.via)
                result = []
            elif b - a + 1 > MAX_RANGE:
                self.problem("L004", f"{what} {text!r}: the range makes {b - a + 1:,} items, "
                             f"more than {MAX_RANGE:,}", at, via=ctx.via)
                result = []
            else:
                head, tail, width = text[:match.start()], text[match.end():], len(low)
                result = []
                for n in range(a, b + 1):
                    padded = str(n).zfill(width)
                    result.append((f"{head}{padded}{tail}", (str(n), padded)))
        if not self.suppressed:  # a tally reports nothing: leave the problem to expansion
            self.range_cache[text] = result
        return result

    def param(self, name: str, at, ctx: Ctx):
        """The node bound to ``$name``, or ``None`` (with a problem) when there is none."""
        if name == "i" and ctx.index is not None:
            made = YScalar(ctx.index[0], True, at.line, at.column)
            made.file, made.via = at.file, ctx.via
            return made
        bound = ctx.bindings.get(name)
        if bound is not None:
            return bound
        if ctx.block is not None and name in ctx.block.params:
            return None  # declared but not bound: L003 at the instance already
        known = [*ctx.block.params] if ctx.block is not None else []
        if ctx.index is not None:
            known.append("i")
        where = f"block {ctx.block.name!r}" if ctx.block is not None else "this range entry"
        self.problem("L006", f"${name}: {where} has no parameter {name!r}"
                     f"{did_you_mean(name, known)} (write $$ for a literal $)", at)
        return None

    def interpolate(self, text: str, at, ctx: Ctx) -> str:
        def one(match) -> str:
            name = match.group(1)
            if name is None:
                return "$"
            if name == "i" and ctx.index is not None:
                return ctx.index[1]
            bound = self.param(name, at, ctx)
            if bound is None:
                return match.group(0)
            if not isinstance(bound, YScalar):
                self.problem("L004", f"${{{name}}} is {text_of(bound)}; only a single value can "
                             "be written inside text", at, via=ctx.via)
                return match.group(0)
            return bound.text
        return INNER.sub(one, text)

    def local(self, text: str, ctx: Ctx) -> str:
        """A reference as the instance sees it: its own ids get the instance prefix."""
        if ctx.prefix and (text in ctx.locals or (
                "/" in text and text.split("/", 1)[0] in ctx.instances)):
            return ctx.prefix + text
        return text


def names_in(text: str) -> set[str]:
    """The parameter names ``$name`` (the whole text) or ``${name}`` in ``text``."""
    whole = WHOLE.match(text)
    if whole:
        return {whole.group(1)}
    return {m.group(1) for m in INNER.finditer(text) if m.group(1)}


def names_in_node(node) -> set[str]:
    names: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if n.__class__ is YScalar:
            if "$" in n.text:
                names |= names_in(n.text)
        elif n.__class__ is YSeq:
            stack.extend(n.items)
        elif n.__class__ is YMap:
            stack.extend(e.value for e in n.entries.values())
    return names



def shape(node):
    """What of a bound value a key can see: its text, or only that it is not one value."""
    return node.text if node.__class__ is YScalar else None if node is None else node.__class__


def where(entry, root_file: str) -> str:
    file = getattr(entry, "file", None) or root_file
    return f"{file}:{entry.line}"
