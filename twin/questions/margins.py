"""Margins for the HTML report: each component's worst-case margin, its chain's tightest, bands.

A component's margin is a fraction of its capacity: ``failover_utilization × capacity −
worst load`` over the sweep (as in ``twin report``), or its normal margin when no
failure set loads it. A rack's margin is the tightest over everything it depends on: its
power feeds and everything upstream of them (``from:``), its cooling units and everything
downstream of them (``to:``). The figures come from the headroom rows
(:func:`twin.questions.headroom.component_headroom`), which ask the physics limits.
"""
from __future__ import annotations

from twin.questions.headroom import ComponentHeadroom

#: Margin bands, as (band, lowest margin fraction): the first band whose bound the
#: margin reaches; below 0 is ``over``.
BANDS = (("ample", 0.25), ("moderate", 0.10), ("tight", 0.0))
BAND_NAMES = ("lost", "over", "tight", "moderate", "ample", "unknown")

#: Margins closer than this (a fraction of capacity) are a tie: the first one is named.
TIE = 1e-9


def band_of(margin: float | None, lost: bool = False) -> str:
    """The colour band of a margin fraction (``lost`` wins over any margin)."""
    if lost:
        return "lost"
    if margin is None:
        return "unknown"
    for name, low in BANDS:
        if margin >= low:
            return name
    return "over"


def component_margins(rows: tuple[ComponentHeadroom, ...]) -> dict[str, float | None]:
    """Each component's worst-case margin as a fraction of capacity (``None``: uncapped)."""
    out = {}
    for c in rows:
        if c.capacity_kw is None or c.capacity_kw <= 0:
            out[c.id] = None
        elif c.worst_margin_kw is not None:
            out[c.id] = c.worst_margin_kw / c.capacity_kw
        else:
            out[c.id] = c.margin_kw / c.capacity_kw
    return out


def chain_minima(snapshot, rows, margins):
    """Per component, (margin, id, scenario) of the tightest one in its dependency chain.

    Power: itself and everything upstream (``from:``). Cooling: itself and everything
    downstream (``to:``). Ties go to the component met first (itself, then file order).
    """
    layout, net = snapshot.layout, snapshot.net
    info = {c.id: c for c in rows}

    def own(ident):
        m = margins.get(ident)
        return None if m is None else (m, ident, info[ident].worst_scenario)
    best: dict[str, tuple | None] = {}
    for i in net.power_order:  # upstream first
        c = layout.power[i]
        best[c.id] = lowest([own(c.id), *(best[s] for s in c.sources)])
    for j in reversed(net.heat_order):  # heat sinks first
        u = layout.cooling[j]
        best[u.id] = lowest([own(u.id), *(best[t] for t in u.to)])
    return best


def lowest(cands):
    """The candidate (margin, id, scenario) with the lowest margin; the first on ties."""
    best = None
    for c in cands:
        if c is not None and (best is None or c[0] < best[0] - TIE):
            best = c
    return best


def lost_racks(snapshot) -> dict[str, tuple[str, ...]]:
    """Rack id → the first failure set that takes it down; () when down in normal operation."""
    net, normal, sw = snapshot.net, snapshot.normal, snapshot.sweep
    lost: dict[str, tuple[str, ...]] = {}
    for r, up, media in zip(net.rack_ids, normal.rack_up, normal.rack_lost_media, strict=True):
        if not up or media:
            lost[r] = ()
    if sw is not None:
        for o in (*sw.power_outages, *sw.cooling_outages):
            for r in o.racks:
                lost.setdefault(r, o.scenario)
    return lost


def tightest(ids, chain):
    """The tightest of the chains of ``ids`` (a rack's feeds and units): (margin, id, scenario)."""
    return lowest([chain.get(i) for i in ids])
