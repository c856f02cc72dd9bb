"""Blocks, instances, ranges and includes: expand a layout's tree into the flat v1 tree.

A layout may define a reusable block once (``blocks:``), instantiate it many times
(``instances:``), write repeated entries as ranges (``r{01..10}``) and pull in other
files (``include:``). :func:`expand` turns such a tree into the flat tree of layout
format v1 that the loader reads, copying nodes (never re-parsing) and stamping every
copy with the instantiation chain (``via``) so findings point at the block's
definition and at the line that instantiated it. See docs/blocks.md.

Pure: no output, no exceptions for problems; each problem is returned as a
:class:`twin.source.Problem` (L001 limits, L002-L006 as the loader uses them, L009,
L010 ``include-failed``, L011 ``block-cycle``).
"""
from __future__ import annotations

import difflib
import os
import re

from twin.emit import plain_ok
from twin.model import Via
from twin.source import (
    Limits, Problem, Problems, YEntry, YMap, YScalar, YSeq, parse, resolve_tag,
)

#: Top-level keys this module reads; a layout without any of them is plain v1.
NEW_KEYS = ("include", "blocks", "instances")
SECTIONS = ("power", "cooling", "space", "racks")
TOP_KEYS = ("twin", "site", "policy", "catalog", *SECTIONS, *NEW_KEYS)
BLOCK_KEYS = ("params", *SECTIONS, "instances", "notes")
INSTANCE_KEYS = ("block", "with", "notes")
#: Fields of a power/cooling/rack entry that name ids: prefixed inside an instance.
REF_FIELDS = frozenset(("from", "power", "to", "cooling", "hall"))
#: Most items one range may make.
MAX_RANGE = 100_000
#: Deepest nesting of instances, and of includes, whatever --max-depth says (each
#: level is a Python call).
MAX_NESTING = 200

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_WHOLE = re.compile(rf"\$({_NAME})\Z")
_INNER = re.compile(rf"\$\{{({_NAME})\}}|\$\$")
_RANGE = re.compile(r"\{(\d+)\.\.(\d+)\}")
_IDENT = re.compile(rf"{_NAME}\Z")
_STR = "tag:yaml.org,2002:str"
_DEFAULT_LIMITS = Limits()


def uses_blocks(tree: YMap) -> bool:
    """True when the tree uses ``include``, ``blocks`` or ``instances`` (else it is plain v1)."""
    return any(key in tree.entries for key in NEW_KEYS)


def expand(tree: YMap, file: str, limits: Limits = _DEFAULT_LIMITS, *,
           size: int = 0) -> tuple[YMap, list[Problem]]:
    """Expand includes, blocks, instances and ranges into a flat v1 tree.

    ``file`` is the layout's path (included paths are relative to it); ``size`` its
    length in bytes, which counts with every included file against ``limits.max_bytes``.
    Returns the flat tree and the problems found. A tree without the new top-level
    keys is returned as it is (the same object): a v1 layout keeps its meaning.
    """
    if not uses_blocks(tree):
        return tree, []
    return _Expander(file, limits, size).run(tree)


