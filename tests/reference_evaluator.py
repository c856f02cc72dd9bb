"""A second, deliberately simple implementation of SPEC sections 2-9, to disagree with twin.

It shares no code with twin: it reads the layout with PyYAML's pure-Python parser into
plain dictionaries, typing scalars by its own YAML 1.2 core schema resolver (below),
and recomputes everything from scratch for every failure set, by recursion over the
dictionaries, following the text of the format (SPEC.md and docs/format.md, where the
format leaves a choice open). It is slow on purpose and handles only flat v1 layouts
that load cleanly (no L findings, no cycles): the differential test feeds it random
layouts of that kind. ``bad_values(text)`` lists the values a number or true/false
field cannot take, so a test can check that twin refuses exactly those.

``findings(text)`` returns ``(code, component, scenario, racks)`` tuples and
``kpis(text)`` the KPI dictionary of normal operation.
"""
from __future__ import annotations

import math
import re
from itertools import combinations

import yaml


class CoreLoader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 core schema typing instead of YAML 1.1's.

    SPEC section 12: ``0120`` is 120, never octal; base 60 (``1:20``), ``0b``, ``_``
    separators and ``yes``/``no``/``on``/``off`` are text. Octal (``0o17``) and
    hexadecimal (``0x1F``) integers are core-schema integers, but the amendment makes them
    L004 in a number field, so they are read as text here too: every number this
    reference computes with was written in decimal.
    """

    yaml_implicit_resolvers: dict = {}


_CORE = [
    ("tag:yaml.org,2002:null", r"~|null|Null|NULL|", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    ("tag:yaml.org,2002:int", r"[-+]?[0-9]+", "-+0123456789"),
    ("tag:yaml.org,2002:float",
     r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)",
     "-+.0123456789"),
]
for _tag, _pattern, _first in _CORE:
    CoreLoader.add_implicit_resolver(_tag, re.compile(f"^(?:{_pattern})$"), list(_first))


def _core_int(loader, node):
    return int(loader.construct_scalar(node))


def _core_float(loader, node):
    text = loader.construct_scalar(node)
    bare = text.lstrip("+-").lower()
    if bare in (".inf", ".nan"):
        return (-1 if text.startswith("-") else 1) * float(bare[1:])
    return float(text)


CoreLoader.add_constructor("tag:yaml.org,2002:int", _core_int)
CoreLoader.add_constructor("tag:yaml.org,2002:float", _core_float)


def read(text: str):
    """The layout as plain data, scalars typed by the YAML 1.2 core schema."""
    return yaml.load(text, Loader=CoreLoader)  # noqa: S506 - a safe loader


#: The fields this reference reads as numbers, and as true/false.
NUMBER_FIELDS = ("capacity_kw", "rating_kva", "rating_a", "voltage_v", "efficiency",
                 "battery_min", "fuel_h", "power_kw", "cop", "flow_lpm", "supply_c", "it_kw",
                 "liquid_fraction", "footprint_m2", "flow_lpm_per_kw", "weight_kg",
                 "tokens_per_s", "max_supply_c", "max_inlet_c", "min_feeds", "pos",
                 "contingency", "area_m2", "floor_kg_m2", "power_factor", "min_battery_min",
                 "min_fuel_h", "electricity_usd_per_mwh")
BOOL_FIELDS = ("failable",)


def bad_values(text: str) -> list[tuple[str, str]]:
    """``(id or section, field)`` of each number field that is not a finite number and
    each true/false field that is not a boolean, in site, policy and every entry."""
    doc = read(text)
    out = []
    owners = [(name, doc.get(name) or {}) for name in ("site", "policy")]
    for section in ("power", "cooling", "space", "racks"):
        owners += list((doc.get(section) or {}).items())
    for owner, fields in owners:
        for key, value in fields.items():
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if key in NUMBER_FIELDS and not (number and math.isfinite(value)):
                out.append((owner, key))
            elif key in BOOL_FIELDS and not isinstance(value, bool):
                out.append((owner, key))
    return sorted(out)

SOURCES = ("utility", "generator")
EFFICIENCY = {"transformer": 0.985, "ups": 0.96}
NORMAL_LIMIT = {"switchgear": 0.8, "pdu": 0.8, "rpp": 0.8, "busway": 0.8, "panel": 0.8}
LIQUID = ("cdu",)
AIR = ("crah", "fan-wall", "in-row", "rdhx", "crac")
#: `power: external` and `to: external`: outside the layout (no feed, no target).
EXTERNAL = "external"


def over(value, limit):
    """docs/format.md: a relative tolerance of 1e-9 plus 1e-12 absolute; at the limit passes."""
    return value > limit * (1.0 + 1e-9) + 1e-12


def as_list(v):
    if v is None:
        return []
    return list(v) if isinstance(v, list) else [v]


class Layout:
    """The layout as plain dictionaries with the format's defaults filled in."""

    def __init__(self, text: str, contingency=None):
        doc = read(text)
        self.doc = doc
        policy = doc.get("policy") or {}
        self.pf = policy.get("power_factor", 1.0)
        self.k = policy.get("contingency", 1) if contingency is None else contingency
        self.max_util = dict(NORMAL_LIMIT)
        self.max_util.update(policy.get("max_utilization") or {})
        fo = policy.get("failover_utilization", 1.0)
        self.fo_all, self.fo_map = (fo, {}) if not isinstance(fo, dict) else (1.0, fo)
        self.inlet_high = (policy.get("inlet_c") or [18, 27])[1]
        self.min_battery = policy.get("min_battery_min", 5)
        self.min_fuel = policy.get("min_fuel_h", 12)
        site = doc.get("site") or {}
        self.price = site.get("electricity_usd_per_mwh")
        self.power = {}
        for ident, c in (doc.get("power") or {}).items():
            c = dict(c)
            c["capacity"] = self.capacity(c)
            c["eff"] = 1.0 if c["kind"] in SOURCES else c.get(
                "efficiency", EFFICIENCY.get(c["kind"], 1.0))
            c["from"] = as_list(c.get("from"))
            self.power[ident] = c
        self.cooling = {}
        for ident, u in (doc.get("cooling") or {}).items():
            u = dict(u)
            u["external"] = u.get("power") == EXTERNAL
            u["power"] = [] if u["external"] else as_list(u.get("power"))
            u["to"] = [] if u.get("to") == EXTERNAL else as_list(u.get("to"))
            if u["kind"] == "chiller":
                u.setdefault("cop", 6.0)
            self.cooling[ident] = u
        types = ((doc.get("catalog") or {}).get("rack_types") or {})
        self.racks = {}
        for ident, r in (doc.get("racks") or {}).items():
            merged = dict(types.get(r.get("type"), {}))
            merged.update(r)
            r = merged
            r["power"] = as_list(r.get("power"))
            r["cooling"] = as_list(r.get("cooling"))
            r.setdefault("min_feeds", 1)
            r.setdefault("liquid_fraction", 0.0)
            r.setdefault("footprint_m2", 0.72)
            r.setdefault("flow_lpm_per_kw", 1.5)
            r.setdefault("weight_kg", 0)
            r["liquid_kw"] = r["it_kw"] * r["liquid_fraction"]
            r["air_kw"] = r["it_kw"] - r["liquid_kw"]
            self.racks[ident] = r
        self.halls = doc.get("space") or {}
        # file order of the failable components: power in file order, then cooling
        self.failable = [i for i, c in self.power.items() if c.get("failable", True)]
        self.failable += [j for j, u in self.cooling.items() if u.get("failable", True)]
        # "the order they are written in the file" for a finding's scenario
        order = []
        for section in doc:
            if section in ("power", "cooling"):
                order.extend(doc[section] or {})
        self.file_order = {ident: n for n, ident in enumerate(order)}

    def capacity(self, c):
        if "capacity_kw" in c:
            return c["capacity_kw"]
        if "rating_kva" in c:
            return c["rating_kva"] * self.pf
        phases = c.get("phases", 3)
        if phases == "dc":
            return c["voltage_v"] * c["rating_a"] / 1000
        if phases == 1:
            return c["voltage_v"] * c["rating_a"] * self.pf / 1000
        return math.sqrt(3) * c["voltage_v"] * c["rating_a"] * self.pf / 1000

    def failover_limit(self, kind):
        return self.fo_map.get(kind, 1.0) if self.fo_map else self.fo_all

    def rack_k(self, r):
        c = self.racks[r].get("contingency")
        return self.k if c is None else c


