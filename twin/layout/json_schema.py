"""JSON Schema (draft 2020-12) of layout format v1, generated from the loader's field tables.

Editors with a YAML language server complete and check layouts with it. It is built
from :mod:`twin.layout.fields` (the tables the loader reads entries through) and the block
keys of :mod:`twin.layout.ranges`, so a key added there appears here. The schema checks
structure (known keys, value types and bounds, ``kind``, required fields); what needs
the whole layout (references, capacities, N-1) stays with ``twin validate``.

Inside ``blocks`` and in range entries (an id written ``NAME{A..B}``) a value may be a
parameter: a text with ``$`` (``$cap``, ``"tx-a${i}"``), bound when the block expands,
so there every value also accepts such a text. The schema accepts that in range entries
of a layout without ``blocks``/``instances``/``include`` too, where twin reads ``$`` as
written (a ``$i`` where a number goes is then L004 from ``twin validate``).
"""
from __future__ import annotations

import json

from twin.layout import ranges
from twin.layout import fields as schema
from twin.layout.loader import _RACK_FIELDS
from twin.layout.model import COOLING_KINDS, DISTRIBUTION_KINDS, EXTERNAL, POWER_KINDS

DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: For language servers that implement draft-07 only: the keywords used mean the same
#: there, so only ``$schema`` and the name of the definitions differ.
DIALECTS = {"2020-12": DIALECT, "7": "http://json-schema.org/draft-07/schema#"}
#: A key that expands to several entries (docs/blocks.md, "Ranges").
RANGE_KEY = r"\{[0-9]+\.\.[0-9]+\}"
#: A parameter or a text with one: substituted when the block expands.
PARAM = {"type": "string", "pattern": r"\$",
         "description": "a block parameter ($name) or a text with ${name}"}
#: A scalar the loader reads as text (it takes the scalar's text, so numbers are ids too).
_TEXT = ["string", "number", "boolean"]
_SECTIONS = ("power", "cooling", "space", "racks")
#: Ids twin refuses: ``external`` is a reserved word (docs/format.md, "Outside the layout").
RESERVED_ID = f"(^|/){EXTERNAL}$"


def or_param(value: dict) -> dict:
    """``value``, or a parameter text (if/else rather than anyOf, so errors stay precise)."""
    return {"if": PARAM, "else": value}


def _number(spec: schema.Field, integer: bool) -> dict:
    out: dict = {"type": "integer" if integer else "number"}
    if spec.low is not None:
        out["exclusiveMinimum" if spec.low_open else "minimum"] = spec.low
    if spec.high is not None:
        out["exclusiveMaximum" if spec.high_open else "maximum"] = spec.high
    return out


def _kinds_map(value: dict) -> dict:
    return {"type": "object", "propertyNames": {"enum": list(schema.ALL_KINDS)},
            "additionalProperties": value}


def field(spec: schema.Field, *, templated: bool = False) -> dict:
    """The JSON Schema of one field of a table; ``templated`` also admits a parameter."""
    fraction = _number(schema.fraction("", open_low=True), False)
    t = spec.type
    if t in ("number", "int"):
        out = _number(spec, t == "int")
    elif t == "bool":
        out = {"type": "boolean"}
    elif t == "choice":
        out = {"enum": list(spec.choices)}
    elif t in ("str", "id"):
        out = {"type": _TEXT}
    elif t == "ids":
        item = {"type": _TEXT}
        if spec.external:  # `external` alone, or ids (none of them `external`)
            item = {"type": _TEXT, "not": {"const": EXTERNAL}}
            out = {"anyOf": [{"const": EXTERNAL, "description": "outside this layout"},
                             item, {"type": "array", "items": item}]}
        else:
            out = {"anyOf": [item, {"type": "array", "items": item}]}
    elif t == "pair":
        out = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}
    elif t == "limits":
        # max_utilization: a mapping; failover_utilization: a number or a mapping
        out = _kinds_map(fraction)
        if spec is schema.POLICY_FIELDS.get("failover_utilization"):
            out = {"anyOf": [fraction, out]}
    elif t == "rows":
        out = _rows(templated)
    elif t == "members":  # ids, or two lists of ids (the sides of a 2N group)
        ids = {"type": "array", "items": {"type": _TEXT}, "minItems": 1}
        out = {"anyOf": [{"type": _TEXT}, ids,
                         {"type": "array", "items": ids, "minItems": 2, "maxItems": 2}]}
    else:  # pragma: no cover - a new field type must get a schema here
        raise AssertionError(t)
    if templated and t != "rows":
        out = or_param(out)
    if spec.doc:
        out = {"description": spec.doc + (f" ({spec.bounds_text()})" if spec.bounds_text()
                                          else ""), **out}
    return out


