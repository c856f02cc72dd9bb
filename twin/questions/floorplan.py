"""The HTML report's data model: floor plans, one-line diagrams and N-1 table from a snapshot.

Everything the page shows is computed here, into frozen records; the formatter
(:mod:`twin.reporters.html_reporter`) only turns them into markup.

**Geometry of a floor plan** (metres, drawn to scale): positions run along the row,
left to right, at a pitch of :data:`RACK_WIDTH_M` (0.6 m, a 600 mm rack); a rack is
0.6 m wide and ``footprint_m2 / 0.6`` deep (the default 0.72 m² gives 0.6 × 1.2 m; the
GB300 NVL72's 0.6408 m² gives 0.6 × 1.068 m). A row is as deep as its deepest rack
(1.2 m when empty); the hall's rows are stacked top to bottom in the order the hall
lists them, separated by a :data:`AISLE_M` aisle (1.2 m, docs/sources.md [S39]), with a
:data:`MARGIN_M` margin all round.

**A rack's N-1 margin** (N-K for ``policy.contingency`` K) is the smallest failover
margin, as a fraction of capacity, over every component the rack depends on: its
power feeds and everything upstream of them (``from:``), its cooling units and
everything downstream of them (``to:``). A component's failover margin is
``failover_utilization × capacity − worst load`` over the sweep (as in ``twin
report``), or its normal margin when no failure set loads it (contingency 0). A rack
that some failure set within its contingency takes down (power or cooling), or that
is down in normal operation, is **lost**, whatever the margins say.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from twin.physics.limits import cooling_utilization, failover_limit, over, power_utilization
from twin.physics.sweep import scenario_results
from twin.questions.headroom import HeadroomReport, component_headroom
from twin.questions.margins import (TIE, band_of, chain_minima, component_margins, lost_racks,
                                    tightest)
from twin.questions.oneline import Diagram, diagram

RACK_WIDTH_M = 0.6
DEFAULT_DEPTH_M = 1.2
AISLE_M = 1.2
MARGIN_M = 1.2
#: Drawing scale: PX_PER_M for a few halls, SMALL_PX_PER_M past MANY_HALLS (a campus).
PX_PER_M, SMALL_PX_PER_M, MANY_HALLS = 40.0, 12.0, 6
MAX_PLAN_PX = 1100.0
#: Unplaced racks are drawn in lines of this many.
UNPLACED_PER_LINE = 20
#: Most findings the page lists (the rest are counted).
MAX_FINDINGS = 500
#: Most failure sets the N-1 table lists (the rest are summarised).
MAX_N1_SETS = 30


@dataclass(frozen=True, slots=True)
class RackCell:
    """One rack on a floor plan: where (m), what, and its worst-case margin."""

    id: str
    type: str | None
    it_kw: float
    row: str | None
    pos: int | None
    x_m: float
    y_m: float
    width_m: float
    depth_m: float
    power: tuple[str, ...]
    cooling: tuple[str, ...]
    margin: float | None
    binding: str | None
    binding_scenario: tuple[str, ...]
    lost_under: tuple[str, ...] | None  # the first set that takes it down; () = normal operation
    band: str


@dataclass(frozen=True, slots=True)
class RowOutline:
    name: str
    positions: int
    x_m: float
    y_m: float
    length_m: float
    depth_m: float


@dataclass(frozen=True, slots=True)
class FloorPlan:
    """A hall drawn to scale (``hall`` is ``None`` for the strip of unplaced racks)."""

    hall: str | None
    area_m2: float | None
    width_m: float
    height_m: float
    px_per_m: float
    rows: tuple[RowOutline, ...]
    racks: tuple[RackCell, ...]
    it_kw: float
    scale_bar_m: float  # length of the scale bar drawn in the corner


@dataclass(frozen=True, slots=True)
class N1Row:
    """One failure set that matters: what goes down and what is overloaded."""

    scenario: tuple[str, ...]
    racks_down: tuple[str, ...]
    racks_without_cooling: tuple[str, ...]
    it_lost_kw: float
    overloaded: tuple[tuple[str, float, float], ...]  # (id, utilization, failover limit)
    tightest: str | None
    tightest_margin: float | None
    worst_of: int  # components whose worst case this set is


@dataclass(frozen=True, slots=True)
class N1Summary:
    k: int
    scenarios: int
    with_outages: int
    worst_sets: int
    overload_sets: int
    listed: int


@dataclass(frozen=True, slots=True)
class HtmlReport:
    file: str
    name: str
    basis: str  # "N-1", "N-2" or "normal"
    kpis: dict
    counts: dict
    errors: int
    warnings: int
    findings: tuple  # twin.core.Finding, at most MAX_FINDINGS
    findings_total: int
    floors: tuple[FloorPlan, ...]
    unplaced: FloorPlan | None
    halls: tuple  # twin.questions.headroom.HallHeadroom
    power: Diagram
    cooling: Diagram
    n1: tuple[N1Row, ...]
    n1_summary: N1Summary
    #: The tier the topology reaches (twin.questions.tier.TierReport), when asked.
    tier: object = None


def _rack_cell(r, x, y, depth, chain, lost) -> RackCell:
    b = tightest((*r.power, *r.cooling), chain)
    lost_under = lost.get(r.id)
    margin = b[0] if b else None
    return RackCell(r.id, r.type, r.it_kw, r.row, r.pos, x, y, RACK_WIDTH_M, depth, r.power,
                    r.cooling, margin, b[1] if b else None, tuple(b[2]) if b else (),
                    lost_under, band_of(margin, lost_under is not None))


def _depth_of(r) -> float:
    return r.footprint_m2 / RACK_WIDTH_M if r.footprint_m2 and r.footprint_m2 > 0 \
        else DEFAULT_DEPTH_M


def floor_plans(layout, chain, lost) -> tuple[tuple[FloorPlan, ...], FloorPlan | None]:
    """One plan per hall (file order), and a strip of the racks with no floor position."""
    halls = {h.id: h for h in layout.halls}
    placed: dict[str, dict[str, list]] = {h: {} for h in halls}
    unplaced = []
    for r in layout.racks:
        hall = halls.get(r.hall) if r.hall is not None else None
        if hall is None or r.row is None or r.pos is None or hall.positions_of(r.row) is None:
            unplaced.append(r)
        else:
            placed[r.hall].setdefault(r.row, []).append(r)
    plans = []
    scale = PX_PER_M if len(layout.halls) <= MANY_HALLS else SMALL_PX_PER_M
    for hall in layout.halls:
        rows, cells = [], []
        y = MARGIN_M
        width = 0.0
        for name, positions in hall.rows:
            racks = placed[hall.id].get(name, [])
            depth = max([_depth_of(r) for r in racks] or [DEFAULT_DEPTH_M])
            rows.append(RowOutline(name, positions, MARGIN_M, y, positions * RACK_WIDTH_M, depth))
            for r in racks:
                d = _depth_of(r)
                cells.append(_rack_cell(r, MARGIN_M + (r.pos - 1) * RACK_WIDTH_M,
                                        y + (depth - d) / 2, d, chain, lost))
            width = max(width, max(positions, *(r.pos for r in racks)) * RACK_WIDTH_M)
            y += depth + AISLE_M
        height = y - AISLE_M + MARGIN_M if hall.rows else 2 * MARGIN_M
        plans.append(_plan(hall.id, hall.area_m2, width + 2 * MARGIN_M, height, rows, cells,
                           scale))
    strip = None
    if unplaced:
        cells = []
        for n, r in enumerate(unplaced):
            line, col = divmod(n, UNPLACED_PER_LINE)
            cells.append(_rack_cell(r, MARGIN_M + col * RACK_WIDTH_M * 1.5,
                                    MARGIN_M + line * (DEFAULT_DEPTH_M + AISLE_M / 2),
                                    _depth_of(r), chain, lost))
        lines = (len(unplaced) + UNPLACED_PER_LINE - 1) // UNPLACED_PER_LINE
        cols = min(len(unplaced), UNPLACED_PER_LINE)
        strip = _plan(None, None, 2 * MARGIN_M + cols * RACK_WIDTH_M * 1.5,
                      2 * MARGIN_M + lines * (DEFAULT_DEPTH_M + AISLE_M / 2), [], cells,
                      PX_PER_M)
    return tuple(plans), strip


def _plan(hall, area, width, height, rows, cells, px_per_m) -> FloorPlan:
    scale = min(px_per_m, MAX_PLAN_PX / width) if width > 0 else px_per_m
    return FloorPlan(hall, area, width, height, scale, tuple(rows), tuple(cells),
                     sum(c.it_kw for c in cells), 1.0 if scale >= 30 else 5.0)


# ---------------------------------------------------------------- N-1 table

def n1_table(snapshot, rows) -> tuple[tuple[N1Row, ...], N1Summary]:
    """The failure sets that matter, evaluated one by one, and a summary of the rest.

    Listed, at most :data:`MAX_N1_SETS`, in this order: sets that take racks down (most
    racks first), sets that overload some component (the worst case of a component
    over its failover limit), then the worst case of any component, tightest first.
    """
    sw, net, layout = snapshot.sweep, snapshot.net, snapshot.layout
    policy = layout.policy
    if sw is None or sw.k == 0:
        return (), N1Summary(0, 0, 0, 0, 0, 0)
    outages: dict[tuple, int] = {}
    for o in (*sw.power_outages, *sw.cooling_outages):
        outages[o.scenario] = outages.get(o.scenario, 0) + len(o.racks)
    kind = {c.id: c.kind for c in (*layout.power, *layout.cooling)}
    worst_of: Counter = Counter()
    tight: dict[tuple, float] = {}
    overloading = set()
    for c in rows:
        if not c.worst_scenario or c.worst_utilization is None:
            continue
        s = c.worst_scenario
        worst_of[s] += 1
        frac = c.worst_margin_kw / c.capacity_kw
        tight[s] = min(tight.get(s, frac), frac)
        if over(c.worst_utilization, failover_limit(policy, kind[c.id])):
            overloading.add(s)
    order = sorted(outages, key=lambda s: -outages[s])
    order += sorted((s for s in overloading if s not in outages), key=lambda s: tight[s])
    order += sorted((s for s in tight if s not in outages and s not in overloading),
                    key=lambda s: tight[s])
    chosen = order[:MAX_N1_SETS]
    listed = [_n1_row(net, s, result, worst_of.get(s, 0))
              for s, result in zip(chosen, scenario_results(net, snapshot.normal, chosen))]
    summary = N1Summary(sw.k, sw.scenarios, len(outages), len(tight), len(overloading),
                        len(listed))
    return tuple(listed), summary


def _n1_row(net, scenario, result, worst_of: int) -> N1Row:
    """One failure set's result read: racks lost, overloads, the tightest component."""
    down = [r for r, up in zip(net.rack_ids, result.rack_up, strict=True) if not up]
    hot = [r for r, up, media in zip(net.rack_ids, result.rack_up, result.rack_lost_media,
                                     strict=True) if up and media]
    policy = net.layout.policy
    overloaded, best = [], None
    for ids, kinds, caps, live, utilization in (
            (net.power_ids, net.power_kind, net.power_capacity_kw, result.power_live,
             power_utilization),
            (net.cooling_ids, net.cooling_kind, net.cooling_capacity_kw,
             result.cooling_effective, cooling_utilization)):
        for i, ident in enumerate(ids):
            if caps[i] is None or caps[i] <= 0:
                continue
            u, limit = utilization(net, result, i), failover_limit(policy, kinds[i])
            if over(u, limit):
                overloaded.append((ident, u, limit))
            if live[i] and (best is None or limit - u < best[1] - TIE):
                best = (ident, limit - u)
    rack_kw = dict(zip(net.rack_ids, net.rack_it_kw, strict=True))
    return N1Row(tuple(scenario), tuple(down), tuple(hot), sum(rack_kw[r] for r in down),
                 tuple(overloaded), best[0] if best else None, best[1] if best else None,
                 worst_of)


