"""NetBox: rack types from device-type YAML (catalog import) and bulk-import CSV export."""
from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

import twin
from twin.core import UsageError
from twin.export.netbox import Rating, feed_rating, netbox_csvs
from twin.layout.model import PowerComponent
from twin.layout.netbox_types import build_rack_type, parse_rack_spec, read_device_type

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "netbox"
FILES = sorted(str(p.relative_to(ROOT)) for p in DATA.rglob("*.y*ml"))
HALL = "layouts/gb300-hall.yaml"


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "twin", *args], capture_output=True,
                          text=True, cwd=cwd)


def device(name):
    d, notes = read_device_type(str(next(DATA.rglob(name))))
    return d, [(n.severity, n.name, n.line, n.column) for n in notes]


# ---------------------------------------------------------------- reading device types

def test_power_is_the_sum_of_maximum_draw_over_power_ports():
    d, notes = device("AS-8125GS-TNMR2.yml")
    assert d.max_draw_w == 6 * 3000          # six C20 ports, not the eight PSU bays
    assert d.inlets == 6
    assert d.weight_kg == pytest.approx(75.3)
    assert notes == []


def test_allocated_draw_gives_typical_and_comments_are_never_parsed():
    d, _ = device("DGC-A100.yaml")
    assert d.max_draw_w == 2 * 1071          # not the "6.5kW" of the comments
    assert d.allocated_draw_w == 2 * 586


def test_missing_maximum_draw_is_an_error_naming_the_port_line():
    d, notes = device("AS-4125GS-TNRT.yml")
    assert d.max_draw_w is None and not d.usable
    assert notes == [("error", "missing-maximum-draw", 17, 5)]


@pytest.mark.parametrize("name, line", [("SN5600.yaml", 15), ("LCS-SCDU-250L4001.yml", 2)])
def test_no_power_ports_is_unknown_power_not_zero(name, line):
    d, notes = device(name)
    assert d.max_draw_w is None and not d.usable
    assert ("error", "no-power-ports", line, 1) in notes


def test_missing_required_key_is_a_warning():
    _, notes = device("LCS-SCDU-250L4001.yml")
    assert ("warning", "missing-key", 2, 1) in notes


def test_is_powered_false_is_powered_elsewhere_not_missing():
    d, notes = device("ARS-121GL-NB3-LCC-R1.yaml")
    assert d.usable and d.powered_elsewhere and d.max_draw_w is None
    assert notes == [("info", "powered-elsewhere", 17, 1)]


@pytest.mark.parametrize("name", ["AP8965.yaml", "PRO3X-C3WG36RL-2CJE2MT4.yaml",
                                  "SURTD5000XLI.yml"])
def test_devices_with_outlets_add_no_power_of_their_own(name):
    d, notes = device(name)
    assert d.distribution and d.usable and d.max_draw_w is None
    assert [n[1] for n in notes] == ["distribution-device"]


def test_unknown_top_level_key_is_a_warning_not_a_crash():
    d, notes = device("ThinkSystem-SR685a-v3.yaml")
    assert d.max_draw_w == 8 * 2600
    assert notes == [("warning", "unknown-key", 44, 1)]


def test_a_draw_above_the_inlet_rating_is_a_warning_and_used_as_written():
    d, notes = device("AS-4126GS-NMR-LCC.yml")
    assert d.max_draw_w == 4 * 6600
    assert [n[:2] for n in notes] == [("warning", "implausible-maximum-draw")] * 4
    assert notes[0][2:] == (29, 5)


def test_weight_units_are_converted_to_kg(tmp_path):
    f = tmp_path / "lb.yaml"
    f.write_text("manufacturer: X\nmodel: Y\nslug: x-y\nu_height: 2\nis_full_depth: true\n"
                 "weight: 100\nweight_unit: lb\npower-ports:\n  - name: P\n    maximum_draw: 500\n")
    d, notes = read_device_type(str(f))
    assert d.weight_kg == pytest.approx(45.359237)
    assert notes == []


