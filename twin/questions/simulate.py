"""Hour-by-hour simulation over a year: energy, PUE, capacity against the weather, tokens, cost.

The flow rules of :mod:`twin.physics.flow` are linear in rack load for a fixed set of live
components, and a year of normal operation never changes which components are live.
So :func:`simulate` evaluates the layout once with the flow engine at the reference load
(every rack at its typical or design power) and scales: the IT part of every power
component's load is that evaluation times the hour's load fraction. What the weather
changes is the heat-rejection plant, so the cooling part is computed per hour, as numpy
arrays over the hours (one pass over the units, never a Python loop over hours):

- heat on rack-facing units: the engine's share of rack heat, times the load fraction;
- rack-facing units and loops draw ``power_kw × Q / capacity_kw`` (flow rule 4);
- a dry cooler (dry-bulb, 6 K approach) or cooling tower (wet-bulb, 4 K approach)
  rejects its rated capacity while the ambient is at least one approach below the water
  temperature it must deliver, then linearly less, down to none at that temperature;
  its fans draw ``power_kw × Q / capacity at the setpoint``, at most ``power_kw``;
- a chiller's COP follows its lift as a fixed fraction of Carnot, rated at AHRI 550/590
  conditions, with free cooling (economiser) when the ambient is cold enough;
- each unit passes ``Q + draw`` on to its targets (flow rule 4), and every draw flows up
  the power chain through the components' efficiencies (flow rule 5);
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

from twin.physics.flow import Network, compile_network, evaluate, shares, unit_draw_kw
from twin.physics.kpis import at_typical_power, kpis
from twin.layout.model import AIR_UNIT_KINDS, LIQUID_UNIT_KINDS, Layout
from twin.layout.profile import Profile
from twin.physics.snapshot import TOLERANCE
from twin.layout.weather import HOURS_PER_YEAR, Weather

#: Ambient without a weather file and without ``site.design_ambient_c``, °C.
DEFAULT_AMBIENT_C = 25.0
#: Dry cooler: leaving water this far above the ambient dry-bulb at rated capacity
#: (DOMAIN 10, dry_cooler approach 6 K [U]).
DRY_COOLER_APPROACH_K = 6.0
#: Cooling tower: leaving water this far above the ambient wet-bulb (DOMAIN 10, 4 K [U]).
TOWER_APPROACH_K = 4.0
#: CDU: secondary (TCS) supply this far above the facility water it is fed (DOMAIN 2.2:
#: CoolIT rates liquid-to-liquid CDUs at a 5 K approach [V]; Vertiv CoolChip at 4 K).
CDU_APPROACH_K = 5.0
#: Chilled-water coil of an air unit: supply air this far above the entering water
#: (an engineering assumption of this project [U]).
AIR_COIL_APPROACH_K = 6.0
#: TCS supply of a CDU without ``supply_c`` (DOMAIN 10: 35 °C default, W45 maximum [S/V]).
CDU_SUPPLY_C = 35.0
#: AHRI 550/590 rating conditions (DOMAIN 4 [S]): 44 °F leaving chilled water, 54 °F
#: return, 85 °F entering condenser water, 95 °F ambient for air-cooled condensers.
AHRI_CHW_C = (44.0 - 32.0) / 1.8
AHRI_CHW_RANGE_K = (54.0 - 44.0) / 1.8
AHRI_CONDENSER_WATER_C = (85.0 - 32.0) / 1.8
AHRI_AIR_C = (95.0 - 32.0) / 1.8
#: Refrigerant temperatures against the water and air [U]: evaporating below the chilled
#: water leaving, condensing above the entering condenser air or water.
EVAPORATOR_APPROACH_K = 2.0
CONDENSER_APPROACH_AIR_K = 15.0
CONDENSER_APPROACH_WATER_K = 7.0
#: Smallest refrigerant lift the Carnot-fraction model uses (it bounds the COP) [U].
MIN_LIFT_K = 10.0
#: Fans of an air-cooled chiller's free-cooling coil, as a share of the heat they reject
#: (DOMAIN 10: dry-cooler fans 1.5-3 % of heat [U]; the middle, as in the example hall).
FREE_COOLING_FAN_SHARE = 0.025
#: Capital-cost defaults (DOMAIN 8.3 [B]: Cushman & Wakefield 2025 average $11.7M per MW
#: of critical load; AI-optimised builds run to $20M). Lives are assumptions [U].
DEFAULT_CAPEX_USD_PER_MW = 11.7e6
DEFAULT_CAPEX_LIFE_YEARS = 20.0
DEFAULT_RACK_LIFE_YEARS = 5.0

KELVIN = 273.15
_REJECTION_AMBIENT = {"dry-cooler": ("dry-bulb", DRY_COOLER_APPROACH_K),
                      "cooling-tower": ("wet-bulb", TOWER_APPROACH_K)}


# --------------------------------------------------------------------------- models
def rejection_capacity_fraction(ambient_c, supply_c: float, approach_k: float):
    """Share of rated capacity a dry cooler or tower rejects while delivering ``supply_c``.

    1 while ``ambient ≤ supply − approach``; then ``(supply − ambient) / approach``, down
    to 0 when the ambient reaches the supply temperature. The rated capacity is read as
    the capacity at the rating point ``ambient = supply − approach``.
    """
    return np.clip((supply_c - np.asarray(ambient_c, dtype=float)) / approach_k, 0.0, 1.0)


def carnot_fraction(cop_rated: float, evaporating_c: float, condensing_c: float) -> float:
    """η such that ``COP = η × T_evap / (T_cond − T_evap)`` (kelvin) gives ``cop_rated``."""
    lift = max(condensing_c - evaporating_c, MIN_LIFT_K)
    return cop_rated * lift / (evaporating_c + KELVIN)


def chiller_cop(cop_rated: float, chilled_water_c, condenser_c, *, air_cooled: bool):
    """COP at a chilled-water supply and a condenser medium temperature (air or water), °C.

    Carnot fraction: ``COP = η T_e / (T_c − T_e)`` with the refrigerant at
    ``T_e = chilled water − 2 K`` and ``T_c = condenser medium + 15 K`` (air) or ``+ 7 K``
    (water), the lift at least :data:`MIN_LIFT_K`. η comes from ``cop_rated`` at the
    AHRI 550/590 point (6.7 °C chilled water; 35 °C air or 29.4 °C condenser water).
    """
    approach = CONDENSER_APPROACH_AIR_K if air_cooled else CONDENSER_APPROACH_WATER_K
    rated_medium = AHRI_AIR_C if air_cooled else AHRI_CONDENSER_WATER_C
    eta = carnot_fraction(cop_rated, AHRI_CHW_C - EVAPORATOR_APPROACH_K, rated_medium + approach)
    t_e = np.asarray(chilled_water_c, dtype=float) - EVAPORATOR_APPROACH_K
    t_c = np.asarray(condenser_c, dtype=float) + approach
    return eta * (t_e + KELVIN) / np.maximum(t_c - t_e, MIN_LIFT_K)


def mechanical_fraction(free_cooling_c, chilled_water_c: float):
    """Share of a chiller's heat left to the compressor after free cooling (0 to 1).

    The economiser precools the return water (supply + 5.6 K, the AHRI range) with water
    or air at ``free_cooling_c``: 0 (all free) when that is at or below the supply, 1 when
    it is at or above the return, linear between.
    """
    x = (np.asarray(free_cooling_c, dtype=float) - chilled_water_c) / AHRI_CHW_RANGE_K
    return np.clip(x, 0.0, 1.0)


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


# --------------------------------------------------------------------------- series
class _Series:
    """An hourly series ``scale × fraction[h] + extra[h]``: the scalar part follows the load
    fraction, ``extra`` (an array or ``None``) holds what the weather adds."""

    __slots__ = ("scale", "extra")

    def __init__(self, scale: float = 0.0, extra: np.ndarray | None = None):
        self.scale = scale
        self.extra = extra

    def add(self, other: _Series, weight: float = 1.0) -> None:
        self.scale += other.scale * weight
        if other.extra is not None:
            part = other.extra * weight
            self.extra = part if self.extra is None else self.extra + part

    def times(self, k: float) -> _Series:
        return _Series(self.scale * k, None if self.extra is None else self.extra * k)

    def values(self, fraction: np.ndarray) -> np.ndarray:
        out = self.scale * fraction
        return out if self.extra is None else out + self.extra

    def peak(self, fraction: np.ndarray, fraction_max: float) -> float:
        if self.extra is None:
            return self.scale * fraction_max
        return float(self.values(fraction).max())


def _over(load, limit_kw):
    """``load > limit`` beyond floating-point noise (as :func:`twin.physics.snapshot.over`)."""
    return np.asarray(load) > np.asarray(limit_kw) * (1.0 + TOLERANCE) + 1e-12


def _over_capacity(ident: str, kind: str, load: np.ndarray, rated_kw: float, available_kw,
                   limit: float) -> tuple[OverCapacity, np.ndarray] | None:
    """The hours ``load`` exceeds ``limit × available_kw`` (a number or one per hour)."""
    available = np.broadcast_to(np.asarray(available_kw, dtype=float), load.shape)
    hit = _over(load, limit * available)
    if not hit.any():
        return None
    excess = load[hit] - limit * available[hit]
    avail = available[hit]
    util = float((load[hit] / avail).max()) if (avail > 0).all() else None
    return OverCapacity(ident, kind, int(hit.sum()), rated_kw, limit, float(excess.max()),
                        util), hit


# --------------------------------------------------------------------------- simulate
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
    frac_max = float(frac.max()) if hours else 0.0
    net = compile_network(layout)
    design = evaluate(net)
    racks = layout.racks
    typical_net = at_typical_power(net)
    typical = list(typical_net.rack_it_kw)
    base_net = typical_net if profile.basis == "typical" else net
    base = list(base_net.rack_it_kw)
    # The flow engine at the reference load with no cooling draws and no pass-on: the
    # racks' feeds and shares (rule 3) and the IT part of every power load (rule 5).
    ref = evaluate(dataclasses.replace(
        base_net,
        cooling_power_kw=(0.0,) * len(net.cooling_ids),
        cooling_to=((),) * len(net.cooling_ids)))
    total = len(net.cooling_ids) + len(net.power_ids)
    done = 0

    def tick(n: int = 1) -> None:
        nonlocal done
        done += n
        if progress is not None and (done % 256 == 0 or done == total):
            progress(done, total)

    temps = _water_temperatures(layout, net)
    condenser = _condenser_of(layout, net)
    policy = layout.policy
    over_any = np.zeros(hours, dtype=bool)
    above_any = np.zeros(hours, dtype=bool)
    econ_all = None
    over_list: list[OverCapacity] = []
    rejection: list[Rejection] = []
    groups: list[tuple[list[int], _Series]] = []  # (effective targets, heat passed on)
    rejector_heat: dict[int, _Series] = {}

    # cooling: heat pass-on with hourly draws, heat sources first (flow rule 4)
    n_c = len(net.cooling_ids)
    heat = [_Series(ref.cooling_heat_kw[j]) for j in range(n_c)]
    feed_load: dict[int, _Series] = {}
    unfed = _Series()
    cooling = _Series()
    for j in net.heat_order:
        tick()
        if not design.cooling_effective[j]:
            continue
        q, kind, unit = heat[j], net.cooling_kind[j], layout.cooling[j]
        cap = net.cooling_capacity_kw[j]
        limit = policy.max_utilization_of(kind)
        if kind in _REJECTION_AMBIENT or kind == "chiller":
            q_h = q.values(frac)
            supply, supply_max = temps[j]
            if kind == "chiller":
                draw_h, cap_h, record, econ = _chiller(net, j, unit, q_h, supply, supply_max,
                                                       condenser[j], dry, wet)
                if q_h.any():
                    econ_all = econ if econ_all is None else econ_all & econ
            else:
                draw_h, cap_h, record, above = _rejector(net, j, unit, q_h, supply, supply_max,
                                                         dry, wet)
                above_any |= above
            rejection.append(record)
            d = _Series(0.0, draw_h)
        else:
            q_h = None
            d = q.times(unit_draw_kw(net, j, 1.0))  # linear: power_kw / capacity_kw
            cap_h = cap
        if cap is not None:
            if q_h is None and q.extra is None and not _over(q.scale * frac_max, limit * cap):
                pass  # a load that follows the fraction and never reaches the limit
            else:
                record = _over_capacity(unit.id, kind, q.values(frac) if q_h is None else q_h,
                                        cap, cap_h, limit)
                if record is not None:
                    over_list.append(record[0])
                    over_any |= record[1]
        cooling.add(d)
        passed = _Series(q.scale, q.extra)
        passed.add(d)
        to = [t for t in net.cooling_to[j] if design.cooling_effective[t]]
        for t, w in (shares(to, net.cooling_capacity_kw) if to else ()):
            heat[t].add(passed, w)
        if len(to) > 1 and any(net.cooling_kind[t] in _REJECTION_AMBIENT for t in to):
            groups.append((to, passed))
        if kind in _REJECTION_AMBIENT:
            rejector_heat[j] = q
        feeds = [p for p in net.cooling_feeds[j] if design.power_live[p]]
        for p in feeds:
            feed_load.setdefault(p, _Series()).add(d, 1.0 / len(feeds))
        if not feeds:
            unfed.add(d)
        heat[j] = None  # free the hourly arrays of units already passed on

    over_n1, over_n1_any = _single_failures(layout, net, temps, groups, rejector_heat, frac,
                                            dry, wet)

    # power: cooling draws up the chain, consumers first (flow rule 5); IT part from `ref`
    n_p = len(net.power_ids)
    out = [feed_load.pop(i, None) or _Series() for i in range(n_p)]  # the cooling part
    facility = _Series()
    for i in reversed(net.power_order):
        tick()
        if not design.power_live[i]:
            continue
        cool = out[i]
        total_load = _Series(cool.scale + ref.power_out_kw[i], cool.extra)
        cap, kind = net.power_capacity_kw[i], net.power_kind[i]
        limit = policy.max_utilization_of(kind)
        if _over(total_load.peak(frac, frac_max), limit * cap):
            record = _over_capacity(net.power_ids[i], kind, total_load.values(frac), cap, cap,
                                    limit)
            if record is not None:
                over_list.append(record[0])
                over_any |= record[1]
        if net.power_is_source[i]:
            facility.add(total_load)
            continue
        inp = cool.times(1.0 / net.power_efficiency[i])  # the IT part is in `ref` upstream
        srcs = [s for s in net.power_sources[i] if design.power_live[s]]
        if net.power_share[i]:
            caps = sum(net.power_capacity_kw[s] for s in srcs)
            for s in srcs:
                out[s].add(inp, net.power_capacity_kw[s] / caps)
        else:
            out[srcs[0]].add(inp)
        out[i] = None
    facility.add(unfed)

    it_up = [b for b, up in zip(base, ref.rack_up, strict=True) if up]
    it_h = sum(it_up) * frac
    fac_h = facility.values(frac)
    cool_h = cooling.values(frac)
    it_mwh = float(it_h.sum()) / 1000.0
    fac_mwh = float(fac_h.sum()) / 1000.0
    cool_mwh = float(cool_h.sum()) / 1000.0
    order = {ident: n for n, ident in enumerate((*net.power_ids, *net.cooling_ids))}
    over_list.sort(key=lambda o: (-o.hours, order[o.component]))
    years = hours / HOURS_PER_YEAR
    tokens = _tokens(racks, ref.rack_up, base, typical, frac)
    price = layout.site.electricity_usd_per_mwh
    energy_usd = fac_mwh * price if price is not None else None
    capex = _capex(layout, years)
    usd_per_mtok = None
    if tokens and energy_usd is not None:
        usd_per_mtok = (energy_usd + capex["building_usd"] + capex["it_usd"]) / (tokens / 1e6)
    design_kpis = kpis(net, design)
    return Simulation(
        file=layout.file, hours=hours,
        weather={"source": weather.source, "station": weather.station,
                 "mean_dry_bulb_c": float(dry.mean()), "max_dry_bulb_c": float(dry.max()),
                 "max_wet_bulb_c": float(wet.max())},
        profile=profile.name,
        design={k: design_kpis[k] for k in ("it_kw", "facility_kw", "pue")},
        typical_it_kw=float(sum(t for t, up in zip(typical, ref.rack_up, strict=True) if up)),
        annual_it_mwh=it_mwh, annual_facility_mwh=fac_mwh, annual_cooling_mwh=cool_mwh,
        annual_losses_mwh=fac_mwh - it_mwh - cool_mwh,
        annual_pue=fac_mwh / it_mwh if it_mwh > 0 else None,
        peak_facility_kw=float(fac_h.max()), peak_it_kw=float(it_h.max()),
        hours_over_capacity=int(over_any.sum()), over_capacity=tuple(over_list),
        hours_over_capacity_n1=int(over_n1_any.sum()), over_capacity_n1=tuple(over_n1),
        hours_above_setpoint=int(above_any.sum()),
        economiser_hours=None if econ_all is None else int(econ_all.sum()),
        heat_rejection=tuple(rejection), tokens=tokens, energy_usd=energy_usd, capex=capex,
        usd_per_mtok=usd_per_mtok, it_kw=it_h, facility_kw=fac_h, over_hours=over_any,
        over_hours_n1=over_n1_any)


def _single_failures(layout: Layout, net: Network, temps, groups, rejector_heat, frac, dry,
                     wet) -> tuple[list[OverCapacity], np.ndarray]:
    """Hours in which one failed unit leaves a dry cooler or tower short (R004, per hour).

    Only the heat-rejection units' capacity changes with the weather, so only they are
    re-checked per hour under failure: for every unit that shares its heat over several
    targets, each failable target in turn fails and its share moves to the others by
    flow rule 4 (in proportion to capacity). A dry cooler or tower is over when its heat
    exceeds ``failover_utilization`` × its capacity at the hottest water its racks
    accept that hour. One record per unit, for the failure with the most hours. Runs
    when the layout asks for N-1 (``policy.contingency`` or a rack's ``contingency``).
    """
    hours = len(frac)
    hit_any = np.zeros(hours, dtype=bool)
    k = max([layout.policy.contingency,
             *(r.contingency for r in layout.racks if r.contingency is not None)])
    if k < 1 or not groups:
        return [], hit_any
    failable = {net.index[x][1] for x in net.failable if net.index[x][0] == "cooling"}
    extra: dict[tuple[int, int], _Series] = {}  # (failed, target) -> heat moved onto it
    for to, passed in groups:
        normal = dict(shares(to, net.cooling_capacity_kw))
        for f in to:
            if f not in failable:
                continue
            rest = [t for t in to if t != f]
            for t, w in shares(rest, net.cooling_capacity_kw):
                if t in rejector_heat:
                    extra.setdefault((f, t), _Series()).add(passed, w - normal[t])
    available: dict[int, np.ndarray] = {}
    worst: dict[int, OverCapacity] = {}
    for (f, t), moved in extra.items():
        if t not in available:
            which, approach = _REJECTION_AMBIENT[net.cooling_kind[t]]
            ambient = dry if which == "dry-bulb" else wet
            available[t] = net.cooling_capacity_kw[t] * rejection_capacity_fraction(
                ambient, temps[t][1], approach)
        load = rejector_heat[t].values(frac) + moved.values(frac)
        kind = net.cooling_kind[t]
        record = _over_capacity(net.cooling_ids[t], kind, load, net.cooling_capacity_kw[t],
                                available[t], layout.policy.failover_utilization_of(kind))
        if record is None:
            continue
        over, hit = record
        hit_any |= hit
        over = dataclasses.replace(over, scenario=(net.cooling_ids[f],))
        best = worst.get(t)
        if best is None or (over.hours, over.worst_shortfall_kw) > (best.hours,
                                                                     best.worst_shortfall_kw):
            worst[t] = over
    return [worst[t] for t in sorted(worst)], hit_any


def _rejector(net: Network, j: int, unit, q_h, supply, supply_max, dry, wet):
    """Dry cooler or tower: hourly draw, capacity at the hottest allowed water, record."""
    which, approach = _REJECTION_AMBIENT[unit.kind]
    ambient = dry if which == "dry-bulb" else wet
    cap = net.cooling_capacity_kw[j]
    cap_set = cap * rejection_capacity_fraction(ambient, supply, approach)
    cap_max = cap * rejection_capacity_fraction(ambient, supply_max, approach)
    above = _over(q_h, cap_set)
    pk = net.cooling_power_kw[j] or 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(cap_set > 0, q_h / cap_set, np.where(q_h > 0, 1.0, 0.0))
    draw = pk * np.minimum(share, 1.0)
    record = Rejection(unit.id, unit.kind, which, supply, supply_max, float(q_h.sum()) / 1000.0,
                       float(draw.sum()) / 1000.0, hours_above_setpoint=int(above.sum()))
    return draw, cap_max, record, above


def _chiller(net: Network, j: int, unit, q_h, supply, supply_max, condenser, dry, wet):
    """Chiller: hourly draw with free cooling and a lift-dependent COP, record, free hours."""
    cap = net.cooling_capacity_kw[j]
    pk = net.cooling_power_kw[j]
    cop_rated = cap / pk if pk else net.cooling_cop[j]
    if condenser is None:  # air-cooled: the condenser sees the dry-bulb
        medium = dry
        free = dry + DRY_COOLER_APPROACH_K
        air = True
    else:
        which, approach = _REJECTION_AMBIENT[condenser]
        medium = (dry if which == "dry-bulb" else wet) + approach
        free = medium
        air = False
    cop = chiller_cop(cop_rated, supply, medium, air_cooled=air)
    x = mechanical_fraction(free, supply)
    draw = x * q_h / cop
    if air:
        draw = draw + (1.0 - x) * q_h * FREE_COOLING_FAN_SHARE
    if pk is not None and pk <= 0.0:  # `power_kw: 0` draws nothing, as in validate (SPEC 3)
        draw = np.zeros_like(q_h)
    econ = x <= 0.0
    loaded = q_h > 0
    mean_cop = float((q_h * x).sum() / (q_h * x / cop).sum()) if (q_h * x).any() else None
    record = Rejection(unit.id, unit.kind, "dry-bulb" if air else _REJECTION_AMBIENT[condenser][0],
                       supply, supply_max, float(q_h.sum()) / 1000.0, float(draw.sum()) / 1000.0,
                       economiser_hours=int((econ & loaded).sum()), mean_cop=mean_cop)
    return draw, cap, record, econ


def _water_temperatures(layout: Layout, net: Network) -> list[tuple[float, float]]:
    """(setpoint, hottest allowed) water a unit delivers, °C, in heat order, sources first.

    Rack-facing units supply at ``supply_c`` (CDU default 35 °C, air units the policy's
    inlet high), allowed up to the hottest their racks accept; the water they are fed is
    that less their approach. A loop, dry cooler, tower or chiller without ``supply_c``
    delivers the coldest its sources need; what a chiller sends on is condenser water
    at the AHRI 29.4 °C.
    """
    inlet_high = layout.policy.inlet_c[1]
    served_max: dict[str, list[float]] = {}
    for r in layout.racks:
        for u in r.cooling:
            kind = layout.cooling[net.index[u][1]].kind
            if kind in LIQUID_UNIT_KINDS and r.liquid_kw > 0 and r.max_supply_c is not None:
                served_max.setdefault(u, []).append(r.max_supply_c)
            elif kind in AIR_UNIT_KINDS and r.air_kw > 0:
                served_max.setdefault(u, []).append(
                    r.max_inlet_c if r.max_inlet_c is not None else inlet_high)
    n = len(net.cooling_ids)
    needs: list[list[tuple[float, float]]] = [[] for _ in range(n)]
    temps: list[tuple[float, float]] = [(0.0, 0.0)] * n
    for j in net.heat_order:
        unit = layout.cooling[j]
        if unit.kind in LIQUID_UNIT_KINDS or unit.kind in AIR_UNIT_KINDS:
            liquid = unit.kind in LIQUID_UNIT_KINDS
            default = CDU_SUPPLY_C if liquid else inlet_high
            setpoint = unit.supply_c if unit.supply_c is not None else default
            hottest = max(min(served_max.get(unit.id, [setpoint])), setpoint)
            approach = CDU_APPROACH_K if liquid else AIR_COIL_APPROACH_K
            temps[j] = (setpoint, hottest)
            passed = (setpoint - approach, hottest - approach)
        else:
            got = needs[j] or [(CDU_SUPPLY_C - CDU_APPROACH_K,) * 2]
            setpoint = unit.supply_c if unit.supply_c is not None else min(s for s, _ in got)
            hottest = max(min(h for _, h in got), setpoint)
            temps[j] = (setpoint, hottest)
            passed = ((AHRI_CONDENSER_WATER_C,) * 2 if unit.kind == "chiller"
                      else (setpoint, hottest))
        for t in net.cooling_to[j]:
            needs[t].append(passed)
    return temps


def _condenser_of(layout: Layout, net: Network) -> list[str | None]:
    """For each chiller, the kind of the first dry cooler or tower its heat reaches (through
    loops), or ``None``: an air-cooled chiller."""
    out: list[str | None] = [None] * len(net.cooling_ids)
    for j, unit in enumerate(layout.cooling):
        if unit.kind != "chiller":
            continue
        queue, seen = list(net.cooling_to[j]), set()
        while queue:
            t = queue.pop(0)
            if t in seen:
                continue
            seen.add(t)
            if net.cooling_kind[t] in _REJECTION_AMBIENT:
                out[j] = net.cooling_kind[t]
                break
            if net.cooling_kind[t] == "loop":
                queue.extend(net.cooling_to[t])
    return out


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