class _TooBig(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


class _Ctx:
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

    def at_index(self, index) -> _Ctx:
        return _Ctx(self.prefix, self.locals, self.instances, self.bindings, index, self.via,
                    True, self.fresh, self.block)


class _Block:
    """A compiled block definition: params, its parts in written order, the file it is in."""

    __slots__ = ("name", "entry", "params", "parts", "static", "keyed", "file")

    def __init__(self, name: str, entry: YEntry):
        self.name, self.entry, self.file = name, entry, entry.file
        self.params: dict[str, YScalar] = {}
        self.parts: list[tuple[str, YMap]] = []  # (section or "instances", mapping)
        self.static = True  # no `$` in any key: ids are the same for every instance
        self.keyed = None  # cached key expansion when static


class _Expander:
    def __init__(self, file: str, limits: Limits, size: int):
        self.file, self.limits = file, limits
        self.bytes = size
        self.problems = Problems(limits.max_findings, file)
        self.reported: set = set()
        self.top: dict[str, YEntry] = {}
        self.section_at: dict[str, YEntry] = {}
        self.rack_types: dict[str, YEntry] = {}
        self.actions: list[tuple] = []
        self.blocks: dict[str, _Block] = {}
        self.cut: set[int] = set()  # id() of instance entries that close a block cycle
        self.out: dict[str, dict[str, YEntry]] = {s: {} for s in SECTIONS}
        self.count = 0
        self.seen_files: set[str] = set()
        self.range_cache: dict[str, list | None] = {}

    # -- problems ------------------------------------------------------------------
    def problem(self, code: str, message: str, at, component: str | None = None,
                via: tuple = ()) -> None:
        line, column = (at.line, at.column) if at is not None else (1, 1)
        file = getattr(at, "file", None)
        key = (code, message, file, line, column, via)
        if key in self.reported:
            return
        self.reported.add(key)
        self.problems.append(Problem(code, message, line, column, component, file, via))

    # -- reading files -------------------------------------------------------------
    def run(self, tree: YMap) -> tuple[YMap, list[Problem]]:
        real = os.path.realpath(self.file) if os.path.isfile(self.file) else None
        if real:
            self.seen_files.add(real)
        site, policy = self.visit(tree, self.file, [(real, self.file)] if real else [],
                                  root=True)
        self.compile_blocks()
        try:
            for action in self.actions:
                if action[0] == "section":
                    self.section(action[1], action[2], _Ctx())
                else:
                    self.instances(action[1], _Ctx())
        except _TooBig as exc:
            self.problems.append(exc.problem)
            root = YMap({}, tree.line, tree.column)
            if "twin" in self.top:
                root.entries["twin"] = self.top["twin"]
            return root, self.problems
        return self.flat(tree, site, policy), self.problems

    def visit(self, tree: YMap, path: str, chain: list[tuple[str, str]], root: bool = False):
        """Read one file's top level in written order; returns its effective (site, policy)."""
        own: dict[str, YEntry] = {}
        inherited: dict[str, YEntry] = {}
        for key, entry in tree.entries.items():
            if key == "twin":
                if root:
                    self.top["twin"] = entry
                else:
                    self.check_version(entry, path)
            elif key in ("site", "policy"):
                own[key] = entry
            elif key == "catalog":
                self.catalog(entry, root)
            elif key in SECTIONS:
                self.section_at.setdefault(key, entry)
                body = self.mapping(entry, key)
                if body is not None:
                    self.actions.append(("section", key, body))
            elif key == "blocks":
                self.define_blocks(entry)
            elif key == "instances":
                body = self.mapping(entry, "instances")
                if body is not None:
                    self.actions.append(("instances", body))
            elif key == "include":
                for sub_site, sub_policy in self.include(entry, path, chain):
                    if sub_site is not None:
                        inherited.setdefault("site", sub_site)
                    if sub_policy is not None:
                        inherited.setdefault("policy", sub_policy)
            else:
                self.problem("L002", f"unknown key {key!r} in the layout"
                             f"{_did_you_mean(key, TOP_KEYS)}", entry)
        return own.get("site", inherited.get("site")), own.get("policy", inherited.get("policy"))

    def check_version(self, entry: YEntry, path: str) -> None:
        raw = entry.value
        if (isinstance(raw, YScalar) and raw.value == 1 and not isinstance(raw.value, bool)
                and isinstance(raw.value, int)):
            return
        self.problem("L009", f"twin: {_text(raw)} in included file {path} is not a supported "
                     "format version; write `twin: 1` or leave it out", entry)

    def mapping(self, entry: YEntry, what: str, component: str | None = None,
                via: tuple = ()) -> YMap | None:
        value = entry.value
        if isinstance(value, YMap):
            return value
        if isinstance(value, YScalar) and value.is_null:
            return YMap({}, entry.line, entry.column)
        self.problem("L004", f"{what} must be a mapping, not {_text(value)}", entry, component, via)
        return None

    def catalog(self, entry: YEntry, root: bool) -> None:
        if root:
            self.top["catalog"] = entry
        body = self.mapping(entry, "catalog") if not root else (
            entry.value if isinstance(entry.value, YMap) else None)
        if body is None:
            return
        for key, item in body.entries.items():
            if key != "rack_types":
                if not root:  # the loader reports the root file's own catalog keys
                    self.problem("L002", f"unknown key {key!r} in catalog"
                                 f"{_did_you_mean(key, ('rack_types',))}", item)
                continue
            types = item.value if isinstance(item.value, YMap) else None
            if types is None:
                if not root:
                    self.mapping(item, "catalog.rack_types")
                continue
            for name, type_entry in types.entries.items():
                first = self.rack_types.get(name)
                if first is not None:
                    self.problem("L005", f"duplicate rack type {name!r} (first at "
                                 f"{_where(first, self.file)})", type_entry, name)
                    continue
                self.rack_types[name] = type_entry

    def include(self, entry: YEntry, path: str, chain: list[tuple[str, str]]):
        raw = entry.value
        items = raw.items if isinstance(raw, YSeq) else [raw]
        base = os.path.dirname(path)
        for item in items:
            if not isinstance(item, YScalar) or item.is_null or not item.text:
                self.problem("L004", f"include: each item is a file path, not {_text(item)}", item)
                continue
            target = os.path.normpath(os.path.join(base, item.text))
            real = os.path.realpath(target)
            reals = [r for r, _ in chain]
            if real in reals:
                loop = " -> ".join([*(shown for _, shown in chain[reals.index(real):]), target])
                self.problem("L010", f"include cycle: {loop}; a file may not include itself, "
                             "directly or through other files", item)
                continue
            if real in self.seen_files:
                continue  # included twice (not a cycle): read once
            if len(chain) >= min(self.limits.max_depth, MAX_NESTING):
                self.problem("L010", f"includes nested deeper than "
                             f"{min(self.limits.max_depth, MAX_NESTING)} levels", item)
                continue
            data = self.read(item, target)
            if data is None:
                continue
            self.seen_files.add(real)
            tree, problems = parse(data, self.limits)
            for p in problems:
                self.problems.append(Problem(p.code, p.message, p.line, p.column, p.key, target))
            if tree is None:
                continue
            _set_file(tree, target)
            yield self.visit(tree, target, [*chain, (real, target)])

    def read(self, item: YScalar, target: str) -> bytes | None:
        try:
            with open(target, "rb") as handle:
                data = handle.read(self.limits.max_bytes + 1)
        except FileNotFoundError:
            self.problem("L010", f"include: {item.text!r} ({target}) does not exist"
                         f"{_near_file(item.text, target)}", item)
            return None
        except IsADirectoryError:
            self.problem("L010", f"include: {item.text!r} is a directory, not a layout file", item)
            return None
        except OSError as exc:
            self.problem("L010", f"include: cannot read {item.text!r}: {exc.strerror or exc}",
                         item)
            return None
        self.bytes += len(data)
        if self.bytes > self.limits.max_bytes:
            self.problem("L001", f"include {item.text!r}: the layout and its included files "
                         f"together are larger than {self.limits.max_bytes:,} bytes; raise the "
                         "limit with --max-bytes if this is intended", item)
            return None
        return data

    # -- blocks --------------------------------------------------------------------
    def define_blocks(self, entry: YEntry) -> None:
        body = self.mapping(entry, "blocks")
        if body is None:
            return
        for name, item in body.entries.items():
            first = self.blocks.get(name)
            if first is not None:
                self.problem("L005", f"duplicate block {name!r} (first at "
                             f"{_where(first.entry, self.file)})", item, name)
                continue
            block = _Block(name, item)
            self.blocks[name] = block
            definition = self.mapping(item, f"block {name!r}", name)
            if definition is None:
                continue
            for key, part in definition.entries.items():
                if key == "params":
                    self.params(block, part)
                elif key in SECTIONS or key == "instances":
                    mapping = self.mapping(part, f"block {name!r}: {key}", name)
                    if mapping is not None:
                        block.parts.append((key, mapping))
                        if any("$" in k for k in mapping.entries):
                            block.static = False
                elif key != "notes":
                    hint = _did_you_mean(key, BLOCK_KEYS)
                    if key in ("twin", "site", "policy", "catalog", "include", "blocks"):
                        hint = f" ({key!r} belongs at the top of a layout, not in a block)"
                    self.problem("L002", f"unknown key {key!r} in block {name!r}{hint}", part, name)

    def params(self, block: _Block, entry: YEntry) -> None:
        raw = entry.value
        items = raw.items if isinstance(raw, YSeq) else [] if (
            isinstance(raw, YScalar) and raw.is_null) else [raw]
        for item in items:
            if not (isinstance(item, YScalar) and _IDENT.match(item.text)):
                self.problem("L004", f"block {block.name!r}: params: {_text(item)!r} is not a "
                             "parameter name (letters, digits and _, not starting with a digit)",
                             item, block.name)
                continue
            if item.text in block.params:
                self.problem("L005", f"block {block.name!r}: parameter {item.text!r} is listed "
                             "twice", item, block.name)
                continue
            block.params[item.text] = item

    def compile_blocks(self) -> None:
        """Find blocks that instantiate themselves (L011) and cut the edge closing each cycle.

        Depth-first, with an explicit stack: a long chain of blocks cannot exhaust
        Python's recursion limit.
        """
        state: dict[str, int] = {}  # 1 on the path, 2 done
        for start in self.blocks:
            if start in state:
                continue
            state[start] = 1
            path, stack = [start], [self.edges(start)]
            while stack:
                for inst, entry, target in stack[-1]:
                    if state.get(target) == 1:
                        loop = " -> ".join([*path[path.index(target):], target])
                        self.cut.add(id(entry))
                        self.problem("L011", f"block {path[-1]!r} instantiates {target!r} in "
                                     f"instance {inst!r}, which makes a cycle: {loop}; a block "
                                     "may not contain itself", _block_node(entry), inst)
                    elif target not in state:
                        state[target] = 1
                        path.append(target)
                        stack.append(self.edges(target))
                        break
                else:
                    state[path.pop()] = 2
                    stack.pop()

    def edges(self, name: str):
        """``(instance id, entry, block name)`` for each instance inside block ``name``."""
        for key, mapping in self.blocks[name].parts:
            if key == "instances":
                for inst, entry in mapping.entries.items():
                    target = _block_name(entry)
                    if target in self.blocks:
                        yield inst, entry, target

    # -- expansion -----------------------------------------------------------------
    def keys(self, mapping: YMap, ctx: _Ctx, what: str) -> list[tuple[str, tuple | None, YEntry]]:
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

    def key_text(self, key: str, entry: YEntry, ctx: _Ctx) -> str:
        whole = _WHOLE.match(key)
        if whole:
            bound = self.param(whole.group(1), entry, ctx)
            if bound is not None and not isinstance(bound, YScalar):
                self.problem("L004", f"{key} is {_text(bound)}; an id is a single value", entry,
                             via=ctx.via)
            return bound.text if isinstance(bound, YScalar) else key
        return self.interpolate(key, entry, ctx)

    def range_of(self, text: str, at, ctx: _Ctx, what: str):
        """``[(text, (int text, padded text)), ...]`` for a range, else ``None``."""
        if text in self.range_cache:
            return self.range_cache[text]
        found = list(_RANGE.finditer(text))
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
        self.range_cache[text] = result
        return result

    def param(self, name: str, at, ctx: _Ctx):
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
                     f"{_did_you_mean(name, known)} (write $$ for a literal $)", at)
        return None

    def interpolate(self, text: str, at, ctx: _Ctx) -> str:
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
                self.problem("L004", f"${{{name}}} is {_text(bound)}; only a single value can "
                             "be written inside text", at, via=ctx.via)
                return match.group(0)
            return bound.text
        return _INNER.sub(one, text)

    def local(self, text: str, ctx: _Ctx) -> str:
        """A reference as the instance sees it: its own ids get the instance prefix."""
        if ctx.prefix and (text in ctx.locals or (
                "/" in text and text.split("/", 1)[0] in ctx.instances)):
            return ctx.prefix + text
        return text

    def scalar(self, node: YScalar, ctx: _Ctx):
        text = node.text
        if ctx.active and "$" in text:
            whole = _WHOLE.match(text)
            if whole:
                bound = self.param(whole.group(1), node, ctx)
                if bound is not None:
                    return bound
                return _copy_scalar(node, text, ctx.via) if ctx.fresh else node
            text = self.interpolate(text, node, ctx)
        if text is node.text and not ctx.fresh:
            return node
        return _copy_scalar(node, text, ctx.via)

    def node(self, node, ctx: _Ctx):
        """Copy any value node for ``ctx``; the same node when nothing changes."""
        cls = node.__class__
        if cls is YScalar:
            return self.scalar(node, ctx)
        if cls is YSeq:
            items = [self.node(item, ctx) for item in node.items]
            if not ctx.fresh and all(a is b for a, b in zip(items, node.items, strict=True)):
                return node
            return _copy_seq(node, items, ctx.via)
        entries = {}
        changed = ctx.fresh
        for key, entry in node.entries.items():
            value = self.node(entry.value, ctx)
            if value is entry.value and not ctx.fresh:
                entries[key] = entry
            else:
                entries[key] = _copy_entry(entry, key, value, ctx.via)
                changed = True
        return _copy_map(node, entries, ctx.via) if changed else node

    def refs(self, node, ctx: _Ctx):
        """Copy a reference field: ranges expand, bound lists splice, own ids get prefixed."""
        if node.__class__ is YSeq:
            items, single = node.items, False
        elif node.__class__ is YScalar:
            items, single = (node,), True
        else:
            return self.node(node, ctx)
        out = []
        changed = ctx.fresh
        for item in items:
            if item.__class__ is not YScalar:
                out.append(self.node(item, ctx))
                changed = True
                continue
            text = item.text
            if ctx.active and "$" in text:
                whole = _WHOLE.match(text)
                if whole:
                    bound = self.param(whole.group(1), item, ctx)
                    if bound is None:
                        out.append(self.scalar(item, ctx))
                    elif bound.__class__ is YSeq:
                        out.extend(bound.items)
                    else:
                        out.append(bound)
                    changed = True
                    continue
                text = self.interpolate(text, item, ctx)
            if "{" in text:
                expanded = self.range_of(text, item, ctx, "reference")
                if expanded is not None:
                    out.extend(_ref_copy(item, self.local(t, ctx), ctx.via)
                               for t, _ in expanded)
                    changed = True
                    continue
            text = self.local(text, ctx)
            if text is item.text and not ctx.fresh:
                out.append(item)
            else:
                out.append(_ref_copy(item, text, ctx.via))
                changed = True
        if not changed:
            return node
        if single and len(out) == 1:
            return out[0]
        return _copy_seq(node, out, ctx.via)

    def body(self, node, ctx: _Ctx, sort: str):
        """Copy one power/cooling/hall/rack entry's mapping."""
        if node.__class__ is not YMap:
            return self.node(node, ctx)
        entries = {}
        changed = fresh = ctx.fresh
        for key, entry in node.entries.items():
            value = entry.value
            if key in REF_FIELDS:
                copied = self.refs(value, ctx)
            elif key == "rows" and sort == "space" and value.__class__ is YMap:
                copied = self.rows(value, ctx)
            elif value.__class__ is YScalar:
                copied = self.scalar(value, ctx)
            else:
                copied = self.node(value, ctx)
            if copied is value and not fresh:
                entries[key] = entry
            else:
                entries[key] = _copy_entry(entry, key, copied, ctx.via)
                changed = True
        return _copy_map(node, entries, ctx.via) if changed else node

    def rows(self, node: YMap, ctx: _Ctx):
        entries = {}
        changed = ctx.fresh
        for text, index, entry in self.keys(node, ctx, "row"):
            sub = ctx.at_index(index) if index is not None else ctx
            value = self.node(entry.value, sub)
            if text == entry.key and value is entry.value and not ctx.fresh:
                entries[text] = entry
            else:
                entries[text] = _copy_entry(entry, text, value, ctx.via)
                changed = True
        return _copy_map(node, entries, ctx.via) if changed else node

    def section(self, sort: str, mapping: YMap, ctx: _Ctx, keyed=None) -> None:
        out = self.out[sort]
        for text, index, entry in (keyed if keyed is not None else self.keys(mapping, ctx, "id")):
            sub = ctx.at_index(index) if index is not None else ctx
            value = entry.value
            self.count += getattr(value, "size", 1) + 1
            if self.count > self.limits.max_nodes:
                self.too_big(entry, ctx)
            body = self.body(value, sub, sort)
            ident = ctx.prefix + text
            if ident == entry.key and body is value and not ctx.fresh:
                made = entry
            else:
                made = _copy_entry(entry, ident, body, ctx.via)
            first = out.get(ident)
            if first is not None:
                self.problem("L005", f"duplicate id {ident!r}: already defined at "
                             f"{_where(first, self.file)}; ids are unique across the layout",
                             entry, ident, ctx.via)
                continue
            out[ident] = made

    def too_big(self, at, ctx: _Ctx):
        raise _TooBig(Problem(
            "L001", f"the layout expands to more than {self.limits.max_nodes:,} nodes; raise "
            "the limit with --max-nodes if this is intended", at.line, at.column, None,
            getattr(at, "file", None), ctx.via))

    def instances(self, mapping: YMap, ctx: _Ctx) -> None:
        for text, index, entry in self.keys(mapping, ctx, "instance"):
            self.instance(text, ctx.at_index(index) if index is not None else ctx, entry)

    def instance(self, text: str, outer: _Ctx, entry: YEntry) -> None:
        ident = outer.prefix + text
        self.count += 1
        if self.count > self.limits.max_nodes:
            self.too_big(entry, outer)
        if "/" in text:
            self.problem("L004", f"instance id {text!r} may not contain '/': it separates "
                         "an instance from the ids inside it", entry, ident, outer.via)
            return
        body = self.mapping(entry, f"instance {ident!r}", ident, outer.via)
        if body is None:
            return
        for key, item in body.entries.items():
            if key not in INSTANCE_KEYS:
                self.problem("L002", f"unknown key {key!r} in instance {ident!r}"
                             f"{_did_you_mean(key, INSTANCE_KEYS)}", item, ident, outer.via)
        block_entry = body.entries.get("block")
        if block_entry is None:
            self.problem("L003", f"instance {ident!r}: `block` is missing (the name of the "
                         "block to instantiate)", entry, ident, outer.via)
            return
        if id(entry) in self.cut:
            return  # closes a block cycle: L011 already
        name = _block_name(entry)
        block = self.blocks.get(name) if name is not None else None
        if block is None:
            shown = name if name is not None else _text(block_entry.value)
            self.problem("L006", f"instance {ident!r}: block {shown!r} does not exist"
                         f"{_did_you_mean(shown, self.blocks)}", block_entry.value, ident,
                         outer.via)
            return
        if len(outer.via) >= min(self.limits.max_depth, MAX_NESTING):
            self.problem("L001", f"instance {ident!r}: blocks nested deeper than "
                         f"{min(self.limits.max_depth, MAX_NESTING)} levels", entry, ident,
                         outer.via)
            return
        bindings = {}
        with_entry = body.entries.get("with")
        if with_entry is not None:
            given = self.mapping(with_entry, f"instance {ident!r}: with", ident, outer.via)
            for param, item in (given.entries.items() if given is not None else ()):
                if param not in block.params:
                    self.problem("L002", f"instance {ident!r}: block {name!r} has no parameter "
                                 f"{param!r}{_did_you_mean(param, block.params)}", item, ident,
                                 outer.via)
                    continue
                bindings[param] = self.refs(item.value, outer)
        missing = [p for p in block.params if p not in bindings]
        if missing:
            listed = ", ".join(missing)
            self.problem("L003", f"instance {ident!r}: block {name!r} needs a value for "
                         f"{listed} (with: {{{missing[0]}: ...}})", entry, ident, outer.via)
        via = (*outer.via, Via(ident, name, entry.file or self.file, entry.line, entry.column))
        ctx = _Ctx(ident + "/", bindings=bindings, via=via, active=True, fresh=True, block=block)
        keyed = block.keyed if block.static else None
        if keyed is None:
            keyed = [(key, self.keys(mapping, ctx, "instance" if key == "instances" else "id"))
                     for key, mapping in block.parts]
            if block.static:
                block.keyed = keyed
        local_ids, nested = set(), set()
        for key, items in keyed:
            (nested if key == "instances" else local_ids).update(t for t, _, _ in items)
        ctx.locals, ctx.instances = local_ids, nested
        for (key, _mapping), (_key, items) in zip(block.parts, keyed, strict=True):
            if key == "instances":
                for sub_text, index, sub_entry in items:
                    self.instance(sub_text, ctx.at_index(index) if index is not None else ctx,
                                  sub_entry)
            else:
                self.section(key, _mapping, ctx, items)

    # -- the flat tree -------------------------------------------------------------
    def flat(self, tree: YMap, site, policy) -> YMap:
        entries: dict[str, YEntry] = {}
        if "twin" in self.top:
            entries["twin"] = self.top["twin"]
        if site is not None:
            entries["site"] = site
        if policy is not None:
            entries["policy"] = policy
        catalog = self.flat_catalog()
        if catalog is not None:
            entries["catalog"] = catalog
        for sort in SECTIONS:
            at = self.section_at.get(sort)
            if at is None and not self.out[sort]:
                continue
            line, column = (at.line, at.column) if at is not None else (tree.line, tree.column)
            section = YMap(self.out[sort], line, column)
            made = YEntry(sort, line, column, section)
            if at is not None:
                made.file = section.file = at.file
            entries[sort] = made
        return YMap(entries, tree.line, tree.column)

    def flat_catalog(self) -> YEntry | None:
        own = self.top.get("catalog")
        own_body = own.value if own is not None and isinstance(own.value, YMap) else None
        own_types = own_body.entries.get("rack_types") if own_body is not None else None
        merged_from_others = any(e.file for e in self.rack_types.values())
        if not merged_from_others:
            return own
        if own is not None and own_body is None:
            return own  # not a mapping: the loader reports it
        at = own if own is not None else next(iter(self.rack_types.values()))
        types = YMap(dict(self.rack_types), at.line, at.column)
        if own_types is not None and not isinstance(own_types.value, YMap) and not (
                isinstance(own_types.value, YScalar) and own_types.value.is_null):
            return own  # rack_types is not a mapping: the loader reports it
        body = dict(own_body.entries) if own_body is not None else {}
        body["rack_types"] = YEntry("rack_types", at.line, at.column, types)
        return YEntry("catalog", at.line, at.column, YMap(body, at.line, at.column))


