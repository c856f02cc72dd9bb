"""Heat rejection against the weather: the ambient-dependent models of cooling units.

The flow rules (:mod:`twin.physics.flow`) rate every unit at one condition. What the
weather changes is the plant that rejects heat outdoors: a dry cooler or cooling tower
loses capacity as the ambient nears the water it must deliver, and a chiller's COP
falls with the lift between its chilled water and its condenser (air or water), with
free cooling when the ambient is cold enough. Temperatures are °C, heat and draw kW,
and every function takes numbers or numpy arrays (one value per hour).

Each unit's water temperatures (the setpoint it aims for and the hottest its racks
accept) are worked out from the racks towards the plant (:func:`water_temperatures`).
The models, their defaults and their sources are in docs/simulate.md; one copy of
each lives here, so that a check at the design ambient can use the same ones.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from twin.layout.model import AIR_UNIT_KINDS, LIQUID_UNIT_KINDS, Layout
from twin.physics.flow import FlowResult, Network, evaluate
from twin.physics.limits import over

#: Dry cooler: leaving water this far above the ambient dry-bulb at rated capacity
#: (an engineering assumption of this project; no published source confirmed it).
DRY_COOLER_APPROACH_K = 6.0
#: Cooling tower: leaving water this far above the ambient wet-bulb (an engineering
#: assumption of this project; no published source confirmed it).
TOWER_APPROACH_K = 4.0
#: CDU: secondary (TCS) supply this far above the facility water it is fed: the CHx2000
#: is rated at a 5 °C approach (CoolIT Systems, "CHx2000" CDU product page,
#: https://www.coolitsystems.com/cdu-product/chx2000/, undated; docs/simulate.md).
CDU_APPROACH_K = 5.0
#: Chilled-water coil of an air unit: supply air this far above the entering water
#: (an engineering assumption of this project [U]).
AIR_COIL_APPROACH_K = 6.0
#: TCS supply of a CDU without ``supply_c``: a default of this project, 10 K inside the
#: 45 °C of ASHRAE liquid class W45 (ASHRAE TC 9.9, "Thermal Guidelines for Data
#: Processing Environments", 5th edition, 2021; docs/simulate.md).
CDU_SUPPLY_C = 35.0
#: AHRI 550/590 rating conditions (AHRI Standard 550/590 (I-P)-2023, Table 1; URL in
#: docs/simulate.md): 44 °F leaving chilled water, 54 °F return, 85 °F entering
#: condenser water, 95 °F ambient for air-cooled condensers.
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
#: (an engineering assumption of this project, as the example hall's dry-cooler fans).
FREE_COOLING_FAN_SHARE = 0.025

KELVIN = 273.15
#: What a dry cooler and a cooling tower reject against, and their approach to it, K.
REJECTION_AMBIENT = {"dry-cooler": ("dry-bulb", DRY_COOLER_APPROACH_K),
                     "cooling-tower": ("wet-bulb", TOWER_APPROACH_K)}


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


def water_temperatures(layout: Layout, net: Network) -> list[tuple[float, float]]:
    """(setpoint, hottest allowed) water a unit delivers, °C, in heat order, sources first.

    Rack-facing units supply at ``supply_c`` (CDU default 35 °C, air units the policy's
    inlet high), allowed up to the hottest their racks accept; the water they are fed is
    that less their approach. A loop, dry cooler, tower or chiller without ``supply_c``
    delivers the coldest its sources need, and is allowed up to the hottest they accept
    (its own ``supply_c`` never raises that); what a chiller sends on is condenser water
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
            # the hottest its sources accept, whatever its own setpoint says: a setpoint
            # above it would otherwise raise the limit a dry cooler is checked at (C005)
            hottest = min(h for _, h in got)
            temps[j] = (setpoint, hottest)
            passed = ((AHRI_CONDENSER_WATER_C,) * 2 if unit.kind == "chiller"
                      else (setpoint, hottest))
        for t in net.cooling_to[j]:
            needs[t].append(passed)
    return temps


def condenser_of(layout: Layout, net: Network) -> list[str | None]:
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
            if net.cooling_kind[t] in REJECTION_AMBIENT:
                out[j] = net.cooling_kind[t]
                break
            if net.cooling_kind[t] == "loop":
                queue.extend(net.cooling_to[t])
    return out


@dataclass(frozen=True, slots=True)
class RejectorHours:
    """A dry cooler or tower over the hours: its fans' draw and its capacities, kW."""

    ambient: str  # dry-bulb or wet-bulb
    draw_kw: np.ndarray
    capacity_at_setpoint_kw: np.ndarray
    capacity_at_hottest_kw: np.ndarray
    above_setpoint: np.ndarray  # hours whose heat exceeds the capacity at the setpoint


