"""Typical-power KPIs of `twin validate`: the flow engine with racks at `typical_kw`."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import twin

ROOT = Path(__file__).resolve().parents[2]

# Two racks of different types: r1 100 kW design, 80 kW typical, all liquid; r2 50 kW
# with no typical_kw (typical = design), all air. UPS 96 %; the CDU draws 2 kW and the
# CRAC 5 kW at full capacity (100 kW each); both are fed by the utility. The CDU's heat
# leaves through plant outside the layout, the CRAC rejects its own.
TWO = """\
twin: 1
policy: {contingency: 0}
power:
  grid: {kind: utility, capacity_kw: 1000}
  ups: {kind: ups, capacity_kw: 200, efficiency: 0.96, from: grid}
cooling:
  cdu: {kind: cdu, capacity_kw: 100, power_kw: 2, power: grid, to: external}
  crah: {kind: crac, capacity_kw: 100, power_kw: 5, power: grid}
racks:
  r1: {it_kw: 100, typical_kw: 80, liquid_fraction: 1.0, power: ups, cooling: cdu}
  r2: {it_kw: 50, power: ups, cooling: crah}
"""


def test_typical_kpis_by_hand_while_design_kpis_keep_it_kw(tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(textwrap.dedent(TWO), encoding="utf-8")
    k = twin.validate(str(path)).kpis
    # design: IT 150; UPS in 150 / 0.96 = 156.25; CDU 2 x 100/100 = 2; CRAH 5 x 50/100
    # = 2.5: facility 160.75, PUE 1.071667
    assert k["it_kw"] == 150.0
    assert k["facility_kw"] == pytest.approx(160.75)
    assert k["pue"] == pytest.approx(160.75 / 150)
    # typical: IT 80 + 50 = 130; UPS in 130 / 0.96 = 135.4167; CDU 2 x 80/100 = 1.6;
    # CRAH 2.5: facility 139.5167, PUE 1.073205 (r2's air heat weighs more at typical)
    assert k["typical_it_kw"] == 130.0
    assert k["typical_facility_kw"] == pytest.approx(130 / 0.96 + 1.6 + 2.5)
    assert k["typical_pue"] == pytest.approx((130 / 0.96 + 4.1) / 130)


def test_example_hall_typical_kpis_in_json():
    proc = subprocess.run([sys.executable, "-m", "twin", "validate", "layouts/gb300-hall.yaml",
                           "--format", "json"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0
    k = json.loads(proc.stdout)["layouts"][0]["kpis"]
    # 40 racks x 135 kW typical against 142 kW design; every rack scales alike and every
    # flow rule is linear in load, so facility scales by 135/142 and the PUE stays
    assert k["it_kw"] == 5680.0 and k["typical_it_kw"] == 5400.0
    assert k["typical_facility_kw"] == pytest.approx(k["facility_kw"] * 135 / 142, rel=1e-12)
    assert k["typical_pue"] == pytest.approx(k["pue"], rel=1e-12)


def test_a_layout_with_load_errors_has_no_kpis_at_all():
    report = twin.validate(twin.load_bytes("twin: 1\nracks: {r1: {it_kw: -1}}\n", "bad.yaml"))
    assert report.kpis is None
