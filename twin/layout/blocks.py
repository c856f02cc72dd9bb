"""Blocks, instances, ranges and includes: expand a layout's tree into the flat v1 tree.

A layout may define a reusable block once (``blocks:``), instantiate it many times
(``instances:``), write repeated entries as ranges (``r{01..10}``) and pull in other
files (``include:``). :func:`expand` turns such a tree into the flat tree of layout
format v1 that the loader reads, copying nodes (never re-parsing) and stamping every
copy with the instantiation chain (``via``) so findings point at the block's
definition and at the line that instantiated it. See docs/blocks.md.

The stages, each a module that reads only the ones before it: :mod:`.ranges` (the
text rules of ``$param`` and ranges), :mod:`.copies` (node copies), :mod:`.includes`
(reading included files safely), :mod:`.tally` (block definitions, and what every
top-level entry makes, counted before anything is copied), then the expansion here.

Pure: no output, no exceptions for problems; each problem is returned as a
:class:`twin.layout.source.Problem` (L001 limits, L002-L006 as the loader uses them, L009,
L010 ``include-failed``, L011 ``block-cycle``).
"""
from __future__ import annotations

import os

from twin.layout.copies import copy_entry as _copy_entry
from twin.layout.copies import copy_map as _copy_map
from twin.layout.copies import copy_scalar as _copy_scalar  # noqa: F401 (spied on in tests)
from twin.layout.copies import copy_seq as _copy_seq  # noqa: F401 (spied on in tests)
from twin.layout.includes import Includes
from twin.layout.model import Via
from twin.layout.ranges import (
    BLOCK_KEYS, INSTANCE_KEYS, MAX_NESTING, NEW_KEYS, REF_FIELDS, SECTIONS, TOP_KEYS, Ctx,
    did_you_mean, text_of, where,
)
from twin.layout.scalars import id_problem
from twin.layout.source import Limits, Problem, Problems, YEntry, YMap, YScalar
from twin.layout.tally import COUNTED, FIELDS, Block, Tally, block_name, flat_over

__all__ = ["BLOCK_KEYS", "INSTANCE_KEYS", "NEW_KEYS", "SECTIONS", "TOP_KEYS", "expand",
           "uses_blocks"]

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
        over = flat_over(tree, limits)
        return (tree, []) if over is None else (_bare(tree, tree.entries), [over])
    return _Expander(file, limits, size).run(tree)


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