class Scenario:
    """Every quantity of one failure set, recomputed from the dictionaries."""

    def __init__(self, lay: Layout, failed=(), gone=()):
        # ``gone``: racks lost with their zone (a zone event): they draw and make nothing
        self.lay, self.failed = lay, set(failed)
        self._live, self._eff = {}, {}
        self.rack_up = {}
        self.rack_lost = {}
        self.rack_heat = {}  # unit -> heat from racks
        self.flow = {}
        self.direct = {}  # power id -> kW drawn directly by racks and cooling units
        for r, rack in lay.racks.items():
            if r in gone:
                self.rack_up[r], self.rack_lost[r] = True, []
                continue
            feeds = [p for p in rack["power"] if self.live(p)]
            up = bool(feeds) and len(feeds) >= rack["min_feeds"]
            self.rack_up[r] = up
            self.rack_lost[r] = []
            if not up:
                continue
            for p in feeds:
                self.direct[p] = self.direct.get(p, 0.0) + rack["it_kw"] / len(feeds)
            for medium, load, kinds in (("liquid", rack["liquid_kw"], LIQUID),
                                        ("air", rack["air_kw"], AIR)):
                if load <= 0:
                    continue
                units = [u for u in rack["cooling"]
                         if lay.cooling[u]["kind"] in kinds and self.effective(u)]
                if not units:
                    self.rack_lost[r].append(medium)
                    continue
                for u, w in self.weights(units):
                    self.rack_heat[u] = self.rack_heat.get(u, 0.0) + load * w
                    if medium == "liquid":
                        self.flow[u] = self.flow.get(u, 0.0) + load * w * rack["flow_lpm_per_kw"]
        self._heat = {}
        self.unfed = 0.0
        for u, unit in lay.cooling.items():
            d = self.draw(u)
            if d:
                feeds = [p for p in unit["power"] if self.live(p)]
                if not feeds:
                    self.unfed += d
                for p in feeds:
                    self.direct[p] = self.direct.get(p, 0.0) + d / len(feeds)
        self._out = {}

    def weights(self, units):
        caps = [self.lay.cooling[u].get("capacity_kw") for u in units]
        if any(c is None for c in caps):
            return [(u, 1 / len(units)) for u in units]
        return [(u, c / sum(caps)) for u, c in zip(units, caps, strict=True)]

    def live(self, p):
        if p not in self._live:
            c = self.lay.power[p]
            if p in self.failed:
                self._live[p] = False
            elif c["kind"] in SOURCES:
                self._live[p] = True
            else:
                self._live[p] = any(self.live(s) for s in c["from"])
        return self._live[p]

    def effective(self, u):
        if u not in self._eff:
            unit = self.lay.cooling[u]
            self._eff[u] = (u not in self.failed
                            and (not unit["power"] or any(self.live(p) for p in unit["power"]))
                            and (not unit["to"] or any(self.effective(t) for t in unit["to"])))
        return self._eff[u]

    def heat(self, u):
        """Heat load on unit ``u``: its racks' share plus what its sources pass on."""
        if u not in self._heat:
            if not self.effective(u):
                self._heat[u] = 0.0
                return 0.0
            q = self.rack_heat.get(u, 0.0)
            for s, src in self.lay.cooling.items():
                if u in src["to"] and self.effective(s):
                    targets = [t for t in src["to"] if self.effective(t)]
                    w = dict(self.weights(targets))[u]
                    q += (self.heat(s) + self.draw(s)) * w
            self._heat[u] = q
        return self._heat[u]

    def draw(self, u):
        if not self.effective(u):
            return 0.0
        unit = self.lay.cooling[u]
        q = self.heat(u)
        pk = unit.get("power_kw")
        if pk is not None:  # given, 0 included: power_kw x Q / capacity_kw (SPEC section 3)
            cap = unit.get("capacity_kw")
            return pk * q / cap if pk and cap else 0.0
        if unit["kind"] == "chiller":
            return q / unit["cop"]
        return 0.0

    def out(self, p):
        """Output load of power component ``p``: what its children draw from it."""
        if p not in self._out:
            if not self.live(p):
                self._out[p] = 0.0
                return 0.0
            load = self.direct.get(p, 0.0)
            for child, c in self.lay.power.items():
                if p not in c["from"] or not self.live(child):
                    continue
                srcs = [s for s in c["from"] if self.live(s)]
                need = self.out(child) / c["eff"]
                if c.get("mode", "transfer") == "share":
                    total = sum(self.lay.power[s]["capacity"] for s in srcs)
                    load += need * self.lay.power[p]["capacity"] / total
                elif srcs[0] == p:
                    load += need
            self._out[p] = load
        return self._out[p]

    def inp(self, p):
        return self.out(p) / self.lay.power[p]["eff"]

    def down(self):
        return {r for r, up in self.rack_up.items() if not up}

    def lost(self):
        return {r for r, up in self.rack_up.items() if up and self.rack_lost[r]}


