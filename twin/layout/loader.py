"""Turn a parsed layout tree into the immutable model, reporting L002-L009 with fix hints."""
from __future__ import annotations

import math
import re

from twin.layout import fields as schema
from twin.layout.catalog import builtin_rack_types
from twin.layout.model import (
    AIR_UNIT_KINDS, COOLING_KINDS, DEFAULT_EFFICIENCY, DEFAULT_MAX_UTILIZATION, EXTERNAL,
    LIQUID_UNIT_KINDS, POWER_KINDS, RACK_FACING_KINDS, RACK_TYPE_FIELDS, SINK_KINDS,
    SOURCE_KINDS,
    CoolingComponent, Event, Group, Hall, Layout, Loc, Policy, PowerComponent, Rack, RackType,
    Site, policy_key,
)
from twin.layout.scalars import Bad, did_you_mean, field_value, id_problem, scalar_text, shown
from twin.layout.source import (
    MAX_FINDINGS, MAX_ID_LENGTH, Problem, Problems, YEntry, YMap, YScalar, YSeq, is_number,
)

SUPPORTED_VERSIONS = (1,)
_MISSING = object()
#: Positions a row may have: real rows hold tens of racks; without a bound a row of
#: ``1e308`` positions made ``twin report`` and ``twin capacity`` enumerate them all.
MAX_ROW_POSITIONS = 10_000
#: A rack's ``pos`` is read as any whole number: a position outside 1..POSITIONS of its
#: row is an S003 finding (SPEC section 5), not a bad value.
_RACK_FIELDS = {**schema.RACK_FIELDS,
                "pos": schema.Field("int", doc=schema.RACK_FIELDS["pos"].doc)}