def _rows(templated: bool) -> dict:
    count = {"type": "integer", "minimum": 1}
    ranged = or_param(count)
    out = {"type": "object", "patternProperties": {RANGE_KEY: ranged},
           "additionalProperties": ranged if templated else count}
    return or_param(out) if templated else out


def _object(table: dict, *, templated: bool, description: str = "") -> dict:
    out: dict = {"type": "object"}
    if description:
        out["description"] = description
    out["properties"] = {k: field(v, templated=templated) for k, v in table.items()}
    out["additionalProperties"] = False
    return out


def _by_kind(tables: dict, kinds, templated: bool, description: str, extra) -> dict:
    """An entry whose keys depend on its ``kind``: one if/then per kind.

    Each kind's ``then`` lists exactly its keys (so editors complete those, and a key of
    another kind is "not allowed"); ``extra(kind)`` adds its required keys. An entry
    whose kind is unknown or a parameter is checked against the keys of every kind.
    """
    union: dict = {}
    for table in tables.values():
        union.update(table)
    kind_field = _kind(kinds, templated)
    rules = []
    for kind, table in tables.items():
        then = _object(table, templated=templated)
        then["properties"]["kind"] = kind_field
        then.update(extra(kind))
        rules.append({"if": _is(kind), "then": then})
    fallback = _object(union, templated=templated)
    fallback["properties"]["kind"] = kind_field
    rules.append({"if": {"properties": {"kind": {"enum": list(kinds)}}, "required": ["kind"]},
                  "else": fallback})
    return {"type": "object", "description": description, "properties": {"kind": kind_field},
            "required": ["kind"], "allOf": rules}


def _power_entry(templated: bool) -> dict:
    capacity = [{"required": ["capacity_kw"]}, {"required": ["rating_kva"]},
                {"required": ["rating_a", "voltage_v"]}]

    def extra(kind: str) -> dict:
        out: dict = {"anyOf": capacity}
        if kind in DISTRIBUTION_KINDS:
            out["required"] = ["from"]
        return out
    return _by_kind(schema.POWER_FIELDS, POWER_KINDS, templated, "a power component", extra)


def _cooling_entry(templated: bool) -> dict:
    def extra(kind: str) -> dict:
        if kind == "loop":  # no capacity: no limit; but power_kw scales with it
            return {"if": {"required": ["power_kw"]}, "then": {"required": ["capacity_kw"]}}
        return {"required": ["capacity_kw"]}
    return _by_kind(schema.COOLING_FIELDS, COOLING_KINDS, templated, "a cooling component",
                    extra)


def _is(kind: str) -> dict:
    return {"properties": {"kind": {"const": kind}}, "required": ["kind"]}


def _kind(kinds, templated: bool) -> dict:
    if templated:
        return {"description": "component kind", **or_param({"enum": list(kinds)})}
    return {"description": "component kind", "enum": list(kinds)}


def _rack_entry(templated: bool) -> dict:
    out = _object(_RACK_FIELDS, templated=templated, description="a rack")
    out["anyOf"] = [{"required": ["type"]}, {"required": ["it_kw"]}]
    out["allOf"] = [{"if": {"required": [key]}, "then": {"required": ["hall", "row", "pos"]}}
                    for key in ("hall", "row", "pos")]
    return out


def _hall_entry(templated: bool) -> dict:
    return _object(schema.HALL_FIELDS, templated=templated, description="a hall")


def _suffix(templated: bool) -> str:
    return "-in-block" if templated else ""


def _ref(name: str, templated: bool) -> dict:
    return {"$ref": f"#/$defs/{name}{_suffix(templated)}"}


def _section(entry: str, templated: bool, description: str) -> dict:
    """A mapping id → entry; a range key (``r{01..10}``) takes parameters."""
    body = or_param(_ref(entry, True))
    return {"type": "object", "description": description,
            "propertyNames": {"not": {"pattern": RESERVED_ID}},
            "patternProperties": {RANGE_KEY: body},
            "additionalProperties": body if templated else _ref(entry, False)}


def _instances() -> dict:
    instance = {"type": "object", "description": "an instance of a block",
                "properties": {
                    "block": {"description": "the block's name", "type": _TEXT},
                    "with": {"description": "parameter → value", "type": "object"},
                    "notes": field(schema.NOTES)},
                "required": ["block"], "additionalProperties": False}
    return {"type": "object", "description": "instance id → block instance",
            "propertyNames": {"pattern": "^[^/]*$"}, "additionalProperties": instance}