def kpis(text: str) -> dict:
    lay = Layout(text)
    s = Scenario(lay)
    it = sum(r["it_kw"] for k, r in lay.racks.items() if s.rack_up[k])
    facility = sum(s.out(p) for p, c in lay.power.items() if c["kind"] in SOURCES) + s.unfed
    cooling = sum(s.draw(u) for u in lay.cooling)
    losses = sum(s.inp(p) - s.out(p) for p, c in lay.power.items()
                 if c["kind"] not in SOURCES and s.live(p))
    rated = [r["tokens_per_s"] for k, r in lay.racks.items()
             if s.rack_up[k] and r.get("tokens_per_s") is not None]
    tokens = sum(rated) if rated else None
    per_mw = tokens / (facility / 1000) if tokens is not None and facility > 0 else None
    usd = None
    if tokens and lay.price is not None:
        usd = (facility / 1000 * lay.price / 3600) / (tokens / 1e6)
    external = sum(s.draw(u) for u, unit in lay.cooling.items() if unit["external"])
    return {"it_kw": it, "facility_kw": facility, "pue": facility / it if it > 0 else None,
            "cooling_kw": cooling, "losses_kw": losses, "tokens_per_s": tokens,
            "tokens_per_s_per_mw": per_mw, "energy_usd_per_mtok": usd, "external_kw": external}


