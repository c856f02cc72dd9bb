"""OpenUSD export: packages per equipment type, the scene to scale, SimReady validation."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import twin
from twin.export.usd import AISLE_M, RACK_PITCH_M, packages, prim_name, rack_positions

pxr = pytest.importorskip("pxr", reason="usd-core is not installed: pip install 'twin[usd]'")
from pxr import Usd, UsdGeom  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HALL = "layouts/gb300-hall.yaml"


def run(*args):
    return subprocess.run([sys.executable, "-m", "twin", *args], capture_output=True,
                          text=True, cwd=ROOT)


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    out = tmp_path_factory.mktemp("usd") / "hall"
    proc = run("export", HALL, "--usd", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


def _world(prim):
    return tuple(UsdGeom.Xformable(prim).ComputeLocalToWorldTransform(
        Usd.TimeCode.Default()).ExtractTranslation())


def test_position_rule_by_hand():
    layout = twin.load(HALL).layout
    pos = rack_positions(layout)
    depth = 0.6408 / 0.6                      # gb300-nvl72 footprint / 0.6 m width
    # r1-01: row 0, position 1: x = 0.5 x 0.6 = 0.3 m, y = depth / 2
    assert pos["r1-01"] == pytest.approx((0.3, depth / 2, 0.0))
    # r3-10: row index 2, position 10: x = 9.5 x 0.6 = 5.7 m, y = 2 (depth + 1.2) + depth / 2
    assert pos["r3-10"] == pytest.approx((5.7, 2 * (depth + AISLE_M) + depth / 2, 0.0))


def test_one_package_per_equipment_type():
    pkgs, of = packages(twin.load(HALL).layout)
    assert [(p.name, p.kind) for p in pkgs] == [
        ("rack_gb300_nvl72", "rack"), ("cdu_2000kw", "cdu"), ("crah_150kw", "crah"),
        ("ups_1500kw", "ups"), ("ups_300kw", "ups")]
    assert of["r4-10"] == "rack_gb300_nvl72" and of["ups-ma"] == "ups_300kw"


def test_scene_has_one_rack_prim_per_rack_at_its_row_and_position(export):
    stage = Usd.Stage.Open(str(export / "scene.usda"))
    assert UsdGeom.GetStageUpAxis(stage) == UsdGeom.Tokens.z
    assert UsdGeom.GetStageMetersPerUnit(stage) == 1.0
    layout = twin.load(HALL).layout
    racks = [p for p in stage.Traverse() if p.HasAttribute("twin:itKw")]
    assert len(racks) == len(layout.racks) == 40
    depth = 0.6408 / 0.6
    for r in layout.racks:
        prim = stage.GetPrimAtPath(f"/Site/Halls/hall_1/{r.row}/{prim_name(r.id)}")
        assert prim.IsValid(), r.id
        row = int(r.row[1:]) - 1
        assert _world(prim) == pytest.approx(((r.pos - 0.5) * RACK_PITCH_M,
                                              row * (depth + AISLE_M) + depth / 2, 0.0))
        assert prim.GetAttribute("twin:id").Get() == r.id
        assert prim.GetAttribute("twin:itKw").Get() == 142.0
        assert prim.GetAttribute("twin:liquidFraction").Get() == pytest.approx(0.9)
        targets = [str(t) for t in prim.GetRelationship("twin:power").GetTargets()]
        assert targets == [f"/Site/Power/{prim_name(p)}" for p in r.power]
        assert prim.IsInstance()
        assert prim.GetAttribute("aif:core:assetClass").Get() == "compute rack"


def test_components_carry_twin_figures_and_relationships(export):
    stage = Usd.Stage.Open(str(export / "scene.usda"))
    power = stage.GetPrimAtPath("/Site/Power").GetChildren()
    cooling = stage.GetPrimAtPath("/Site/Cooling").GetChildren()
    layout = twin.load(HALL).layout
    assert len(power) == len(layout.power) and len(cooling) == len(layout.cooling)
    ups = stage.GetPrimAtPath("/Site/Power/ups_a1")
    # 710 kW of 1,500 kW normally; with mv-b down it carries the whole row, 1,420 kW
    assert ups.GetAttribute("twin:loadKw").Get() == pytest.approx(710.0)
    assert ups.GetAttribute("twin:utilization").Get() == pytest.approx(710 / 1500)
    assert ups.GetAttribute("twin:worstMarginKw").Get() == pytest.approx(1500 - 1420)
    assert list(ups.GetAttribute("twin:worstScenario").Get()) == ["mv-b"]
    assert [str(t) for t in ups.GetRelationship("twin:from").GetTargets()] == [
        "/Site/Power/tx_a1"]
    assert ups.GetAttribute("aif:spec:upsRating").Get() == 1500.0
    cdu = stage.GetPrimAtPath("/Site/Cooling/cdu_1")
    assert cdu.GetAttribute("aif:spec:nominalCoolingCapacity").Get() == 2000.0
    assert [str(t) for t in cdu.GetRelationship("twin:to").GetTargets()] == ["/Site/Cooling/fws"]
    site = stage.GetPrimAtPath("/Site")
    assert site.GetAttribute("twin:kpi:it_kw").Get() == 5680.0
    assert list(site.GetAttribute("twin:findings").Get()) == []


def test_findings_travel_with_the_scene(tmp_path):
    text = (ROOT / HALL).read_text().replace("ups-a1: {kind: ups, capacity_kw: 1500",
                                              "ups-a1: {kind: ups, capacity_kw: 1000")
    layout = tmp_path / "weak.yaml"
    layout.write_text(text)
    proc = run("export", str(layout), "--usd", str(tmp_path / "out"))
    assert proc.returncode == 1                                   # written, but errors
    stage = Usd.Stage.Open(str(tmp_path / "out" / "scene.usda"))
    lines = list(stage.GetPrimAtPath("/Site/Power/ups_a1").GetAttribute("twin:findings").Get())
    assert lines and all(line.split()[0][0] in "PR" for line in lines)


def test_package_layout_is_what_the_validator_accepts(export):
    root = export / "cdu_2000kw" / "simready_usd"
    assert sorted(p.name for p in root.iterdir()) == [".thumbs", "cdu_2000kw.usda", "layers"]
    assert (root / ".thumbs" / "256x256" / "cdu_2000kw.usda.png").read_bytes()[:4] == \
        b"\x89PNG"
    stage = Usd.Stage.Open(str(root / "cdu_2000kw.usda"))
    assert list(stage.GetRootLayer().subLayerPaths) == [
        "./layers/cdu_2000kw_properties.usda", "./layers/cdu_2000kw_connectionpoints.usda",
        "./layers/cdu_2000kw_geometry.usda"]
    prim = stage.GetDefaultPrim()
    assert prim.GetAttribute("aif:core:assetClass").Get() == "CDU"
    assert prim.GetAttribute("aif:spec:powerRating").Get() == pytest.approx(12.24)
    points = {p.GetName(): p.GetAttribute("simready:connectionPoint:system").Get()
              for p in stage.GetPrimAtPath("/cdu_2000kw/ConnectionPoints").GetChildren()}
    assert points == {"twin_fws_supply": "FWS", "twin_fws_return": "FWS",
                      "twin_tcs_supply": "TCS", "twin_tcs_return": "TCS",
                      "twin_electrical_nominal_voltage": "power"}


def test_without_usd_core_export_is_a_usage_error_and_writes_nothing(tmp_path):
    code = ("import builtins, sys\n"
            "real = builtins.__import__\n"
            "def fake(name, *a, **k):\n"
            "    if name == 'pxr' or name.startswith('pxr.'):\n"
            "        raise ImportError(name)\n"
            "    return real(name, *a, **k)\n"
            "builtins.__import__ = fake\n"
            "from twin.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    proc = subprocess.run([sys.executable, "-c", code, "export", HALL, "--usd",
                           str(tmp_path / "u"), "--dot", str(tmp_path / "h.dot")],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert "pip install 'twin[usd]'" in proc.stderr and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_export_refuses_a_folder_that_is_not_an_earlier_export(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    proc = run("export", HALL, "--usd", str(tmp_path))
    assert proc.returncode == 2 and "not empty" in proc.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_re_export_replaces_the_folder(export):
    proc = run("export", HALL, "--usd", str(export))
    assert proc.returncode == 0, proc.stderr
    assert (export / "scene.usda").exists()
    assert not list(export.parent.glob(".hall.*"))               # no temporary folder left


VALIDATE = shutil.which("simready-validate")


@pytest.mark.skipif(VALIDATE is None, reason="simready-validate is not installed: "
                    "pip install 'twin[simready]'")
@pytest.mark.parametrize("version", ["0.2.0", "0.1.0"])
def test_every_package_passes_simready_validate(export, version):
    assert len((export / "packages.txt").read_text().split()) == 5
    # the command of docs/usd.md, run in the export folder
    proc = subprocess.run([VALIDATE, "--profile", "AIF-Entity", "--version", version,
                           "--asset_list", "packages.txt"], capture_output=True, text=True,
                          cwd=export)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count(f"[PASSED] AIF-Entity v{version}") == 5, proc.stdout


ODD = """\
twin: 1
policy: {contingency: 0}
power:
  "1-u": {kind: utility, capacity_kw: 1000}
  p.1: {kind: pdu, capacity_kw: 500, from: "1-u"}
  p_1: {kind: pdu, capacity_kw: 500, from: "1-u"}