class _Expander(Tally, Includes):
    """One expansion: the state every stage reads, the top-level reading, the copies."""

    def __init__(self, file: str, limits: Limits, size: int):
        self.file, self.limits = file, limits
        self.bytes = size
        self.problems = Problems(limits.max_findings, file)
        self.reported: set = set()
        self.top: dict[str, YEntry] = {}
        self.section_at: dict[str, YEntry] = {}
        self.rack_types: dict[str, YEntry] = {}
        self.actions: list[tuple] = []
        self.blocks: dict[str, Block] = {}
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
        self.caps = tuple(getattr(limits, field) for field in FIELDS)
        self.depth_cuts = 0  # instances a tally left out for nesting too deep
        self.deepest = 0  # the deepest instance a tally has counted, in the block now counted
        self.tallied = (0, 0, 0, 0)  # what the tally counted, as in COUNTED
        self.quiet = self.suppressed = False  # a tally reports nothing
        # Includes may read inside the layout's folder and the limits' include roots; a
        # layout read from standard input has no folder of its own.
        self.roots = [] if file == "-" else [os.path.realpath(os.path.dirname(file) or ".")]
        self.roots += [os.path.realpath(root) for root in limits.include_roots]

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
                    self.section(action[1], action[2], Ctx())
                else:
                    self.instances(action[1], Ctx())
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
            elif key in ("groups", "events"):
                if root:
                    self.top[key] = entry
                else:
                    self.problem("L002", f"`{key}:` in included file {path}: groups and "
                                 "events are read from the main layout file only (they name "
                                 "ids as expanded); move it there", entry)
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
                for sub_tree, sub_path, sub_chain in self.include(entry, path, chain):
                    sub_site, sub_policy = self.visit(sub_tree, sub_path, sub_chain)
                    if sub_site is not None:
                        inherited.setdefault("site", sub_site)
                    if sub_policy is not None:
                        inherited.setdefault("policy", sub_policy)
            else:
                self.problem("L002", f"unknown key {key!r} in the layout"
                             f"{did_you_mean(key, TOP_KEYS)}", entry)
        return own.get("site", inherited.get("site")), own.get("policy", inherited.get("policy"))

    def check_version(self, entry: YEntry, path: str) -> None:
        raw = entry.value
        if (isinstance(raw, YScalar) and raw.value == 1 and not isinstance(raw.value, bool)
                and isinstance(raw.value, int)):
            return
        self.problem("L009", f"twin: {text_of(raw)} in included file {path} is not a supported "
                     "format version; write `twin: 1` or leave it out", entry)

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
                                 f"{did_you_mean(key, ('rack_types',))}", item)
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
                                 f"{where(first, self.file)})", type_entry, name)
                    continue
                self.rack_types[name] = type_entry

    # -- expansion -----------------------------------------------------------------
    def body(self, node, ctx: Ctx, sort: str):
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

    def rows(self, node: YMap, ctx: Ctx):
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

    def section(self, sort: str, mapping: YMap, ctx: Ctx, keyed=None) -> None:
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
                             f"{where(first, self.file)}; ids are unique across the layout",
                             entry, ident, ctx.via)
                continue
            out[ident] = made

    def too_big(self, at, ctx: Ctx, kind: int = 0):
        """Stop the expansion (the tally before it should have refused this already)."""
        what, flag, field = COUNTED[kind]
        raise _TooBig(Problem(
            "L001", f"the layout expands to more than {getattr(self.limits, field):,} {what}; "
            f"raise the limit with {flag} if this is intended", at.line, at.column, None,
            getattr(at, "file", None), ctx.via))

    def instances(self, mapping: YMap, ctx: Ctx) -> None:
        for text, index, entry in self.keys(mapping, ctx, "instance"):
            self.instance(text, ctx.at_index(index) if index is not None else ctx, entry)

    def instance(self, text: str, outer: Ctx, entry: YEntry) -> None:
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
        if len(text) > self.limits.max_id_length:  # every id it would make is longer
            shown = f"{text[:40]}…"
            self.problem("L004", f"instance id {shown!r} is {len(text):,} characters long, "
                         f"over the {self.limits.max_id_length:,} limit: shorten it (or raise "
                         "the limit with --max-id-length)", entry, shown, outer.via)
            return
        body = self.mapping(entry, f"instance {ident!r}", ident, outer.via)
        if body is None:
            return
        for key, item in body.entries.items():
            if key not in INSTANCE_KEYS:
                self.problem("L002", f"unknown key {key!r} in instance {ident!r}"
                             f"{did_you_mean(key, INSTANCE_KEYS)}", item, ident, outer.via)
        block_entry = body.entries.get("block")
        if block_entry is None:
            self.problem("L003", f"instance {ident!r}: `block` is missing (the name of the "
                         "block to instantiate)", entry, ident, outer.via)
            return
        if id(entry) in self.cut:
            return  # closes a block cycle: L011 already
        name = block_name(entry)
        block = self.blocks.get(name) if name is not None else None
        if block is None:
            shown = name if name is not None else text_of(block_entry.value)
            self.problem("L006", f"instance {ident!r}: block {shown!r} does not exist"
                         f"{did_you_mean(shown, self.blocks)}", block_entry.value, ident,
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
                                 f"{param!r}{did_you_mean(param, block.params)}", item, ident,
                                 outer.via)
                    continue
                bindings[param] = self.refs(item.value, outer)
        missing = [p for p in block.params if p not in bindings]
        if missing:
            listed = ", ".join(missing)
            self.problem("L003", f"instance {ident!r}: block {name!r} needs a value for "
                         f"{listed} (with: {{{missing[0]}: ...}})", entry, ident, outer.via)
        via = (*outer.via, Via(ident, name, entry.file or self.file, entry.line, entry.column))
        ctx = Ctx(ident + "/", bindings=bindings, via=via, active=True, fresh=True, block=block)
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
        for key in ("groups", "events"):
            if key in self.top:
                entries[key] = self.top[key]
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