def test_python_tags_are_refused_not_constructed(tmp_path):
    f = tmp_path / "evil.yaml"
    f.write_text("model: !!python/object/apply:os.system ['echo hi']\n")
    d, notes = read_device_type(str(f))
    assert d is None
    assert notes and notes[0].severity == "error"


# ---------------------------------------------------------------- building rack types

def _devices():
    return [d for d, _ in (read_device_type(str(ROOT / f)) for f in FILES) if d is not None]


def test_rack_design_power_is_sum_of_maximum_draw_times_count():
    spec = parse_rack_spec("mi=AS-8125GS-TNMR2*4,nvidia-dgx-a100-640gb*2,AP8965*2")
    rack, notes = build_rack_type(spec, _devices())
    # 4 x 18,000 W + 2 x 2,142 W = 76,284 W; the PDUs add nothing
    assert rack.it_kw == pytest.approx(76.284)
    assert rack.liquid_fraction == 0.0
    assert rack.weight_kg is None           # the DGX A100 and AP8965 give no weight
    assert [n.name for n in notes] == ["weight-unknown"]


def test_rack_weight_and_typical_power():
    rack, notes = build_rack_type(parse_rack_spec("a=DGC-A100*3"), _devices())
    assert rack.it_kw == pytest.approx(3 * 2.142)
    assert rack.typical_kw == pytest.approx(3 * 1.172)
    rack, notes = build_rack_type(parse_rack_spec("b=AS-8125GS-TNMR2*2,SURTD5000XLI"),
                                  _devices())
    assert rack.weight_kg == pytest.approx(2 * 75.3 + 54.43)
    assert rack.typical_kw is None and notes == []


def test_a_rack_with_an_unusable_device_is_not_built():
    rack, notes = build_rack_type(parse_rack_spec("x=AS-4125GS-TNRT*2"), _devices())
    assert rack is None
    assert [(n.severity, n.name) for n in notes] == [("error", "rack-type-not-built")]


@pytest.mark.parametrize("text", ["x", "=a*1", "x=", "x=a*0", "x=a*two"])
def test_bad_rack_specs_are_usage_errors(text):
    with pytest.raises(UsageError):
        parse_rack_spec(text)


def test_unknown_device_is_a_usage_error():
    with pytest.raises(UsageError, match="no device type 'nope'"):
        build_rack_type(parse_rack_spec("x=nope"), _devices())


# ---------------------------------------------------------------- the command

def test_catalog_import_prints_a_snippet_a_layout_can_use(tmp_path):
    proc = run("catalog", "import", *FILES, "--rack", "mi300x-x4=AS-8125GS-TNMR2*4",
               "--rack", "sr685a-x2=lenovo-thinksystem-sr685a-v3*2", "--liquid", "sr685a-x2=0")
    assert proc.returncode == 1                       # the shipped files hold unusable ones
    err = proc.stderr.splitlines()
    assert any(line.endswith("error no-power-ports SN5600: cannot use: no power-ports (PSUs "
                             "listed only as module bays are not inlets), so the device's "
                             "power is unknown") for line in err)
    assert any("AS-4125GS-TNRT.yml:17:5: error missing-maximum-draw" in line for line in err)
    assert proc.stdout.startswith("catalog:\n  rack_types:\n    mi300x-x4:\n      it_kw: 72.0\n")
    racks = "".join(
        f"  {name}-{i}: {{type: {name}, hall: h, row: r, pos: {i}, power: [p], cooling: [c]}}\n"
        for i, name in ((1, "mi300x-x4"), (2, "sr685a-x2")))
    layout = (proc.stdout + "power:\n  u: {kind: utility, capacity_kw: 500}\n"
              "  p: {kind: pdu, capacity_kw: 200, from: u}\n"
              "cooling:\n  c: {kind: crah, capacity_kw: 200, power_kw: 2, power: [u], to: w}\n"
              "  w: {kind: chiller, capacity_kw: 300, cop: 4, power: [u]}\n"
              "space:\n  h: {rows: {r: 4}}\npolicy: {contingency: 0}\n"
              f"racks:\n{racks}")
    loaded = twin.load_bytes("twin: 1\n" + layout, "imported.yaml")
    assert loaded.findings == ()
    report = twin.validate(loaded)
    assert report.ok, report.findings
    assert report.kpis["it_kw"] == pytest.approx(72.0 + 2 * 20.8)


