"""twin capacity: a layout whose answer is known by hand, the written layout, and k + 1."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import twin
from twin.questions.capacity import search
from twin.layout.catalog import builtin_rack_types
from twin.layout.edit import append_racks

ROOT = Path(__file__).resolve().parents[2]
PDU = ROOT / "tests" / "layouts" / "capacity-pdu.yaml"


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "twin", *args], capture_output=True, text=True,
                          cwd=cwd)


def test_pdu_failover_limit_leaves_room_for_exactly_seven(tmp_path):
    out = tmp_path / "plus.yaml"
    proc = run("capacity", str(PDU), "--rack-type", "air-10", "--format", "json",
               "--write", str(out))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    # 3 racks of 10 kW on pdu-a/pdu-b: with pdu-a failed pdu-b carries 10 kW per rack
    # and may carry 100 kW, so 10 racks in all: 7 more (by hand, see the layout's header)
    assert doc["fits"] == 7
    assert [(p["row"], p["pos"]) for p in doc["placed"]] == [("a", n) for n in range(4, 11)]
    assert doc["placed"][0]["power"] == ["pdu-a", "pdu-b"]
    assert doc["placed"][0]["cooling"] == ["crah-1", "crah-2"]
    binding = doc["binding"]
    assert (binding["component"], binding["code"], binding["margin_kw"]) == ("pdu-b", "R002", 0.0)
    # the written layout holds the 3 + 7 racks and validates clean: no finding at all
    written = twin.load(str(out)).layout
    assert len(written.racks) == 10
    clean = run("validate", str(out), "--format", "json")
    assert clean.returncode == 0, clean.stdout
    assert json.loads(clean.stdout)["layouts"][0]["findings"] == []


def test_one_more_than_capacity_fails_on_the_component_it_named(tmp_path):
    layout = twin.load(str(PDU)).layout
    air10 = next(t for t in layout.rack_types if t.name == "air-10")
    result = search(layout, air10)
    extra = [(f"x{n}", {"type": "air-10", "hall": "hall-1", "row": "a", "pos": 4 + n,
                        "power": ["pdu-a", "pdu-b"], "cooling": ["crah-1", "crah-2"]})
             for n in range(result.fits + 1)]
    path = tmp_path / "k-plus-1.yaml"
    path.write_text(append_racks(PDU.read_text(), extra, "k + 1 racks"))
    report = twin.validate(str(path))
    assert not report.ok
    assert ("R002", "pdu-b") in {(f.code, f.component) for f in report.findings}
    assert {f.code for f in report.findings} == {"R002"}
    # the command line agrees: exit 1 with the code and component that `twin capacity`
    # named as binding (11 racks: pdu-b carries 110 kW of 100 when pdu-a fails; the
    # symmetric pdu-a finding is the same limit seen from the other side)
    named = json.loads(run("capacity", str(PDU), "--rack-type", "air-10", "--format",
                           "json").stdout)["binding"]
    proc = run("validate", str(path), "--format", "json")
    assert proc.returncode == 1
    found = {(f["code"], f["component"], tuple(f["scenario"]))
             for f in json.loads(proc.stdout)["layouts"][0]["findings"]}
    assert (named["code"], named["component"], ("pdu-a",)) in found
    assert found == {("R002", "pdu-b", ("pdu-a",)), ("R002", "pdu-a", ("pdu-b",))}


def test_count_says_whether_n_fit_and_what_to_change():
    ok = run("capacity", str(PDU), "--rack-type", "air-10", "--count", "5")
    assert ok.returncode == 0
    assert "5 requested: they fit" in ok.stdout
    short = run("capacity", str(PDU), "--rack-type", "air-10", "--count", "9")
    assert short.returncode == 1
    assert "9 requested: they do not fit" in short.stdout
    # two more racks than fit add 2 x 10 kW to pdu-b, which has 0 kW left
    assert "give pdu-b about 20 kW more (R002)" in short.stdout


def test_example_hall_is_full_because_the_ups_failover_margin_is_smaller_than_a_rack():
    hall = twin.load(str(ROOT / "layouts" / "gb300-hall.yaml")).layout
    result = search(hall, builtin_rack_types()["gb300-nvl72"])
    assert result.fits == 0
    # ups-b1 carries 1,420 of 1,500 kW with side A down: 80 kW left, a rack adds 142
    b = result.binding
    assert (b.code, b.component, b.scenario) == ("R002", "ups-b1", ("mv-a",))
    assert round(b.margin_kw, 6) == 80.0 and b.increment_kw == 142.0


def test_air_cooled_racks_are_stopped_by_the_crahs_before_the_ups():
    hall = twin.load(str(ROOT / "layouts" / "gb300-hall.yaml")).layout
    result = search(hall, builtin_rack_types()["hgx-b200-x2"])
    # the CRAHs take 568 kW of air heat, 142 kW each with one of five failed: 8 kW left
    # each, 32 kW in all. A 28.6 kW all-air rack adds 7.15 kW per CRAH: one fits
    # (0.85 kW left), the second does not, although the UPS margin (80 kW) takes two.
    assert result.fits == 1
    b = result.binding
    assert (b.code, b.component, b.scenario) == ("R004", "crah-2", ("crah-1",))
    assert round(b.margin_kw, 6) == 0.85 and round(b.increment_kw, 6) == 7.15


def test_unknown_rack_type_and_hall_are_usage_errors_with_hints():
    proc = run("capacity", str(PDU), "--rack-type", "air-1")
    assert proc.returncode == 2 and "did you mean 'air-10'" in proc.stderr
    proc = run("capacity", str(PDU), "--rack-type", "air-10", "--hall", "hall-2")
    assert proc.returncode == 2 and "did you mean 'hall-1'" in proc.stderr


def test_a_layout_with_errors_is_refused():
    proc = run("capacity", "tests/layouts/spec-worked-example.yaml", "--rack-type", "gb300-nvl72")
    assert proc.returncode == 1
    assert "fix the errors above" in proc.stderr
