"""The utility-outage model of R008 (docs/format.md, "Continuous cooling").

Every ``utility`` is lost at t = 0 and does not return within the outage. Times are in
seconds from that moment; ``inf`` is "not within the outage".

1. **Power.** Each power component is live from 0 until a time and again from a time
   (:func:`power_live`): a utility never; a generator from its ``start_s`` (default
   10 s, NFPA 110 Type 10); a ``ups`` carries its load on battery from when the power
   behind it goes for its runtime at its window load, ``60 × battery_min × capacity /
   load`` s (P003's formula), and is live throughout when that power is back by then,
   else dark until it is; any other distribution component at the *earliest* of its
   sources under ``transfer`` (the switch takes the first source that is live) and at
   the *latest* of the sources that return under ``share`` (a paralleling bus takes
   load once every set it shares the load over runs); ``inf`` when none returns.
2. **Racks that stay up.** A rack stays up when at least ``min_feeds`` of its feeds are
   live at 0 (behind a UPS), until fewer are (its UPS runs out: P003). Only those make
   heat in the window; the others go down with the grid, which R008 does not report.
3. **Window heat.** The load flow of normal operation with only those racks drawing
   (:func:`twin.physics.flow.evaluate`): the heat each cooling component carries while
   the racks on UPS keep running, ``Q + draw`` passed on as in rule 4 of the load flow.
4. **Cooling back**, heat sinks first: a component's own cooling returns at
   ``p + restart`` (``p``: the earliest of its ``power`` feeds, a feed whose UPS runs
   out counted dark from 0 except for racks that go down with that UPS, 0 with no
   feed; ``power: external`` at ``g``, when the site's generators carry the load, the
   latest ``start_s``, ``inf`` without generators: what is outside the layout is not
   known to be on stored energy; ``restart``: ``restart_s``, default 480 s for a
   chiller and a crac, 0 for every other kind, and 0 when ``p`` is 0: a unit on UPS
   never stops). It takes heat again from

       b = max(p + restart, min(b of its `to` targets) − τ)

   (a component without ``to`` has only its own term; with ``to: external`` the second
   term is ``g − τ``, the plant outside returning with the generators), where ``τ`` is
   the time a loop's storage bridges: ``τ = 3600 × storage_kwh / H`` seconds, ``H`` its
   window heat in kW (0 without storage; ``inf`` with no heat to store).
5. **Racks.** A rack that stays up loses a medium for ``min(b)`` over the units of that
   medium it lists; it overheats when that is longer than its ``ride_through_s`` and it
   still has power then.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from twin.layout.model import DEFAULT_RESTART_S, DEFAULT_START_S, RESTART_KINDS
from twin.physics.flow import Network, evaluate
from twin.physics.limits import battery_runtime_min

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
    power_until_s: tuple[float, ...] = ()  # per power component: live from 0 until
    rack_until_s: tuple[float, ...] = ()  # per rack: keeps power until (its UPS runs out)
    outside_back_s: float = 0.0  # what is outside the layout returns (the generators)
    cooling_until_s: tuple[float, ...] = ()  # per cooling component: powered from 0 until
    #: the model seen by racks that keep power only until a time (their UPS runs out):
    #: a unit whose own UPS lasts as long counts as powered throughout for them
    views: tuple = ()

    def view(self, until: float) -> "Outage":
        """The model for racks that keep their power until ``until`` seconds."""
        for h, v in self.views:
            if h == until:
                return v
        return self


def generators_back(layout) -> float:
    """When the site's generators carry load: the latest ``start_s`` of the layout's
    generators (every set running, the conservative reading), ``inf`` with none. What
    is outside the layout (``power: external``, ``to: external``) returns then."""
    return max((start_of(c) for c in layout.power if c.kind == "generator"), default=INF)


def start_of(generator) -> float:
    """Seconds from the utility loss until ``generator`` carries load (rule 1)."""
    return DEFAULT_START_S if generator.start_s is None else generator.start_s


def power_live(net: Network, load_kw=None) -> tuple[list[float], list[float]]:
    """Rule 1 with the batteries: per power component ``(until, back)``, live from 0 to
    ``until`` (0: dark at once) and again from ``back`` on (``inf``: never); a component
    live throughout has ``until`` ``inf`` and ``back`` 0.

    A ``ups`` carries its load on battery from when the power behind it goes (``u0``)
    for its runtime ``60 × battery_min × capacity_kw / load`` s (P003's formula) at
    ``load_kw[i]``; it holds when the power behind it is back by then, else it is dark
    from ``u0 + runtime`` until that power returns. Without ``load_kw``, or without
    ``battery_min``, or with no load, its battery is taken to last."""
    n = len(net.power_ids)
    until, back = [0.0] * n, [INF] * n
    comps = net.layout.power
    for i in net.power_order:
        kind = net.power_kind[i]
        if kind == "utility":
            continue
        if kind == "generator":
            back[i] = start_of(comps[i])
            continue
        srcs = net.power_sources[i]
        if net.power_share[i] and kind != "ups":
            returns = [back[s] for s in srcs if back[s] < INF]
            b = max(returns) if returns else INF
            u = min((until[s] for s in srcs), default=0.0)
        else:
            b = min((back[s] for s in srcs), default=INF)
            u = max((until[s] for s in srcs), default=0.0)
        if kind == "ups":
            runtime = INF
            c = comps[i]
            if load_kw is not None and c.battery_min is not None and load_kw[i] > 0.0:
                runtime = 60.0 * battery_runtime_min(c.battery_min, c.capacity_kw,
                                                     load_kw[i])
            u = u + runtime  # the battery carries it from when the power behind it goes
        if u >= b:
            u, b = INF, 0.0  # live throughout
        until[i], back[i] = u, b
    return until, back


def power_back(net: Network, load_kw=None) -> list[float]:
    """Rule 1: the time from which each power component is live again (seconds); 0 for
    one live throughout (behind a UPS whose battery lasts until the generators run)."""
    return power_live(net, load_kw)[1]


def ups_gaps(net: Network) -> dict[int, tuple[float, float]]:
    """Per UPS: when the power behind it goes and when it is back (seconds), batteries
    taken to last; only UPSs whose power returns within the outage and not at once."""
    until, back = power_live(net)
    out = {}
    for i in net.power_order:
        if net.power_kind[i] != "ups":
            continue
        srcs = net.power_sources[i]
        b = min((back[s] for s in srcs), default=INF)
        u = max((until[s] for s in srcs), default=0.0)
        if u < b < INF:
            out[i] = (u, b)
    return out


def restart_of(unit) -> float:
    """Seconds a cooling component needs after its power returns (rule 4)."""
    if unit.kind not in RESTART_KINDS:
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


def _rack_until(feeds, need, until) -> float:
    """When a rack loses power: its ``need``-th feed to go dark (0: down at once)."""
    if not feeds:
        return 0.0
    times = sorted((until[p] for p in feeds), reverse=True)
    return times[need - 1] if need <= len(times) else 0.0


def outage(net: Network) -> Outage:
    """Evaluate the utility outage on ``net`` (rules 1 to 4 of the module's doc)."""
    layout = net.layout
    # the racks up at 0 with every battery lasting: their load is the most the UPSs
    # carry in the window (fewer racks up draw less), so their runtimes are not long
    until0, _ = power_live(net)
    up0 = [_rack_until(f, need, until0) > 0.0
           for f, need in zip(net.rack_feeds, net.rack_min_feeds)]
    flow0 = evaluate(_only(net, up0)) if any(up0) else None
    load = flow0.power_out_kw if flow0 is not None else None
    until, back = power_live(net, load)
    rack_until = [_rack_until(f, need, until)
                  for f, need in zip(net.rack_feeds, net.rack_min_feeds)]
    up = [t > 0.0 for t in rack_until]
    if up == up0 and flow0 is not None:
        heat = flow0.cooling_heat_kw
    else:
        heat = evaluate(_only(net, up)).cooling_heat_kw if any(up) else [0.0] * len(
            net.cooling_ids)
    outside = generators_back(layout)
    n_c = len(net.cooling_ids)
    power = [0.0] * n_c  # when its power is back for good (0: never lost)
    c_until = [INF] * n_c  # powered from 0 until (its UPS runs out), 0: lost at once
    store = [0.0] * n_c
    tau = [0.0] * n_c
    for j, unit in enumerate(layout.cooling):
        feeds = net.cooling_feeds[j]
        if unit.power_external:
            # not known to be on stored energy: lost with the utility
            power[j], c_until[j] = outside, 0.0
        elif feeds:
            # a feed whose UPS runs out is counted dark from 0 to its return
            power[j] = min(back[p] for p in feeds)
            c_until[j] = max(until[p] for p in feeds) if power[j] > 0.0 else INF
        if unit.kind == "loop" and unit.storage_kwh:
            store[j] = unit.storage_kwh
            tau[j] = 3600.0 * unit.storage_kwh / heat[j] if heat[j] > 0.0 else INF

    def plant(horizon: float):
        own = [0.0 if c_until[j] >= horizon else power[j] for j in range(n_c)]
        restart = [restart_of(u) if own[j] > 0.0 else 0.0  # on UPS: never stops
                   for j, u in enumerate(layout.cooling)]
        b = [0.0] * n_c
        for j in reversed(net.heat_order):  # heat sinks first
            mine = own[j] + restart[j]
            to = net.cooling_to[j]
            if to:
                down = min(b[t] for t in to) - tau[j]
            elif layout.cooling[j].to_external:
                down = outside - tau[j]  # the plant outside returns with the generators
            else:
                down = 0.0
            b[j] = max(mine, down)
        return tuple(own), tuple(restart), tuple(b)

    own, restart, b = plant(INF)
    main = Outage(
        utilities=tuple(i for k, i in zip(net.power_kind, net.power_ids) if k == "utility"),
        power_back_s=tuple(back), cooling_power_s=own,
        cooling_restart_s=restart, cooling_back_s=b,
        cooling_heat_kw=tuple(heat), storage_kwh=tuple(store), storage_s=tuple(tau),
        rack_up=tuple(up),
        rack_ride_through_s=tuple(r.ride_through_s for r in layout.racks),
        power_until_s=tuple(until), rack_until_s=tuple(rack_until),
        outside_back_s=outside, cooling_until_s=tuple(c_until))
    views = []
    # a view differs from the main model only where a unit's own UPS runs out
    doomed = sorted({t for t in c_until if 0.0 < t < INF})
    for h in sorted({t for t in rack_until if 0.0 < t < INF} if doomed else ()):
        if h > doomed[-1]:
            continue  # no unit lasts as long as these racks: the main model
        own, restart, b = plant(h)
        views.append((h, dataclasses.replace(main, cooling_power_s=own,
                                             cooling_restart_s=restart, cooling_back_s=b)))
    return dataclasses.replace(main, views=tuple(views))


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
    until_s: float = INF  # the rack keeps power until (its UPS runs out): Outage.view


def _causes(net: Network, o: Outage, j: int, limit: float, rack: int, medium: str,
            via=None, via_limit=0.0, until=INF):
    """The components that keep ``j`` from taking heat by ``limit`` (rule 4 walked down)."""
    to = net.cooling_to[j]
    if o.cooling_power_s[j] + o.cooling_restart_s[j] > limit + _EPS or (
            not to and net.layout.cooling[j].to_external
            and o.outside_back_s - o.storage_s[j] > limit + _EPS):
        yield Cause(j, rack, medium, limit, via, via_limit, until)
    if not to:
        return
    tau = o.storage_s[j]
    if min(o.cooling_back_s[t] for t in to) - tau <= limit + _EPS:
        return
    loop = net.cooling_kind[j] == "loop"
    for t in to:
        yield from _causes(net, o, t, limit + tau, rack, medium,
                           j if loop else via, limit if loop else via_limit, until)


def overheating(net: Network, o: Outage) -> list[Cause]:
    """Rule 5: every (component, rack, medium) where a rack that stays up overheats,
    racks in file order, then media (liquid, air), then down the heat path."""
    out = []
    for k, rack_up in enumerate(o.rack_up):
        if not rack_up:
            continue
        limit = o.rack_ride_through_s[k]
        until = o.rack_until_s[k] if o.rack_until_s else INF
        if until <= limit + _EPS:
            continue  # its UPS runs out first: it goes down (P003), it does not overheat
        v = o.view(until)
        for medium, load, units in (("liquid", net.rack_liquid_kw[k], net.rack_liquid_units[k]),
                                    ("air", net.rack_air_kw[k], net.rack_air_units[k])):
            if load <= 0.0 or not units:
                continue  # no heat of it, or no unit at all (C004)
            if min(v.cooling_back_s[u] for u in units) <= limit + _EPS:
                continue
            for u in units:
                out.extend(_causes(net, v, u, limit, k, medium, until=until))
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
        v = o.view(c.until_s)
        to = net.cooling_to[c.via]
        back = (min(v.cooling_back_s[t] for t in to) if to else o.outside_back_s)
        if back == INF:
            continue
        gaps[c.via] = max(gaps.get(c.via, 0.0), back - c.via_limit_s)
    return [(L, o.cooling_heat_kw[L] * gap / 3600.0, gap) for L, gap in sorted(gaps.items())]


__all__ = ["INF", "Cause", "Outage", "generators_back", "outage", "overheating",
           "power_back", "power_live", "restart_of", "storage_needs", "ups_gaps"]
