"""``twin tier``: the Uptime Tier a layout's topology reaches, and what stands before the next.

The rules and their sources are :mod:`twin.checks.tier` (docs/format.md, "Tiers"); this
module places each unmet rule of the next tier up at its component's line (or at
``policy.tier``, ``policy:`` or the file's first line when it names no component).
Pure: prints nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

from twin.checks.tier import NAMES, Assessment, Unmet, assess, name
from twin.core import Finding
from twin.layout.model import policy_key


@dataclass(frozen=True, slots=True)
class PlacedRule:
    """An unmet rule with where to point: the component's line, or ``policy.tier``'s."""

    tier: int
    rule: str
    component: str | None
    message: str
    file: str
    line: int
    column: int
    via: tuple = ()

    def as_dict(self) -> dict:
        return {"tier": self.tier, "rule": self.rule, "component": self.component,
                "file": self.file, "line": self.line, "column": self.column,
                "message": self.message}


@dataclass(frozen=True, slots=True)
class TierReport:
    """One layout's tier. ``assessment`` is ``None`` when the layout could not be evaluated
    (its L findings or a cycle are in ``findings``); ``unmet`` holds the unmet rules of the
    next tier up, placed."""

    file: str
    assessment: Assessment | None
    unmet: tuple[PlacedRule, ...] = ()
    findings: tuple[Finding, ...] = ()

    @property
    def tier(self) -> int | None:
        return None if self.assessment is None else self.assessment.tier

    @property
    def evaluated(self) -> bool:
        return self.assessment is not None

    def as_dict(self) -> dict:
        t = self.tier
        names = NAMES.get(t or 0)
        return {"file": self.file, "tier": t,
                "name": None if t is None else name(t),
                "tia_942": names[1] if names else None,
                "en_50600": names[2] if names else None,
                "next_tier": None if self.assessment is None else self.assessment.next_tier,
                "unmet": [u.as_dict() for u in self.unmet],
                "findings": [f.as_dict() for f in self.findings]}


def placed(layout, u: Unmet) -> PlacedRule:
    """``u`` at its component's line, else at ``policy.tier``, ``policy:`` or line 1."""
    loc = None
    if u.component is not None:
        loc = layout.loc_of(u.component)
    for key in (policy_key("tier"), policy_key()):
        if loc is None:
            loc = layout.loc_of(key)
    if loc is None:
        return PlacedRule(u.tier, u.rule, u.component, u.message, layout.file, 1, 1)
    return PlacedRule(u.tier, u.rule, u.component, u.message, loc.file or layout.file,
                      loc.line, loc.column, loc.via)


def ask(snapshot) -> TierReport:
    """The tier of an evaluated snapshot, with the next tier's unmet rules placed."""
    a = assess(snapshot)
    return TierReport(snapshot.layout.file, a,
                      tuple(placed(snapshot.layout, u) for u in a.next_unmet))
