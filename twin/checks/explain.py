"""What an R001 or R003 finding shows besides its line: where the racks' paths meet.

A finding under a failure set points at the failed component (the symptom); the line a
designer changed is usually elsewhere: both PDUs of a rack written ``from: ups-a``. For
each finding listed, :func:`with_related` adds the entries where the affected racks'
paths meet at the failure (:func:`twin.physics.meet.meeting_edges`) as related
locations: the file, line and column of the id in the ``from:``, ``power:``, ``to:`` or
``cooling:`` list, and a short message. Computed for the findings listed, not for every
failure set, so a clean layout pays nothing.
"""
from __future__ import annotations

import dataclasses

from twin.checks import when_failing
from twin.core import MAX_RELATED, Finding, Related
from twin.layout.model import Layout, order_key
from twin.physics.meet import Index, meeting_edges

#: What each reference field says, for the related location's message.
_RELATION = {"from": "{b} takes power from {a}", "rack-power": "rack {b} takes power from {a}",
             "power": "{b} takes power from {a}", "to": "{b} sends its heat to {a}",
             "cooling": "rack {b} is cooled by {a}"}


def related_of(ix: Index, finding: Finding) -> tuple[list[Related], int]:
    """The related locations of one R001 or R003 finding (file order, at most
    :data:`MAX_RELATED`) and how many more there are."""
    failed = set(finding.scenario)
    found = []
    for a, b, field, paths in meeting_edges(ix, finding.scenario, finding.racks,
                                             finding.code == "R003"):
        why = "which fails" if a in failed else f"which is down {when_failing(finding.scenario)}"
        found.append(_related(ix.layout, a, b, field, why, paths))
    found.sort(key=lambda pair: pair[0])
    shown = [r for _, r in found[:MAX_RELATED]]
    return shown, max(0, len(found) - MAX_RELATED)


def _related(layout: Layout, a: str, b: str, field: str, why: str, paths: int):
    written = "power" if field == "rack-power" else field
    loc = (layout.ref_loc(b, written, a) or layout.loc_of(f"{b}.{written}")
           or layout.loc_of(b))
    text = f"{_RELATION[field].format(a=a, b=b)}, {why}"
    if paths > 1:
        text += f": {paths} paths to the racks meet here"
    if loc is None:
        return (float("inf"), text), Related(layout.file, 1, 1, text)
    return (order_key(loc), text), Related(loc.file, loc.line, loc.column, text, loc.via)


def with_related(findings, layout: Layout) -> tuple[Finding, ...]:
    """``findings`` with their related locations filled in (R001 and R003)."""
    ix = None
    out = []
    for f in findings:
        if f.code in ("R001", "R003") and f.racks and f.scenario:
            ix = ix or Index(layout)
            related, more = related_of(ix, f)
            if related:
                f = dataclasses.replace(f, related=tuple(related), related_more=more)
        out.append(f)
    return tuple(out)


def loop_note(layout: Layout, scenario) -> str:
    """For an R003 message whose failure set holds a loop: that loops are failable unless
    they say otherwise, and how to write a header that is not a single path."""
    loops = [u for u in layout.cooling if u.kind == "loop" and u.id in scenario]
    if not loops:
        return ""
    names = " and ".join(u.id for u in loops)
    how = ("failable by default (a loop fails like any unit unless it says "
           "`failable: false`)" if all(layout.loc_of(f"{u.id}.failable") is None for u in loops)
           else "marked `failable: true`")
    example = loops[0].id
    return (f"; loop {names} {'is' if len(loops) == 1 else 'are'} {how}: if it is passive piping "
            "the design accepts as a single path, write `failable: false` on it; otherwise give "
            "a redundant header: two loops, each unit listing both in `to:` (e.g. "
            f"`to: [{example}-a, {example}-b]`)")
