"""Hour-by-hour simulation over a year: energy, PUE, capacity against the weather, tokens, cost.

A year of normal operation never changes which components are live, and the flow
rules of :mod:`twin.physics.flow` are linear in rack load, except where the weather
sets a unit's draw. So :func:`simulate` runs the one evaluator once over the hours
(:func:`twin.physics.hourly.evaluate_hours`): every rack at its reference load (typical
or design power) × the hour's load fraction, and the draws of chillers, dry coolers and
cooling towers from the ambient models of :mod:`twin.physics.thermal`, as numpy arrays
over the hours (never a Python loop over hours):

- a dry cooler (dry-bulb, 6 K approach) or cooling tower (wet-bulb, 4 K approach)
  rejects its rated capacity while the ambient is at least one approach below the water
  temperature it must deliver, then linearly less, down to none at that temperature;
  its fans draw ``power_kw × Q / capacity at the setpoint``, at most ``power_kw``;
- a chiller's COP follows its lift as a fixed fraction of Carnot, rated at AHRI 550/590
  conditions, with free cooling (economiser) when the ambient is cold enough;
- every other unit draws by flow rule 4, and everything passes on and flows up the
  power chain by the flow rules themselves;
- every hour each component is checked against its normal limit, and, when the layout
  asks for N-1, each dry cooler or tower against its failover limit with each unit it
  shares heat with failed in turn (the only capacities the weather changes).

The models, their defaults and their sources are in docs/simulate.md.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from twin.layout.model import Layout
from twin.layout.profile import Profile
from twin.layout.weather import HOURS_PER_YEAR, Weather, constant
from twin.physics import thermal
from twin.physics.flow import FlowResult, Network, compile_network, evaluate, reshared_heat
from twin.physics.hourly import Hours, evaluate_hours
from twin.physics.kpis import at_typical_power, facility_kw, kpis
from twin.physics.limits import limit_kw, limit_of, over

# the ambient models live in physics.thermal; these names stay importable from here
from twin.physics.thermal import (  # noqa: F401
    REJECTION_AMBIENT,
    chiller_cop,
    mechanical_fraction,
    rejection_capacity_fraction,
)

#: Ambient without a weather file and without ``site.design_ambient_c``, °C.
DEFAULT_AMBIENT_C = 25.0
#: Capital-cost defaults ([S36] [B]: Cushman & Wakefield 2025 average $11.7M per MW
#: of critical load; AI-optimised builds run to $20M). Lives are assumptions [U].
DEFAULT_CAPEX_USD_PER_MW = 11.7e6
DEFAULT_CAPEX_LIFE_YEARS = 20.0
DEFAULT_RACK_LIFE_YEARS = 5.0


# --------------------------------------------------------------------------- results
@dataclass(frozen=True, slots=True)
class OverCapacity:
    """A component over its limit in some hours: how many, and by how much at worst.

    ``capacity_kw`` is the rated capacity; ``worst_shortfall_kw`` the largest excess of load
    over ``limit`` × the capacity available that hour (derated by the ambient for dry
    coolers and towers); ``worst_utilization`` that hour's load over available capacity
    (``None`` when none was available). ``scenario`` is empty in normal operation and
    names the failed unit for the single-failure hours.
    """

    component: str
    kind: str
    hours: int
    capacity_kw: float
    limit: float
    worst_shortfall_kw: float
    worst_utilization: float | None
    scenario: tuple[str, ...] = ()  # the failed unit, for the single-failure hours


@dataclass(frozen=True, slots=True)
class Rejection:
    """How one heat-rejection unit ran: its water temperatures and its hours."""

    component: str
    kind: str
    ambient: str  # dry-bulb or wet-bulb
    supply_c: float
    max_supply_c: float
    heat_mwh: float
    draw_mwh: float
    hours_above_setpoint: int = 0
    economiser_hours: int | None = None
    mean_cop: float | None = None


@dataclass(frozen=True, slots=True)
class Simulation:
    """What :func:`simulate` found; energies over the simulated hours (a year by default)."""

    file: str
    hours: int
    weather: dict
    profile: str
    design: dict
    typical_it_kw: float
    annual_it_mwh: float
    annual_facility_mwh: float
    annual_cooling_mwh: float
    annual_losses_mwh: float
    annual_pue: float | None
    peak_facility_kw: float
    peak_it_kw: float
    hours_over_capacity: int
    over_capacity: tuple[OverCapacity, ...]
    hours_over_capacity_n1: int
    over_capacity_n1: tuple[OverCapacity, ...]
    hours_above_setpoint: int
    economiser_hours: int | None
    heat_rejection: tuple[Rejection, ...]
    tokens: float | None
    energy_usd: float | None
    capex: dict
    usd_per_mtok: float | None
    it_kw: np.ndarray = field(repr=False)
    facility_kw: np.ndarray = field(repr=False)
    over_hours: np.ndarray = field(repr=False)
    over_hours_n1: np.ndarray = field(repr=False)

    @property
    def ok(self) -> bool:
        return self.hours_over_capacity == 0 and self.hours_over_capacity_n1 == 0

    @property
    def pue(self) -> np.ndarray:
        """Hourly PUE (NaN where no IT load)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.it_kw > 0, self.facility_kw / self.it_kw, np.nan)

    def as_dict(self) -> dict:
        return {
            "file": self.file, "hours": self.hours, "weather": self.weather,
            "profile": self.profile, "design": self.design, "typical_it_kw": self.typical_it_kw,
            "annual_it_mwh": self.annual_it_mwh, "annual_facility_mwh": self.annual_facility_mwh,
            "annual_cooling_mwh": self.annual_cooling_mwh,
            "annual_losses_mwh": self.annual_losses_mwh, "annual_pue": self.annual_pue,
            "peak_facility_kw": self.peak_facility_kw, "peak_it_kw": self.peak_it_kw,
            "hours_over_capacity": self.hours_over_capacity,
            "over_capacity": [_fields(o) for o in self.over_capacity],
            "hours_over_capacity_n1": self.hours_over_capacity_n1,
            "over_capacity_n1": [_fields(o) for o in self.over_capacity_n1],
            "hours_above_setpoint": self.hours_above_setpoint,
            "economiser_hours": self.economiser_hours,
            "heat_rejection": [_fields(r) for r in self.heat_rejection],
            "tokens": self.tokens, "energy_usd": self.energy_usd, "capex": self.capex,
            "usd_per_mtok": self.usd_per_mtok,
        }