# -- node copies (every copy keeps the source position and file, and takes the chain) ----
def _copy_scalar(node: YScalar, text: str, via: tuple) -> YScalar:
    if text is node.text:
        made = YScalar(text, node.plain, node.line, node.column, node._tag)
        made._value = node._value
    else:
        made = YScalar(text, node.plain, node.line, node.column,
                       None if node.plain else node._tag)
    made.file, made.via = node.file, via
    return made


def _copy_seq(node, items: list, via: tuple) -> YSeq:
    made = YSeq(items, node.line, node.column)
    made.size = getattr(node, "size", len(items) + 1)
    made.file, made.via = node.file, via
    return made


def _ref_copy(node: YScalar, text: str, via: tuple) -> YScalar:
    """A copy of a reference with its new text; an id quoted only for its braces or
    ``${...}`` (flow style reserves them) becomes plain when it reads back as the same text."""
    made = _copy_scalar(node, text, via)
    if (text is not node.text and not node.plain and node._tag is None and plain_ok(text)
            and resolve_tag(text, True) == _STR):
        made.plain, made._tag = True, _STR
    return made


def _copy_map(node: YMap, entries: dict, via: tuple) -> YMap:
    made = YMap(entries, node.line, node.column)
    made.size, made.file, made.via = node.size, node.file, via
    return made


