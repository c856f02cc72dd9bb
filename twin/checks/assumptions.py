"""The defaults a verdict rests on: what twin assumed because the layout did not say.

A clean ``twin validate`` is only as good as the figures it checked. Where a layout
leaves out a field whose default can change a verdict (a loop that may fail, an
efficiency, a rack type's figures, a policy limit, a check that does not run for want
of a figure), :func:`assumptions` lists it, grouped so a campus of thousands of racks
gives one entry per default and field: the count, the first component it applies to and
where that component is written. docs/format.md (Assumptions) lists every code.

A field counts as written when the loader saw its key (:meth:`Layout.loc_of` of
``id.field``, or :func:`policy_key` for ``policy:``), so a default written out in the
layout is not an assumption.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from twin.layout.catalog import builtin_rack_types
from twin.layout.model import (
    AIR_UNIT_KINDS, DEFAULT_EFFICIENCY, DEFAULT_RESTART_S, DEFAULT_START_S,
    LIQUID_UNIT_KINDS, RACK_FACING_KINDS, Layout, Loc, Policy, policy_key,
)
from twin.physics.outage import INF, generators_back

#: Code -> kebab name of each kind of assumption.
CODES = {
    "A001": "loop-failable-by-default",
    "A002": "efficiency-default",
    "A003": "rack-type-figures",
    "A004": "policy-default",
    "A005": "rack-default",
    "A006": "unit-default",
    "A007": "hall-default",
}
#: Rack-type figures the checks read (the rest feed KPIs and simulate only).
_CHECKED_TYPE_FIELDS = ("it_kw", "liquid_fraction", "weight_kg", "footprint_m2",
                        "flow_lpm_per_kw", "max_supply_c", "max_inlet_c")
_SPEC = "the format's default (docs/format.md)"
#: Where R008's defaults come from (docs/sources.md).
_START_SOURCE = "NFPA 110 Type 10 [S31][S42] (docs/format.md, Continuous cooling)"
_RESTART_SOURCE = ("a conventional chiller needs 4-8 min after a power loss [S44] "
                   "(docs/format.md, Continuous cooling)")
_OUTSIDE_SOURCE = ("what is outside the layout is not known to be on stored energy "
                   "(docs/format.md, Continuous cooling)")


def _outage_checked(layout: Layout) -> bool:
    """R008 runs and has a utility to lose: its defaults then decide a verdict."""
    return layout.policy.checks_continuous_cooling and any(
        c.kind == "utility" for c in layout.power)


@dataclass(frozen=True, slots=True)
class Assumption:
    """One default twin applied, to ``count`` components (the first is ``component``)."""

    code: str
    component: str | None
    field: str
    value: object
    default_source: str
    message: str
    file: str
    line: int = 1
    column: int = 1
    count: int = 1
    via: tuple = field(default=(), compare=False)

    @property
    def name(self) -> str:
        return CODES[self.code]

    def as_dict(self) -> dict:
        out = {"code": self.code, "name": self.name, "component": self.component,
               "field": self.field, "value": self.value, "default_source": self.default_source,
               "count": self.count, "file": self.file, "line": self.line,
               "column": self.column, "message": self.message}
        if self.via:
            out["via"] = [{"instance": v.instance, "block": v.block, "file": v.file,
                           "line": v.line, "column": v.column} for v in self.via]
        return out


class _Groups:
    """Assumptions keyed by (code, field, value, source): counted, the first one kept."""

    def __init__(self, layout: Layout):
        self.layout = layout
        self.found: dict[tuple, list] = {}

    def add(self, code: str, ident: str | None, fld: str, value, source: str, what,
            loc: Loc | None = None, kind: str = "", key: tuple | None = None) -> None:
        key = (code, fld, repr(value), source, kind) if key is None else (code, *key)
        entry = self.found.get(key)
        if entry is None:
            if loc is None and ident is not None:
                loc = self.layout.loc_of(ident)
            self.found[key] = [ident, loc, 1, value, what, fld, source]
        else:
            entry[2] += 1

    def result(self) -> tuple[Assumption, ...]:
        out = []
        for key, (ident, loc, count, value, what, fld, source) in self.found.items():
            code = key[0]
            message = what(count, ident) if callable(what) else what
            loc = loc or Loc(self.layout.file, 1, 1)
            out.append(Assumption(code, ident, fld, value, source, message, loc.file, loc.line,
                                  loc.column, count, loc.via))
        return tuple(sorted(out, key=lambda a: (a.code, a.file, a.line, a.column, a.field)))


def _many(noun: str):
    """A message maker: ``N noun(s) (first: id)`` or ``noun id``."""
    def head(count: int, ident) -> str:
        if count > 1:
            return f"{count:,} {noun}s (first: {ident})"
        return ident if ident == noun else f"{noun} {ident}"
    return head


def assumptions(layout: Layout, contingency: int | None = None) -> tuple[Assumption, ...]:
    """Every default the layout's verdict rests on, grouped (see the module's doc)."""
    g = _Groups(layout)
    written = layout.loc_of
    _policy(g, layout, contingency)
    _power(g, layout, written)
    _cooling(g, layout, written)
    _racks(g, layout, written)
    _halls(g, layout, written)
    return g.result()


def _policy(g: _Groups, layout: Layout, contingency) -> None:
    p, base = layout.policy, Policy()
    at = layout.loc_of(policy_key()) or Loc(layout.file, 1, 1)
    ups_runtime = any(c.kind == "ups" and c.battery_min is not None for c in layout.power)
    fuel = any(c.kind == "generator" and c.fuel_h is not None for c in layout.power)
    rated = any((c.rating_kva is not None or c.rating_a is not None) and c.phases != "dc"
                and layout.loc_of(f"{c.id}.capacity_kw") is None
                for c in layout.power)
    air_supply = any(u.kind in AIR_UNIT_KINDS and u.supply_c is not None for u in layout.cooling)
    k = max([p.contingency if contingency is None else contingency]
            + [r.contingency for r in layout.racks if r.contingency is not None])
    rows = (
        ("contingency", contingency is None, base.contingency,
         "every rack must keep power and cooling when any 1 component fails"),
        ("max_utilization", True, "switchgear, pdu, rpp, busway, panel 0.8; others 1.0",
         "the normal-operation limit per kind"),
        ("failover_utilization", k >= 1, 1.0,
         "components may run at 100 % of capacity while others have failed"),
        ("power_factor", rated, base.power_factor,
         "kVA and amp ratings count as that many kW"),
        ("inlet_c", air_supply, list(base.inlet_c),
         "air units may supply up to 27 °C to racks that give no max_inlet_c"),
        ("min_battery_min", ups_runtime, base.min_battery_min,
         "a UPS needs 5 min of battery at its load"),
        ("min_fuel_h", fuel, base.min_fuel_h, "a generator needs 12 h of fuel at full load"),
    )
    for key, relevant, value, meaning in rows:
        if relevant and layout.loc_of(policy_key(key)) is None:
            shown = value if isinstance(value, str) else _fig(value)
            g.add("A004", None, f"policy.{key}", value, _SPEC,
                  f"policy.{key} not given: {shown} ({meaning}); write it under `policy:` "
                  "to make the limit explicit", at)


def _power(g: _Groups, layout: Layout, written) -> None:
    outage = _outage_checked(layout)
    for c in layout.power:
        if outage and c.kind == "generator" and c.start_s is None:
            g.add("A006", c.id, "start_s", DEFAULT_START_S, _START_SOURCE, lambda n, i: (
                f"{_many('generator')(n, i)}: start_s not given: {DEFAULT_START_S:g} s from "
                "a utility loss until it carries load (NFPA 110 Type 10), for R008; give "
                "the set's start, synchronise and transfer time"))
        if c.kind in DEFAULT_EFFICIENCY and written(f"{c.id}.efficiency") is None:
            value = DEFAULT_EFFICIENCY[c.kind]
            head = _many(c.kind)
            g.add("A002", c.id, "efficiency", value, _SPEC,
                  lambda n, i, head=head, v=value, kind=c.kind:
                   f"{head(n, i)}: efficiency not given, {v:g} assumed (the {kind} default): "
                   "it sets the losses upstream; give the unit's datasheet figure", kind=c.kind)
        # a check that does not run for want of a figure (as a CDU's flow_lpm, C002)
        missing = (("ups", "battery_min", "battery runtime", "P003", "UPSs"),
                   ("generator", "fuel_h", "fuel", "P004", "generators"))
        for kind, fld, what, code, plural in missing:
            if c.kind == kind and getattr(c, fld) is None:
                more = ("; R008 takes its battery to carry its load until the generators "
                        "do" if outage and kind == "ups" else "")
                g.add("A006", c.id, fld, None, _SPEC,
                      lambda n, i, f=fld, w=what, k=code, p=plural, kind=kind, more=more: (
                          f"{f'{n:,} {p} (first: {i})' if n > 1 else f'{kind} {i}'}: {f} not "
                          f"given: its {w} is not checked ({k} does not run for it){more}"),
                      kind=kind)


def _cooling(g: _Groups, layout: Layout, written) -> None:
    outage = _outage_checked(layout)
    gens = generators_back(layout)
    back = ("never: the layout has no generator" if gens == INF else
            f"back at {gens:g} s, when the site's generators carry the load (the latest "
            "start_s)")
    for u in layout.cooling:
        if outage and u.kind in DEFAULT_RESTART_S and u.restart_s is None:
            value = DEFAULT_RESTART_S[u.kind]
            head = _many(u.kind)
            dx = (" (a DX unit's compressors are taken to restart like a chiller's, "
                  "anti-short-cycle timers included)" if u.kind == "crac" else "")
            g.add("A006", u.id, "restart_s", value, _RESTART_SOURCE,
                  lambda n, i, head=head, v=value, dx=dx: (
                      f"{head(n, i)}: restart_s not given: {v:g} s to cool again after its "
                      f"power returns{dx}, for R008; give the unit's restart time "
                      "(quick-start units restart faster)"), kind=u.kind)
        if outage and u.power_external:
            g.add("A006", u.id, "power", "external", _OUTSIDE_SOURCE,
                  lambda n, i, v=back: (
                      f"{_many('unit')(n, i)} on `power: external`: taken as lost with the "
                      f"utility and {v}, then its restart_s, for R008; if it has a UPS of "
                      "its own, write that UPS in the layout"))
        if outage and u.to_external:
            g.add("A006", u.id, "to", "external", _OUTSIDE_SOURCE,
                  lambda n, i, v=back: (
                      f"{_many('unit')(n, i)} with `to: external`: the plant outside the "
                      f"layout that takes its heat is taken as lost with the utility and "
                      f"{v}, for R008; if it runs through an outage or restarts later, "
                      "write it in the layout"))
        if u.kind == "loop":
            if u.failable and written(f"{u.id}.failable") is None:
                g.add("A001", u.id, "failable", True, _SPEC, lambda n, i: (
                    f"{_many('loop')(n, i)}: failable by default, so a failure set may take "
                    f"{'it' if n == 1 else 'each'} down with every unit behind it; write "
                    "`failable: false` on passive "
                    "piping accepted as a single path, or give two loops and list both in "
                    "the units' `to:`"))
            if u.capacity_kw is None:
                g.add("A006", u.id, "capacity_kw", None, _SPEC, lambda n, i: (
                    f"{_many('loop')(n, i)}: no capacity_kw, so no limit is checked on the "
                    "heat it carries"))
            continue
        if u.kind == "chiller" and u.power_kw is None and written(f"{u.id}.cop") is None:
            g.add("A006", u.id, "cop", u.cop, _SPEC, lambda n, i, cop=u.cop: (
                f"{_many('chiller')(n, i)}: neither power_kw nor cop given: COP {cop:g} "
                "assumed, draw = heat / COP; give the chiller's figure"))
        elif u.kind != "chiller" and u.power_kw is None:
            head = _many(u.kind)
            g.add("A006", u.id, "power_kw", 0.0, _SPEC, lambda n, i, head=head: (
                f"{head(n, i)}: power_kw not given: draws 0 kW, so no power component "
                "carries its fans or pumps and the PUE leaves them out"), kind=u.kind)
        if u.kind == "cdu" and u.flow_lpm is None:
            g.add("A006", u.id, "flow_lpm", None, _SPEC, lambda n, i: (
                f"{_many('cdu')(n, i)}: flow_lpm not given: the coolant the racks need is "
                "not checked against it (C002 does not run for it)"))
        if u.kind in RACK_FACING_KINDS and u.supply_c is None:
            head = _many(u.kind)
            g.add("A006", u.id, "supply_c", None, _SPEC, lambda n, i, head=head: (
                f"{head(n, i)}: supply_c not given: the supply temperature is not checked "
                "against its racks' limits"), kind=u.kind)


def _racks(g: _Groups, layout: Layout, written) -> None:
    builtin = builtin_rack_types()
    mine = {t.name: t for t in layout.rack_types}
    inlet_high = layout.policy.inlet_c[1]
    cdus = {u.id for u in layout.cooling if u.kind in LIQUID_UNIT_KINDS}
    floors = {h.id: h.floor_kg_m2 for h in layout.halls}
    given = {}  # rack type -> the checked figures it gives
    cache = {}  # (rack type, figures taken) -> the entry's field, value, source, message
    outage = _outage_checked(layout)
    checked = _CHECKED_TYPE_FIELDS + (("ride_through_s",) if outage else ())
    for r in layout.racks:
        rid = r.id
        typed = r.type is not None
        if typed:
            fields = given.get(r.type)
            if fields is None:
                fields = given[r.type] = tuple(
                    f for f in checked if _type_has(r.type, f, mine, builtin))
            taken = tuple(f for f in fields if written(f"{rid}.{f}") is None)
            if taken:
                ck = (r.type, taken)
                entry = cache.get(ck)
                if entry is None:
                    entry = cache[ck] = _type_entry(r, taken, mine, builtin)
                g.add("A003", rid, *entry, key=ck)

        def default(fld: str) -> bool:
            return written(f"{rid}.{fld}") is None and not (
                typed and _type_has(r.type, fld, mine, builtin))

        if outage and default("ride_through_s"):
            g.add("A005", rid, "ride_through_s", 0.0, _SPEC, lambda n, i: (
                f"{_many('rack')(n, i)}: ride_through_s not given: 0 s, so any gap in its "
                "cooling during a utility outage overheats it (R008); give the time it "
                "tolerates without cooling at full load"))
        if len(r.power) >= 2 and written(f"{rid}.min_feeds") is None:
            g.add("A005", rid, "min_feeds", 1, _SPEC, lambda n, i: (
                f"{_many('rack')(n, i)}: min_feeds not given: 1, so the rack is taken to run "
                "at full load on any one of its feeds; give `min_feeds` if it needs more"))
        if r.liquid_fraction <= 0 and default("liquid_fraction") and any(
                u in cdus for u in r.cooling):
            g.add("A005", rid, "liquid_fraction", 0.0, _SPEC, lambda n, i: (
                f"{_many('rack')(n, i)}: lists a CDU but gives no liquid_fraction: 0, so all "
                "its heat goes to air"))
        if r.liquid_fraction > 0:
            if default("flow_lpm_per_kw"):
                g.add("A005", rid, "flow_lpm_per_kw", r.flow_lpm_per_kw, _SPEC,
                      lambda n, i, v=r.flow_lpm_per_kw: (
                          f"{_many('rack')(n, i)}: flow_lpm_per_kw not given: {v:g} L/min per "
                          "kW of liquid heat assumed for the CDU flow check"))
            if r.max_supply_c is None:
                g.add("A005", rid, "max_supply_c", None, _SPEC, lambda n, i: (
                    f"{_many('rack')(n, i)}: no max_supply_c (rack or type): the liquid "
                    "supply temperature is not checked for it"))
        if r.liquid_fraction < 1 and r.max_inlet_c is None:
            g.add("A005", rid, "max_inlet_c", inlet_high, "policy.inlet_c",
                  lambda n, i, v=inlet_high: (
                      f"{_many('rack')(n, i)}: no max_inlet_c (rack or type): air up to "
                      f"{v:g} °C (policy.inlet_c) assumed acceptable"))
        if r.hall is not None and floors.get(r.hall) is not None:
            if r.weight_kg <= 0:
                g.add("A005", rid, "weight_kg", 0.0, _SPEC, lambda n, i: (
                    f"{_many('rack')(n, i)}: no weight_kg (rack or type): 0, so its floor "
                    "loading is not checked (S002)"))
            elif default("footprint_m2"):
                g.add("A005", rid, "footprint_m2", r.footprint_m2, _SPEC,
                      lambda n, i, v=r.footprint_m2: (
                          f"{_many('rack')(n, i)}: footprint_m2 not given: {v:g} m² (600 x "
                          "1200 mm) assumed for its floor loading"))


def _type_entry(r, taken: tuple, mine: dict, builtin: dict) -> tuple:
    """(field, value, source, message) of A003 for racks of ``r``'s type taking ``taken``."""
    rt = mine.get(r.type) or builtin.get(r.type)
    where = "the layout's catalog" if r.type in mine else "the built-in catalog"
    source = f"rack type {r.type} ({where})" + (f": {rt.source}" if rt.source else "")
    values = {f: getattr(rt, f) for f in taken}
    shown = ", ".join(f"{f} {_fig(v)}" for f, v in values.items())
    return (", ".join(taken), values, source,
            lambda n, i, t=r.type, s=shown, w=where: (
                f"{_many('rack')(n, i)}: figures from rack type {t} ({w}; `twin catalog` "
                f"shows its sources): {s}; write a figure on the rack or the type to "
                "override it"))


def _type_has(name: str, fld: str, mine: dict, builtin: dict) -> bool:
    rt = mine.get(name) or builtin.get(name)
    return rt is not None and getattr(rt, fld, None) is not None


def _halls(g: _Groups, layout: Layout, written) -> None:
    placed = {r.hall for r in layout.racks if r.hall is not None}
    for h in layout.halls:
        if h.id in placed and h.floor_kg_m2 is None:
            g.add("A007", h.id, "floor_kg_m2", None, _SPEC, lambda n, i: (
                f"{_many('hall')(n, i)}: no floor_kg_m2: the floor loading of its racks is "
                "not checked (S002)"))


def _fig(value) -> str:
    if isinstance(value, float):
        return f"{value:,g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, list):
        return "[" + ", ".join(_fig(v) for v in value) + "]"
    return str(value)


__all__ = ["Assumption", "CODES", "assumptions"]