def findings(text: str, contingency=None) -> list[tuple]:
    """Every finding as (code, component, scenario, racks), sorted."""
    lay = Layout(text, contingency)
    out = []
    normal = Scenario(lay)
    out += _topology(lay)
    out += _power(lay, normal)
    out += _cooling(lay, normal)
    out += _space(lay)
    out += _resilience(lay, normal)
    out += _stated(lay, normal)
    return sorted(out)


def _topology(lay):
    out = []
    named_power = set()
    for c in lay.power.values():
        named_power.update(c["from"])
    for u in lay.cooling.values():
        named_power.update(u["power"])
    for r in lay.racks.values():
        named_power.update(r["power"])
    out += [("T002", p, (), ()) for p in lay.power if p not in named_power]
    named_cooling = set()
    for u in lay.cooling.values():
        named_cooling.update(u["to"])
    for r in lay.racks.values():
        named_cooling.update(r["cooling"])
    out += [("T002", u, (), ()) for u in lay.cooling if u not in named_cooling]
    return out


def _power(lay, s):
    out = []
    for p, c in lay.power.items():
        if over(s.out(p), lay.max_util.get(c["kind"], 1.0) * c["capacity"]):
            out.append(("P001", p, (), ()))
        if c["kind"] == "ups" and c.get("battery_min") is not None and s.out(p) > 0:
            if over(lay.min_battery, c["battery_min"] * c["capacity"] / s.out(p)):
                out.append(("P003", p, (), ()))
        if c["kind"] == "generator" and c.get("fuel_h") is not None:
            if over(lay.min_fuel, c["fuel_h"]):
                out.append(("P004", p, (), ()))
    return out