def _block() -> dict:
    name = {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]*$"}
    props: dict = {"params": {"description": "the block's parameter names",
                              "anyOf": [name, {"type": "array", "items": name}]}}
    for key in ranges.BLOCK_KEYS:
        if key in _SECTIONS:
            props[key] = _ref(f"{key}-section", True)
        elif key == "instances":
            props[key] = {"$ref": "#/$defs/instances"}
        elif key == "notes":
            props[key] = field(schema.NOTES)
    assert set(props) == set(ranges.BLOCK_KEYS), "a block key without a schema"
    return {"type": "object", "description": "a reusable block (docs/blocks.md)",
            "properties": props, "additionalProperties": False}


def _group_entry() -> dict:
    """A group: ``N+k`` over one list of ids, or ``2N`` over two (docs/format.md, Groups)."""
    out = _object(schema.GROUP_FIELDS, templated=False,
                  description="a group with a redundancy target")
    target = out["properties"]["redundancy"]
    out["properties"]["redundancy"] = {**target, "type": "string",
                                       "pattern": r"^\s*([Nn]\s*\+\s*[0-9]{1,3}|2[Nn])\s*$"}
    out["required"] = ["members", "redundancy"]
    return out


def generate(draft: str = "2020-12") -> dict:
    """The JSON Schema of a layout file, as a plain dict (deterministic order).

    ``draft``: ``2020-12`` (the default) or ``7``. The schema uses only keywords that
    mean the same in both (no ``prefixItems``, no ``dependentRequired``), so the draft-07
    form differs in ``$schema`` and in naming its definitions ``definitions``.
    """
    if draft not in DIALECTS:
        raise ValueError(f"draft must be one of {', '.join(DIALECTS)}, not {draft!r}")
    defs: dict = {}
    for templated in (False, True):
        s = _suffix(templated)
        defs[f"power-entry{s}"] = _power_entry(templated)
        defs[f"cooling-entry{s}"] = _cooling_entry(templated)
        defs[f"hall-entry{s}"] = _hall_entry(templated)
        defs[f"rack-entry{s}"] = _rack_entry(templated)
        defs[f"power-section{s}"] = _section("power-entry", templated, "id → power component")
        defs[f"cooling-section{s}"] = _section("cooling-entry", templated,
                                              "id → cooling component")
        defs[f"space-section{s}"] = _section("hall-entry", templated, "id → hall")
        defs[f"racks-section{s}"] = _section("rack-entry", templated, "id → rack")
    defs["instances"] = _instances()
    defs["block"] = _block()
    top = {
        "twin": {"description": "layout format version: 1", "type": "integer", "const": 1},
        "site": _object(schema.SITE_FIELDS, templated=False, description="the site"),
        "policy": _object(schema.POLICY_FIELDS, templated=False,
                          description="limits the checks use"),
        "catalog": {"type": "object", "description": "local rack types",
                    "properties": {"rack_types": {
                        "type": "object", "description": "rack type name → figures",
                        "additionalProperties": _object(schema.CATALOG_ENTRY_FIELDS,
                                                        templated=False)}},
                    "additionalProperties": False},
        **{key: {"$ref": f"#/$defs/{key}-section"} for key in _SECTIONS},
        "groups": {"type": "object", "description": "group id → members and redundancy target",
                   "propertyNames": {"not": {"pattern": RESERVED_ID}},
                   "additionalProperties": _group_entry()},
        "events": {"type": "object", "description": "event id → what a common-cause event fails",
                   "propertyNames": {"not": {"pattern": RESERVED_ID}},
                   "additionalProperties": {
                       **_object(schema.EVENT_FIELDS, templated=False,
                                 description="a common-cause event: `fails` or `zone`"),
                       "oneOf": [{"required": ["fails"]}, {"required": ["zone"]}]}},
        "include": {"description": "other layout files to merge in, relative to this one",
                    "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "blocks": {"type": "object", "description": "block name → reusable block",
                   "additionalProperties": {"$ref": "#/$defs/block"}},
        "instances": {"$ref": "#/$defs/instances"},
    }
    assert set(top) == set(ranges.TOP_KEYS) >= set(schema.TOP_FIELDS), "a top key without a schema"
    out = {
        "$schema": DIALECTS[draft],
        "title": "twin layout, format v1",
        "description": "A YAML layout of an AI factory's power, cooling, space and racks "
                       "(docs/format.md; blocks, instances, ranges and includes: docs/blocks.md).",
        "type": "object",
        "properties": top,
        "required": ["twin"],
        "additionalProperties": False,
        "$defs": defs,
    }
    if draft == "7":
        out = json.loads(json.dumps(out).replace('"#/$defs/', '"#/definitions/'))
        out["definitions"] = out.pop("$defs")
    return out


def text(draft: str = "2020-12") -> str:
    """The schema as JSON text, two-space indented, ending in a newline."""
    return json.dumps(generate(draft), indent=2, ensure_ascii=False) + "\n"