def rejector_hours(kind: str, capacity_kw: float, power_kw: float | None, heat_kw, supply_c: float,
                   max_supply_c: float, dry_bulb_c, wet_bulb_c) -> RejectorHours:
    """Dry cooler or tower rejecting ``heat_kw`` (one value per hour) against the weather.

    Capacity at a water temperature is ``capacity_kw`` × :func:`rejection_capacity_fraction`;
    the fans draw ``power_kw × min(1, heat / capacity at the setpoint)``: the flow rule at
    the rating point, full speed once the setpoint cannot be held.
    """
    which, approach = REJECTION_AMBIENT[kind]
    ambient = dry_bulb_c if which == "dry-bulb" else wet_bulb_c
    cap_set = capacity_kw * rejection_capacity_fraction(ambient, supply_c, approach)
    cap_max = capacity_kw * rejection_capacity_fraction(ambient, max_supply_c, approach)
    above = over(heat_kw, cap_set)
    pk = power_kw or 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(cap_set > 0, heat_kw / cap_set, np.where(heat_kw > 0, 1.0, 0.0))
    return RejectorHours(which, pk * np.minimum(share, 1.0), cap_set, cap_max, above)


@dataclass(frozen=True, slots=True)
class ChillerHours:
    """A chiller over the hours: its draw, COP and the share left to the compressor."""

    ambient: str  # what its condenser sees: dry-bulb or wet-bulb
    draw_kw: np.ndarray
    cop: np.ndarray
    mechanical: np.ndarray  # 0: all free cooling (an economiser hour), 1: none


def chiller_hours(capacity_kw: float, power_kw: float | None, cop: float | None, heat_kw,
                  supply_c: float, condenser: str | None, dry_bulb_c, wet_bulb_c) -> ChillerHours:
    """A chiller taking ``heat_kw`` (one value per hour) at chilled water ``supply_c``.

    Rated COP ``capacity_kw / power_kw``, else ``cop``; its condenser sees the dry-bulb
    (``condenser`` ``None``: air-cooled) or the water of the dry cooler or tower its heat
    reaches (:func:`condenser_of`). Draw ``x × Q / COP`` (:func:`chiller_cop`,
    :func:`mechanical_fraction`), plus ``(1 − x) × Q ×`` :data:`FREE_COOLING_FAN_SHARE`
    for an air-cooled chiller's coil fans; ``power_kw: 0`` draws nothing, as in the flow
    rules (SPEC section 3).
    """
    cop_rated = capacity_kw / power_kw if power_kw else cop
    if condenser is None:  # air-cooled: the condenser sees the dry-bulb
        medium = dry_bulb_c
        free = dry_bulb_c + DRY_COOLER_APPROACH_K
        air = True
    else:
        which, approach = REJECTION_AMBIENT[condenser]
        medium = (dry_bulb_c if which == "dry-bulb" else wet_bulb_c) + approach
        free = medium
        air = False
    cop_h = chiller_cop(cop_rated, supply_c, medium, air_cooled=air)
    x = mechanical_fraction(free, supply_c)
    draw = x * heat_kw / cop_h
    if air:
        draw = draw + (1.0 - x) * heat_kw * FREE_COOLING_FAN_SHARE
    if power_kw is not None and power_kw <= 0.0:
        draw = np.zeros_like(heat_kw)
    return ChillerHours("dry-bulb" if air else REJECTION_AMBIENT[condenser][0], draw, cop_h, x)


# --------------------------------------------------------------------------- design conditions
@dataclass(frozen=True, slots=True)
class DesignRejector:
    """A dry cooler or tower at the design ambient, in normal operation at design load.

    Capacities are :func:`rejector_hours`'s at the one design hour: at the unit's
    setpoint and at the hottest water its racks accept (kW).
    """

    index: int
    kind: str
    ambient: str  # dry-bulb or wet-bulb
    ambient_c: float
    approach_k: float
    supply_c: float
    max_supply_c: float
    capacity_kw: float  # rated
    at_setpoint_kw: float
    at_hottest_kw: float
    heat_kw: float
    draw_kw: float


@dataclass(frozen=True, slots=True)
class DesignChiller:
    """A chiller at the design ambient: :func:`chiller_hours` at the one design hour."""

    index: int
    ambient: str
    supply_c: float
    cop: float
    mechanical: float  # 0: full free cooling (economiser), 1: none
    kw_per_kw: float  # draw per kW of heat taken