def _copy_entry(entry: YEntry, key: str, value, via: tuple) -> YEntry:
    made = YEntry(key, entry.line, entry.column, value)
    made.file, made.via = entry.file, via
    return made


def _set_file(node, file: str) -> None:
    """Mark every node of an included file's tree as written in ``file``."""
    stack = [node]
    seen: set[int] = set()
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        n.file = file
        if n.__class__ is YMap:
            for entry in n.entries.values():
                entry.file = file
                stack.append(entry.value)
        elif n.__class__ is YSeq:
            stack.extend(n.items)


# -- small helpers -------------------------------------------------------------------
def _block_node(entry: YEntry):
    body = entry.value
    if isinstance(body, YMap) and "block" in body.entries:
        return body.entries["block"].value
    return entry


def _block_name(entry: YEntry) -> str | None:
    node = _block_node(entry)
    if node is entry or not isinstance(node, YScalar) or node.is_null:
        return None
    return node.text


def _text(node) -> str:
    if isinstance(node, YScalar):
        return node.text
    return "a list" if isinstance(node, YSeq) else "a mapping"


def _did_you_mean(word: str, known) -> str:
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _where(entry, root_file: str) -> str:
    file = getattr(entry, "file", None) or root_file
    return f"{file}:{entry.line}"


def _near_file(written: str, target: str) -> str:
    """`` (did you mean 'x'?)`` naming a layout file next to where ``target`` was expected."""
    folder = os.path.dirname(target) or "."
    try:
        names = [n for n in os.listdir(folder)
                 if n.endswith((".yaml", ".yml")) and os.path.isfile(os.path.join(folder, n))]
    except OSError:
        return ""
    close = difflib.get_close_matches(os.path.basename(target), names, n=1, cutoff=0.6)
    if not close:
        return ""
    return f" (did you mean {os.path.join(os.path.dirname(written), close[0])!r}?)"
