"""What R001 and R003 findings show: related locations at the edit, the loop default.

Issue 13 items 6 and 8. Each layout here fails today with a finding at the failed
component; the tests show the new output: the feed entries where the racks' paths meet
(file, line and column of the entry in its list) in the finding, the JSON, the SARIF log
and the text, and for a loop the default and the fix in the message.
"""
from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

import tests.mutations as mutations
from twin.checks.runner import load_bytes, validate
from twin.core import MAX_RELATED

ROOT = Path(__file__).resolve().parents[2]
SARIF_SCHEMA = json.loads((ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json").read_text())

#: Two UPSs, but both PDUs of the rack written `from: ups-a` (pdu-b should say ups-b).
ONE_UPS = textwrap.dedent("""\
    twin: 1
    power:
      grid: {kind: utility, capacity_kw: 1000, failable: false}
      swgr: {kind: switchgear, capacity_kw: 1000, from: grid}
      ups-a: {kind: ups, capacity_kw: 400, efficiency: 0.97, from: swgr}
      ups-b: {kind: ups, capacity_kw: 400, efficiency: 0.97, from: swgr}
      pdu-a: {kind: pdu, capacity_kw: 300, from: ups-a}
      pdu-b:
        kind: pdu
        capacity_kw: 300
        from:
          - ups-a
    racks:
      r1: {it_kw: 100, power: [pdu-a, pdu-b]}
      r2: {it_kw: 100, power: [pdu-a, pdu-b]}
    """)


def place(text: str, line: int, word: str) -> tuple[int, int]:
    """(line, column) of ``word`` on 1-based ``line`` of ``text``, as a finding gives them."""
    return line, text.splitlines()[line - 1].index(word) + 1


def findings(text: str, file: str = "hall.yaml"):
    loaded = load_bytes(text, file)
    assert not loaded.findings, loaded.findings
    return validate(loaded).findings


def test_both_pdus_on_one_ups_relate_the_two_from_entries_at_the_ups():
    found = [f for f in findings(ONE_UPS) if f.code == "R001"]
    by = {f.component: f for f in found}
    assert set(by) == {"swgr", "ups-a"}  # today's findings: the symptom
    ups = by["ups-a"]
    assert (ups.line, ups.column) == place(ONE_UPS, 5, "ups-a")
    # the entries that were edited: pdu-a's `from: ups-a` (flow) and pdu-b's `- ups-a` (block)
    assert [(r.line, r.column) for r in ups.related] == [
        place(ONE_UPS, 7, "ups-a"), place(ONE_UPS, 12, "ups-a")]
    assert [r.message for r in ups.related] == [
        "pdu-a takes power from ups-a, which fails: 2 paths to the racks meet here",
        "pdu-b takes power from ups-a, which fails: 2 paths to the racks meet here"]
    assert ups.related_more == 0
    # the switchgear's failure reaches the racks through ups-a alone: the same two entries,
    # the last hop where the paths merge, not ups-a's own single `from: swgr`
    swgr = by["swgr"]
    assert [(r.line, r.column) for r in swgr.related] == [(r.line, r.column) for r in ups.related]
    assert swgr.related[0].message.startswith("pdu-a takes power from ups-a, which is down when "
                                              "swgr fails")


def test_the_fixed_feed_clears_the_ups_finding_and_the_switchgear_relates_both_ups():
    fixed = ONE_UPS.replace("      - ups-a\n", "      - ups-b\n")
    (left,) = [f for f in findings(fixed) if f.code in ("R001", "R003")]
    assert left.component == "swgr"  # the one single path left: both UPSs hang from it
    assert [(r.line, r.column, r.message) for r in left.related] == [
        (*place(fixed, 5, "swgr"), "ups-a takes power from swgr, which fails: 2 paths to "
         "the racks meet here"),
        (*place(fixed, 6, "swgr"), "ups-b takes power from swgr, which fails: 2 paths to "
         "the racks meet here")]


def test_a_rack_with_one_feed_relates_its_own_power_entry():
    text = ONE_UPS.replace("r2: {it_kw: 100, power: [pdu-a, pdu-b]}", "r2: {it_kw: 100, power: pdu-b}")
    text = text.replace("      - ups-a\n", "      - ups-b\n")
    pdu_b = [f for f in findings(text) if f.code == "R001" and f.component == "pdu-b"]
    assert len(pdu_b) == 1
    (related,) = pdu_b[0].related
    assert (related.line, related.column) == place(text, 15, "pdu-b")
    assert related.message == "rack r2 takes power from pdu-b, which fails"


def test_two_failures_that_each_take_one_path_relate_one_entry_each():
    text = ONE_UPS.replace("      - ups-a\n", "      - ups-b\n") + "policy: {contingency: 2}\n"
    both = [f for f in findings(text) if f.code == "R001" and f.scenario == ("ups-a", "ups-b")]
    assert len(both) == 1
    assert [r.message for r in both[0].related] == [
        "pdu-a takes power from ups-a, which fails", "pdu-b takes power from ups-b, which fails"]


COOLING = textwrap.dedent("""\
    twin: 1
    power:
      grid: {kind: utility, capacity_kw: 1000}
      pdu-a: {kind: pdu, capacity_kw: 500, from: grid}
      pdu-b: {kind: pdu, capacity_kw: 500, from: grid}
      mech-a: {kind: panel, capacity_kw: 100, from: grid}
      mech-b: {kind: panel, capacity_kw: 100, from: grid}
    cooling:
      cdu-1: {kind: cdu, capacity_kw: 300, power: mech-a, to: dry-1}
      cdu-2: {kind: cdu, capacity_kw: 300, power: mech-a, to: dry-2}
      dry-1: {kind: dry-cooler, capacity_kw: 400, failable: false}
      dry-2: {kind: dry-cooler, capacity_kw: 400, failable: false}
    racks:
      r1: {it_kw: 100, liquid_fraction: 1.0, power: [pdu-a, pdu-b], cooling: [cdu-1, cdu-2]}
    """)


def test_cdus_on_one_panel_relate_their_power_entries():
    (r003,) = [f for f in findings(COOLING) if f.code == "R003"]
    assert r003.component == "mech-a"
    assert [(r.line, r.column, r.message) for r in r003.related] == [
        (9, COOLING.splitlines()[8].index("mech-a") + 1,
         "cdu-1 takes power from mech-a, which fails: 2 paths to the racks meet here"),
        (10, COOLING.splitlines()[9].index("mech-a") + 1,
         "cdu-2 takes power from mech-a, which fails: 2 paths to the racks meet here")]


def test_related_locations_are_bounded_and_the_rest_counted():
    racks = "\n".join(f"  r{i:02d}: {{it_kw: 10, power: p{i:02d}}}" for i in range(14))
    pdus = "\n".join(f"  p{i:02d}: {{kind: pdu, capacity_kw: 20, from: ups}}" for i in range(14))
    text = ("twin: 1\npower:\n  grid: {kind: utility, capacity_kw: 1000}\n"
            "  ups: {kind: ups, capacity_kw: 500, efficiency: 0.97, from: grid}\n"
            f"{pdus}\nracks:\n{racks}\n")
    (ups,) = [f for f in findings(text) if f.code == "R001" and f.component == "ups"]
    assert len(ups.related) == MAX_RELATED == 10
    assert ups.related_more == 4
    # the entries in file order: each rack's own feed, since each has one path
    assert [r.message for r in ups.related][:2] == [
        "rack r00 takes power from p00, which is down when ups fails",
        "rack r01 takes power from p01, which is down when ups fails"]


def test_the_text_output_puts_notes_under_the_finding_and_keeps_its_line(tmp_path):
    path = tmp_path / "hall.yaml"
    path.write_text(ONE_UPS)
    code, out, _ = mutations.run_cli(["validate", str(path), "--no-progress"])
    assert code == 1
    lines = out.splitlines()
    head = f"{path}:5:3: error R001 when ups-a fails, 2 rack(s) lose power: r1, r2"
    i = lines.index(head)  # the finding's own line is as before, whole
    assert lines[i + 1] == (f"  {path}:7:{ONE_UPS.splitlines()[6].index('ups-a') + 1}: note: "
                            "pdu-a takes power from ups-a, which fails: 2 paths to the racks "
                            "meet here")
    assert lines[i + 2].startswith(f"  {path}:12:{ONE_UPS.splitlines()[11].index('ups-a') + 1}: "
                                   "note: pdu-b takes power from ups-a")
    # a parser of the one-line format skips the indented notes and reads every finding
    one_line = re.compile(r"^(\S[^:]*):(\d+):(\d+): (error|warning|info) ([A-Z]\d{3}) .+$")
    diagnostics = [x for x in lines if not x.startswith("  ")]
    assert diagnostics and all(one_line.match(x) for x in diagnostics)
    assert all(re.match(r"^  \S[^:]*:\d+:\d+: note: .+$", x) for x in lines if x.startswith("  "))


def test_the_count_of_the_rest_shows_in_text_and_json(tmp_path):
    racks = "\n".join(f"  r{i:02d}: {{it_kw: 10, power: p{i:02d}}}" for i in range(12))
    pdus = "\n".join(f"  p{i:02d}: {{kind: pdu, capacity_kw: 20, from: ups}}" for i in range(12))
    path = tmp_path / "many.yaml"
    path.write_text("twin: 1\npower:\n  grid: {kind: utility, capacity_kw: 1000}\n"
                    "  ups: {kind: ups, capacity_kw: 500, efficiency: 0.97, from: grid}\n"
                    f"{pdus}\nracks:\n{racks}\n")
    _, out, _ = mutations.run_cli(["validate", str(path), "--no-progress"])
    assert "  note: and 2 more related location(s)" in out.splitlines()
    _, out, _ = mutations.run_cli(["validate", str(path), "--no-progress", "--format", "json"])
    (ups,) = [f for f in json.loads(out)["layouts"][0]["findings"] if f["component"] == "ups"]
    assert len(ups["related"]) == 10 and ups["related_more"] == 2


def test_json_and_sarif_carry_the_related_locations(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    path = tmp_path / "hall.yaml"
    path.write_text(ONE_UPS)
    _, out, _ = mutations.run_cli(["validate", str(path), "--no-progress", "--format", "json"])
    (ups,) = [f for f in json.loads(out)["layouts"][0]["findings"] if f["component"] == "ups-a"]
    col = ONE_UPS.splitlines()[6].index("ups-a") + 1
    assert ups["related"][0] == {
        "file": str(path), "line": 7, "column": col,
        "message": "pdu-a takes power from ups-a, which fails: 2 paths to the racks meet here"}
    _, out, _ = mutations.run_cli(["validate", str(path), "--no-progress", "--format", "sarif",
                                   "--sarif-root", str(tmp_path)])
    log = json.loads(out)
    errors = list(jsonschema.Draft7Validator(SARIF_SCHEMA).iter_errors(log))
    assert not errors, errors[0].message
    result = next(r for r in log["runs"][0]["results"] if r["properties"]["component"] == "ups-a")
    related = result["relatedLocations"]
    assert [(x["physicalLocation"]["artifactLocation"]["uri"],
             x["physicalLocation"]["region"]["startLine"],
             x["physicalLocation"]["region"]["startColumn"]) for x in related] == [
        ("hall.yaml", 7, col), ("hall.yaml", 12, ONE_UPS.splitlines()[11].index("ups-a") + 1)]
    assert [x["id"] for x in related] == [0, 1]
    assert related[1]["message"]["text"].startswith("pdu-b takes power from ups-a")


def test_junit_lists_the_notes_under_the_failure_line(tmp_path):
    import xml.etree.ElementTree as ET

    path = tmp_path / "hall.yaml"
    path.write_text(ONE_UPS)
    _, out, _ = mutations.run_cli(["validate", str(path), "--no-progress", "--format", "junit"])
    case = next(c for c in ET.fromstring(out).iter("testcase") if c.get("name").startswith("R001"))
    text = case.find("failure").text.splitlines()
    assert text[0].endswith("error R001 when swgr fails, 2 rack(s) lose power: r1, r2")
    assert text[1].startswith(f"  {path}:7:") and ": note: pdu-a takes power from ups-a" in text[1]


def test_a_rack_in_a_block_instance_relates_the_entry_in_the_block(tmp_path):
    text = textwrap.dedent("""\
        twin: 1
        blocks:
          pod:
            params: [ups]
            power:
              pdu-a: {kind: pdu, capacity_kw: 300, from: $ups}
              pdu-b: {kind: pdu, capacity_kw: 300, from: $ups}
            racks:
              r1: {it_kw: 100, power: [pdu-a, pdu-b]}
        power:
          grid: {kind: utility, capacity_kw: 1000}
          ups-a: {kind: ups, capacity_kw: 400, efficiency: 0.97, from: grid}
          ups-b: {kind: ups, capacity_kw: 400, efficiency: 0.97, from: grid}
        instances:
          p1: {block: pod, with: {ups: ups-a}}
        """)
    loaded = load_bytes(text, "pods.yaml")
    assert not loaded.findings, loaded.findings
    (ups,) = [f for f in validate(loaded).findings
              if f.code == "R001" and f.component == "ups-a"]
    # `from: $ups` in the block: the id was written in the instance's `with:`, where it
    # would be changed, so both entries point there
    assert [(r.line, r.column) for r in ups.related] == [place(text, 15, "ups-a")] * 2
    assert ups.related[0].message.startswith("p1/pdu-a takes power from ups-a, which fails")


# --- item 8: a loop fails by default, and the message says so ------------------------------

LOOP = textwrap.dedent("""\
    twin: 1
    power:
      grid: {kind: utility, capacity_kw: 1000}
      pdu-a: {kind: pdu, capacity_kw: 500, from: grid}
    cooling:
      cdu-1: {kind: cdu, capacity_kw: 300, to: fw}
      cdu-2: {kind: cdu, capacity_kw: 300, to: fw}
      fw: {kind: loop, to: [dry-1, dry-2]}
      dry-1: {kind: dry-cooler, capacity_kw: 400}
      dry-2: {kind: dry-cooler, capacity_kw: 400}
    racks:
      r1: {it_kw: 100, liquid_fraction: 1.0, power: pdu-a, cooling: [cdu-1, cdu-2]}
    policy: {contingency: 1}
    """)


def test_a_failed_loop_says_loops_fail_by_default_and_how_to_write_a_redundant_header():
    (r003,) = [f for f in findings(LOOP) if f.code == "R003"]
    assert r003.component == "fw"
    assert r003.message == (
        "when fw fails, 1 rack(s) lose cooling: r1; loop fw is failable by default (a loop "
        "fails like any unit unless it says `failable: false`): if it is passive piping the "
        "design accepts as a single path, write `failable: false` on it; otherwise give a "
        "redundant header: two loops, each unit listing both in `to:` (e.g. "
        "`to: [fw-a, fw-b]`)")
    assert [r.message for r in r003.related] == [
        "cdu-1 sends its heat to fw, which fails: 2 paths to the racks meet here",
        "cdu-2 sends its heat to fw, which fails: 2 paths to the racks meet here"]


def test_each_fix_the_loop_message_names_works():
    passive = LOOP.replace("fw: {kind: loop, to: [dry-1, dry-2]}",
                           "fw: {kind: loop, to: [dry-1, dry-2], failable: false}")
    assert [f for f in findings(passive) if f.code == "R003"] == []
    header = (LOOP.replace("to: fw}", "to: [fw-a, fw-b]}")
              .replace("fw: {kind: loop, to: [dry-1, dry-2]}",
                       "fw-a: {kind: loop, to: [dry-1, dry-2]}\n"
                       "  fw-b: {kind: loop, to: [dry-1, dry-2]}"))
    assert [f for f in findings(header) if f.code == "R003"] == []


def test_a_loop_marked_failable_is_not_said_to_be_so_by_default():
    marked = LOOP.replace("fw: {kind: loop, to: [dry-1, dry-2]}",
                          "fw: {kind: loop, to: [dry-1, dry-2], failable: true}")
    (r003,) = [f for f in findings(marked) if f.code == "R003"]
    assert "loop fw is marked `failable: true`: if it is passive piping" in r003.message
    assert "by default" not in r003.message


def test_the_loop_note_is_only_for_failure_sets_with_a_loop():
    for f in findings(ONE_UPS) + findings(COOLING):
        assert "failable by default" not in f.message
