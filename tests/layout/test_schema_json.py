"""`twin schema`: a JSON Schema of layout v1 that every example layout passes and that catches
structural errors (unknown key, wrong type, missing kind) where twin reports L002-L007."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import twin
from twin.layout import json_schema as layout_schema
from twin.layout import fields as schema
from twin.layout.source import YMap, YSeq, parse

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the test extra")

from randomlayouts import random_layout  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(str(p.relative_to(ROOT)) for p in
                  [*(ROOT / "layouts").glob("*.yaml"),
                   *(ROOT / "layouts" / "blocks").glob("*.yaml"),
                   *(ROOT / "tests" / "layouts").glob("*.yaml")])
SCHEMA = layout_schema.generate()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def plain(node):
    """A parsed layout tree as JSON data, read as twin reads it (YAML 1.2 core scalars)."""
    if isinstance(node, YMap):
        return {key: plain(entry.value) for key, entry in node.entries.items()}
    if isinstance(node, YSeq):
        return [plain(item) for item in node.items]
    return node.value


def data_of(text: str):
    tree, problems = parse(textwrap.dedent(text).encode("utf-8"))
    assert tree is not None and not problems, problems
    return plain(tree)


def errors(text: str) -> list[tuple[str, str]]:
    """``(path, message)`` of every schema error, path as ``a.b.c``."""
    found = VALIDATOR.iter_errors(data_of(text))
    return sorted((".".join(str(p) for p in e.absolute_path), e.message) for e in found)


def codes(text: str) -> set[str]:
    return {f.code for f in twin.load_bytes(textwrap.dedent(text), "t.yaml").findings}


def test_twin_schema_prints_a_valid_draft_2020_12_schema():
    proc = subprocess.run([sys.executable, "-m", "twin", "schema"], capture_output=True,
                          text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    printed = json.loads(proc.stdout)
    assert printed == SCHEMA
    assert printed["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(printed)


def test_twin_schema_writes_the_file_with_o(tmp_path):
    out = tmp_path / "twin-layout.schema.json"
    proc = subprocess.run([sys.executable, "-m", "twin", "schema", "-o", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert (proc.returncode, proc.stdout) == (0, "")
    assert json.loads(out.read_text()) == SCHEMA
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left


@pytest.mark.parametrize("path", EXAMPLES)
def test_every_example_layout_validates(path):
    tree, problems = parse((ROOT / path).read_bytes())
    assert tree is not None and not problems
    found = [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(plain(tree))]
    assert found == []


def test_the_draft_07_form_checks_the_same(tmp_path):
    """Language servers that implement draft-07 only get the same checks."""
    proc = subprocess.run([sys.executable, "-m", "twin", "schema", "--draft", "7"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    seven = json.loads(proc.stdout)
    assert seven["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert "$defs" not in seven and "#/$defs/" not in proc.stdout
    jsonschema.Draft7Validator.check_schema(seven)
    validator = jsonschema.Draft7Validator(seven)
    for path in EXAMPLES:
        tree, _ = parse((ROOT / path).read_bytes())
        assert list(validator.iter_errors(plain(tree))) == [], path
    for case, (text, _, path) in BAD.items():
        found = {".".join(map(str, e.absolute_path))
                 for e in validator.iter_errors(data_of(text))}
        assert path in found, case
    assert list(validator.iter_errors(data_of(BLOCKS_OK))) == []


def test_the_examples_include_the_block_layouts():
    assert {"layouts/campus-1gw.yaml", "layouts/blocks/gb300-hall.yaml"} <= set(EXAMPLES)


@pytest.mark.parametrize("seed", range(30))
def test_random_layouts_that_twin_loads_cleanly_validate(seed):
    text = random_layout(seed)
    assert not twin.load_bytes(text).findings
    assert errors(text) == []


def test_the_blocks_doc_example_validates():
    doc = (ROOT / "docs" / "blocks.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.*?)```", doc, re.S).group(1)
    assert "blocks:" in example and not codes(example) & {"L002", "L003", "L004"}
    assert errors(example) == []


# -- structural errors: caught by the schema, and by twin --------------------------------

BAD = {
    "unknown key": ("""\
        twin: 1
        power:
          grid: {kind: utility, capacity_kwh: 100}
        """, "L002", "power.grid"),
    "wrong type": ("""\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: lots}
        """, "L004", "power.grid.capacity_kw"),
    "missing kind": ("""\
        twin: 1
        power:
          grid: {capacity_kw: 100}
        """, "L003", "power.grid"),
    "unknown kind": ("""\
        twin: 1
        power:
          grid: {kind: utilty, capacity_kw: 100}
        """, "L007", "power.grid.kind"),
    "a key of another kind": ("""\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: 100}
          pdu: {kind: pdu, capacity_kw: 50, battery_min: 5, from: grid}
        """, "L002", "power.pdu"),
    "zero capacity": ("""\
        twin: 1
        cooling:
          crah: {kind: crah, capacity_kw: 0}
        """, "L004", "cooling.crah.capacity_kw"),
    "efficiency above 1": ("""\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: 100}
          ups: {kind: ups, capacity_kw: 50, efficiency: 1.07, from: grid}
        """, "L004", "power.ups.efficiency"),
    "no capacity": ("""\
        twin: 1
        power:
          grid: {kind: utility}
        """, "L003", "power.grid"),
    "rating_a without voltage_v": ("""\
        twin: 1
        power:
          grid: {kind: utility, rating_a: 100}
        """, "L003", "power.grid"),
    "distribution without from": ("""\
        twin: 1
        power:
          pdu: {kind: pdu, capacity_kw: 50}
        """, "L003", "power.pdu"),
    "chiller without capacity": ("""\
        twin: 1
        cooling:
          ch: {kind: chiller, cop: 5}
        """, "L003", "cooling.ch"),
    "rack without type or it_kw": ("""\
        twin: 1
        racks:
          r1: {liquid_fraction: 0.5}
        """, "L003", "racks.r1"),
    "hall without row and pos": ("""\
        twin: 1
        racks:
          r1: {it_kw: 10, hall: h}
        """, "L003", "racks.r1"),
    "a list where a mapping goes": ("""\
        twin: 1
        space: [hall-1]
        """, "L004", "space"),
    "bad phases": ("""\
        twin: 1
        power:
          grid: {kind: utility, rating_a: 100, voltage_v: 400, phases: 2}
        """, "L004", "power.grid.phases"),
    "bad limit kind": ("""\
        twin: 1
        policy: {max_utilization: {pdx: 0.8}}
        """, "L007", "policy.max_utilization"),
    "wrong version": ("""\
        twin: 2
        """, "L009", "twin"),
    "missing version": ("""\
        power: {}
        """, "L009", ""),
    "unknown top-level key": ("""\
        twin: 1
        racks: {}
        rack: {}
        """, "L002", ""),
    "boolean where a number goes": ("""\
        twin: 1
        racks:
          r1: {it_kw: true}
        """, "L004", "racks.r1.it_kw"),
    "unknown key in a block": ("""\
        twin: 1
        blocks:
          pod: {params: [x], power: {}, site: {}}
        """, "L002", "blocks.pod"),
    "instance without block": ("""\
        twin: 1
        instances:
          p1: {with: {x: 1}}
        """, "L003", "instances.p1"),
    "instance id with a slash": ("""\
        twin: 1
        blocks:
          pod: {power: {}}
        instances:
          p/1: {block: pod}
        """, "L004", "instances"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_structural_errors_are_caught_where_twin_reports_them(case):
    text, code, path = BAD[case]
    found = errors(text)
    assert found, f"{case}: the schema accepts it"
    assert path in {p for p, _ in found}, found
    assert code in codes(text), f"{case}: twin does not report {code}"


def test_the_broken_layout_errors_example_is_rejected_at_each_bad_entry():
    tree, _ = parse((ROOT / "tests/layouts/broken/hall-layout-errors.yaml").read_bytes())
    paths = {".".join(map(str, e.absolute_path)) for e in VALIDATOR.iter_errors(plain(tree))}
    # L009 twin: 2, L002 contingncy, L003 gen-a2, L004 ups-a1 efficiency, L007 busbar
    assert paths == {"twin", "policy", "power.gen-a2", "power.ups-a1.efficiency",
                     "power.bw-a-r2-1.kind"}


# -- what blocks make legal stays legal --------------------------------------------------

BLOCKS_OK = """\
twin: 1
include: []
blocks:
  row:
    params: [feed, cap, hall, n]
    notes: one row
    power:
      ups: {kind: ups, capacity_kw: $cap, efficiency: 0.97, from: $feed}
      bw-{1..2}: {kind: busway, rating_a: 1600, voltage_v: 415, phases: 3, from: ups}
      pnl: $panel_body
    cooling:
      cdu: {kind: cdu, capacity_kw: "${cap}", flow_lpm: 3000, power: ups}
    space:
      $hall: {rows: {"r{1..4}": $n, spare: 2}}
    racks:
      r{01..03}: {type: gb300-nvl72, power: ["bw-{1..2}"], cooling: cdu, hall: $hall,
                  row: r1, pos: $i, notes: "rack ${i}"}
      solo: {it_kw: $n, power: [$feeds, ups], cooling: cdu, contingency: $k}
  hall:
    params: one
    instances:
      r{1..2}: {block: row, with: {feed: $one, cap: 1500, hall: h, n: 10}}
