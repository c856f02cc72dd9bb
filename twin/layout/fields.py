"""Field tables of layout format v1: which keys each entry takes, their types and bounds.

The loader reads entries through these tables, and the docs are written from them, so
a key is added in one place. Bounds are (low, high, low_open, high_open); ``None``
means unbounded on that side.
"""
from __future__ import annotations

from dataclasses import dataclass

from twin.layout.model import (
    AIR_UNIT_KINDS, COOLING_KINDS, DISTRIBUTION_KINDS, POWER_KINDS, REJECTION_KINDS,
)


@dataclass(frozen=True, slots=True)
class Field:
    """One key: ``type`` is number, int, bool, str, id, ids, choice, pair or limits."""

    type: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple = ()
    refers_to: str = ""  # for id/ids: power, cooling, rack-facing, hall
    doc: str = ""
    #: for ids: also takes the word ``external`` on its own (outside this layout)
    external: bool = False

    def bounds_text(self) -> str:
        if self.low is None and self.high is None:
            return ""
        lo = "" if self.low is None else ("(" if self.low_open else "[") + f"{self.low:g}"
        hi = "" if self.high is None else f"{self.high:g}" + (")" if self.high_open else "]")
        if self.low is not None and self.high is None:
            return f"{'>' if self.low_open else '>='} {self.low:g}"
        if self.low is None:
            return f"{'<' if self.high_open else '<='} {self.high:g}"
        return f"{lo}, {hi}"


def positive(doc: str) -> Field:
    return Field("number", 0, None, True, doc=doc)


def non_negative(doc: str) -> Field:
    return Field("number", 0, doc=doc)


def fraction(doc: str, *, open_low: bool = False) -> Field:
    return Field("number", 0, 1, open_low, doc=doc)


def temperature(doc: str) -> Field:
    return Field("number", -273.15, None, doc=doc)


NOTES = Field("str", doc="free-form text (extension)")
ZONE = Field("str", doc="common-cause zone it stands in (a room, a fire compartment, a "
             "substation); a zone event fails all of it")
FAILABLE = Field("bool", doc="false keeps the component out of failure sets (default true)")

SITE_FIELDS = {
    "name": Field("str", doc="site name"),
    "electricity_usd_per_mwh": non_negative("energy price, USD/MWh"),
    "design_ambient_c": temperature("design ambient dry-bulb, °C"),
    "design_wet_bulb_c": temperature("design ambient wet-bulb, °C (cooling towers)"),
    "capex_usd_per_mw": non_negative("build cost per MW of critical IT, USD/MW (simulate)"),
    "capex_life_years": positive("building life for amortisation, years (simulate)"),
    "rack_life_years": positive("IT equipment life for amortisation, years (simulate)"),
    "notes": NOTES,
}

CAPACITY_FIELDS = {
    "capacity_kw": positive("capacity, kW of output"),
    "rating_kva": positive("rating, kVA (× policy.power_factor)"),
    "rating_a": positive("rating, A (with voltage_v and phases)"),
    "voltage_v": positive("line-to-line voltage, V"),
    "phases": Field("choice", choices=(3, 1, "dc"), doc="3 (default), 1 or dc"),
}

_POWER_COMMON = {"kind": Field("str", doc="component kind"), "failable": FAILABLE,
                 "zone": ZONE, "notes": NOTES}
_DISTRIBUTION = {
    **_POWER_COMMON, **CAPACITY_FIELDS,
    "efficiency": fraction("output / input", open_low=True),
    "from": Field("ids", refers_to="power", doc="upstream power component(s)"),
    "mode": Field("choice", choices=("transfer", "share"), doc="how several sources are used"),
}

POWER_FIELDS = {
    "utility": {**_POWER_COMMON, **CAPACITY_FIELDS},
    "generator": {**_POWER_COMMON, **CAPACITY_FIELDS,
                  "fuel_h": non_negative("fuel runtime at full load, h"),
                  "start_s": non_negative("seconds from a utility loss until it carries "
                                          "load, R008 (extension)")},
    **{kind: dict(_DISTRIBUTION) for kind in DISTRIBUTION_KINDS},
}
POWER_FIELDS["ups"]["battery_min"] = non_negative("battery runtime at full rated load, min")

_COOLING_COMMON = {
    "kind": Field("str", doc="component kind"),
    "capacity_kw": positive("heat capacity, kW"),
    "power_kw": non_negative("electrical draw at full capacity, kW"),
    "power": Field("ids", refers_to="power", external=True,
                   doc="power component(s) feeding the unit, or `external`"),
    "to": Field("ids", refers_to="cooling", external=True,
                doc="cooling component(s) taking its heat on, or `external`"),
    "failable": FAILABLE,
    "zone": ZONE,
    "notes": NOTES,
}
_WATER_SUPPLY = "water supply temperature it delivers, °C (simulate; derived when absent)"
_RESTART = non_negative("seconds it needs after its power returns to cool again, R008 "
                        "(extension)")