class _Loader:
    def __init__(self, tree: YMap, file: str, problems: Problems, *,
                 max_id_length: int = MAX_ID_LENGTH):
        self.max_id_length = max_id_length
        self.tree = tree
        self.file = file
        self.problems = problems
        self.locs: dict[str, Loc] = {}
        self.sort_of: dict[str, str] = {}  # id -> power/cooling/rack/hall
        self.kind_of: dict[str, str] = {}
        self.pending_refs: list[tuple[str, str, YScalar, str]] = []  # owner, field, node, wants
        #: cooling id -> (its entry, whether its `to:` names somewhere its heat goes)
        self.sink_of: dict[str, tuple[YEntry, bool]] = {}
        #: (event id, its `zone:` node, the zone) for the check that the zone exists
        self.zone_refs: list[tuple[str, YScalar, str]] = []

    # -- helpers -------------------------------------------------------------------
    def problem(self, code: str, message: str, at, component: str | None = None) -> None:
        line, col = (at.line, at.column) if at is not None else (1, 1)
        if at is not None and (getattr(at, "file", None) or getattr(at, "via", ())):
            self.problems.append(Problem(code, message, line, col, component, at.file, at.via))
            return
        self.problems.append(Problem(code, message, line, col, component))

    def loc(self, at) -> Loc:
        return Loc(getattr(at, "file", None) or self.file, at.line, at.column,
                   getattr(at, "via", ()))

    def mapping(self, entry: YEntry, what: str, owner: str | None = None) -> YMap | None:
        if isinstance(entry.value, YMap):
            return entry.value
        if isinstance(entry.value, YScalar) and entry.value.value is None:
            return YMap({}, entry.line, entry.column)  # `power:` left empty
        self.problem("L004", f"{what} must be a mapping, not {scalar_text(entry.value)}",
                     entry, owner)
        return None

    def unknown_keys(self, node: YMap, allowed, owner: str | None, where: str) -> None:
        for key, entry in node.entries.items():
            if key not in allowed and not self.problems.drops("L002", entry, owner):
                self.problem("L002", f"unknown key {shown(key, 80)} in {where}"
                             f"{did_you_mean(key, allowed)}", entry, owner)


    def value(self, node: YMap, key: str, spec: schema.Field, owner: str | None, where: str):
        """The field's checked Python value, ``None`` when absent, ``_MISSING`` when bad."""
        v = field_value(node, key, spec, where)
        if v.__class__ is Bad:
            self.problem("L004", v.message, v.at, owner)
            return _MISSING
        return v

    def fields(self, node: YMap, table: dict, owner: str | None, where: str, skip=()) -> dict:
        """Read every known key of ``node``; report unknown keys. Bad values are dropped."""
        self.unknown_keys(node, table, owner, where)
        if owner is not None:
            for key, entry in node.entries.items():
                self.locs.setdefault(f"{owner}.{key}", self.loc(entry))
        out = {}
        for key in node.entries:
            if key in table and key not in skip:
                v = self.value(node, key, table[key], owner, where)
                if v is not _MISSING and v is not None:
                    out[key] = v
        return out

    def register(self, entry: YEntry, sort: str) -> bool:
        ident = entry.key
        if len(ident) > self.max_id_length:
            shown = f"{ident[:40]}…"
            self.problem("L004", f"{sort} id {shown!r} is {len(ident):,} characters long, over "
                         f"the {self.max_id_length:,} limit: shorten it (or raise the limit with "
                         "--max-id-length)", entry, shown)
            return False
        bad = id_problem(ident)
        if bad is not None:
            self.problem("L004", f"{sort} id {ident!r} {bad}", entry, ident)
            return False
        if ident == EXTERNAL or ident.endswith("/" + EXTERNAL):
            self.problem("L004", f"{sort} id {ident!r}: `{EXTERNAL}` is a reserved word (in "
                         f"a cooling unit's `power:` and `to:` it means outside this layout); "
                         "rename it", entry, ident)
            return False
        if ident in self.sort_of:
            first = self.locs[ident]
            self.problem("L005", f"duplicate id {ident!r}: already used by a {self.sort_of[ident]} "
                         f"at line {first.line}; ids are unique across the file", entry, ident)
            return False
        self.sort_of[ident] = sort
        self.locs[ident] = self.loc(entry)
        return True

    def refs(self, owner: str, field: str, nodes, wants: str) -> tuple[str, ...]:
        seen = set()
        out = []
        for node in nodes:
            if node.text in seen:
                self.problem("L004", f"{owner}: {field}: {shown(node.text, 256)} is listed "
                             "twice; a feed, source or unit counts once", node, owner)
                continue
            seen.add(node.text)
            self.pending_refs.append((owner, field, node, wants))
            out.append(node.text)
        return tuple(out)

    # -- sections ------------------------------------------------------------------
    def load(self) -> Layout:
        root = self.tree
        self.unknown_keys(root, schema.TOP_FIELDS, None, "the layout")
        self.version_ok = self.check_version(root)
        site = self.site(root.entries.get("site"))
        policy = self.policy(root.entries.get("policy"))
        rack_types = self.catalog(root.entries.get("catalog"))
        power = self.section(root.entries.get("power"), "power", self.power_component, policy)
        cooling = self.section(root.entries.get("cooling"), "cooling", self.cooling_component, policy)
        halls = self.section(root.entries.get("space"), "hall", self.hall, policy)
        types = {**builtin_rack_types(), **{t.name: t for t in rack_types}}
        self.hall_rows = {h.id: dict(h.rows) for h in halls}
        racks = self.section(root.entries.get("racks"), "rack", self.rack, types)
        groups = self.section(root.entries.get("groups"), "group", self.group, None)
        events = self.section(root.entries.get("events"), "event", self.event, None)
        self.resolve_refs()
        self.check_sinks(cooling)
        self.check_zones(events, (*power, *cooling, *racks))
        return Layout(self.file, 1, site, policy, tuple(rack_types), tuple(power),
                      tuple(cooling), tuple(halls), tuple(racks), tuple(self.locs.items()),
                      refs=self.pending_refs, groups=tuple(groups), events=tuple(events))

    def check_version(self, root: YMap) -> bool:
        entry = root.entries.get("twin")
        if entry is None:
            self.problem("L009", "missing `twin: 1` (the layout format version) at the top of "
                         "the file", root)
            return False
        raw = entry.value
        if not (isinstance(raw, YScalar) and is_number(raw.value) and raw.value in SUPPORTED_VERSIONS
                and not isinstance(raw.value, float)):
            self.problem("L009", f"twin: {scalar_text(raw)} is not a supported format version; "
                         "this twin reads version 1 (write `twin: 1`)", entry)
            return False
        return True

    def site(self, entry: YEntry | None) -> Site:
        if entry is None:
            return Site()
        node = self.mapping(entry, "site")
        if node is None:
            return Site()
        values = self.fields(node, schema.SITE_FIELDS, None, "site")
        dry, wet = values.get("design_ambient_c"), values.get("design_wet_bulb_c")
        if wet is not None and dry is None:
            self.problem("L003", "site: design_wet_bulb_c without design_ambient_c: validate "
                         "checks heat rejection only at a design dry-bulb; give "
                         "site.design_ambient_c too", node.entries["design_wet_bulb_c"])
        elif wet is not None and wet > dry:
            self.problem("L004", f"site: design_wet_bulb_c is {wet:g} °C, above the {dry:g} °C "
                         "design_ambient_c: the wet-bulb is never above the dry-bulb; give the "
                         "coincident wet-bulb of the design condition",
                         node.entries["design_wet_bulb_c"].value)
        return Site(**values)

    def policy(self, entry: YEntry | None) -> Policy:
        if entry is None:
            return Policy()
        self.locs[policy_key()] = self.loc(entry)
        node = self.mapping(entry, "policy")
        if node is None:
            return Policy()
        simple = {k: v for k, v in schema.POLICY_FIELDS.items()
                  if v.type not in ("limits", "pair")}
        values = self.fields(node, {**schema.POLICY_FIELDS, **simple}, None, "policy",
                             skip=("max_utilization", "failover_utilization", "inlet_c"))
        self.locs.update((policy_key(k), self.loc(e)) for k, e in node.entries.items())
        values.pop("notes", None)
        kwargs = dict(values)
        if "max_utilization" in node.entries:
            given = self.limits(node.entries["max_utilization"], "policy.max_utilization", False)
            kwargs["max_utilization"] = tuple({**DEFAULT_MAX_UTILIZATION, **given}.items())
        if "failover_utilization" in node.entries:
            given = self.limits(node.entries["failover_utilization"],
                                "policy.failover_utilization", True)
            base = dict(Policy().failover_utilization)
            kwargs["failover_utilization"] = tuple({**base, **given}.items())
        if "inlet_c" in node.entries:
            pair = self.pair(node.entries["inlet_c"])
            if pair is not None:
                kwargs["inlet_c"] = pair
        return Policy(**kwargs)

    def limits(self, entry: YEntry, label: str, number_ok: bool) -> dict[str, float]:
        spec = schema.fraction("utilization limit", open_low=True)
        raw = entry.value
        if number_ok and isinstance(raw, YScalar):
            holder = YMap({entry.key: entry}, entry.line, entry.column)
            v = self.value(holder, entry.key, spec, None, label.rsplit(".", 1)[0])
            return {} if v is _MISSING or v is None else {k: v for k in schema.ALL_KINDS}
        node = self.mapping(entry, label)
        if node is None:
            return {}
        out = {}
        for kind, item in node.entries.items():
            if kind not in schema.ALL_KINDS:
                self.problem("L007", f"unknown kind {shown(kind, 80)} in {label}"
                             f"{did_you_mean(kind, schema.ALL_KINDS)}", item)
                continue
            v = self.value(node, kind, spec, None, label)
            if v is not _MISSING and v is not None:
                out[kind] = v
        return out

    def pair(self, entry: YEntry) -> tuple[float, float] | None:
        raw = entry.value
        if (isinstance(raw, YSeq) and len(raw.items) == 2
                and all(isinstance(i, YScalar) and is_number(i.value) for i in raw.items)):
            lo, hi = (float(i.value) for i in raw.items)
            if lo <= hi:
                return lo, hi
        self.problem("L004", "policy: inlet_c must be [low, high] in °C with low <= high, "
                     "e.g. [18, 27]", entry)
        return None

    def catalog(self, entry: YEntry | None) -> list[RackType]:
        if entry is None:
            return []
        node = self.mapping(entry, "catalog")
        if node is None:
            return []
        self.unknown_keys(node, schema.CATALOG_FIELDS, None, "catalog")
        types_entry = node.entries.get("rack_types")
        if types_entry is None:
            return []
        types_node = self.mapping(types_entry, "catalog.rack_types")
        if types_node is None:
            return []
        out = []
        for name, item in types_node.entries.items():
            body = self.mapping(item, f"rack type {name!r}", name)
            if body is None:
                continue
            values = self.fields(body, schema.CATALOG_ENTRY_FIELDS, name, f"rack type {name!r}")
            values.pop("notes", None)
            out.append(RackType(name=name, loc=self.loc(item), **values))
        return out

    def section(self, entry: YEntry | None, sort: str, build, extra) -> list:
        if entry is None:
            return []
        node = self.mapping(entry, entry.key)
        if node is None:
            return []
        out = []
        for ident, item in node.entries.items():
            if not self.register(item, sort):
                continue
            body = self.mapping(item, f"{sort} {ident!r}", ident)
            if body is None:
                continue
            built = build(ident, item, body, extra)
            if built is not None:
                out.append(built)
        return out

    def kind(self, ident: str, item: YEntry, body: YMap, kinds) -> str | None:
        entry = body.entries.get("kind")
        if entry is None:
            self.problem("L003", f"{ident}: `kind` is missing (one of {', '.join(kinds)})", item, ident)
            return None
        text = scalar_text(entry.value)
        if not (isinstance(entry.value, YScalar) and text in kinds):
            hint = did_you_mean(text, kinds)
            if text in (COOLING_KINDS if kinds is POWER_KINDS else POWER_KINDS):
                hint = f" ({text!r} belongs in the other section)"
            self.problem("L007", f"{ident}: unknown kind {shown(text, 80)}{hint}", entry, ident)
            return None
        self.kind_of[ident] = text
        return text

    def capacity(self, ident, item, values, policy: Policy, required: bool) -> float | None:
        if "capacity_kw" in values:
            return values["capacity_kw"]
        if "rating_kva" in values:
            return values["rating_kva"] * policy.power_factor
        if "rating_a" in values:
            if "voltage_v" not in values:
                self.problem("L003", f"{ident}: rating_a needs voltage_v (and phases, 3 by "
                             "default) to give a capacity", item, ident)
                return None
            phases = values.get("phases", 3)
            va = values["voltage_v"] * values["rating_a"]
            if phases == 3:
                return math.sqrt(3) * va * policy.power_factor / 1000.0
            if phases == 1:
                return va * policy.power_factor / 1000.0
            return va / 1000.0
        if required:
            self.problem("L003", f"{ident}: no capacity: give capacity_kw, rating_kva, or "
                         "rating_a with voltage_v", item, ident)
        return None

    def power_component(self, ident, item, body, policy: Policy):
        kind = self.kind(ident, item, body, POWER_KINDS)
        if kind is None:
            self.unknown_keys(body, {"kind", "notes"} | set(schema.POWER_FIELDS["switchgear"]),
                              ident, ident)
            return None
        table = schema.POWER_FIELDS[kind]
        where = f"{kind} {ident!r}"
        values = self.fields(body, table, ident, where, skip=("kind", "from"))
        if "from" in body.entries and "from" in table:
            nodes = self.value(body, "from", table["from"], ident, where)
            sources = () if nodes is _MISSING else self.refs(ident, "from", nodes, "power")
        else:
            sources = ()
        written = any(k in body.entries for k in ("capacity_kw", "rating_kva", "rating_a"))
        capacity = self.capacity(ident, item, values, policy, required=not written)
        if capacity is None:
            return None
        if kind not in SOURCE_KINDS and not sources and (
                "from" not in body.entries or isinstance(body.entries["from"].value, YSeq)):
            self.problem("L003", f"{ident}: a {kind} needs `from:` (its upstream power "
                         "component)", item, ident)
        return PowerComponent(
            id=ident, kind=kind, capacity_kw=capacity,
            efficiency=values.get("efficiency", DEFAULT_EFFICIENCY.get(kind, 1.0)),
            sources=sources, mode=values.get("mode", "transfer"),
            failable=values.get("failable", True), battery_min=values.get("battery_min"),
            fuel_h=values.get("fuel_h"), loc=self.loc(item),
            rating_kva=values.get("rating_kva"), rating_a=values.get("rating_a"),
            voltage_v=values.get("voltage_v"), phases=values.get("phases"),
            notes=values.get("notes"), zone=values.get("zone"),
            start_s=values.get("start_s"))

    def cooling_component(self, ident, item, body, policy: Policy):
        kind = self.kind(ident, item, body, COOLING_KINDS)
        if kind is None:
            self.unknown_keys(body, set(schema.COOLING_FIELDS["cdu"]) | {"cop"}, ident, ident)
            return None
        table = schema.COOLING_FIELDS[kind]
        where = f"{kind} {ident!r}"
        values = self.fields(body, table, ident, where, skip=("kind", "power", "to"))
        links = {}
        external = set()
        for field, wants in (("power", "power"), ("to", "cooling")):
            if field in body.entries:
                nodes = self.value(body, field, table[field], ident, where)
                if nodes is _MISSING:
                    links[field] = None  # reported (L004)
                elif any(n.text == EXTERNAL for n in nodes):
                    external.add(field)
                    links[field] = ()
                    if len(nodes) > 1:
                        self.problem("L004", f"{ident}: {field}: `{EXTERNAL}` stands alone: it "
                                     "means the whole of it is outside this layout; write "
                                     f"`{field}: {EXTERNAL}` or list only ids",
                                     body.entries[field], ident)
                else:
                    links[field] = self.refs(ident, field, nodes, wants)
        capacity = values.get("capacity_kw")
        if capacity is None and "capacity_kw" not in body.entries:
            if kind != "loop":
                self.problem("L003", f"{ident}: a {kind} needs capacity_kw (kW of heat)", item, ident)
                return None
            if values.get("power_kw"):
                self.problem("L003", f"{ident}: power_kw on a loop needs capacity_kw, since "
                             "draw is power_kw × load / capacity_kw", item, ident)
                return None
        elif capacity is None:
            return None
        self.check_feed(ident, item, body, kind, values, links, external)
        self.sink_of[ident] = (item, "to" in external or links.get("to", ()) != ())
        return CoolingComponent(
            id=ident, kind=kind, capacity_kw=capacity, power_kw=values.get("power_kw"),
            cop=values.get("cop", 6.0 if kind == "chiller" else None),
            flow_lpm=values.get("flow_lpm"), supply_c=values.get("supply_c"),
            power=links.get("power") or (), to=links.get("to") or (),
            failable=values.get("failable", True), loc=self.loc(item),
            power_external="power" in external, to_external="to" in external,
            zone=values.get("zone"), restart_s=values.get("restart_s"),
            storage_kwh=values.get("storage_kwh"))

    def check_feed(self, ident, item, body, kind, values, links, external) -> None:
        """A unit that draws power names its feeds or says ``power: external`` (L003)."""
        if "power" in external or links.get("power", ()) != ():
            return  # listed, external, or a bad value already reported
        draws = values.get("power_kw")
        if draws is None and kind == "chiller" and "power_kw" not in body.entries:
            what = "a chiller draws Q / cop"
        elif draws:
            what = f"power_kw is {draws:g}"
        else:
            return
        self.problem("L003", f"{ident}: no `power:`, but the {kind} draws power ({what}), so "
                     "no failure upstream could stop it: add `power:` naming its feeds, or "
                     f"`power: {EXTERNAL}` if it is fed from outside this layout", item, ident)

    def check_sinks(self, cooling) -> None:
        """Heat goes somewhere: every path of ``to:`` from a rack-facing unit ends at a
        kind that rejects heat outdoors (SINK_KINDS) or at ``to: external``.

        That is the same as: no rack-facing unit or loop is a dead end (a unit without
        ``to:`` that is not a sink kind); each dead end is L003 at its entry.
        """
        for unit in cooling:
            if unit.kind in SINK_KINDS:
                continue
            item, sends = self.sink_of.get(unit.id, (None, True))
            if sends or item is None:
                continue
            if unit.kind == "loop":
                what = "a loop with no `to:`: the heat it carries would go nowhere"
                plant = "the plant (chiller, dry cooler, cooling tower) or loop"
            else:
                what = f"no `to:`, so the heat of this {unit.kind} would go nowhere"
                plant = "the loop or plant"
            hint = (" (or make it a `crac`, an air unit with its own condenser)"
                    if unit.kind in AIR_UNIT_KINDS else "")
            self.problem("L003", f"{unit.id}: {what}: add `to:` naming {plant} that takes "
                         f"its heat, or `to: {EXTERNAL}` if it leaves through equipment "
                         f"outside this layout{hint}", item, unit.id)

    def hall(self, ident, item, body, policy):
        values = self.fields(body, schema.HALL_FIELDS, ident, f"hall {ident!r}", skip=("rows",))
        rows: list[tuple[str, int]] = []
        if "rows" in body.entries:
            rows_node = self.mapping(body.entries["rows"], f"hall {ident!r}: rows", ident)
            spec = schema.Field("int", 1, MAX_ROW_POSITIONS)
            for row, _entry in (rows_node.entries.items() if rows_node else ()):
                n = self.value(rows_node, row, spec, ident, f"hall {ident!r} row")
                if n is not _MISSING and n is not None:
                    rows.append((row, n))
        return Hall(id=ident, area_m2=values.get("area_m2"), floor_kg_m2=values.get("floor_kg_m2"),
                    rows=tuple(rows), loc=self.loc(item))

    def rack(self, ident, item, body, types: dict[str, RackType]):
        where = f"rack {ident!r}"
        values = self.fields(body, _RACK_FIELDS, ident, where, skip=("power", "cooling"))
        links = {}
        for field, wants in (("power", "power"), ("cooling", "rack-facing")):
            if field in body.entries:
                nodes = self.value(body, field, schema.RACK_FIELDS[field], ident, where)
                links[field] = () if nodes is _MISSING else self.refs(ident, field, nodes, wants)
        resolved: dict = {}
        type_name = values.get("type")
        if type_name is not None:
            rack_type = types.get(type_name)
            if rack_type is None:
                self.problem("L007", f"{ident}: unknown rack type {shown(type_name, 80)}"
                             f"{did_you_mean(type_name, types)}; `twin catalog` lists the "
                             "built-in types", body.entries["type"], ident)
                return None
            resolved = {f: getattr(rack_type, f) for f in RACK_TYPE_FIELDS
                        if getattr(rack_type, f) is not None}
        resolved.update({f: values[f] for f in RACK_TYPE_FIELDS if f in values})
        if "it_kw" not in resolved:
            if "it_kw" not in body.entries:
                what = (f"rack type {type_name!r} gives no it_kw: add `it_kw` to the rack or "
                        "the type" if type_name is not None else "give `type` (a rack type) or "
                        "`it_kw`")
                self.problem("L003", f"{ident}: {what}", item, ident)
            return None
        place = [k for k in ("hall", "row", "pos") if k in body.entries]
        if place and len(place) < 3:
            missing = [k for k in ("hall", "row", "pos") if k not in body.entries]
            self.problem("L003", f"{ident}: `hall`, `row` and `pos` go together; missing "
                         f"{', '.join(missing)}", item, ident)
        elif place and "hall" in values and "row" in values:
            self.check_place(ident, body, values)
        feeds = links.get("power", ())
        min_feeds = values.get("min_feeds", 1)
        if feeds and min_feeds > len(feeds):
            self.problem("L004", f"{ident}: min_feeds is {min_feeds} but the rack lists only "
                         f"{len(feeds)} feed(s)", body.entries["min_feeds"], ident)
        return Rack(
            id=ident, type=type_name, power=feeds, min_feeds=min_feeds,
            cooling=links.get("cooling", ()),
            hall=values.get("hall") if len(place) == 3 else None,
            row=values.get("row") if len(place) == 3 else None,
            pos=values.get("pos") if len(place) == 3 else None,
            contingency=values.get("contingency"), loc=self.loc(item),
            zone=values.get("zone"), **resolved)

    def group(self, ident, item, body, _):
        """A group: ``members`` (ids, or two lists for 2N) and ``redundancy`` (N+k or 2N)."""
        where = f"group {ident!r}"
        values = self.fields(body, schema.GROUP_FIELDS, ident, where, skip=("members",))
        missing = [k for k in ("members", "redundancy") if k not in body.entries]
        if missing:
            self.problem("L003", f"{ident}: a group needs {' and '.join(missing)} (e.g. "
                         "`members: [crah-1, crah-2, crah-3], redundancy: N+1`)", item, ident)
            return None
        target = values.get("redundancy")
        if target is None:
            return None  # a bad value, reported
        at = body.entries["redundancy"]
        text = target.strip().upper().replace(" ", "")
        k = None
        if text == "2N":
            pass
        elif (m := re.fullmatch(r"N\+([0-9]{1,3})", text)) is not None:
            k = int(m.group(1))
        else:
            self.problem("L004", f"{ident}: redundancy {shown(target, 80)} is not a target "
                         "twin reads: write N+k with k a whole number (N+0, N+1, N+2, ...) "
                         "or 2N", at.value, ident)
            return None
        raw = body.entries["members"].value
        nested = isinstance(raw, YSeq) and any(isinstance(i, YSeq) for i in raw.items)
        if k is None:
            if not (nested and len(raw.items) == 2
                    and all(isinstance(i, YSeq) and i.items for i in raw.items)):
                self.problem("L004", f"{ident}: a 2N group has two sides: write `members: "
                             "[[side-a ids], [side-b ids]]`, each side a non-empty list",
                             body.entries["members"], ident)
                return None
            nodes = [self.member_nodes(ident, side, where) for side in raw.items]
            if any(n is None for n in nodes):
                return None
            both = self.refs(ident, "members", [*nodes[0], *nodes[1]], "component")
            sides = (both[:len(nodes[0])], both[len(nodes[0]):])
            if len(both) < len(nodes[0]) + len(nodes[1]):
                return None  # a member listed twice, reported
            return Group(ident, both, "2N", None, sides, self.loc(item))
        if nested:
            self.problem("L004", f"{ident}: members of an N+{k} group are one list of ids; "
                         "two lists (sides) go with `redundancy: 2N`",
                         body.entries["members"], ident)
            return None
        nodes = self.member_nodes(ident, raw, where, body.entries["members"])
        if nodes is None:
            return None
        members = self.refs(ident, "members", nodes, "component")
        if len(members) < len(nodes):
            return None  # a member listed twice, reported
        if k >= len(members):
            self.problem("L004", f"{ident}: N+{k} with {len(members)} member(s) leaves no N: "
                         f"an N+{k} group needs more than {k} members", at.value, ident)
            return None
        return Group(ident, members, f"N+{k}", k, (), self.loc(item))

    def member_nodes(self, ident, raw, where, entry=None):
        """The id nodes of one list of members (or one id), or ``None`` (reported)."""
        entry = entry or YEntry("members", raw.line, raw.column, raw)
        holder = YMap({"members": entry}, entry.line, entry.column)
        nodes = self.value(holder, "members", schema.Field("ids"), ident, where)
        if nodes is _MISSING or nodes is None:
            return None
        if not nodes:
            self.problem("L003", f"{ident}: members is empty: list the components of the "
                         "group", entry, ident)
            return None
        return nodes

    def event(self, ident, item, body, _):
        """An event: ``fails`` (component ids) or ``zone`` (a zone id), exactly one."""
        where = f"event {ident!r}"
        values = self.fields(body, schema.EVENT_FIELDS, ident, where, skip=("fails",))
        given = [k for k in ("fails", "zone") if k in body.entries]
        if not given:
            self.problem("L003", f"{ident}: an event needs `fails: [ids]` (the components it "
                         "fails) or `zone: ZONE` (everything in a zone)", item, ident)
            return None
        if len(given) == 2:
            self.problem("L004", f"{ident}: an event gives `fails:` or `zone:`, not both: "
                         "make two events", body.entries["zone"], ident)
            return None
        if "zone" in given:
            zone = values.get("zone")
            if zone is None:
                return None
            self.zone_refs.append((ident, body.entries["zone"].value, zone))
            return Event(ident, (), zone, self.loc(item))
        nodes = self.value(body, "fails", schema.EVENT_FIELDS["fails"], ident, where)
        if nodes is _MISSING or nodes is None:
            return None
        if not nodes:
            self.problem("L003", f"{ident}: fails is empty: list the components the event "
                         "fails", body.entries["fails"], ident)
            return None
        return Event(ident, self.refs(ident, "fails", nodes, "component"), None,
                     self.loc(item))

    def check_zones(self, events, entries) -> None:
        """An event's zone must be one that a component or a rack carries (L006)."""
        if not self.zone_refs:
            return
        zones = {e.zone for e in entries if e.zone is not None}
        for owner, node, zone in self.zone_refs:
            if zone not in zones:
                known = (f"; the zones written are {', '.join(sorted(zones)[:10])}"
                         if zones else "; no component or rack carries `zone:`")
                self.problem("L006", f"{owner}: zone {shown(zone, 256)} is no component's or "
                             f"rack's `zone:`{did_you_mean(zone, sorted(zones))}{known}",
                             node, owner)

    def check_place(self, ident, body, values) -> None:
        hall = values["hall"]
        entry = body.entries["hall"]
        if hall not in self.hall_rows:
            self.problem("L006", f"{ident}: hall {shown(hall, 256)} does not exist"
                         f"{did_you_mean(hall, self.hall_rows)}", entry.value, ident)
            return
        row = values["row"]
        if row not in self.hall_rows[hall]:
            self.problem("L006", f"{ident}: hall {hall!r} has no row {shown(row, 256)}"
                         f"{did_you_mean(row, self.hall_rows[hall])}", body.entries["row"].value, ident)

    def suggest(self, context: _RefContext, owner, field, node, wants) -> str:
        """The "did you mean" of a reference to no id: the ids of its sort (not the owner, nor
        what it lists in ``field`` already), those of the kind ``field`` takes first, then
        by the ids the entries around it use (:class:`_RefContext`)."""
        sorts = (("power", "cooling") if wants == "component"
                 else ("power",) if wants == "power" else ("cooling",))
        listed = context.listed(owner, field, node)
        pool = [i for i, s in self.sort_of.items()
                if s in sorts and i != owner and i not in listed]
        if self.sort_of.get(owner) == "cooling" and field in ("power", "to"):
            pool.append(EXTERNAL)  # `to: EXTERNAL` meant the word, not a missing id
        preferred = None
        if wants == "rack-facing":  # a rack's cooling: the units that face racks
            preferred = {i for i in pool if self.kind_of.get(i) in RACK_FACING_KINDS}
        elif field == "to":  # heat goes on to a loop or a unit that rejects it
            preferred = {i for i in pool if self.kind_of.get(i) not in RACK_FACING_KINDS}
        votes = context.votes(owner, field, node, self.sort_of.get(owner, ""))
        return did_you_mean(node.text, pool, preferred=preferred, votes=votes)

    def resolve_refs(self) -> None:
        """Check every reference once all ids are known (L006 missing, L008 wrong sort)."""
        context = None
        for owner, field, node, wants in self.pending_refs:
            target = node.text
            sort = self.sort_of.get(target)
            if sort is None:
                if target == EXTERNAL:
                    self.problem("L006", f"{owner}: {field}: `{EXTERNAL}` is not an id; it "
                                 "is taken only by a cooling unit's `power:` and `to:`: name "
                                 "the component(s) here", node, owner)
                    continue
                if self.problems.drops("L006", node, owner):
                    continue  # past the findings cap: no message, no suggestion to build
                if context is None:
                    context = _RefContext(self.pending_refs, self.sort_of)
                self.problem("L006", f"{owner}: {field}: {shown(target, 256)} does not exist"
                             f"{self.suggest(context, owner, field, node, wants)}", node, owner)
                continue
            if target == owner and field in ("from", "to"):
                continue  # a self-loop is a cycle, reported as T001
            kind = self.kind_of.get(target, sort)
            ok = (sort == wants or (wants == "rack-facing" and kind in RACK_FACING_KINDS)
                  or (wants == "component" and sort in ("power", "cooling")))
            if not ok:
                wanted = {"power": "a power component", "cooling": "a cooling component",
                          "component": "power or cooling components (racks never fail)",
                          "rack-facing": f"a rack-facing cooling unit ({', '.join(RACK_FACING_KINDS)})"}
                self.problem("L008", f"{owner}: {field}: {target!r} is a {kind}, but {field} "
                             f"takes {wanted[wants]}", node, owner)