def _fields(obj) -> dict:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def _over_capacity(ident: str, kind: str, load: np.ndarray, rated_kw: float, available_kw,
                   limit: float, limit_kw_h) -> tuple[OverCapacity, np.ndarray] | None:
    """The hours ``load`` exceeds ``limit_kw_h`` (``limit`` × ``available_kw``, a number or
    one per hour)."""
    available = np.broadcast_to(np.asarray(available_kw, dtype=float), load.shape)
    allowed = np.broadcast_to(np.asarray(limit_kw_h, dtype=float), load.shape)
    hit = over(load, allowed)
    if not hit.any():
        return None
    excess = load[hit] - allowed[hit]
    avail = available[hit]
    util = float((load[hit] / avail).max()) if (avail > 0).all() else None
    return OverCapacity(ident, kind, int(hit.sum()), rated_kw, limit, float(excess.max()),
                        util), hit


class _Plant:
    """The units whose draw the weather sets, as :func:`evaluate_hours` meets them (heat
    order): their hourly draw from :mod:`twin.physics.thermal`, their records, and the
    hours each is over its limit at the capacity the weather leaves it."""

    def __init__(self, layout: Layout, net: Network, hours: Hours, dry, wet):
        self.layout, self.net, self.hours, self.dry, self.wet = layout, net, hours, dry, wet
        self.temps = thermal.water_temperatures(layout, net)
        self.condenser = thermal.condenser_of(layout, net)
        self.rejection: list[Rejection] = []
        self.over: list[OverCapacity] = []
        self.over_any = np.zeros(len(hours.fraction), dtype=bool)
        self.above_any = np.zeros(len(hours.fraction), dtype=bool)
        self.econ_all = None

    def __call__(self, j: int, q) -> np.ndarray | None:
        net, unit = self.net, self.layout.cooling[j]
        kind = unit.kind
        if kind not in REJECTION_AMBIENT and kind != "chiller":
            return None
        q_h = self.hours.values(q)
        supply, supply_max = self.temps[j]
        cap = net.cooling_capacity_kw[j]
        if kind == "chiller":
            ch = thermal.chiller_hours(cap, net.cooling_power_kw[j], net.cooling_cop[j], q_h,
                                       supply, self.condenser[j], self.dry, self.wet)
            draw, cap_h, x, cop = ch.draw_kw, cap, ch.mechanical, ch.cop
            econ = x <= 0.0
            if q_h.any():
                self.econ_all = econ if self.econ_all is None else self.econ_all & econ
            mean_cop = float((q_h * x).sum() / (q_h * x / cop).sum()) if (q_h * x).any() else None
            record = Rejection(unit.id, kind, ch.ambient, supply, supply_max,
                               float(q_h.sum()) / 1000.0, float(draw.sum()) / 1000.0,
                               economiser_hours=int((econ & (q_h > 0)).sum()), mean_cop=mean_cop)
        else:
            rej = thermal.rejector_hours(kind, cap, net.cooling_power_kw[j], q_h, supply,
                                         supply_max, self.dry, self.wet)
            draw, cap_h = rej.draw_kw, rej.capacity_at_hottest_kw
            self.above_any |= rej.above_setpoint
            record = Rejection(unit.id, kind, rej.ambient, supply, supply_max,
                               float(q_h.sum()) / 1000.0, float(draw.sum()) / 1000.0,
                               hours_above_setpoint=int(rej.above_setpoint.sum()))
        self.rejection.append(record)
        policy = self.layout.policy
        found = None if cap is None else _over_capacity(
            unit.id, kind, q_h, cap, cap_h, limit_of(policy, kind), limit_kw(policy, kind, cap_h))
        if found is not None:
            self.over.append(found[0])
            self.over_any |= found[1]
        return draw


