"""The utility-outage model of R008 (docs/format.md, "Continuous cooling").

Every ``utility`` is lost at t = 0 and does not return within the outage. Times are in
seconds from that moment; ``inf`` is "not within the outage".

1. **Power back.** Each power component gets the time from which it is live again:
   a utility never (``inf``); a generator at its ``start_s`` (default 10 s, NFPA 110
   Type 10); a ``ups`` at 0, live throughout (its battery carries the gap; P003 checks
   how long); any other distribution component at the *earliest* of its sources under
   ``transfer`` (the switch takes the first source that is live) and at the *latest*
   of the sources that return under ``share`` (a paralleling bus takes load once every
   set it shares the load over runs); ``inf`` when none returns.
2. **Racks that stay up.** A rack stays up when at least ``min_feeds`` of its feeds are
   live at 0 (behind a UPS). Only those make heat in the window; the others go down with
   the grid, which R008 does not report.
3. **Window heat.** The load flow of normal operation with only those racks drawing
   (:func:`twin.physics.flow.evaluate`): the heat each cooling component carries while
   the racks on UPS keep running, ``Q + draw`` passed on as in rule 4 of the load flow.
4. **Cooling back**, heat sinks first: a component's own cooling returns at
   ``p + restart`` (``p``: the earliest of its ``power`` feeds, 0 with no feed or
   ``power: external``; ``restart``: ``restart_s``, default 480 s for a chiller, 0 for
   every other kind, and 0 when ``p`` is 0: a unit on UPS never stops). It takes heat
   again from

       b = max(p + restart, min(b of its `to` targets) − τ)

   (a component without ``to``, or with ``to: external``, has only its own term), where
   ``τ`` is the time a loop's storage bridges: ``τ = 3600 × storage_kwh / H`` seconds,
   ``H`` its window heat in kW (0 without storage; ``inf`` with no heat to store).
5. **Racks.** A rack that stays up loses a medium for ``min(b)`` over the units of that
   medium it lists; it overheats when that is longer than its ``ride_through_s``.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from twin.layout.model import DEFAULT_RESTART_S, DEFAULT_START_S, REJECTION_KINDS
from twin.physics.flow import Network, evaluate

INF = math.inf
#: Seconds within which two times are the same (sums of floats).
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Outage:
    """The outage model evaluated on a network; tuples indexed like the network's arrays."""

    utilities: tuple[str, ...]  # the components lost at t = 0, in file order
    power_back_s: tuple[float, ...]  # per power component: live again from (0: throughout)
    cooling_power_s: tuple[float, ...]  # per cooling component: its power returns at
    cooling_restart_s: tuple[float, ...]  # per cooling component: restart after that
    cooling_back_s: tuple[float, ...]  # b: takes heat again from (storage counted)
    cooling_heat_kw: tuple[float, ...]  # window heat (the racks that stay up)
    storage_kwh: tuple[float, ...]  # per cooling component (loops only; 0 elsewhere)
    storage_s: tuple[float, ...]  # τ: seconds its storage bridges at its window heat
    rack_up: tuple[bool, ...]  # stays up through the outage (on UPS)
    rack_ride_through_s: tuple[float, ...]


def power_back(net: Network) -> list[float]:
    """Rule 1: the time from which each power component is live again (seconds)."""
    back = [INF] * len(net.power_ids)
    comps = net.layout.power
    for i in net.power_order:
        kind = net.power_kind[i]
        if kind == "utility":
            continue
        if kind == "generator":
            start = comps[i].start_s
            back[i] = DEFAULT_START_S if start is None else start
        elif kind == "ups":
            back[i] = 0.0
        elif net.power_share[i]:
            returns = [back[s] for s in net.power_sources[i] if back[s] < INF]
            back[i] = max(returns) if returns else INF
        else:
            back[i] = min((back[s] for s in net.power_sources[i]), default=INF)
    return back


def restart_of(unit) -> float:
    """Seconds a cooling component needs after its power returns (rule 4)."""
    if unit.kind not in REJECTION_KINDS:
        return 0.0
    if unit.restart_s is not None:
        return unit.restart_s
    return DEFAULT_RESTART_S.get(unit.kind, 0.0)


def _only(net: Network, up: list[bool]) -> Network:
    """``net`` with the racks that go down with the grid drawing nothing."""
    def kept(values):
        return tuple(v if up[k] else 0.0 for k, v in enumerate(values))
    return dataclasses.replace(net, rack_it_kw=kept(net.rack_it_kw),
                               rack_liquid_kw=kept(net.rack_liquid_kw),
                               rack_air_kw=kept(net.rack_air_kw))


