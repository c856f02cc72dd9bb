"""Node copies of the expansion: every copy keeps its source position and file, and takes the chain.

Copying a value for an instance or a range entry: ``$`` substituted, reference lists
spliced and ranged, the instance's own ids prefixed (a copy is made only where
something changes, or inside an instance, where each copy carries its ``via``).
"""
from __future__ import annotations

from twin.layout.emit import plain_ok
from twin.layout.ranges import WHOLE, Ctx, Rules
from twin.layout.source import YEntry, YMap, YScalar, YSeq, resolve_tag

_STR = "tag:yaml.org,2002:str"


class Copier(Rules):
    """Copies of scalars, any value node and reference fields for a context."""

    def scalar(self, node: YScalar, ctx: Ctx):
        text = node.text
        if ctx.active and "$" in text:
            whole = WHOLE.match(text)
            if whole:
                bound = self.param(whole.group(1), node, ctx)
                if bound is not None:
                    return bound
                return copy_scalar(node, text, ctx.via) if ctx.fresh else node
            text = self.interpolate(text, node, ctx)
        if text is node.text and not ctx.fresh:
            return node
        return copy_scalar(node, text, ctx.via)

    def node(self, node, ctx: Ctx):
        """Copy any value node for ``ctx``; the same node when nothing changes."""
        cls = node.__class__
        if cls is YScalar:
            return self.scalar(node, ctx)
        if cls is YSeq:
            items = [self.node(item, ctx) for item in node.items]
            if not ctx.fresh and all(a is b for a, b in zip(items, node.items, strict=True)):
                return node
            return copy_seq(node, items, ctx.via)
        entries = {}
        changed = ctx.fresh
        for key, entry in node.entries.items():
            value = self.node(entry.value, ctx)
            if value is entry.value and not ctx.fresh:
                entries[key] = entry
            else:
                entries[key] = copy_entry(entry, key, value, ctx.via)
                changed = True
        return copy_map(node, entries, ctx.via) if changed else node

    def refs(self, node, ctx: Ctx):
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
                whole = WHOLE.match(text)
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
                    out.extend(ref_copy(item, self.local(t, ctx), ctx.via)
                               for t, _ in expanded)
                    changed = True
                    continue
            text = self.local(text, ctx)
            if text is item.text and not ctx.fresh:
                out.append(item)
            else:
                out.append(ref_copy(item, text, ctx.via))
                changed = True
        if not changed:
            return node
        if single and len(out) == 1:
            return out[0]
        return copy_seq(node, out, ctx.via)


def copy_scalar(node: YScalar, text: str, via: tuple) -> YScalar:
    if text is node.text:
        made = YScalar(text, node.plain, node.line, node.column, node._tag)
        made._value = node._value
    else:
        made = YScalar(text, node.plain, node.line, node.column,
                       None if node.plain else node._tag)
    made.file, made.via = node.file, via
    return made


def copy_seq(node, items: list, via: tuple) -> YSeq:
    made = YSeq(items, node.line, node.column)
    made.size = getattr(node, "size", len(items) + 1)
    made.file, made.via = node.file, via
    return made


def ref_copy(node: YScalar, text: str, via: tuple) -> YScalar:
    """A copy of a reference with its new text; an id quoted only for its braces or
    ``${...}`` (flow style reserves them) becomes plain when it reads back as the same text."""
    made = copy_scalar(node, text, via)
    if (text is not node.text and not node.plain and node._tag is None and plain_ok(text)
            and resolve_tag(text, True) == _STR):
        made.plain, made._tag = True, _STR
    return made


def copy_map(node: YMap, entries: dict, via: tuple) -> YMap:
    made = YMap(entries, node.line, node.column)
    made.size, made.file, made.via = node.size, node.file, via
    return made


def copy_entry(entry: YEntry, key: str, value, via: tuple) -> YEntry:
    made = YEntry(key, entry.line, entry.column, value)
    made.file, made.via = entry.file, via
    return made
