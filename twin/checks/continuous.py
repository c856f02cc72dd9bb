"""R008: continuous cooling through a utility outage (docs/format.md, "Continuous cooling").

Runs when ``policy.continuous_cooling`` is true or ``policy.tier`` is 4. The outage is
the one model of :mod:`twin.physics.outage`: every utility lost at t = 0, generators
carrying load from their ``start_s``, only what is behind a UPS live before that. A
rack that stays up on its UPS and loses a medium's cooling for longer than its
``ride_through_s`` (and still has power then) overheats; each component that keeps it
so (a rack-facing unit or loop whose power is not behind a UPS that lasts, or is
``power: external``; a unit whose heat goes to ``to: external``; a heat-rejection unit
or crac whose power gap and restart the storage on the loops before it does not
bridge) is one finding, at its id,
with the racks, the window, the heat, the storage and the fix.
"""
from __future__ import annotations

from collections.abc import Iterator

from twin.checks import Check, Hit
from twin.layout.model import order_key
from twin.physics.outage import INF, Cause, outage, overheating, storage_needs

_SHOWN = 5


def _s(value: float) -> str:
    return "never" if value == INF else f"{value:,.4g} s" if value < 1e4 else f"{value:,.0f} s"


def _kwh(value: float) -> str:
    return f"{value:,.1f} kWh" if value >= 0.1 or value == 0.0 else f"{value:.3g} kWh"


def _racks(names: list[str]) -> str:
    return ", ".join(names[:_SHOWN]) + (f" and {len(names) - _SHOWN} more"
                                        if len(names) > _SHOWN else "")


def check_continuous_cooling(s) -> Iterator[Hit]:
    """R008: a component that leaves racks on UPS without cooling past their ride-through
    during a utility outage; nothing unless the policy asks for continuous cooling."""
    layout = s.layout
    if not layout.policy.checks_continuous_cooling:
        return
    net = s.net
    if "utility" not in net.power_kind:
        return  # nothing to lose
    o = outage(net)
    by_unit: dict[int, list[Cause]] = {}
    for cause in overheating(net, o):
        by_unit.setdefault(cause.j, []).append(cause)
    for j in sorted(by_unit, key=lambda j: order_key(layout.cooling[j].loc)):
        yield _hit(net, o, j, by_unit[j])


def _hit(net, o, j: int, causes: list[Cause]) -> Hit:
    layout = net.layout
    unit = layout.cooling[j]
    racks: list[int] = []
    heat: dict[tuple[int, str], float] = {}
    for c in causes:
        if c.rack not in racks:
            racks.append(c.rack)
        heat[(c.rack, c.medium)] = (net.rack_liquid_kw[c.rack] if c.medium == "liquid"
                                    else net.rack_air_kw[c.rack])
    racks.sort()
    names = [net.rack_ids[k] for k in racks]
    media = [m for m in ("liquid", "air") if any(c.medium == m for c in causes)]
    rides = sorted({o.rack_ride_through_s[k] for k in racks})
    ride = _s(rides[0]) if len(rides) == 1 else f"{_s(rides[0])} to {_s(rides[-1])}"
    v = o.view(max(c.until_s for c in causes))
    power, restart = v.cooling_power_s[j], v.cooling_restart_s[j]
    window = power + restart
    outside = o.outside_back_s
    gens = ("the layout has no generator to bring it back" if outside == INF else
            f"back at {_s(outside)}, when the site's generators carry the load (the latest "
            "start_s)")
    if window <= min(c.limit_s for c in causes) + 1e-9 and unit.to_external:
        # its own power is in time: the plant outside the layout is not
        window = outside
        when = (f"sends its heat outside the layout (`to: external`), to a plant taken as "
                f"lost with the utility and {gens}")
    elif power == INF:
        when = ("is not powered at all during a utility outage: " + (
            f"its `power: external` is taken as lost with the utility and {gens}"
            if unit.power_external else "no UPS or generator is behind its `power:`"))
    else:
        if unit.power_external:
            src = f"its `power: external` is taken as lost with the utility and {gens}"
        elif 0.0 < o.cooling_until_s[j] < INF:
            src = ("the UPS behind its `power:` runs out before the generators carry the "
                   "load (P003), so it is counted without power until they do (start_s)")
        else:
            src = ("its `power:` is behind no UPS and returns when the generators carry "
                   "the load (start_s)")
        when = f"is not powered for the first {_s(power)} of a utility outage: {src}"
        if restart > 0.0:
            when += (f", and it needs restart_s {_s(restart)} more: it cools again only "
                     f"{_s(window)} into the outage")
    text = (f"{unit.kind} {unit.id} {when}; {len(racks)} rack(s) on UPS lose "
            f"{' and '.join(media)} cooling for longer than their ride_through_s "
            f"({ride}) and overheat: {_racks(names)} ({sum(heat.values()):,.1f} kW of heat)")
    fixes = [f"put {unit.id}'s power behind a UPS"]
    data = [("window_s", window), ("heat_kw", sum(heat.values()))]
    loops = storage_needs(net, o, causes)
    if loops:
        parts, adds = [], []
        for L, need, gap in loops:
            lid = net.cooling_ids[L]
            have = o.storage_kwh[L]
            parts.append(f"loop {lid} stores {_kwh(have)} and must absorb "
                         f"{o.cooling_heat_kw[L]:,.1f} kW for {_s(gap)}: {_kwh(need)} "
                         f"({o.cooling_heat_kw[L]:,.1f} kW × {gap:,.4g} s / 3600)")
            adds.append(f"add {_kwh(need - have)} of storage to loop {lid}")
        text += "; " + "; ".join(parts)
        fixes += adds
        data += [("storage_kwh", sum(o.storage_kwh[L] for L, _, _ in loops)),
                 ("needed_kwh", sum(need for _, need, _ in loops))]
    if restart > 0.0:
        allowed = min(c.limit_s for c in causes) - power
        if allowed >= 0.0:
            fixes.append(f"a faster restart (restart_s {_s(allowed)} or less)")
    text += "; fix: " + ", or ".join(fixes)
    return Hit(unit.id, text, scenario=o.utilities, racks=tuple(names), data=tuple(data))


_F = "resilience"
CHECKS = (
    Check("R008", "cooling-interrupted", "error", _F,
          "in a utility outage, racks on UPS lose cooling for longer than their "
          "`ride_through_s` (`continuous_cooling` or `tier: 4`)", check_continuous_cooling,
          needs=("normal",),
          unasked=lambda layout: None if layout.policy.checks_continuous_cooling else
          "not asked: `policy.continuous_cooling` is not true and `policy.tier` is not 4"),
)