class _RefContext:
    """The references of a file grouped for suggestions: per (owner, field) the ids it
    lists, and per (section, field) the owners that have that field, in file order."""

    def __init__(self, pending, sort_of):
        self.lists: dict[tuple[str, str], list[str]] = {}
        self.owners: dict[tuple[str, str], list[str]] = {}
        self.index: dict[tuple, int] = {}  # (owner, field, node) -> its place in the list
        for owner, field, node, _ in pending:
            ids = self.lists.setdefault((owner, field), [])
            if not ids:
                self.owners.setdefault((sort_of.get(owner, ""), field), []).append(owner)
            self.index[(owner, field, id(node))] = len(ids)
            ids.append(node.text)
        self.position = {key: {o: k for k, o in enumerate(owners)}
                         for key, owners in self.owners.items()}

    def votes(self, owner: str, field: str, node, sort: str) -> dict[str, int]:
        """Ids the neighbouring entries point to, with a weight: the entries before and after
        ``owner`` with the same ``field`` (its siblings) vote 1 for the id at the same place
        of their list, 2 for what that id becomes under the change that turns a sibling's
        other entries into ``owner``'s (``pdu-a1`` to ``pdu-a2`` makes ``pdu-b1``
        ``pdu-b2``), or 1 under the change from the sibling's id to ``owner`` when there are
        no other entries."""
        mine = self.lists[(owner, field)]
        at = self.index[(owner, field, id(node))]
        owners = self.owners.get((sort, field), [])
        k = self.position.get((sort, field), {}).get(owner)
        votes: dict[str, int] = {}
        for sibling in (owners[k - 1] if k else None,
                        owners[k + 1] if k is not None and k + 1 < len(owners) else None):
            theirs = self.lists.get((sibling, field)) if sibling else None
            if not theirs or at >= len(theirs):
                continue
            used = theirs[at]
            votes[used] = votes.get(used, 0) + 1
            pairs = [(theirs[j], mine[j]) for j in range(min(len(theirs), len(mine))) if j != at]
            if pairs:
                weight = 2
                differ = [(a, b) for a, b in pairs if a != b]
                guess = _analogy(used, *differ[0]) if differ else used
            else:
                weight, guess = 1, _analogy(used, sibling, owner)
            if guess is not None:
                votes[guess] = votes.get(guess, 0) + weight
        return votes

    def listed(self, owner: str, field: str, node) -> set[str]:
        """The other ids ``owner`` lists in ``field``: never what a typo there meant."""
        at = self.index[(owner, field, id(node))]
        return {x for j, x in enumerate(self.lists[(owner, field)]) if j != at}