# --------------------------------------------------------------------------- simulate
def default_weather(layout: Layout) -> Weather:
    """The weather of a run given no weather file: ``site.design_ambient_c`` all year
    (with ``site.design_wet_bulb_c`` when given), else 25 °C (docs/simulate.md)."""
    site = layout.site
    if site.design_ambient_c is None:
        return constant(DEFAULT_AMBIENT_C)
    weather = constant(site.design_ambient_c)
    if site.design_wet_bulb_c is None:
        return weather
    return dataclasses.replace(
        weather, station=f"{weather.station}, wet-bulb {site.design_wet_bulb_c:g} °C",
        wet_bulb_c=np.full(len(weather.dry_bulb_c), float(site.design_wet_bulb_c)))


def simulate(layout: Layout, weather: Weather, profile: Profile, *, hours: int = HOURS_PER_YEAR,
             progress: Callable[[int, int], None] | None = None) -> Simulation:
    """Simulate ``hours`` hours (from 1 January) of a clean layout (no L findings, no cycle).

    ``weather`` gives the ambient per hour and ``profile`` the load fraction per hour
    (of typical or of design power, per ``profile.basis``). ``progress(done, total)`` is
    called as units and components are processed.
    """
    if not 1 <= hours <= HOURS_PER_YEAR:
        raise ValueError(f"hours must be 1 to {HOURS_PER_YEAR}")
    frac = np.asarray(profile.fraction[:hours], dtype=float)
    dry = np.asarray(weather.dry_bulb_c[:hours], dtype=float)
    wet = np.asarray(weather.wet_bulb_c[:hours], dtype=float)
    net = compile_network(layout)
    # validate's figures: at the design conditions when the layout gives them
    at = thermal.at_design(layout, net)
    design = evaluate(net) if at is None else at[1]
    racks = layout.racks
    typical_net = at_typical_power(net)
    typical = list(typical_net.rack_it_kw)
    base_net = typical_net if profile.basis == "typical" else net
    base = list(base_net.rack_it_kw)
    year = Hours(frac)
    plant = _Plant(layout, net, year, dry, wet)
    result = evaluate_hours(base_net, year, plant)
    total = len(net.cooling_ids) + len(net.power_ids)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None and (done % 256 == 0 or done == total):
            progress(done, total)

    policy = layout.policy
    over_list, over_any = list(plant.over), plant.over_any.copy()
    # every other component against its normal limit, hour by hour
    checks = [("cooling", j) for j in net.heat_order]
    checks += [("power", i) for i in reversed(net.power_order)]
    for sort, i in checks:
        tick()
        if sort == "cooling":
            kind, cap, load = net.cooling_kind[i], net.cooling_capacity_kw[i], \
                result.cooling_heat_kw[i]
            if not result.cooling_effective[i] or kind in REJECTION_AMBIENT or kind == "chiller" \
                    or cap is None:
                continue  # the plant's units were checked at the weather's capacity
            ident = net.cooling_ids[i]
        else:
            kind, cap, load = net.power_kind[i], net.power_capacity_kw[i], result.power_out_kw[i]
            if not result.power_live[i]:
                continue
            ident = net.power_ids[i]
        allowed = limit_kw(policy, kind, cap)
        if year.upper_bound(load) <= allowed:
            continue  # no hour can reach the limit
        found = _over_capacity(ident, kind, year.values(load), cap, cap, limit_of(policy, kind),
                               allowed)
        if found is not None:
            over_list.append(found[0])
            over_any |= found[1]
    over_n1, over_n1_any = _single_failures(layout, net, result, year, plant.temps, dry, wet)

    facility = facility_kw(net, result)
    it_up = [b for b, up in zip(base, result.rack_up, strict=True) if up]
    it_h = sum(it_up) * frac
    fac_h = year.values(facility)
    cool_h = year.values(sum(result.cooling_draw_kw, 0.0))
    it_mwh = float(it_h.sum()) / 1000.0
    fac_mwh = float(fac_h.sum()) / 1000.0
    cool_mwh = float(cool_h.sum()) / 1000.0
    order = {ident: n for n, ident in enumerate((*net.power_ids, *net.cooling_ids))}
    over_list.sort(key=lambda o: (-o.hours, order[o.component]))
    years = hours / HOURS_PER_YEAR
    tokens = _tokens(racks, result.rack_up, base, typical, frac)
    price = layout.site.electricity_usd_per_mwh
    energy_usd = fac_mwh * price if price is not None else None
    capex = _capex(layout, years)
    usd_per_mtok = None
    if tokens and energy_usd is not None:
        usd_per_mtok = (energy_usd + capex["building_usd"] + capex["it_usd"]) / (tokens / 1e6)
    design_kpis = kpis(net if at is None else at[0], design)
    return Simulation(
        file=layout.file, hours=hours,
        weather={"source": weather.source, "station": weather.station,
                 "mean_dry_bulb_c": float(dry.mean()), "max_dry_bulb_c": float(dry.max()),
                 "max_wet_bulb_c": float(wet.max())},
        profile=profile.name,
        design={k: design_kpis[k] for k in ("it_kw", "facility_kw", "pue")},
        typical_it_kw=float(sum(t for t, up in zip(typical, result.rack_up, strict=True) if up)),
        annual_it_mwh=it_mwh, annual_facility_mwh=fac_mwh, annual_cooling_mwh=cool_mwh,
        annual_losses_mwh=fac_mwh - it_mwh - cool_mwh,
        annual_pue=fac_mwh / it_mwh if it_mwh > 0 else None,
        peak_facility_kw=float(fac_h.max()), peak_it_kw=float(it_h.max()),
        hours_over_capacity=int(over_any.sum()), over_capacity=tuple(over_list),
        hours_over_capacity_n1=int(over_n1_any.sum()), over_capacity_n1=tuple(over_n1),
        hours_above_setpoint=int(plant.above_any.sum()),
        economiser_hours=None if plant.econ_all is None else int(plant.econ_all.sum()),
        heat_rejection=tuple(plant.rejection), tokens=tokens, energy_usd=energy_usd,
        capex=capex, usd_per_mtok=usd_per_mtok, it_kw=it_h, facility_kw=fac_h,
        over_hours=over_any, over_hours_n1=over_n1_any)


