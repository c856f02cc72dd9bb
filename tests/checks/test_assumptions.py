"""The defaults a verdict rests on, made visible (issue 13 item 10).

Each layout here validates as it did before; the tests show the new output: every default
twin applied that can change a verdict, grouped per default and field with a count and
the first place, in the report, the JSON, the SARIF run properties and the text summary.
"""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

import tests.mutations as mutations
from twin.checks.assumptions import CODES, assumptions
from twin.checks.runner import load_bytes, validate

ROOT = Path(__file__).resolve().parents[2]
SARIF_SCHEMA = json.loads((ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json").read_text())

HALL = textwrap.dedent("""\
    twin: 1
    power:
      grid: {kind: utility, capacity_kw: 2000, failable: false}
      tx: {kind: transformer, capacity_kw: 1500, from: grid, failable: false}
      ups-a: {kind: ups, capacity_kw: 800, from: tx}
      ups-b: {kind: ups, capacity_kw: 800, efficiency: 0.97, from: tx}
      pdu-a: {kind: pdu, capacity_kw: 800, from: ups-a}
      pdu-b: {kind: pdu, capacity_kw: 800, from: ups-b}
    cooling:
      cdu-1: {kind: cdu, capacity_kw: 800, power_kw: 8, power: [pdu-a, pdu-b], to: [fw-a, fw-b], supply_c: 30, flow_lpm: 2000}
      cdu-2: {kind: cdu, capacity_kw: 800, power_kw: 8, power: [pdu-a, pdu-b], to: [fw-a, fw-b], supply_c: 30, flow_lpm: 2000}
      fw-a: {kind: loop, capacity_kw: 2000, to: [dry-1, dry-2]}
      fw-b: {kind: loop, capacity_kw: 2000, to: [dry-1, dry-2]}
      dry-1: {kind: dry-cooler, capacity_kw: 900, power_kw: 20, power: [pdu-a, pdu-b]}
      dry-2: {kind: dry-cooler, capacity_kw: 900, power_kw: 20, power: [pdu-a, pdu-b]}
    space:
      h1: {area_m2: 200, floor_kg_m2: 2500, rows: {a: 8}}
    racks:
    """) + "".join(
    f"  r{i}: {{type: gb300-nvl72, liquid_fraction: 1.0, max_inlet_c: 35, min_feeds: 1, "
    f"hall: h1, row: a, pos: {i}, power: [pdu-a, pdu-b], cooling: [cdu-1, cdu-2]}}\n"
    for i in range(1, 4))


def report(text: str):
    loaded = load_bytes(text, "hall.yaml")
    assert not loaded.findings, loaded.findings
    return validate(loaded)


def table(r) -> dict:
    return {(a.code, a.field): a for a in r.assumptions}


def test_the_hall_passes_and_lists_what_it_rests_on():
    r = report(HALL)
    assert r.ok and r.findings == ()
    found = table(r)
    # the two loops may fail (a default): one entry, counted, at the first loop's line
    loop = found[("A001", "failable")]
    assert (loop.component, loop.line, loop.column, loop.value, loop.count) == (
        "fw-a", 12, 3, True, 2)
    assert loop.message.startswith("2 loops (first: fw-a): failable by default")
    # ups-a and the transformer give no efficiency (ups-b does)
    eff = [a for a in r.assumptions if a.code == "A002"]
    assert sorted((a.component, a.value, a.count) for a in eff) == [("tx", 0.985, 1),
                                                                   ("ups-a", 0.96, 1)]
    # three racks take their figures from the built-in type: one entry, counted, first place
    typed = found[("A003", "it_kw, weight_kg, footprint_m2, flow_lpm_per_kw, max_supply_c")]
    assert (typed.count, typed.component, typed.line) == (3, "r1", 19)
    assert typed.value == {"it_kw": 142.0, "weight_kg": 1450.0, "footprint_m2": 0.6408,
                           "flow_lpm_per_kw": 1.5, "max_supply_c": 45.0}
    assert "rack type gb300-nvl72 (the built-in catalog)" in typed.default_source
    assert typed.message.startswith("3 racks (first: r1): figures from rack type gb300-nvl72")
    # policy: nothing written, so each limit that can matter is a default
    assert {a.field for a in r.assumptions if a.code == "A004"} == {
        "policy.contingency", "policy.max_utilization", "policy.failover_utilization"}
    # nothing is listed for what the layout wrote (min_feeds, max_inlet_c, flow_lpm, ...)
    assert not {f for _, f in found} & {"min_feeds", "max_inlet_c", "flow_lpm", "supply_c",
                                        "capacity_kw", "power_kw", "liquid_fraction"}
    assert {a.code for a in r.assumptions} <= set(CODES)


def test_writing_a_default_out_removes_it():
    written = (HALL.replace("fw-a: {kind: loop,", "fw-a: {kind: loop, failable: true,")
               .replace("fw-b: {kind: loop,", "fw-b: {kind: loop, failable: true,")
               .replace("ups-a: {kind: ups, capacity_kw: 800,",
                        "ups-a: {kind: ups, capacity_kw: 800, efficiency: 0.96,")
               .replace("twin: 1\n", "twin: 1\npolicy: {contingency: 1, max_utilization: "
                        "{pdu: 0.8}, failover_utilization: 1.0}\n"))
    found = table(report(written))
    assert ("A001", "failable") not in found
    assert [a.component for a in found.values() if a.code == "A002"] == ["tx"]
    assert not [a for a in found.values() if a.code == "A004"]


def test_a_campus_of_thousands_of_racks_gives_one_entry_per_default_and_field():
    racks = "".join(f"  r{i:04d}: {{it_kw: 10, liquid_fraction: 0.5, power: [pdu-a, pdu-b], "
                    f"cooling: [cdu-1, crah]}}\n" for i in range(8000))
    text = textwrap.dedent("""\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: 200000, failable: false}
          pdu-a: {kind: pdu, capacity_kw: 200000, from: grid}
          pdu-b: {kind: pdu, capacity_kw: 200000, from: grid}
        cooling:
          cdu-1: {kind: cdu, capacity_kw: 100000, failable: false}
          crah: {kind: crah, capacity_kw: 100000, failable: false}
        racks:
        """) + racks
    loaded = load_bytes(text, "campus.yaml")
    found = assumptions(loaded.layout)
    per_rack = [a for a in found if a.code == "A005"]
    assert sorted(a.field for a in per_rack) == ["flow_lpm_per_kw", "max_inlet_c",
                                                 "max_supply_c", "min_feeds"]
    assert {a.count for a in per_rack} == {8000}
    assert {(a.component, a.line) for a in per_rack} == {("r0000", 10)}
    assert len(found) < 20
    assert "8,000 racks (first: r0000): min_feeds not given: 1" in [
        a.message for a in per_rack if a.field == "min_feeds"][0]


def test_checks_that_do_not_run_for_want_of_a_figure_are_listed():
    text = textwrap.dedent("""\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: 1000, failable: false}
        cooling:
          cdu-1: {kind: cdu, capacity_kw: 500, failable: false, to: ch}
          ch: {kind: chiller, capacity_kw: 600, failable: false, power: grid}
        space:
          h1: {area_m2: 100, rows: {a: 4}}
        racks:
          r1: {it_kw: 50, liquid_fraction: 1.0, power: grid, cooling: cdu-1, hall: h1, row: a, pos: 1}
        """)
    found = table(report(text))
    assert found[("A006", "flow_lpm")].component == "cdu-1"      # no C002 for it
    assert found[("A006", "supply_c")].component == "cdu-1"      # no supply check
    assert found[("A006", "power_kw")].value == 0.0               # draws nothing
    assert found[("A006", "cop")].value == 6.0                   # chiller COP default
    assert found[("A007", "floor_kg_m2")].component == "h1"      # no floor check
    assert found[("A005", "max_supply_c")].message.startswith("rack r1: no max_supply_c")



def test_a_ups_without_battery_min_and_a_generator_without_fuel_h_are_listed():
    # P003 and P004 do not run for them, as C002 does not for a CDU without flow_lpm: a
    # 2N pair without battery_min passed with nothing said about the batteries.
    text = HALL.replace("grid: {kind: utility, capacity_kw: 2000, failable: false}",
                        "grid: {kind: utility, capacity_kw: 2000, failable: false}\n"
                        "  gen: {kind: generator, capacity_kw: 500}")
    r = report(text)
    found = table(r)
    ups = found[("A006", "battery_min")]
    assert (ups.component, ups.count, ups.value) == ("ups-a", 2, None)
    assert ups.message == ("2 UPSs (first: ups-a): battery_min not given: its battery "
                           "runtime is not checked (P003 does not run for it)")
    gen = found[("A006", "fuel_h")]
    assert gen.component == "gen" and "(P004 does not run for it)" in gen.message
    # written out, they are gone
    given = text.replace("from: tx}", "battery_min: 10, from: tx}").replace(
        "capacity_kw: 500}", "capacity_kw: 500, fuel_h: 24}")
    assert not {f for _, f in table(report(given))} & {"battery_min", "fuel_h"}


def test_the_text_summary_lists_them_on_stderr_and_stdout_and_exit_code_are_unchanged(tmp_path):
    path = tmp_path / "hall.yaml"
    path.write_text(HALL)
    code, out, err = mutations.run_cli(["validate", str(path), "--no-progress"])
    assert (code, out) == (0, "")
    lines = err.splitlines()
    assert lines[0].startswith(f"{path}: 0 error(s), 0 warning(s)")
    assert lines[1] == (f"{path}: assumes {len(report(HALL).assumptions)} default(s) the verdict "
                        "rests on (write them in the layout to make them explicit):")
    assert f"  {path}:12:3: note: A001 2 loops (first: fw-a): failable by default" in lines[2]
    assert all(line.startswith(f"  {path}:") and " note: A00" in line for line in lines[2:])


def test_json_lists_them_per_layout(tmp_path):
    path = tmp_path / "hall.yaml"
    path.write_text(HALL)
    _, out, _ = mutations.run_cli(["validate", str(path), "--no-progress", "--format", "json"])
    (layout,) = json.loads(out)["layouts"]
    first = layout["assumptions"][0]
    assert set(first) == {"code", "name", "component", "field", "value", "default_source",
                          "count", "file", "line", "column", "message"}
    assert (first["code"], first["name"], first["component"], first["line"]) == (
        "A001", "loop-failable-by-default", "fw-a", 12)


def test_sarif_puts_them_in_the_run_properties_and_stays_valid(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    path = tmp_path / "hall.yaml"
    path.write_text(HALL)
    _, out, _ = mutations.run_cli(["validate", str(path), "--no-progress", "--format", "sarif",
                                   "--sarif-root", str(tmp_path)])
    log = json.loads(out)
    errors = list(jsonschema.Draft7Validator(SARIF_SCHEMA).iter_errors(log))
    assert not errors, errors[0].message
    run = log["runs"][0]
    assert run["results"] == []  # no finding: an assumption is not a result
    listed = run["properties"]["assumptions"]
    assert listed[0]["code"] == "A001" and listed[0]["layout"] == str(path)
    assert listed[0]["location"]["physicalLocation"]["artifactLocation"] == {
        "uri": "hall.yaml", "uriBaseId": "%SRCROOT%"}
    assert listed[0]["location"]["physicalLocation"]["region"] == {"startLine": 12,
                                                                    "startColumn": 3}


def test_a_layout_that_does_not_load_lists_none():
    loaded = load_bytes("twin: 1\npower:\n  x: {kind: nope}\n", "bad.yaml")
    r = validate(loaded)
    assert not r.ok and r.assumptions == ()
    assert r.as_dict()["assumptions"] == []


def test_readers_of_finding_lines_take_neither_notes_nor_assumptions_for_findings():
    # the fuzz harness reads `FILE:LINE:COL: severity CODE message` lines from both streams
    from tests.fuzzrun import findings_of

    code, out, err = mutations.run_cli(["validate", "tests/layouts/spec-worked-example.yaml",
                                        "--no-progress"])
    assert code == 1 and "  note: " not in out and ": note: A001 loop fw" in err
    assert ": note: pdu-a takes power from ups" in out
    assert [f["code"] for f in findings_of(out, err)] == [
        "R001", "R001", "R003", "R004", "R003", "R003", "R003"]