power:
  grid: {kind: utility, capacity_kw: 10000}
  tx{1..2}: {kind: transformer, rating_kva: 2000, from: grid, notes: "tx ${i}"}
instances:
  h1: {block: hall, with: {one: grid}, notes: the first hall}
racks:
  x{1..2}: {it_kw: 10, power: grid, pos: $i, hall: h, row: r}
"""


def test_parameters_ranges_and_includes_are_accepted_where_blocks_allow_them():
    assert errors(BLOCKS_OK) == []


@pytest.mark.parametrize(("old", "new", "path"), [
    ("capacity_kw: $cap, efficiency", "capacity_kw: 1500, efficency", "blocks.row.power.ups"),
    ("{kind: ups,", "{kind: upss,", "blocks.row.power.ups.kind"),
    ("    notes: one row\n", "    notes: one row\n    racks_extra: {}\n", "blocks.row"),
    ("params: one", "params: [1x]", "blocks.hall.params"),
])
def test_blocks_are_still_checked_around_the_parameters(old, new, path):
    assert BLOCKS_OK.count(old) == 1
    found = errors(BLOCKS_OK.replace(old, new))
    assert any(p.startswith(path) for p, _ in found), found


def test_outside_blocks_and_ranges_a_parameter_is_not_a_number():
    found = errors("twin: 1\npower:\n  grid: {kind: utility, capacity_kw: $cap}\n")
    assert [p for p, _ in found] == ["power.grid.capacity_kw"]


# -- generated from the loader's tables ----------------------------------------------------

def test_the_schema_lists_exactly_the_keys_of_the_field_tables():
    defs = SCHEMA["$defs"]
    assert set(defs["rack-entry"]["properties"]) == set(schema.RACK_FIELDS)
    assert set(defs["hall-entry"]["properties"]) == set(schema.HALL_FIELDS)
    assert set(SCHEMA["properties"]["site"]["properties"]) == set(schema.SITE_FIELDS)
    assert set(SCHEMA["properties"]["policy"]["properties"]) == set(schema.POLICY_FIELDS)
    catalog = SCHEMA["properties"]["catalog"]["properties"]["rack_types"]
    assert set(catalog["additionalProperties"]["properties"]) == set(schema.CATALOG_ENTRY_FIELDS)
    for entry, tables in (("power-entry", schema.POWER_FIELDS),
                          ("cooling-entry", schema.COOLING_FIELDS)):
        rules = defs[entry]["allOf"]
        by_kind = {rule["if"]["properties"]["kind"]["const"]: rule["then"]
                   for rule in rules if "then" in rule}
        assert {k: set(t["properties"]) for k, t in by_kind.items()} == {
            k: set(t) for k, t in tables.items()}
        assert all(t["additionalProperties"] is False for t in by_kind.values())
        union = {key for t in tables.values() for key in t}
        assert set(rules[-1]["else"]["properties"]) == union  # an unknown kind


def test_bounds_and_docs_come_from_the_tables():
    ups = next(r["then"]["properties"] for r in SCHEMA["$defs"]["power-entry"]["allOf"]
               if r["if"]["properties"]["kind"].get("const") == "ups")
    assert ups["efficiency"]["exclusiveMinimum"] == 0 and ups["efficiency"]["maximum"] == 1
    assert ups["capacity_kw"]["exclusiveMinimum"] == 0
    assert ups["capacity_kw"]["description"].startswith(
        schema.CAPACITY_FIELDS["capacity_kw"].doc)
    policy = SCHEMA["properties"]["policy"]["properties"]
    assert (policy["contingency"]["minimum"], policy["contingency"]["maximum"]) == (0, 2)
    assert policy["contingency"]["type"] == "integer"
    # a rack's pos is any whole number: outside its row is S003, not a bad value
    assert "minimum" not in SCHEMA["$defs"]["rack-entry"]["properties"]["pos"]


def test_an_entry_whose_kind_is_a_parameter_is_checked_against_every_kind():
    text = """\
        twin: 1
        blocks:
          b:
            params: [k]
            power:
              x: {kind: $k, capacity_kw: 5, battery_min: 5, from: up}
              y: {kind: $k, capacity_kw: 5, efficency: 1, from: up}
        """
    assert [p for p, _ in errors(text)] == ["blocks.b.power.y"]


GROUPS_AND_EVENTS = """\
    twin: 1
    power:
      util-a: {kind: utility, capacity_kw: 100, zone: sub-1}
      util-b: {kind: utility, capacity_kw: 100, zone: sub-2}
    racks:
      r1: {it_kw: 10, power: [util-a, util-b], zone: hall-1}
    groups:
      grid: {members: [[util-a], [util-b]], redundancy: 2N}
      any: {members: [util-a, util-b], redundancy: N+1}
    events:
      outage: {fails: [util-a, util-b]}
      sub-1: {zone: sub-1}
"""


def test_groups_events_and_zones_validate():
    assert errors(GROUPS_AND_EVENTS) == []
    assert "L" not in "".join(codes(GROUPS_AND_EVENTS))


@pytest.mark.parametrize(("old", "new", "path"), [
    ("redundancy: N+1", "redundancy: N+x", "groups.any.redundancy"),
    ("redundancy: N+1", "redundancy: 2", "groups.any.redundancy"),
    ("redundancy: N+1}", "redundancy: N+1, spare: 1}", "groups.any"),
    ("{fails: [util-a, util-b]}", "{fails: [util-a], zone: sub-1}", "events.outage"),
    ("{fails: [util-a, util-b]}", "{notes: none}", "events.outage"),
    ("[[util-a], [util-b]]", "[[util-a], [util-b], [util-a]]", "groups.grid.members"),
])
def test_bad_groups_and_events_are_schema_errors(old, new, path):
    text = GROUPS_AND_EVENTS.replace(old, new)
    assert path in {p for p, _ in errors(text)}
    assert {"L002", "L003", "L004"} & codes(text)