def _single_failures(layout: Layout, net: Network, result: FlowResult, year: Hours, temps,
                     dry, wet) -> tuple[list[OverCapacity], np.ndarray]:
    """Hours in which one failed unit leaves a dry cooler or tower short (R004, per hour).

    Only the heat-rejection units' capacity changes with the weather, so only they are
    re-checked per hour under failure: each failable unit in turn fails and the units
    that shared heat with it re-share it over their other targets
    (:func:`twin.physics.flow.reshared_heat`, flow rule 4). A dry cooler or tower is over
    when its heat exceeds ``failover_utilization`` × its capacity at the hottest water its
    racks accept that hour. One record per unit, for the failure with the most hours.
    Runs when the layout asks for N-1 (``policy.contingency`` or a rack's ``contingency``).
    """
    hit_any = np.zeros(len(year.fraction), dtype=bool)
    k = max([layout.policy.contingency,
             *(r.contingency for r in layout.racks if r.contingency is not None)])
    if k < 1:
        return [], hit_any
    failable = {net.index[x][1] for x in net.failable if net.index[x][0] == "cooling"}
    available: dict[int, np.ndarray] = {}
    worst: dict[int, OverCapacity] = {}
    for (f, t), moved in reshared_heat(net, result, failable).items():
        kind = net.cooling_kind[t]
        if kind not in REJECTION_AMBIENT:
            continue
        if t not in available:
            which, approach = REJECTION_AMBIENT[kind]
            ambient = dry if which == "dry-bulb" else wet
            available[t] = net.cooling_capacity_kw[t] * rejection_capacity_fraction(
                ambient, temps[t][1], approach)
        load = year.values(result.cooling_heat_kw[t]) + year.values(moved)
        policy = layout.policy
        record = _over_capacity(net.cooling_ids[t], kind, load, net.cooling_capacity_kw[t],
                                available[t], limit_of(policy, kind, failover=True),
                                limit_kw(policy, kind, available[t], failover=True))
        if record is None:
            continue
        found, hit = record
        hit_any |= hit
        found = dataclasses.replace(found, scenario=(net.cooling_ids[f],))
        best = worst.get(t)
        if best is None or (found.hours, found.worst_shortfall_kw) > (best.hours,
                                                                       best.worst_shortfall_kw):
            worst[t] = found
    return [worst[t] for t in sorted(worst)], hit_any


