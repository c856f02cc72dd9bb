"""R008: continuous cooling through a utility outage (docs/format.md, "Continuous cooling").

Runs when ``policy.continuous_cooling`` is true or ``policy.tier`` is 4. The outage is
the one model of :mod:`twin.physics.outage`: every utility lost at t = 0, generators
carrying load from their ``start_s``, only what is behind a UPS live before that. A
rack that stays up on its UPS and loses a medium's cooling for longer than its
``ride_through_s`` overheats; each component that keeps it so (a rack-facing unit or
loop whose power is not behind a UPS, a heat-rejection unit whose power gap and
restart the storage on the loops before it does not bridge) is one finding, at its id,
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
    power, restart = o.cooling_power_s[j], o.cooling_restart_s[j]
    window = power + restart
    if power == INF:
        when = ("is not powered at all during a utility outage: no UPS or generator is "
                "behind its `power:`")
    elif restart > 0.0:
        when = (f"cools again only {_s(window)} into a utility outage: its power returns "
                f"at {_s(power)}, when the generators carry the load (start_s), and it "
                f"needs restart_s {_s(restart)} more")
    else:
        when = (f"is not powered for the first {_s(power)} of a utility outage: its "
                "`power:` is behind no UPS and returns when the generators carry the load "
                "(start_s)")
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
          needs=("normal",)),
)
