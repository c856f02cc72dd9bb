"""Turn a parsed layout tree into the immutable model, reporting L002-L009 with fix hints."""
from __future__ import annotations

import difflib
import math
import re
import unicodedata

from twin.layout import fields as schema
from twin.layout.catalog import builtin_rack_types
from twin.layout.model import (
    AIR_UNIT_KINDS, COOLING_KINDS, DEFAULT_EFFICIENCY, DEFAULT_MAX_UTILIZATION,
    LIQUID_UNIT_KINDS, POWER_KINDS, RACK_FACING_KINDS, RACK_TYPE_FIELDS, SOURCE_KINDS,
    CoolingComponent, Hall, Layout, Loc, Policy, PowerComponent, Rack, RackType, Site,
)
from twin.layout.source import (
    MAX_FINDINGS, MAX_ID_LENGTH, MAX_NUMBER_LENGTH, Problem, Problems, YEntry, YMap, YScalar,
    YSeq, is_number,
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


def did_you_mean(word: str, known) -> str:
    """`` (did you mean 'x'?)`` for the closest known word, or an empty string."""
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _scalar_text(node) -> str:
    if isinstance(node, YScalar):
        return node.text
    return "a list" if isinstance(node, YSeq) else "a mapping"


def _shown(text: str, width: int = 40) -> str:
    """``text`` quoted for a message, cut to ``width`` characters with its length."""
    if len(text) <= width:
        return repr(text)
    return f"{text[:width]!r}… ({len(text):,} characters)"


# -- numbers and booleans: what YAML 1.1 would have read, so a message can say it ------------
# Linear expressions only, and used on at most MAX_NUMBER_LENGTH characters.
_BASE60 = re.compile(r"([-+]?)([0-9][0-9_]*(?::[0-5]?[0-9])+)(\.[0-9_]*)?")
_PREFIXED = re.compile(r"[-+]?0([xob])[0-9a-fA-F_]+")
_SEPARATED = re.compile(r"[-+]?[0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?")
_DECIMAL = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_BASES = {"x": (16, "a hexadecimal"), "o": (8, "an octal"), "b": (2, "a YAML 1.1 binary")}
_YAML11_BOOL = {w: w.lower() in ("y", "yes", "on", "true")
                for word in ("y", "yes", "n", "no", "on", "off")
                for w in (word, word.capitalize(), word.upper())}


def _yaml11_number(text: str) -> str | None:
    """How a YAML 1.1 reader would read ``text`` as a number twin does not read, and the
    decimal value to write instead; ``None`` when it is not such a form."""
    m = _BASE60.fullmatch(text)
    if m and (m.group(3) or m.group(2)[0] != "0"):  # YAML 1.1: 0:20 is text, 0:20.5 is not
        sign, whole, fraction = m.groups()
        value: float = 0
        for part in whole.replace("_", "").split(":"):
            value = value * 60 + int(part)
        if fraction:
            value += float(f"0{fraction.replace('_', '')}")
        return f"`{text}` is a YAML 1.1 base-60 number; write {'-' if sign == '-' else ''}{value!r}"
    m = _PREFIXED.fullmatch(text)
    if m:
        base, what = _BASES[m.group(1)]
        try:
            value = int(text.replace("_", ""), base)
        except ValueError:
            return None
        return f"`{text}` is {what} number; write the decimal value {value}"
    if "_" in text and _SEPARATED.fullmatch(text):
        bare = text.replace("_", "")
        if _DECIMAL.fullmatch(bare):
            return f"`{text}` has `_` digit separators (YAML 1.1); write {bare}"
    return None


# -- the id grammar ---------------------------------------------------------------------------
#: An id: parts joined by ``/`` (the separator blocks put between an instance and the ids
#: in it); each part starts with a letter, a digit or ``_`` and goes on with those and
#: ``- . : +``. Letters and digits are Unicode ones (``str.isalnum``); combining marks may
#: follow a letter. No ``..`` anywhere. The fast path is this expression (``\w`` is a
#: letter, a digit or ``_``); what it refuses goes through :func:`id_problem`'s scan.
_ID = re.compile(r"\w[\w.:+-]*(?:/\w[\w.:+-]*)*")
ID_GRAMMAR = ("an id is letters, digits and `_`, then also `-` `.` `:` `+`, with `/` only "
              "between such parts (as blocks join an instance and its ids), and no `..`")
_ID_PUNCTUATION = "-.:+"


def _char(c: str) -> str:
    name = unicodedata.name(c, "")
    if c == " ":
        return "a space"
    if c.isprintable() and not unicodedata.category(c).startswith(("Z", "C", "M")):
        return f"{c!r}"
    return f"{ascii(c)} (U+{ord(c):04X}{f' {name}' if name else ''})"


def id_problem(ident: str) -> str | None:
    """``None`` for an id of the grammar, else what is wrong with it and the grammar (the
    message after ``ID``)."""
    if _ID.fullmatch(ident) and ".." not in ident:
        return None
    why = None
    if not ident:
        why = "is empty"
    else:
        start = True  # at the start of the id or of a part
        for n, c in enumerate(ident, 1):
            if c == "/":
                if n == 1:
                    why = "starts with '/'"
                elif start:
                    why = f"has an empty part between '/' at character {n}"
                elif n == len(ident):
                    why = "ends with '/'"
                if why is not None:
                    break
                start = True
                continue
            if c.isalnum() or c == "_":
                start = False
                continue
            if start:
                if c in _ID_PUNCTUATION or unicodedata.category(c).startswith("M"):
                    what = "the id" if n == 1 else "a part after '/'"
                    why = f"starts {what} with {_char(c)} at character {n}"
                    break
            elif c in _ID_PUNCTUATION or unicodedata.category(c).startswith("M"):
                continue  # a mark after a letter: accented and Indic letters written decomposed
            why = f"has {_char(c)} at character {n}, which an id may not contain"
            break
    if why is None and ".." in ident:
        why = f"has `..` at character {ident.index('..') + 1}"
    if why is None:
        return None
    hint = ""
    if "$" in ident or ("{" in ident and ".." in ident):
        hint = ("; `$name` and ranges (`{1..3}`) are expanded only in a layout that uses "
                "blocks (docs/blocks.md)")
    return f"{why}: {ID_GRAMMAR}{hint}"


def _not_a_number(raw) -> str:
    """Why ``raw`` is not a number twin reads, and the fix: the message after the label."""
    if not isinstance(raw, YScalar):
        return f"is {_scalar_text(raw)!r}: not a number"
    text = raw.text
    if len(text) > MAX_NUMBER_LENGTH:
        if text[:1] in "0123456789+-.":
            return (f"is {_shown(text, 20)}: a number is at most {MAX_NUMBER_LENGTH} "
                    "characters; write it with fewer digits (1.5e6, not 1500000.000…)")
        return f"is {_shown(text)}: not a number"
    value = raw.value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"is {text!r}: not a finite number"
    if not raw.plain and raw.tag == "tag:yaml.org,2002:str":
        written = "a quoted value" if raw._tag is None else "a value tagged !!str"
        fix = "quotes" if raw._tag is None else "the tag"
        hint = f"; write it without {fix}" if _DECIMAL.fullmatch(text.strip()) else ""
        return f"is {text!r}: not a number ({written} is text){hint}"
    form = _yaml11_number(text)
    if form is not None:
        return f"is {text!r}: {form}"
    return f"is {text!r}: not a number"


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
        self.problem("L004", f"{what} must be a mapping, not {_scalar_text(entry.value)}",
                     entry, owner)
        return None

    def unknown_keys(self, node: YMap, allowed, owner: str | None, where: str) -> None:
        for key, entry in node.entries.items():
            if key not in allowed and not self.problems.drops("L002", entry, owner):
                self.problem("L002", f"unknown key {_shown(key, 80)} in {where}"
                             f"{did_you_mean(key, allowed)}", entry, owner)

    def value(self, node: YMap, key: str, spec: schema.Field, owner: str | None, where: str):
        """The field's checked Python value, ``None`` when absent, ``_MISSING`` when bad."""
        entry = node.entries.get(key)
        if entry is None:
            return None
        raw = entry.value
        label = f"{where}: {key}"
        if spec.type in ("number", "int"):
            v = raw.value if raw.__class__ is YScalar else None
            if not is_number(v):
                self.problem("L004", f"{label} {_not_a_number(raw)}", entry, owner)
                return _MISSING
            if spec.type == "int" and not (isinstance(v, int) or float(v).is_integer()):
                self.problem("L004", f"{label} is {raw.text}: must be a whole number", entry, owner)
                return _MISSING
            if not self.in_bounds(float(v), spec):
                self.problem("L004", f"{label} is {raw.text}: must be {spec.bounds_text()}",
                             entry, owner)
                return _MISSING
            return int(v) if spec.type == "int" else float(v)
        if spec.type == "bool":
            if isinstance(raw, YScalar) and isinstance(raw.value, bool):
                return raw.value
            text = _scalar_text(raw)
            old = _YAML11_BOOL.get(text) if isinstance(raw, YScalar) and raw.plain else None
            why = ("must be true or false" if old is None else f"`{text}` is a YAML 1.1 "
                   f"boolean, text in YAML 1.2 which twin reads; write {str(old).lower()}")
            self.problem("L004", f"{label} is {_shown(text)}: {why}", entry, owner)
            return _MISSING
        if spec.type == "choice":
            if isinstance(raw, YScalar) and raw.value in spec.choices and not isinstance(raw.value, bool):
                return raw.value
            choices = ", ".join(str(c) for c in spec.choices)
            text = _scalar_text(raw)
            self.problem("L004", f"{label} is {_shown(text)}: must be one of {choices}"
                         f"{did_you_mean(text, [str(c) for c in spec.choices])}", entry, owner)
            return _MISSING
        if spec.type in ("str", "id"):
            if isinstance(raw, YScalar) and raw.value is not None:
                return raw.text
            self.problem("L004", f"{label} must be text, not {_scalar_text(raw)}", entry, owner)
            return _MISSING
        if spec.type == "ids":
            items = raw.items if isinstance(raw, YSeq) else [raw]
            out = []
            for item in items:
                if not isinstance(item, YScalar) or item.value is None:
                    self.problem("L004", f"{label} must be an id or a list of ids, not "
                                 f"{_scalar_text(item)}", item, owner)
                    return _MISSING
                out.append(item)
            return out
        raise AssertionError(spec.type)

    @staticmethod
    def in_bounds(v: float, spec: schema.Field) -> bool:
        if spec.low is not None and (v < spec.low or (spec.low_open and v == spec.low)):
            return False
        if spec.high is not None and (v > spec.high or (spec.high_open and v == spec.high)):
            return False
        return True

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
                self.problem("L004", f"{owner}: {field}: {_shown(node.text, 256)} is listed "
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
        self.resolve_refs()
        return Layout(self.file, 1, site, policy, tuple(rack_types), tuple(power),
                      tuple(cooling), tuple(halls), tuple(racks), tuple(self.locs.items()))

    def check_version(self, root: YMap) -> bool:
        entry = root.entries.get("twin")
        if entry is None:
            self.problem("L009", "missing `twin: 1` (the layout format version) at the top of "
                         "the file", root)
            return False
        raw = entry.value
        if not (isinstance(raw, YScalar) and is_number(raw.value) and raw.value in SUPPORTED_VERSIONS
                and not isinstance(raw.value, float)):
            self.problem("L009", f"twin: {_scalar_text(raw)} is not a supported format version; "
                         "this twin reads version 1 (write `twin: 1`)", entry)
            return False
        return True

    def site(self, entry: YEntry | None) -> Site:
        if entry is None:
            return Site()
        node = self.mapping(entry, "site")
        if node is None:
            return Site()
        return Site(**self.fields(node, schema.SITE_FIELDS, None, "site"))

    def policy(self, entry: YEntry | None) -> Policy:
        if entry is None:
            return Policy()
        node = self.mapping(entry, "policy")
        if node is None:
            return Policy()
        simple = {k: v for k, v in schema.POLICY_FIELDS.items()
                  if v.type not in ("limits", "pair")}
        values = self.fields(node, {**schema.POLICY_FIELDS, **simple}, None, "policy",
                             skip=("max_utilization", "failover_utilization", "inlet_c"))
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
                self.problem("L007", f"unknown kind {_shown(kind, 80)} in {label}"
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
        text = _scalar_text(entry.value)
        if not (isinstance(entry.value, YScalar) and text in kinds):
            hint = did_you_mean(text, kinds)
            if text in (COOLING_KINDS if kinds is POWER_KINDS else POWER_KINDS):
                hint = f" ({text!r} belongs in the other section)"
            self.problem("L007", f"{ident}: unknown kind {_shown(text, 80)}{hint}", entry, ident)
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
            fuel_h=values.get("fuel_h"), loc=self.loc(item))

    def cooling_component(self, ident, item, body, policy: Policy):
        kind = self.kind(ident, item, body, COOLING_KINDS)
        if kind is None:
            self.unknown_keys(body, set(schema.COOLING_FIELDS["cdu"]) | {"cop"}, ident, ident)
            return None
        table = schema.COOLING_FIELDS[kind]
        where = f"{kind} {ident!r}"
        values = self.fields(body, table, ident, where, skip=("kind", "power", "to"))
        links = {}
        for field, wants in (("power", "power"), ("to", "cooling")):
            if field in body.entries:
                nodes = self.value(body, field, table[field], ident, where)
                links[field] = () if nodes is _MISSING else self.refs(ident, field, nodes, wants)
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
        return CoolingComponent(
            id=ident, kind=kind, capacity_kw=capacity, power_kw=values.get("power_kw"),
            cop=values.get("cop", 6.0 if kind == "chiller" else None),
            flow_lpm=values.get("flow_lpm"), supply_c=values.get("supply_c"),
            power=links.get("power", ()), to=links.get("to", ()),
            failable=values.get("failable", True), loc=self.loc(item))

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
                self.problem("L007", f"{ident}: unknown rack type {_shown(type_name, 80)}"
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
            contingency=values.get("contingency"), loc=self.loc(item), **resolved)

    def check_place(self, ident, body, values) -> None:
        hall = values["hall"]
        entry = body.entries["hall"]
        if hall not in self.hall_rows:
            self.problem("L006", f"{ident}: hall {_shown(hall, 256)} does not exist"
                         f"{did_you_mean(hall, self.hall_rows)}", entry.value, ident)
            return
        row = values["row"]
        if row not in self.hall_rows[hall]:
            self.problem("L006", f"{ident}: hall {hall!r} has no row {_shown(row, 256)}"
                         f"{did_you_mean(row, self.hall_rows[hall])}", body.entries["row"].value, ident)

    def resolve_refs(self) -> None:
        """Check every reference once all ids are known (L006 missing, L008 wrong sort)."""
        for owner, field, node, wants in self.pending_refs:
            target = node.text
            sort = self.sort_of.get(target)
            if sort is None:
                pool = [i for i, s in self.sort_of.items()
                        if s == ("power" if wants == "power" else "cooling")]
                self.problem("L006", f"{owner}: {field}: {_shown(target, 256)} does not exist"
                             f"{did_you_mean(target, pool)}", node, owner)
                continue
            if target == owner and field in ("from", "to"):
                continue  # a self-loop is a cycle, reported as T001
            kind = self.kind_of.get(target, sort)
            ok = sort == wants or (wants == "rack-facing" and kind in RACK_FACING_KINDS)
            if not ok:
                wanted = {"power": "a power component", "cooling": "a cooling component",
                          "rack-facing": f"a rack-facing cooling unit ({', '.join(RACK_FACING_KINDS)})"}
                self.problem("L008", f"{owner}: {field}: {target!r} is a {kind}, but {field} "
                             f"takes {wanted[wants]}", node, owner)


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
