"""Block definitions and what they make, counted before anything is expanded.

Blocks are read and checked for cycles (L011); then the nodes, racks, components and
block instances every top-level entry will make are counted (numbers only, once per
block and per binding that can change its keys), so a block bomb is refused (L001)
at the line that asks for too much before a single node is copied.
"""
from __future__ import annotations

from twin.layout.copies import Copier
from twin.layout.ranges import (
    BLOCK_KEYS, IDENT, MAX_NESTING, RANGE, SECTIONS, Ctx, did_you_mean, names_in, names_in_node,
    shape, text_of, where,
)
from twin.layout.scalars import id_problem
from twin.layout.source import Limits, Problem, YEntry, YMap, YScalar, YSeq

#: What the expansion limits count: (what, flag, Limits field), in the order of a tally.
COUNTED = (("nodes", "--max-nodes", "max_nodes"), ("racks", "--max-racks", "max_racks"),
            ("components (power, cooling and halls)", "--max-components", "max_components"),
            ("block instances", "--max-instances", "max_instances"))
FIELDS = tuple(field for _, _, field in COUNTED)


def flat_over(tree: YMap, limits: Limits) -> Problem | None:
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
                what, flag, field = COUNTED[over]
                return Problem("L001", f"the layout has more than {getattr(limits, field):,} "
                               f"{what}; raise the limit with {flag} if this is intended",
                               item.line, item.column, key, item.file)
    return None


class Over(Exception):
    """A tally passed a limit: ``kind`` indexes :data:`COUNTED`."""

    def __init__(self, kind: int):
        super().__init__(kind)
        self.kind = kind


class Block:
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


class Tally(Copier):
    """Block definitions (``blocks:``), their cycles, and the count of what they make."""

    def define_blocks(self, entry: YEntry) -> None:
        body = self.mapping(entry, "blocks")
        if body is None:
            return
        for name, item in body.entries.items():
            first = self.blocks.get(name)
            if first is not None:
                self.problem("L005", f"duplicate block {name!r} (first at "
                             f"{where(first.entry, self.file)})", item, name)
                continue
            block = Block(name, item)
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
                    hint = did_you_mean(key, BLOCK_KEYS)
                    if key in ("twin", "site", "policy", "catalog", "include", "blocks"):
                        hint = f" ({key!r} belongs at the top of a layout, not in a block)"
                    self.problem("L002", f"unknown key {key!r} in block {name!r}{hint}", part, name)

    def params(self, block: Block, entry: YEntry) -> None:
        raw = entry.value
        items = raw.items if isinstance(raw, YSeq) else [] if (
            isinstance(raw, YScalar) and raw.is_null) else [raw]
        for item in items:
            if not (isinstance(item, YScalar) and IDENT.match(item.text)):
                self.problem("L004", f"block {block.name!r}: params: {text_of(item)!r} is not a "
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
                                     "may not contain itself", block_node(entry), inst)
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
                    target = block_name(entry)
                    if target in self.blocks:
                        yield inst, entry, target
    def find_counted(self) -> None:
        """Each block's ``counted`` params: written in one of its keys, or passed to a
        counted param of a nested block (to a fixed point: blocks may be in any order)."""
        for block in self.blocks.values():
            names: set[str] = set()
            for _key, mapping in block.parts:
                for key in mapping.entries:
                    if "$" in key:
                        names.update(names_in(key))
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
                        names = set().union(*(names_in_node(value) for value in passed.values()))
                        grown = block.counted | (names & block.params.keys())
                        if grown != block.counted:
                            block.counted, changed = frozenset(grown), True

    def passed(self, entry: YEntry) -> dict | None:
        """The ``with:`` values an instance entry binds to counted params of its block."""
        block = self.blocks.get(block_name(entry))
        if block is None or not block.counted or id(entry) in self.cut:
            return None
        given = entry.value.entries.get("with")
        if given is None or given.value.__class__ is not YMap:
            return None
        return {param: item.value for param, item in given.value.entries.items()
                if param in block.counted}

    def tally_layout(self) -> Problem | None:
        """L001 at the first top-level entry (a range, an instance or a block use) that takes
        the layout past a limit of :data:`COUNTED`, counted without copying a node;
        ``None`` when the layout fits."""
        totals = [0] * len(COUNTED)
        ctx = Ctx()
        self.quiet = True
        try:
            for action in self.actions:
                sort, mapping = ("instances", action[1]) if action[0] == "instances" else (
                    action[1], action[2])
                for key, entry in mapping.entries.items():
                    try:
                        made = self.tally_entry(sort, key, entry, ctx, 0)
                    except Over as over:
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
        what, flag, field = COUNTED[kind]
        limit = getattr(self.limits, field)
        name = block_name(entry) if sort == "instances" else None
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

    def tally_entry(self, sort: str, key: str, entry: YEntry, ctx: Ctx, depth: int) -> tuple:
        """What one key of a section or of ``instances`` makes, as counted in :data:`COUNTED`."""
        text = self.key_text(key, entry, ctx) if ctx.active and "$" in key else key
        n = self.range_size(text)
        if sort != "instances":
            nodes = n * (getattr(entry.value, "size", 1) + 1 + self.growth(entry.value))
            return (nodes, n, 0, 0) if sort == "racks" else (nodes, 0, n, 0)
        made = (n, 0, 0, n)  # an instance is one node, whatever it makes
        if (n == 0 or "/" in text or id_problem(RANGE.sub("0", text)) is not None
                or len(text) > self.limits.max_id_length):
            return made  # refused at its key (L004): it makes nothing more
        use = self.uses.get(id(entry))
        if use is None:
            block = None if id(entry) in self.cut or entry.value.__class__ is not YMap else (
                self.blocks.get(block_name(entry)))
            passed = self.passed(entry) or {}
            use = self.uses[id(entry)] = (block, passed, any(
                "i" in names_in_node(value) for value in passed.values()))
        block, passed, by_index = use
        if block is None:
            return made
        if depth >= min(self.limits.max_depth, MAX_NESTING):
            self.depth_cuts += 1
            return made
        self.deepest = max(self.deepest, depth)
        indexes = ([index for _, index in self.range_of(text, entry, ctx, "instance")]
                   if "{" in text and len(RANGE.findall(text)) == 1 else [None])
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
                raise Over(kind)

    def tally_block(self, block: Block, bindings: dict, depth: int) -> tuple:
        """What one instance of ``block`` makes, cached by the block and the values of its
        counted params."""
        key = (block.name, tuple(shape(bindings.get(p)) for p in sorted(block.counted)))
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
        ctx = Ctx(bindings=bindings, active=True, block=block)
        totals = [0] * len(COUNTED)
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


def block_node(entry: YEntry):
    body = entry.value
    if isinstance(body, YMap) and "block" in body.entries:
        return body.entries["block"].value
    return entry


def block_name(entry: YEntry) -> str | None:
    node = block_node(entry)
    if node is entry or not isinstance(node, YScalar) or node.is_null:
        return None
    return node.text