@dataclass(frozen=True, slots=True)
class Design:
    """The design conditions a layout gives (``site.design_ambient_c``, ``design_wet_bulb_c``)
    and what they do to its heat-rejection plant."""

    dry_bulb_c: float
    wet_bulb_c: float
    wet_bulb_given: bool  # False: wet-bulb taken equal to the dry-bulb (saturated air)
    rejectors: tuple[DesignRejector, ...]
    chillers: tuple[DesignChiller, ...]


def _one(x) -> float:
    """The one value of a design-hour result (a number or a one-hour array)."""
    return float(np.asarray(x, dtype=float).reshape(-1)[0])


def at_design(layout: Layout, net: Network) -> tuple[Network, FlowResult, Design] | None:
    """The network and normal operation at the layout's design conditions, or ``None``
    when ``site.design_ambient_c`` is not given.

    One hour of :func:`twin.questions.simulate.simulate` at the design dry-bulb (and
    ``site.design_wet_bulb_c``, else wet-bulb = dry-bulb, as simulate's constant weather)
    at design load, by the same functions: a chiller draws :func:`chiller_hours` (its COP
    at that ambient, free cooling included), a dry cooler or tower :func:`rejector_hours`
    (fans at full speed once the setpoint cannot be held). The network returned carries
    those draws as flow-rule coefficients, so every failure set is evaluated with them:
    a chiller's draw per kW of heat is its design-hour one (it is linear in heat), a dry
    cooler's or tower's fans draw ``power_kw × Q / max(capacity at setpoint, Q_normal)``,
    which is simulate's draw in normal operation. Capacities stay as rated, so heat
    shares in proportion to rated capacity as in simulate; the derated capacities are in
    :class:`Design` for the checks (C005). Vectorised over the units, no loop over
    failure sets.
    """
    site = layout.site
    if site.design_ambient_c is None:
        return None
    dry = float(site.design_ambient_c)
    given = site.design_wet_bulb_c is not None
    wet = float(site.design_wet_bulb_c) if given else dry
    temps = water_temperatures(layout, net)
    condenser = condenser_of(layout, net)
    kinds, caps = net.cooling_kind, net.cooling_capacity_kw
    power, cops = list(net.cooling_power_kw), list(net.cooling_cop)
    one = np.ones(1)
    chillers = []
    for j, kind in enumerate(kinds):
        cap, pk = caps[j], power[j]
        if kind != "chiller" or (pk is not None and (pk <= 0.0 or not cap)):
            continue  # not a chiller, or one that draws nothing by the flow rule
        ch = chiller_hours(cap, pk, cops[j], one, temps[j][0], condenser[j], dry, wet)
        k = _one(ch.draw_kw)
        if cap:
            power[j] = k * cap
        elif k > 0.0:
            cops[j] = 1.0 / k
        else:
            power[j] = 0.0
        chillers.append(DesignChiller(j, ch.ambient, temps[j][0], _one(ch.cop),
                                      _one(ch.mechanical), k))
    net = dataclasses.replace(net, cooling_power_kw=tuple(power), cooling_cop=tuple(cops))
    plant = [j for j, kind in enumerate(kinds) if kind in REJECTION_AMBIENT and caps[j]]
    at = {}

    def draw(j: int, q: float) -> float | None:
        if j not in at:
            return None
        rej = rejector_hours(kinds[j], caps[j], power[j], np.array([q]), temps[j][0],
                             temps[j][1], dry, wet)
        at[j] = (rej, q)
        return _one(rej.draw_kw)

    at.update((j, None) for j in plant)
    normal = evaluate(net, draw=draw)
    rejectors = []
    for j in plant:
        which, approach = REJECTION_AMBIENT[kinds[j]]
        found = at[j]
        q = 0.0 if found is None else found[1]
        rej = found[0] if found is not None else rejector_hours(
            kinds[j], caps[j], power[j], np.zeros(1), temps[j][0], temps[j][1], dry, wet)
        cap_set = _one(rej.capacity_at_setpoint_kw)
        pk = power[j]
        if pk and max(cap_set, q) > 0.0:
            power[j] = pk * caps[j] / max(cap_set, q)
        rejectors.append(DesignRejector(
            j, kinds[j], which, dry if which == "dry-bulb" else wet, approach, temps[j][0],
            temps[j][1], caps[j], cap_set, _one(rej.capacity_at_hottest_kw), q,
            _one(rej.draw_kw)))
    net = dataclasses.replace(net, cooling_power_kw=tuple(power))
    return net, normal, Design(dry, wet, given, tuple(rejectors), tuple(chillers))
