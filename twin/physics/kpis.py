"""KPIs of a scenario (SPEC section 9) at design load, and the same at typical rack power.

Read from one :class:`FlowResult`; a KPI without its inputs is ``None``.
"""
from __future__ import annotations

import dataclasses

from twin.physics.flow import FlowResult, Network, evaluate

KPI_NAMES = ("it_kw", "facility_kw", "pue", "cooling_kw", "losses_kw", "tokens_per_s",
             "tokens_per_s_per_mw", "energy_usd_per_mtok", "external_kw")
#: Extension: the same flow engine with every rack at its ``typical_kw`` (else ``it_kw``).
TYPICAL_KPI_NAMES = ("typical_it_kw", "typical_facility_kw", "typical_pue")


def facility_kw(net: Network, result: FlowResult):
    """Facility power: what the sources deliver plus the draw of units with no feed, kW.

    Any load type of ``result`` (a number, or an hourly load of twin.physics.hourly).
    """
    sources = sum(out for out, src in zip(result.power_out_kw, net.power_is_source) if src)
    return sources + result.unfed_cooling_kw


def kpis(net: Network, result: FlowResult) -> dict[str, float | None]:
    """KPIs of one evaluated scenario, in SPEC order, then ``external_kw``.

    ``external_kw`` is the draw of the units fed from outside the chain (``power:
    external``), which ``facility_kw`` includes; a layout that loads clean has no other
    unit without a feed that draws power.

    ``it_kw`` and ``tokens_per_s`` count the racks that are up for power (in normal
    operation, every fed rack); ``tokens_per_s`` is ``None`` when no rack gives it.
    """
    layout = net.layout
    it_kw = sum(kw for kw, up in zip(net.rack_it_kw, result.rack_up) if up)
    facility = facility_kw(net, result)
    cooling_kw = sum(result.cooling_draw_kw)
    losses_kw = sum(inp - out for inp, out, src in
                    zip(result.power_in_kw, result.power_out_kw, net.power_is_source) if not src)
    rated = [r.tokens_per_s for r, up in zip(layout.racks, result.rack_up)
             if up and r.tokens_per_s is not None]
    tokens = sum(rated) if rated else None
    price = layout.site.electricity_usd_per_mwh
    per_mw = tokens / (facility / 1000.0) if tokens is not None and facility > 0 else None
    usd_per_mtok = None
    if tokens and price is not None:
        usd_per_s = facility / 1000.0 * price / 3600.0
        usd_per_mtok = usd_per_s / (tokens / 1e6)
    return {
        "it_kw": it_kw,
        "facility_kw": facility,
        "pue": facility / it_kw if it_kw > 0 else None,
        "cooling_kw": cooling_kw,
        "losses_kw": losses_kw,
        "tokens_per_s": tokens,
        "tokens_per_s_per_mw": per_mw,
        "energy_usd_per_mtok": usd_per_mtok,
        "external_kw": result.unfed_cooling_kw,
    }


def at_typical_power(net: Network) -> Network:
    """``net`` with every rack at its typical power (``typical_kw``, else ``it_kw``).

    Liquid and air heat keep each rack's ``liquid_fraction``; everything else (feeds,
    units, capacities) is unchanged, so :func:`twin.physics.flow.evaluate` applies the same rules.
    """
    racks = net.layout.racks
    typical = tuple(r.typical_kw if r.typical_kw is not None else r.it_kw for r in racks)
    pairs = tuple(zip(typical, racks, strict=True))
    return dataclasses.replace(
        net, rack_it_kw=typical,
        rack_liquid_kw=tuple(t * r.liquid_fraction for t, r in pairs),
        rack_air_kw=tuple(t * (1.0 - r.liquid_fraction) for t, r in pairs))


def typical_kpis(net: Network) -> dict[str, float | None]:
    """``typical_it_kw``, ``typical_facility_kw`` and ``typical_pue``, normal operation.

    The flow engine evaluates the layout with every rack at its typical power; the
    design-load KPIs (``it_kw`` and the rest) and every check keep using ``it_kw``.
    """
    typical = at_typical_power(net)
    k = kpis(typical, evaluate(typical))
    return {"typical_it_kw": k["it_kw"], "typical_facility_kw": k["facility_kw"],
            "typical_pue": k["pue"]}