def outage(net: Network) -> Outage:
    """Evaluate the utility outage on ``net`` (rules 1 to 4 of the module's doc)."""
    layout = net.layout
    back = power_back(net)
    up = [len(feeds) > 0 and sum(1 for p in feeds if back[p] <= 0.0) >= need
          for feeds, need in zip(net.rack_feeds, net.rack_min_feeds)]
    heat = evaluate(_only(net, up)).cooling_heat_kw if any(up) else [0.0] * len(
        net.cooling_ids)
    n_c = len(net.cooling_ids)
    own = [0.0] * n_c
    restart = [0.0] * n_c
    store = [0.0] * n_c
    tau = [0.0] * n_c
    for j, unit in enumerate(layout.cooling):
        feeds = net.cooling_feeds[j]
        own[j] = min((back[p] for p in feeds), default=0.0)
        restart[j] = restart_of(unit) if own[j] > 0.0 else 0.0  # on UPS: never stops
        if unit.kind == "loop" and unit.storage_kwh:
            store[j] = unit.storage_kwh
            tau[j] = 3600.0 * unit.storage_kwh / heat[j] if heat[j] > 0.0 else INF
    b = [0.0] * n_c
    for j in reversed(net.heat_order):  # heat sinks first
        mine = own[j] + restart[j]
        to = net.cooling_to[j]
        down = min(b[t] for t in to) - tau[j] if to else 0.0
        b[j] = max(mine, down)
    return Outage(
        utilities=tuple(i for k, i in zip(net.power_kind, net.power_ids) if k == "utility"),
        power_back_s=tuple(back), cooling_power_s=tuple(own),
        cooling_restart_s=tuple(restart), cooling_back_s=tuple(b),
        cooling_heat_kw=tuple(heat), storage_kwh=tuple(store), storage_s=tuple(tau),
        rack_up=tuple(up),
        rack_ride_through_s=tuple(r.ride_through_s for r in layout.racks))


@dataclass(frozen=True, slots=True)
class Cause:
    """Why a rack overheats: component ``j`` (a cooling index) is out past ``limit_s``.

    ``via`` is the loop whose storage the rack's heat reached ``j`` through (``None``
    for the rack-facing unit itself or a sink right behind it), with the limit at that
    loop (``via_limit_s``): what its storage had to bridge to.
    """

    j: int
    rack: int
    medium: str
    limit_s: float
    via: int | None = None
    via_limit_s: float = 0.0


def _causes(net: Network, o: Outage, j: int, limit: float, rack: int, medium: str,
            via=None, via_limit=0.0):
    """The components that keep ``j`` from taking heat by ``limit`` (rule 4 walked down)."""
    if o.cooling_power_s[j] + o.cooling_restart_s[j] > limit + _EPS:
        yield Cause(j, rack, medium, limit, via, via_limit)
    to = net.cooling_to[j]
    if not to:
        return
    tau = o.storage_s[j]
    if min(o.cooling_back_s[t] for t in to) - tau <= limit + _EPS:
        return
    loop = net.cooling_kind[j] == "loop"
    for t in to:
        yield from _causes(net, o, t, limit + tau, rack, medium,
                           j if loop else via, limit if loop else via_limit)


def overheating(net: Network, o: Outage) -> list[Cause]:
    """Rule 5: every (component, rack, medium) where a rack that stays up overheats,
    racks in file order, then media (liquid, air), then down the heat path."""
    out = []
    for k, rack_up in enumerate(o.rack_up):
        if not rack_up:
            continue
        limit = o.rack_ride_through_s[k]
        for medium, load, units in (("liquid", net.rack_liquid_kw[k], net.rack_liquid_units[k]),
                                    ("air", net.rack_air_kw[k], net.rack_air_units[k])):
            if load <= 0.0 or not units:
                continue  # no heat of it, or no unit at all (C004)
            if min(o.cooling_back_s[u] for u in units) <= limit + _EPS:
                continue
            for u in units:
                out.extend(_causes(net, o, u, limit, k, medium))
    return out


def storage_needs(net: Network, o: Outage, causes) -> list[tuple[int, float, float]]:
    """For the causes of one component: each loop the heat reached it through, with the
    storage it needs (kWh) and the seconds it must bridge, ``H × gap / 3600``: the gap is
    from the limit at the loop (the strictest rack's ride-through, plus what loops
    before it bridge) to when the plant beyond it takes heat again. Loops in network
    order; none for a plant that never returns (no storage bridges it)."""
    gaps: dict[int, float] = {}
    for c in causes:
        if c.via is None or o.cooling_heat_kw[c.via] <= 0.0:
            continue
        back = min(o.cooling_back_s[t] for t in net.cooling_to[c.via])
        if back == INF:
            continue
        gaps[c.via] = max(gaps.get(c.via, 0.0), back - c.via_limit_s)
    return [(L, o.cooling_heat_kw[L] * gap / 3600.0, gap) for L, gap in sorted(gaps.items())]


__all__ = ["INF", "Cause", "Outage", "outage", "overheating", "power_back", "restart_of",
           "storage_needs"]
