"""Blocks, instances, ranges and includes: expand a layout's tree into the flat v1 tree.

A layout may define a reusable block once (``blocks:``), instantiate it many times
(``instances:``), write repeated entries as ranges (``r{01..10}``) and pull in other
files (``include:``). :func:`expand` turns such a tree into the flat tree of layout
format v1 that the loader reads, copying nodes (never re-parsing) and stamping every
copy with the instantiation chain (``via``) so findings point at the block's
definition and at the line that instantiated it. See docs/blocks.md.

Before anything is copied, the nodes, racks, components and block instances every
top-level entry will make are counted (numbers only, once per block and per binding
that can change its keys), so a block bomb is refused in milliseconds at the line that
asks for too much. An include is read only when it is a regular file inside the
layout's folder or an ``include_roots`` folder of the limits.

Pure: no output, no exceptions for problems; each problem is returned as a
:class:`twin.layout.source.Problem` (L001 limits, L002-L006 as the loader uses them, L009,
L010 ``include-failed``, L011 ``block-cycle``).
"""
from __future__ import annotations

import difflib
import os
import re
import stat

from twin.layout.emit import plain_ok
from twin.layout.loader import id_problem
from twin.layout.model import Via
from twin.layout.source import (
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
        over = _flat_over(tree, limits)
        return (tree, []) if over is None else (_bare(tree, tree.entries), [over])
    return _Expander(file, limits, size).run(tree)


#: What the expansion limits count: (what, flag, Limits field), in the order of a tally.
_COUNTED = (("nodes", "--max-nodes", "max_nodes"), ("racks", "--max-racks", "max_racks"),
            ("components (power, cooling and halls)", "--max-components", "max_components"),
            ("block instances", "--max-instances", "max_instances"))
_FIELDS = tuple(field for _, _, field in _COUNTED)


def _flat_over(tree: YMap, limits: Limits) -> Problem | None:
    """L001 at the first rack or component of a flat layout past ``max_racks`` or
    ``max_components`` (its nodes were counted while it was parsed)."""
    racks = components = 0
    for sort in SECTIONS:
        entry = tree.entries.get(sort)
        if entry is None or entry.value.__class__ is not YMap:
            continue
        for key, item in entry.value.entries.items():
            if sort == "racks":
                racks += 1
                over = 1 if racks > limits.max_racks else None
            else:
                components += 1
                over = 2 if components > limits.max_components else None
            if over is not None:
                what, flag, field = _COUNTED[over]
                return Problem("L001", f"the layout has more than {getattr(limits, field):,} "
                               f"{what}; raise the limit with {flag} if this is intended",
                               item.line, item.column, key, item.file)
    return None


def _bare(tree: YMap, top: dict) -> YMap:
    """The tree of a layout refused for its size: only its ``twin`` key."""
    root = YMap({}, tree.line, tree.column)
    if "twin" in top:
        root.entries["twin"] = top["twin"]
    return root


class _TooBig(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


class _Over(Exception):
    """A tally passed a limit: ``kind`` indexes :data:`_COUNTED`."""

    def __init__(self, kind: int):
        super().__init__(kind)
        self.kind = kind


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

    __slots__ = ("name", "entry", "params", "parts", "static", "keyed", "file", "counted")

    def __init__(self, name: str, entry: YEntry):
        self.name, self.entry, self.file = name, entry, entry.file
        self.params: dict[str, YScalar] = {}
        self.parts: list[tuple[str, YMap]] = []  # (section or "instances", mapping)
        self.static = True  # no `$` in any key: ids are the same for every instance
        self.keyed = None  # cached key expansion when static
        #: The params whose values can change how many entries an instance makes (they
        #: are written in a key, here or in a nested block): the tally's cache key.
        self.counted: frozenset[str] = frozenset()


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
        self.racks = self.components = self.made_instances = 0
        self.seen_files: set[str] = set()
        self.range_cache: dict[str, list | None] = {}
        self.range_sizes: dict[str, int] = {}
        self.growths: dict[int, int] = {}
        self.tallies: dict[tuple, tuple] = {}
        self.uses: dict[int, tuple] = {}  # id(instance entry): (block, counted with:, uses i)
        self.caps = tuple(getattr(limits, field) for field in _FIELDS)
        self.depth_cuts = 0  # instances a tally left out for nesting too deep
        self.deepest = 0  # the deepest instance a tally has counted, in the block now counted
        self.tallied = (0, 0, 0, 0)  # what the tally counted, as in _COUNTED
        self.quiet = self.suppressed = False  # a tally reports nothing
        # Includes may read inside the layout's folder and the limits' include roots; a
        # layout read from standard input has no folder of its own.
        self.roots = [] if file == "-" else [os.path.realpath(os.path.dirname(file) or ".")]
        self.roots += [os.path.realpath(root) for root in limits.include_roots]

    # -- problems ------------------------------------------------------------------
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

    # -- reading files -------------------------------------------------------------
    def run(self, tree: YMap) -> tuple[YMap, list[Problem]]:
        real = (os.path.realpath(self.file)
                if self.file != "-" and os.path.isfile(self.file) else None)
        if real:
            self.seen_files.add(real)
        site, policy = self.visit(tree, self.file, [(real, self.file)] if real else [],
                                  root=True)
        self.compile_blocks()
        self.find_counted()
        over = self.tally_layout()
        if over is not None:
            self.problems.append(over)
            return _bare(tree, self.top), self.problems
        try:
            for action in self.actions:
                if action[0] == "section":
                    self.section(action[1], action[2], _Ctx())
                else:
                    self.instances(action[1], _Ctx())
        except _TooBig as exc:
            self.problems.append(exc.problem)
            return _bare(tree, self.top), self.problems
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
            if not self.may_read(real):
                self.outside(item)
                continue
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
            data = self.read(item, target, real)
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

    def may_read(self, real: str) -> bool:
        """True when the resolved path ``real`` is inside one of the include roots."""
        return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep)
                   for root in self.roots)

    def outside(self, item: YScalar) -> None:
        """L010 for an include outside the roots: it names the path as written and nothing
        of the file, which is never opened."""
        given = " and the --include-root folders" if self.limits.include_roots else ""
        if self.file == "-" and not given:
            self.problem("L010", f"include: {item.text!r}: a layout read from standard input "
                         "has no folder to include from; name the included file's folder "
                         "with --include-root", item)
            return
        where = ("the --include-root folders" if self.file == "-" else
                 f"the layout's folder ({os.path.dirname(self.file) or '.'}){given}")
        self.problem("L010", f"include: {item.text!r} is outside {where}, where includes are "
                     "read from (symlinks followed); move the file there or name its folder "
                     "with --include-root", item)

    def read(self, item: YScalar, target: str, real: str) -> bytes | None:
        """The bytes of a regular file, or ``None`` with a problem. A FIFO, device or
        socket is refused from ``stat`` before it is opened (reading one could block or
        never end); the file is opened non-blocking and checked again from its descriptor
        (a regular file, the same inode, inside the roots), so one swapped in between is
        refused too."""
        try:
            before = os.stat(real)
        except FileNotFoundError:
            self.problem("L010", f"include: {item.text!r} ({target}) does not exist"
                         f"{_near_file(item.text, target)}", item)
            return None
        except OSError as exc:
            self.problem("L010", f"include: cannot read {item.text!r}: {exc.strerror or exc}",
                         item)
            return None
        if stat.S_ISDIR(before.st_mode):
            self.problem("L010", f"include: {item.text!r} is a directory, not a layout file", item)
            return None
        if not stat.S_ISREG(before.st_mode):
            self.problem("L010", f"include: {item.text!r} is {_file_kind(before.st_mode)}, not a "
                         "regular file; an include must be a layout file", item)
            return None
        flags = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                 | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
        try:
            fd = os.open(real, flags)
        except OSError as exc:
            self.problem("L010", f"include: cannot read {item.text!r}: {exc.strerror or exc}",
                         item)
            return None
        try:
            with os.fdopen(fd, "rb") as handle:
                fd = -1  # the handle closes it
                opened = os.fstat(handle.fileno())
                if not stat.S_ISREG(opened.st_mode) or (opened.st_dev, opened.st_ino) != (
                        before.st_dev, before.st_ino) or not self.may_read(
                        _opened_path(handle.fileno(), real)):
                    self.problem("L010", f"include: {item.text!r} was replaced while it was "
                                 "being opened (by another file, or a link out of the folders "
                                 "includes may read); nothing was read from it", item)
                    return None
                data = handle.read(max(self.limits.max_bytes - self.bytes, 0) + 1)
        except OSError as exc:
            self.problem("L010", f"include: cannot read {item.text!r}: {exc.strerror or exc}",
                         item)
            return None
        finally:
            if fd >= 0:
                os.close(fd)
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

    # -- sizes, counted before anything is copied ----------------------------------
    def find_counted(self) -> None:
        """Each block's ``counted`` params: written in one of its keys, or passed to a
        counted param of a nested block (to a fixed point: blocks may be in any order)."""
        for block in self.blocks.values():
            names: set[str] = set()
            for _key, mapping in block.parts:
                for key in mapping.entries:
                    if "$" in key:
                        names.update(_names_in(key))
            block.counted = frozenset(names & block.params.keys())
        changed = True
        while changed:
            changed = False
            for block in self.blocks.values():
                for key, mapping in block.parts:
                    if key != "instances":
                        continue
                    for entry in mapping.entries.values():
                        passed = self.passed(entry)
                        if passed is None:
                            continue
                        names = set().union(*(_names_in_node(value) for value in passed.values()))
                        grown = block.counted | (names & block.params.keys())
                        if grown != block.counted:
                            block.counted, changed = frozenset(grown), True

    def passed(self, entry: YEntry) -> dict | None:
        """The ``with:`` values an instance entry binds to counted params of its block."""
        block = self.blocks.get(_block_name(entry))
        if block is None or not block.counted or id(entry) in self.cut:
            return None
        given = entry.value.entries.get("with")
        if given is None or given.value.__class__ is not YMap:
            return None
        return {param: item.value for param, item in given.value.entries.items()
                if param in block.counted}

    def tally_layout(self) -> Problem | None:
        """L001 at the first top-level entry (a range, an instance or a block use) that takes
        the layout past a limit of :data:`_COUNTED`, counted without copying a node;
        ``None`` when the layout fits."""
        totals = [0] * len(_COUNTED)
        ctx = _Ctx()
        self.quiet = True
        try:
            for action in self.actions:
                sort, mapping = ("instances", action[1]) if action[0] == "instances" else (
                    action[1], action[2])
                for key, entry in mapping.entries.items():
                    try:
                        made = self.tally_entry(sort, key, entry, ctx, 0)
                    except _Over as over:
                        return self.too_many(over.kind, sort, key, entry, None, totals)
                    for kind, limit in enumerate(self.caps):
                        totals[kind] += made[kind]
                        if totals[kind] > limit:
                            return self.too_many(kind, sort, key, entry, made, totals)
        finally:
            self.quiet = False
        self.tallied = tuple(totals)
        return None

    def too_many(self, kind: int, sort: str, key: str, entry: YEntry, made, totals) -> Problem:
        what, flag, field = _COUNTED[kind]
        limit = getattr(self.limits, field)
        name = _block_name(entry) if sort == "instances" else None
        use = (f"instance {key!r} of block {name!r}" if name is not None else
               f"instance {key!r}" if sort == "instances" else f"{sort} entry {key!r}")
        if made is None:
            amount = f"more than {limit:,} by itself"
        else:
            before = totals[kind] - made[kind]
            amount = f"{made[kind]:,}" + (f", after {before:,} before it" if before else "")
        return Problem("L001", f"the layout expands to more than {limit:,} {what}: {use} makes "
                       f"{amount}; raise the limit with {flag} if this is intended",
                       entry.line, entry.column, key, entry.file)

    def tally_entry(self, sort: str, key: str, entry: YEntry, ctx: _Ctx, depth: int) -> tuple:
        """What one key of a section or of ``instances`` makes, as counted in :data:`_COUNTED`."""
        text = self.key_text(key, entry, ctx) if ctx.active and "$" in key else key
        n = self.range_size(text)
        if sort != "instances":
            nodes = n * (getattr(entry.value, "size", 1) + 1 + self.growth(entry.value))
            return (nodes, n, 0, 0) if sort == "racks" else (nodes, 0, n, 0)
        made = (n, 0, 0, n)  # an instance is one node, whatever it makes
        if n == 0 or "/" in text or id_problem(_RANGE.sub("0", text)) is not None:
            return made  # refused at its key (L004): it makes nothing more
        use = self.uses.get(id(entry))
        if use is None:
            block = None if id(entry) in self.cut or entry.value.__class__ is not YMap else (
                self.blocks.get(_block_name(entry)))
            passed = self.passed(entry) or {}
            use = self.uses[id(entry)] = (block, passed, any(
                "i" in _names_in_node(value) for value in passed.values()))
        block, passed, by_index = use
        if block is None:
            return made
        if depth >= min(self.limits.max_depth, MAX_NESTING):
            self.depth_cuts += 1
            return made
        self.deepest = max(self.deepest, depth)
        indexes = ([index for _, index in self.range_of(text, entry, ctx, "instance")]
                   if "{" in text and len(_RANGE.findall(text)) == 1 else [None])
        if len(indexes) > 1 and by_index:
            items = [ctx.at_index(index) for index in indexes]
        else:  # every item binds the same counted values: count one, multiply
            items = [ctx if indexes[0] is None else ctx.at_index(indexes[0])]
        totals = list(made)
        times = n if len(items) == 1 else 1
        for outer in items:
            self.more_work(totals)
            bindings = {param: self.refs(value, outer) for param, value in passed.items()}
            sub = self.tally_block(block, bindings, depth + 1)
            for kind, count in enumerate(sub):
                totals[kind] += times * count
        return tuple(totals)

    def more_work(self, totals: list[int]) -> None:
        """Stop a tally that is already past a limit before it does more work (a total
        is exact when it was reached by multiplying, else "more than the limit")."""
        for kind, limit in enumerate(self.caps):
            if totals[kind] > limit:
                raise _Over(kind)

    def tally_block(self, block: _Block, bindings: dict, depth: int) -> tuple:
        """What one instance of ``block`` makes, cached by the block and the values of its
        counted params."""
        key = (block.name, tuple(_shape(bindings.get(p)) for p in sorted(block.counted)))
        cap = min(self.limits.max_depth, MAX_NESTING)
        known = self.tallies.get(key)
        # A count holds at another depth when the instances below reach no deeper than the
        # nesting limit there; one that left instances out holds at its own depth only.
        if known is None or depth + known[1] >= cap:
            known = self.tallies.get((*key, depth))
        if known is not None:
            self.deepest = max(self.deepest, depth + known[1])
            return known[0]
        cuts, deepest, self.deepest = self.depth_cuts, self.deepest, depth - 1
        ctx = _Ctx(bindings=bindings, active=True, block=block)
        totals = [0] * len(_COUNTED)
        try:
            for sort, mapping in block.parts:
                for text, entry in mapping.entries.items():
                    self.more_work(totals)
                    for kind, count in enumerate(self.tally_entry(sort, text, entry, ctx,
                                                                  depth)):
                        totals[kind] += count
            made, reach = tuple(totals), self.deepest - depth
        finally:
            self.deepest = max(deepest, self.deepest)
        self.tallies[key if self.depth_cuts == cuts else (*key, depth)] = (made, reach)
        return made

    def growth(self, node) -> int:
        """Nodes a value gains when the ranges in its reference lists expand (a range
        ``pdu-{1..100000}`` in ``power:`` is one node as written and 100,000 once
        expanded); cached per node, so a value shared by many entries is walked once."""
        known = self.growths.get(id(node))
        if known is not None:
            return known
        extra, stack = 0, [node]
        while stack:
            item = stack.pop()
            cls = item.__class__
            if cls is YScalar:
                if "{" in item.text:
                    extra += max(self.range_size(item.text) - 1, 0)
            elif cls is YSeq:
                stack.extend(item.items)
            elif cls is YMap:
                stack.extend(e.value for e in item.entries.values())
        self.growths[id(node)] = extra
        return extra

    def range_size(self, text: str) -> int:
        """How many entries a key makes: a range's items, 0 for a bad range, else 1."""
        size = self.range_sizes.get(text)
        if size is None:
            found = list(_RANGE.finditer(text)) if "{" in text else []
            size = 0 if len(found) > 1 else 1  # two ranges in one id: L004, nothing made
            if len(found) == 1:
                a, b = int(found[0].group(1)), int(found[0].group(2))
                size = b - a + 1 if a <= b and b - a + 1 <= MAX_RANGE else 0
            self.range_sizes[text] = size
        return size

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
        self.suppressed = False
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
        if not self.suppressed:  # a tally reports nothing: leave the problem to expansion
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
            self.count += getattr(value, "size", 1) + 1 + self.growth(value)
            if self.count > self.limits.max_nodes:
                self.too_big(entry, ctx)
            if sort == "racks":
                self.racks += 1
                if self.racks > self.limits.max_racks:
                    self.too_big(entry, ctx, 1)
            else:
                self.components += 1
                if self.components > self.limits.max_components:
                    self.too_big(entry, ctx, 2)
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

    def too_big(self, at, ctx: _Ctx, kind: int = 0):
        """Stop the expansion (the tally before it should have refused this already)."""
        what, flag, field = _COUNTED[kind]
        raise _TooBig(Problem(
            "L001", f"the layout expands to more than {getattr(self.limits, field):,} {what}; "
            f"raise the limit with {flag} if this is intended", at.line, at.column, None,
            getattr(at, "file", None), ctx.via))

    def instances(self, mapping: YMap, ctx: _Ctx) -> None:
        for text, index, entry in self.keys(mapping, ctx, "instance"):
            self.instance(text, ctx.at_index(index) if index is not None else ctx, entry)

    def instance(self, text: str, outer: _Ctx, entry: YEntry) -> None:
        ident = outer.prefix + text
        self.count += 1
        if self.count > self.limits.max_nodes:
            self.too_big(entry, outer)
        self.made_instances += 1
        if self.made_instances > self.limits.max_instances:
            self.too_big(entry, outer, 3)
        if "/" in text:
            self.problem("L004", f"instance id {text!r} may not contain '/': it separates "
                         "an instance from the ids inside it", entry, ident, outer.via)
            return
        bad = id_problem(text)
        if bad is not None:  # at the instance key, where the bad character is written
            self.problem("L004", f"instance id {text!r} {bad}", entry, ident, outer.via)
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
def _names_in(text: str) -> set[str]:
    """The parameter names ``$name`` (the whole text) or ``${name}`` in ``text``."""
    whole = _WHOLE.match(text)
    if whole:
        return {whole.group(1)}
    return {m.group(1) for m in _INNER.finditer(text) if m.group(1)}


def _names_in_node(node) -> set[str]:
    names: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if n.__class__ is YScalar:
            if "$" in n.text:
                names |= _names_in(n.text)
        elif n.__class__ is YSeq:
            stack.extend(n.items)
        elif n.__class__ is YMap:
            stack.extend(e.value for e in n.entries.values())
    return names


def _shape(node):
    """What of a bound value a key can see: its text, or only that it is not one value."""
    return node.text if node.__class__ is YScalar else None if node is None else node.__class__


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


def _opened_path(fd: int, real: str) -> str:
    """The path the kernel opened for ``fd`` (Linux); ``real`` where it does not say: a
    folder swapped for a symlink between the check and the open shows here."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return real


def _file_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a regular file"


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