def test_catalog_import_json_and_exit_0_when_every_file_is_usable():
    proc = run("catalog", "import", "tests/data/netbox/Nvidia/DGC-A100.yaml", "--rack",
               "dgx=DGC-A100*4", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["rack_types"]["dgx"]["it_kw"] == pytest.approx(8.568)
    assert [n["name"] for n in doc["notes"]] == ["weight-unknown"]


def test_catalog_listing_still_works_and_import_needs_rack():
    assert run("catalog").returncode == 0
    proc = run("catalog", "import", FILES[0])
    assert proc.returncode == 2 and "--rack" in proc.stderr
    proc = run("catalog", "import", "nope.yaml", "--rack", "x=a")
    assert proc.returncode == 2 and "nope.yaml: no such file" in proc.stderr
    proc = run("catalog", "import", FILES[0], "--rack", "x=a", "--format", "sarif")
    assert proc.returncode == 2


# ---------------------------------------------------------------- export

def _rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_example_hall_has_one_power_feed_per_rack_feed_with_twin_ratings(tmp_path):
    out = tmp_path / "nb"
    proc = run("export", HALL, "--netbox", str(out))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        ".twin-export.json", "locations.csv", "power-feeds.csv", "power-panels.csv",
        "racks.csv", "sites.csv"]
    layout = twin.load(HALL).layout
    feeds = _rows((out / "power-feeds.csv").read_text())
    assert len(feeds) == sum(len(r.power) for r in layout.racks) == 80
    assert {(f["rack"], f["power_panel"]) for f in feeds} == {
        (r.id, p) for r in layout.racks for p in r.power}
    for f in feeds:   # busways: 1,600 A at 415 V three-phase, limit 80 % (SPEC switchgear..)
        assert (f["supply"], f["phase"], f["voltage"], f["amperage"], f["max_utilization"]) == \
            ("ac", "three-phase", "415", "1600", "80")
    first = feeds[0]
    assert (first["rack"], first["type"], first["status"]) == ("r1-01", "primary", "planned")
    assert feeds[1]["type"] == "redundant"
    # the capacity twin used: sqrt(3) x 415 V x 1,600 A x 0.95 = 1,092.6 kW
    assert "1,092.6 kW" in first["comments"]
    panels = _rows((out / "power-panels.csv").read_text())
    assert len(panels) == 16
    racks = _rows((out / "racks.csv").read_text())
    assert len(racks) == 40 and racks[0]["location"] == "hall-1 r1"
    assert racks[0]["outer_depth"] == "1068"     # 0.6408 m2 / 0.6 m
    locations = _rows((out / "locations.csv").read_text())
    assert [(loc["name"], loc["parent"]) for loc in locations[:2]] == [("hall-1", ""),
                                                                      ("hall-1 r1", "hall-1")]


def test_amperage_is_derived_from_capacity_when_not_written():
    c = PowerComponent("p", "pdu", 100.0, sources=("u",))
    r = feed_rating(c, Rating(), 0.95)
    # 100 kW / (sqrt(3) x 415 V x 0.95) = 146.4 A, rounded up
    assert r["amperage"] == math.ceil(100_000 / (math.sqrt(3) * 415 * 0.95)) == 147
    assert r["derived"] and r["voltage"] == 415
    r = feed_rating(c, Rating(None, 230.0, 1), 1.0)
    assert (r["phase"], r["amperage"]) == ("single-phase", 435)     # 100 kW / 230 V
    r = feed_rating(c, Rating(None, 800.0, "dc"), 1.0)
    assert (r["supply"], r["amperage"]) == ("dc", 125)


def test_netbox_csv_headers_are_netbox_import_fields():
    files = netbox_csvs(twin.load(HALL).layout)
    assert files["power-feeds.csv"].splitlines()[0] == (
        "site,power_panel,location,rack,name,status,type,supply,phase,voltage,amperage,"
        "max_utilization,description,comments")
    assert files["sites.csv"].splitlines()[0] == "name,slug,status,description,comments"