def _tokens(racks, up, base, typical, frac) -> float | None:
    """Σ over racks of ``tokens_per_s × 3600 × Σ_h min(1, power / typical power)``."""
    groups: dict[float, float] = {}
    for r, is_up, b, t in zip(racks, up, base, typical, strict=True):
        if is_up and r.tokens_per_s is not None:
            ratio = b / t if t > 0 else 0.0
            groups[ratio] = groups.get(ratio, 0.0) + r.tokens_per_s
    if not groups:
        return None
    return float(sum(rate * 3600.0 * np.minimum(frac * ratio, 1.0).sum()
                     for ratio, rate in groups.items()))


def _capex(layout: Layout, years: float) -> dict:
    """Capital cost over the simulated period, straight-line over each life, no interest."""
    site = layout.site
    per_mw = site.capex_usd_per_mw if site.capex_usd_per_mw is not None \
        else DEFAULT_CAPEX_USD_PER_MW
    life = site.capex_life_years or DEFAULT_CAPEX_LIFE_YEARS
    rack_life = site.rack_life_years or DEFAULT_RACK_LIFE_YEARS
    design_mw = sum(r.it_kw for r in layout.racks) / 1000.0
    priced = [r.price_usd for r in layout.racks if r.price_usd is not None]
    it_price = float(sum(priced))
    return {
        "building_usd": per_mw * design_mw / life * years,
        "it_usd": it_price / rack_life * years,
        "capex_usd_per_mw": per_mw, "capex_life_years": life, "rack_life_years": rack_life,
        "design_it_mw": design_mw, "racks_priced": len(priced),
        "racks_unpriced": len(layout.racks) - len(priced),
    }


__all__ = ["Simulation", "OverCapacity", "Rejection", "simulate", "chiller_cop",
           "rejection_capacity_fraction", "mechanical_fraction"]