def _cooling(lay, s):
    out = []
    for u, unit in lay.cooling.items():
        cap = unit.get("capacity_kw")
        if cap is not None and over(s.heat(u), lay.max_util.get(unit["kind"], 1.0) * cap):
            out.append(("C001", u, (), ()))
        if unit["kind"] == "cdu" and unit.get("flow_lpm") is not None:
            if over(s.flow.get(u, 0.0), unit["flow_lpm"]):
                out.append(("C002", u, (), ()))
        if unit.get("supply_c") is not None and unit["kind"] in LIQUID + AIR:
            hot = []
            for r, rack in lay.racks.items():
                if u not in rack["cooling"]:
                    continue
                if unit["kind"] in LIQUID:
                    if rack["liquid_kw"] > 0 and rack.get("max_supply_c") is not None \
                            and over(unit["supply_c"], rack["max_supply_c"]):
                        hot.append(r)
                elif rack["air_kw"] > 0:
                    limit = rack.get("max_inlet_c", lay.inlet_high)
                    if over(unit["supply_c"], limit):
                        hot.append(r)
            if hot:
                out.append(("C003", u, (), tuple(hot)))
    for r, rack in lay.racks.items():
        kinds = [lay.cooling[u]["kind"] for u in rack["cooling"]]
        if (rack["liquid_kw"] > 0 and "cdu" not in kinds) or \
                (rack["air_kw"] > 0 and not any(k in AIR for k in kinds)) or not rack["power"]:
            out.append(("C004", r, (), ()))
    return out


def _space(lay):
    out, taken = [], set()
    for r, rack in lay.racks.items():
        if rack.get("hall") is None:
            continue
        slot = (rack["hall"], rack["row"], rack["pos"])
        if slot in taken:
            out.append(("S001", r, (), ()))
        taken.add(slot)
        hall = lay.halls[rack["hall"]]
        if not 1 <= rack["pos"] <= hall["rows"][rack["row"]]:
            out.append(("S003", r, (), ()))
        if hall.get("floor_kg_m2") is not None and rack["weight_kg"] > 0:
            if over(rack["weight_kg"] / rack["footprint_m2"], hall["floor_kg_m2"]):
                out.append(("S002", r, (), ()))
    return out


def _resilience(lay, normal):
    k = max([lay.k, *(lay.rack_k(r) for r in lay.racks)])
    racks = list(lay.racks)
    down_of = {frozenset(): normal.down()}
    lost_of = {frozenset(): normal.lost()}
    out = []
    worst_p, worst_c = {}, {}
    for size in range(1, k + 1):
        for scenario in combinations(lay.failable, size):
            s = Scenario(lay, scenario)
            down_of[frozenset(scenario)] = s.down()
            lost_of[frozenset(scenario)] = s.lost()
            shown = tuple(sorted(scenario, key=lay.file_order.get))
            for code, seen in (("R001", down_of), ("R003", lost_of)):
                fresh = [r for r in racks if r in seen[frozenset(scenario)]
                         and lay.rack_k(r) >= size
                         and not any(r in seen[frozenset(sub)] for n in range(size)
                                     for sub in combinations(scenario, n))]
                if fresh:
                    out.append((code, shown[0], shown, tuple(fresh)))
            if size > lay.k:
                continue
            for p, c in lay.power.items():
                load = s.out(p)
                if load > 0:
                    _keep(worst_p, p, load / c["capacity"], shown)
            for u, unit in lay.cooling.items():
                load = s.heat(u)
                if unit.get("capacity_kw") is not None and load > 0:
                    _keep(worst_c, u, load / unit["capacity_kw"], shown)
    for code, worst, table in (("R002", worst_p, lay.power), ("R004", worst_c, lay.cooling)):
        for ident, cands in worst.items():
            top = max(u for u, _ in cands)
            scenario = next(sc for u, sc in cands if u >= top * (1 - 1e-9))
            if over(top, lay.failover_limit(table[ident]["kind"])):
                out.append((code, ident, scenario, ()))
            c = table[ident]
            # P003 at the worst set too (SPEC section 12), when it loads the UPS beyond normal
            if code == "R002" and c["kind"] == "ups" and c.get("battery_min") is not None:
                load = top * c["capacity"]
                if over(load, normal.out(ident)) and \
                        over(lay.min_battery, c["battery_min"] * c["capacity"] / load):
                    out.append(("P003", ident, scenario, ()))
    return out