# ---------------------------------------------------------------- the whole page

def build(snapshot, report, halls: HeadroomReport | None = None, tier=None) -> HtmlReport:
    """The report's model from a clean snapshot (its sweep run) and its validation report."""
    layout = snapshot.layout
    rows = component_headroom(snapshot)
    margins = component_margins(rows)
    chain = chain_minima(snapshot, rows, margins)
    lost = lost_racks(snapshot)
    floors, unplaced = floor_plans(layout, chain, lost)
    n1, summary = n1_table(snapshot, rows)
    k = snapshot.policy_contingency
    findings = tuple(report.findings)
    counts = {"halls": len(layout.halls), "racks": len(layout.racks),
              "power components": len(layout.power), "cooling components": len(layout.cooling),
              "failure sets evaluated": report.scenarios,
              "racks lost under a failure set": sum(1 for s in lost.values() if s)}
    return HtmlReport(
        layout.file, layout.site.name or layout.file.replace("\\", "/").rsplit("/", 1)[-1],
        f"N-{k}" if k else "normal", dict(report.kpis or {}), counts,
        sum(f.severity == "error" for f in findings),
        sum(f.severity == "warning" for f in findings),
        findings[:MAX_FINDINGS], len(findings), floors, unplaced,
        tuple(halls.halls) if halls is not None else (),
        diagram("power", snapshot, rows, chain, lost, margins),
        diagram("cooling", snapshot, rows, chain, lost, margins), n1, summary, tier)