cooling:
  c: {kind: crah, capacity_kw: 300, supply_c: 22, power: [p.1], to: w}
  w: {kind: chiller, capacity_kw: 400, cop: 4, power: ["1-u"]}
space:
  h-1: {rows: {a-1: 3, a_1: 3}}
racks:
  r-1: {it_kw: 20, hall: h-1, row: a-1, pos: 2, power: [p.1], cooling: [c]}
  r_1: {it_kw: 20, hall: h-1, row: a_1, pos: 1, power: [p_1], cooling: [c]}
  loose: {it_kw: 10, power: [p_1], cooling: [c]}
"""


def test_odd_ids_untyped_and_unplaced_racks(tmp_path):
    layout = tmp_path / "odd.yaml"
    layout.write_text(ODD)
    proc = run("export", str(layout), "--usd", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    stage = Usd.Stage.Open(str(tmp_path / "out" / "scene.usda"))
    assert stage.GetPrimAtPath("/Site/Power/_1_u").GetAttribute("twin:id").Get() == "1-u"
    assert stage.GetPrimAtPath("/Site/Power/p_1_2").GetAttribute("twin:id").Get() == "p_1"
    a, b = (stage.GetPrimAtPath(f"/Site/Halls/h_1/{row}") for row in ("a_1", "a_1_2"))
    assert (a.GetAttribute("twin:row").Get(), b.GetAttribute("twin:row").Get()) == ("a-1",
                                                                                   "a_1")
    rack = a.GetChildren()[0]
    assert rack.GetAttribute("twin:id").Get() == "r-1"
    # untyped 20 kW racks: footprint 0.72 m2 -> depth 1.2 m; row 0, position 2
    assert _world(rack) == pytest.approx((1.5 * RACK_PITCH_M, 0.6, 0.0))
    assert _world(b.GetChildren()[0]) == pytest.approx((0.3, 1.2 + AISLE_M + 0.6, 0.0))
    loose = stage.GetPrimAtPath("/Site/Unplaced/loose")
    assert loose.GetAttribute("twin:itKw").Get() == 10.0
    assert [str(t) for t in rack.GetRelationship("twin:power").GetTargets()] == [
        "/Site/Power/p_1"]
    # a CRAH without power_kw: its package leaves the power rating out and says so
    crah = stage.GetPrimAtPath("/Site/Cooling/c")
    assert not crah.HasAttribute("aif:spec:electricalPowerRating")
    assert "aif:spec:electricalPowerRating (not given: left out)" in list(
        crah.GetAttribute("twin:defaulted").Get())