COOLING_FIELDS = {
    "cdu": {**_COOLING_COMMON, "flow_lpm": positive("coolant flow, L/min"),
            "supply_c": temperature("liquid supply temperature, °C")},
    **{kind: {**_COOLING_COMMON, "supply_c": temperature("air supply temperature, °C")}
       for kind in AIR_UNIT_KINDS},
    "loop": {**_COOLING_COMMON, "supply_c": temperature(_WATER_SUPPLY),
             "storage_kwh": non_negative("heat its buffer absorbs while the plant beyond "
                                         "it is out, kWh, R008 (extension)")},
    "chiller": {**_COOLING_COMMON, "cop": positive("coefficient of performance"),
                "supply_c": temperature(_WATER_SUPPLY), "restart_s": _RESTART},
    **{kind: {**_COOLING_COMMON, "supply_c": temperature(_WATER_SUPPLY),
              "restart_s": _RESTART}
       for kind in REJECTION_KINDS if kind != "chiller"},
}
COOLING_FIELDS["crac"] = {**COOLING_FIELDS["crac"], "restart_s": _RESTART}

RACK_TYPE_FIELDS = {
    "it_kw": non_negative("design IT power, kW (load and heat)"),
    "liquid_fraction": fraction("share of heat to liquid"),
    "weight_kg": non_negative("weight, kg"),
    "footprint_m2": positive("footprint, m²"),
    "flow_lpm_per_kw": non_negative("coolant per kW of liquid heat, L/min/kW"),
    "max_supply_c": temperature("hottest liquid supply accepted, °C"),
    "max_inlet_c": temperature("hottest air supply accepted, °C"),
    "tokens_per_s": non_negative("reference inference throughput, tokens/s"),
    "typical_kw": non_negative("typical operating IT power, kW (simulate)"),
    "price_usd": non_negative("purchase price of the rack, USD (simulate)"),
    "ride_through_s": non_negative("seconds it tolerates losing its cooling at full load, "
                                   "R008 (extension)"),
}
CATALOG_ENTRY_FIELDS = {
    **RACK_TYPE_FIELDS,
    "description": Field("str", doc="what the rack is (extension)"),
    "status": Field("choice", choices=("shipping", "announced"), doc="extension"),
    "source": Field("str", doc="where the figures come from (extension)"),
    "notes": NOTES,
}

RACK_FIELDS = {
    "type": Field("str", doc="rack type name"),
    **RACK_TYPE_FIELDS,
    "power": Field("ids", refers_to="power", doc="feeds"),
    "min_feeds": Field("int", 1, doc="live feeds needed at full load"),
    "cooling": Field("ids", refers_to="rack-facing", doc="rack-facing cooling units"),
    "hall": Field("id", refers_to="hall", doc="hall id"),
    "row": Field("str", doc="row name in the hall"),
    "pos": Field("int", 1, doc="position in the row, from 1"),
    "contingency": Field("int", 0, 2, doc="failures it must survive (overrides policy)"),
    "zone": ZONE,
    "notes": NOTES,
}

HALL_FIELDS = {
    "area_m2": positive("floor area, m²"),
    "floor_kg_m2": positive("floor rating, kg/m²"),
    "rows": Field("rows", doc="mapping row → number of positions"),
    "notes": NOTES,
}

POLICY_FIELDS = {
    "contingency": Field("int", 0, 2, doc="simultaneous failures every rack must survive"),
    "max_utilization": Field("limits", doc="normal limit per kind (mapping kind → fraction)"),
    "failover_utilization": Field("limits", doc="limit under failures: number or mapping"),
    "power_factor": fraction("for kVA and A ratings", open_low=True),
    "inlet_c": Field("pair", doc="[low, high] air supply range, °C"),
    "min_battery_min": non_negative("UPS runtime needed at its load (normal, worst set), min"),
    "min_fuel_h": non_negative("generator fuel needed at full load, h"),
    "maintenance": Field("bool", doc="check concurrent maintainability, R007 (extension)"),
    "continuous_cooling": Field("bool", doc="check cooling through a utility outage, R008 "
                                "(extension)"),
    "tier": Field("int", 1, 4, doc="Uptime Tier the design must reach, R009 (extension)"),
    "notes": NOTES,
}

#: A group's members and redundancy target (docs/format.md, "Groups").
GROUP_FIELDS = {
    "members": Field("members", doc="component ids; for 2N two lists, one per side"),
    "redundancy": Field("str", doc="N+k (k = 0, 1, 2, ...) or 2N"),
    "notes": NOTES,
}
#: A common-cause event: the ids it fails, or a zone (docs/format.md, "Events").
EVENT_FIELDS = {
    "fails": Field("ids", refers_to="component", doc="power or cooling components it fails"),
    "zone": Field("str", doc="the zone it fails: every component and rack with this `zone:`"),
    "notes": NOTES,
}

TOP_FIELDS = ("twin", "site", "policy", "catalog", "power", "cooling", "space", "racks",
              "groups", "events")
CATALOG_FIELDS = ("rack_types",)

KINDS = {"power": POWER_KINDS, "cooling": COOLING_KINDS}
ALL_KINDS = POWER_KINDS + COOLING_KINDS