def _analogy(text: str, before: str, after: str) -> str | None:
    """``text`` with the change that turns ``before`` into ``after`` (the part between their
    common prefix and suffix), when that part occurs exactly once in it; else ``None``."""
    p = 0
    while p < min(len(before), len(after)) and before[p] == after[p]:
        p += 1
    q = 0
    while q < min(len(before), len(after)) - p and before[-1 - q] == after[-1 - q]:
        q += 1
    old, new = before[p:len(before) - q], after[p:len(after) - q]
    if not old or text.count(old) != 1:
        return None
    return text.replace(old, new)


def load_tree(tree: YMap, file: str, *, max_id_length: int = MAX_ID_LENGTH,
              max_findings: int = MAX_FINDINGS) -> tuple[Layout, list[Problem]]:
    """Build the model from a parsed tree; returns the layout and the L problems found.

    An id longer than ``max_id_length`` characters, or outside the id grammar
    (:func:`id_problem`), is L004 (and the entry is skipped). The problems are a
    :class:`twin.layout.source.Problems`: at most about ``max_findings`` kept, all counted.
    """
    problems = Problems(max_findings, file)
    layout = _Loader(tree, file, problems, max_id_length=max_id_length).load()
    return layout, problems


__all__ = ["load_tree", "did_you_mean", "LIQUID_UNIT_KINDS", "AIR_UNIT_KINDS"]