def _keep(worst, ident, u, scenario):
    """Keep every utilization in enumeration order: the earliest set within 1e-9 is reported."""
    worst.setdefault(ident, []).append((u, scenario))


# --- the sets a layout states itself: groups (R005), events (R006), maintenance (R007) ---

def _broken(lay, failed, gone=()):
    """(racks lost, [(utilization / limit)] of components over their failover limit)."""
    normal = Scenario(lay, (), gone)
    s = Scenario(lay, failed, gone)
    racks = tuple(r for r in lay.racks if r not in gone and (
        (not s.rack_up[r] and normal.rack_up[r])
        or (s.rack_up[r] and s.rack_lost[r] and not (normal.rack_up[r] and normal.rack_lost[r]))))
    hot = []
    for p, c in lay.power.items():
        load = s.out(p)
        if load > 0 and over(load / c["capacity"], lay.failover_limit(c["kind"])):
            hot.append(load / c["capacity"] / lay.failover_limit(c["kind"]))
    for u, unit in lay.cooling.items():
        load, cap = s.heat(u), unit.get("capacity_kw")
        if cap is not None and load > 0 and over(load / cap, lay.failover_limit(unit["kind"])):
            hot.append(load / cap / lay.failover_limit(unit["kind"]))
    return racks, hot


def _stated(lay, normal):
    doc, out = lay.doc, []
    shown = lambda ids: tuple(sorted(set(ids), key=lay.file_order.get))  # noqa: E731
    for gid, g in (doc.get("groups") or {}).items():
        members = g["members"]
        if g["redundancy"] == "2N":
            sets = [tuple(members[0]), tuple(members[1])]
        else:
            k = int(g["redundancy"][2:])
            sets = [s for n in range(1, min(k, len(members)) + 1)
                    for s in combinations(members, n)]
        worst = None
        for s in sets:
            racks, hot = _broken(lay, s)
            if racks or hot:
                weight = (len(racks), round(max(hot, default=0.0), 9))
                if worst is None or weight > worst[0]:
                    worst = (weight, shown(s), racks)
        if worst is not None:
            out.append(("R005", gid, worst[1], worst[2]))
    for eid, e in (doc.get("events") or {}).items():
        if "zone" in e:
            z = e["zone"]
            failed = [i for i, c in {**lay.power, **lay.cooling}.items() if c.get("zone") == z]
            gone = {r for r, rack in lay.racks.items() if rack.get("zone") == z}
        else:
            failed, gone = as_list(e["fails"]), set()
        racks, hot = _broken(lay, failed, gone)
        if racks or hot:
            out.append(("R006", eid, shown(failed), racks))
    policy = doc.get("policy") or {}
    if not (policy.get("maintenance") or (policy.get("tier") or 0) >= 3):
        return out
    for ident, c in {**lay.power, **lay.cooling}.items():
        # not repeated: what the sweep judges for the same single (R001-R004)
        swept = c.get("failable", True)
        if swept and lay.k >= 1:
            continue
        racks, hot = _broken(lay, [ident])
        racks = tuple(r for r in racks if lay.racks[r].get("contingency") != 0
                      and not (swept and lay.rack_k(r) >= 1))
        if racks or hot:
            out.append(("R007", ident, (ident,), racks))
    return out
