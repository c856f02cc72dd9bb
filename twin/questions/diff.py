"""Compare two versions of a layout: findings added and removed, KPI deltas, margin changes.

Findings are matched on (code, component, scenario), never on lines, so a change that
only moves text reports nothing. Margins are fractions of capacity, ``limit −
utilization``: in normal operation against ``max_utilization``, under the worst failure
set of the sweep against ``failover_utilization`` (twin.questions.headroom's component rows). Pure:
reads files only through :mod:`twin.api`, prints nothing.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from twin.checks import runner
from twin.checks.tier import assess
from twin.core import Finding
from twin.questions.headroom import component_headroom

#: Margins are compared as shown: in percent of capacity at one decimal. A change that
#: leaves that figure as it was (less than about 0.05 percentage points) is not listed.
MARGIN_DECIMALS = 1


@dataclass(frozen=True, slots=True)
class KpiDelta:
    """One KPI before and after (``None`` when a side has no value)."""

    name: str
    old: float | None
    new: float | None

    @property
    def delta(self) -> float | None:
        return None if self.old is None or self.new is None else self.new - self.old

    @property
    def changed(self) -> bool:
        if self.old is None or self.new is None:
            return self.old is not self.new
        return abs(self.new - self.old) > 1e-9 * max(1.0, abs(self.old))

    def as_dict(self) -> dict:
        return {"name": self.name, "old": self.old, "new": self.new, "delta": self.delta}


@dataclass(frozen=True, slots=True)
class MarginChange:
    """A component whose margin changed, or that was added or removed.

    Margins are fractions of capacity (``limit − utilization``; negative: over the
    limit); ``None`` when the component has no capacity or no failure set loads it.
    """

    component: str
    kind: str
    status: str  # changed, added, removed
    old_margin: float | None = None
    new_margin: float | None = None
    old_worst_margin: float | None = None
    new_worst_margin: float | None = None
    old_worst_scenario: tuple[str, ...] = ()
    new_worst_scenario: tuple[str, ...] = ()

    @property
    def margin_changed(self) -> bool:
        return _moved(self.old_margin, self.new_margin)

    @property
    def worst_margin_changed(self) -> bool:
        return _moved(self.old_worst_margin, self.new_worst_margin)

    def as_dict(self) -> dict:
        return {"component": self.component, "kind": self.kind, "status": self.status,
                "old_margin": self.old_margin, "new_margin": self.new_margin,
                "old_worst_margin": self.old_worst_margin,
                "new_worst_margin": self.new_worst_margin,
                "old_worst_scenario": list(self.old_worst_scenario),
                "new_worst_scenario": list(self.new_worst_scenario)}


@dataclass(frozen=True, slots=True)
class LayoutDiff:
    """What changed from ``old`` to ``new``.

    ``contingency`` is the failure-set size of the new layout's sweep (1 for N-1);
    ``old_clean``/``new_clean``: the layout loaded without L findings or a cycle, so it
    has KPIs and margins (margins are compared only when both are clean).
    """

    old_file: str
    new_file: str
    added: tuple[Finding, ...]
    removed: tuple[Finding, ...]
    kpis: tuple[KpiDelta, ...]
    margins: tuple[MarginChange, ...]
    contingency: int
    old_clean: bool
    new_clean: bool
    #: The Uptime Tier each side reaches (twin.checks.tier), ``None`` when not evaluated.
    old_tier: int | None = None
    new_tier: int | None = None

    @property
    def tier_change(self) -> str | None:
        """``lowered``, ``raised`` or ``unchanged``; ``None`` when a side has no tier."""
        if self.old_tier is None or self.new_tier is None:
            return None
        return ("lowered" if self.new_tier < self.old_tier else
                "raised" if self.new_tier > self.old_tier else "unchanged")

    @property
    def adds_error(self) -> bool:
        """True when the new layout has an error finding the old one did not."""
        return any(f.severity == "error" for f in self.added)

    def as_dict(self) -> dict:
        return {"old": self.old_file, "new": self.new_file, "adds_error": self.adds_error,
                "added": [f.as_dict() for f in self.added],
                "removed": [f.as_dict() for f in self.removed],
                "kpis": [k.as_dict() for k in self.kpis],
                "margins": [m.as_dict() for m in self.margins],
                "contingency": self.contingency,
                "old_clean": self.old_clean, "new_clean": self.new_clean,
                "old_tier": self.old_tier, "new_tier": self.new_tier,
                "tier_change": self.tier_change}


def _moved(old: float | None, new: float | None) -> bool:
    if old is None or new is None:
        return (old is None) != (new is None)
    return _shown(old) != _shown(new)


def _shown(margin: float) -> float:
    """The margin as the text report shows it: percent, rounded to MARGIN_DECIMALS."""
    return round(round(margin * 100, 6), MARGIN_DECIMALS) + 0.0  # + 0.0: no -0.0


def _key(f: Finding) -> tuple:
    return (f.code, f.component, f.scenario)


def match_findings(old, new) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    """``(added, removed)``: findings of ``new`` not in ``old`` and the reverse.

    Matched on (code, component, scenario), as a multiset; among several findings with
    one key, those with the same message pair first.
    """
    def unmatched(mine, theirs) -> list[Finding]:
        exact = Counter((*_key(f), f.message) for f in theirs)
        rest = []
        for f in mine:
            k = (*_key(f), f.message)
            if exact[k]:
                exact[k] -= 1
            else:
                rest.append(f)
        loose = Counter(k[:3] for k, n in exact.items() for _ in range(n))
        out = []
        for f in rest:
            if loose[_key(f)]:
                loose[_key(f)] -= 1
            else:
                out.append(f)
        return out

    return tuple(unmatched(new, old)), tuple(unmatched(old, new))


def _rows(report: runner.Report):
    """Component headroom rows by id, or ``None`` when the physics did not run (L findings
    or a cycle)."""
    snap = report.snapshot
    if snap is None:
        return None
    return {c.id: c for c in component_headroom(snap)}, snap.policy_contingency


def _fraction(kw: float | None, capacity_kw: float | None) -> float | None:
    return None if kw is None or not capacity_kw else kw / capacity_kw


def compare(old: runner.Loaded, new: runner.Loaded, *, contingency: int | None = None) -> LayoutDiff:
    """Diff two loaded layouts; ``contingency`` overrides both policies (0, 1 or 2)."""
    old_report = runner.validate(old, contingency=contingency)
    new_report = runner.validate(new, contingency=contingency)
    added, removed = match_findings(old_report.findings, new_report.findings)
    names = list(dict.fromkeys([*(old_report.kpis or {}), *(new_report.kpis or {})]))
    kpis = tuple(KpiDelta(n, (old_report.kpis or {}).get(n), (new_report.kpis or {}).get(n))
                 for n in names)
    old_rows, new_rows = _rows(old_report), _rows(new_report)
    margins: list[MarginChange] = []
    k = new_rows[1] if new_rows else (old_rows[1] if old_rows else 0)
    if old_rows and new_rows:
        before, after = old_rows[0], new_rows[0]
        for ident, a in after.items():
            b = before.get(ident)
            new_m = _fraction(a.margin_kw, a.capacity_kw)
            new_w = _fraction(a.worst_margin_kw, a.capacity_kw)
            if b is None:
                margins.append(MarginChange(ident, a.kind, "added", None, new_m, None, new_w,
                                            (), a.worst_scenario))
                continue
            change = MarginChange(ident, a.kind, "changed",
                                  _fraction(b.margin_kw, b.capacity_kw), new_m,
                                  _fraction(b.worst_margin_kw, b.capacity_kw), new_w,
                                  b.worst_scenario, a.worst_scenario)
            if change.margin_changed or change.worst_margin_changed:
                margins.append(change)
        for ident, b in before.items():
            if ident not in after:
                margins.append(MarginChange(
                    ident, b.kind, "removed", _fraction(b.margin_kw, b.capacity_kw), None,
                    _fraction(b.worst_margin_kw, b.capacity_kw), None, b.worst_scenario))
    return LayoutDiff(old.file, new.file, added, removed, kpis, tuple(margins), k,
                      old_rows is not None, new_rows is not None,
                      _tier(old_report), _tier(new_report))


def _tier(report: runner.Report) -> int | None:
    """The Uptime Tier the report's snapshot reaches, ``None`` when the physics did not run."""
    return None if report.snapshot is None else assess(report.snapshot).tier
