"""Design conditions: `twin validate` checks heat rejection at `site.design_ambient_c` with
the models of `twin simulate` (C005, C006), and the two commands agree at those conditions."""
from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from twin.api import validate
from twin.checks.runner import load_bytes
from twin.physics.flow import compile_network
from twin.physics.thermal import at_design

ROOT = Path(__file__).resolve().parents[2]
LAYOUTS = ROOT / "layouts"

# One 90 kW all-liquid rack (it accepts 45 °C water) on a CDU supplying 35 °C with a 5 K
# approach, so the facility water aims at 30 °C and may reach 40 °C. The CDU shares the
# heat over two 100 kW dry coolers (2 kW fans, 6 K approach at rating). Rated: 45 kW each,
# 90 kW on one when the other fails: exactly its capacity, so it passes.
TWO_DRY = """\
twin: 1
{site}policy: {{contingency: 1}}
power:
  grid: {{kind: utility, capacity_kw: 1000, failable: false}}
cooling:
  cdu: {{kind: cdu, capacity_kw: 200, supply_c: 35, failable: false, to: [dc-1, dc-2]}}
  dc-1: {{kind: dry-cooler, capacity_kw: 100, power_kw: 2, power: grid}}
  dc-2: {{kind: dry-cooler, capacity_kw: 100, power_kw: 2, power: grid}}
racks:
  r1: {{it_kw: 90, liquid_fraction: 1.0, max_supply_c: 45, power: grid, cooling: cdu}}
"""


def _report(text: str):
    loaded = load_bytes(text, "t.yaml")
    assert loaded.ok, loaded.findings
    return validate(loaded)


def _codes(report) -> list[tuple[str, str]]:
    return [(f.code, f.component) for f in report.findings]


# --------------------------------------------------------------------------- C005
def test_dry_coolers_that_pass_at_rating_are_short_at_the_design_ambient():
    # Without design conditions (as before them): clean.
    assert _report(TWO_DRY.format(site="")).findings == ()
    # At 35 °C a dry cooler cannot make water colder than 35 + 6 = 41 °C; at the 40 °C
    # the rack accepts it rejects 100 x (40 - 35) / 6 = 83.3 kW. Normally 45 kW each
    # (fine); with one failed the other takes 90 kW: short. It would need 90 / (5/6) =
    # 108 kW of rated capacity.
    report = _report(TWO_DRY.format(site="site: {design_ambient_c: 35}\n"))
    assert not report.ok
    assert _codes(report) == [("C005", "dc-1"), ("C005", "dc-2")]
    first = report.findings[0]
    assert first.severity == "error" and first.line == 8 and first.name == \
        "heat-rejection-short-at-design"
    assert first.scenario == ("dc-2",)
    message = first.message
    assert "a dry cooler cannot deliver water colder than the air plus its approach " \
           "(35 + 6 = 41 °C)" in message
    assert "its racks accept water at most 40 °C (its setpoint is 30 °C)" in message
    assert "at 40 °C it rejects 100.0 × (40 − 35) / 6 = 83.3 kW of its rated 100.0 kW" \
        in message
    assert "it takes 90.0 kW when dc-2 fails, over its 100% failover limit" in message
    assert "give it at least 108.0 kW of rated capacity" in message
    assert "adiabatic assist" in message
    data = dict(first.data)
    assert data["design_capacity_kw"] == pytest.approx(500 / 6)
    assert data["load_kw"] == pytest.approx(90.0)
    # Following the fix clears it
    fixed = TWO_DRY.replace("capacity_kw: 100", "capacity_kw: 108")
    assert _report(fixed.format(site="site: {design_ambient_c: 35}\n")).findings == ()


def test_the_fix_for_normal_operation_names_what_the_worst_failure_set_needs_too():
    # At 39 °C a dry cooler rejects 100 x (40 - 39) / 6 = 16.7 kW at 40 °C water: short
    # already in normal operation (45 kW each). Normal operation needs 45 / (1/6) = 270 kW
    # of rated capacity; with dc-2 failed dc-1 takes 90 kW and needs 90 / (1/6) = 540 kW,
    # so the fix names both and following only the first would not clear the finding.
    report = _report(TWO_DRY.format(site="site: {design_ambient_c: 39}\n"))
    first = report.findings[0]
    assert (first.code, first.component, first.scenario) == ("C005", "dc-1", ())
    assert "it takes 45.0 kW in normal operation" in first.message
    assert ("give it at least 270.0 kW of rated capacity (540.0 kW to carry its heat when "
            "dc-2 fails) (or add units)") in first.message
    fixed = TWO_DRY.replace("capacity_kw: 100", "capacity_kw: 540")
    assert _report(fixed.format(site="site: {design_ambient_c: 39}\n")).findings == ()


def test_air_hotter_than_the_water_the_racks_accept_leaves_no_capacity():
    # At 41 °C the air is hotter than the 40 °C water: nothing is rejected, even normally.
    report = _report(TWO_DRY.format(site="site: {design_ambient_c: 41}\n"))
    assert _codes(report) == [("C005", "dc-1"), ("C005", "dc-2")]
    message = report.findings[0].message
    assert "(41 + 6 = 47 °C)" in message and "so it rejects nothing at all" in message
    assert "it takes 45.0 kW in normal operation, over its 100% limit" in message
    assert report.findings[0].scenario == ()


def test_no_c005_where_the_design_ambient_leaves_full_capacity():
    # At 30 °C the 40 °C water is 10 K above the air: full rated capacity, and C001/R004
    # (which compare with the rated capacity) say all there is to say.
    assert _report(TWO_DRY.format(site="site: {design_ambient_c: 30}\n")).findings == ()


@pytest.mark.parametrize("unit", ["dc-1", "cdu-loop"])
def test_a_plant_setpoint_above_what_its_sources_accept_does_not_raise_their_limit(unit):
    # The rack accepts 45 °C, so the CDU may be fed water up to 40 °C. A dry cooler (or a
    # loop between the CDU and the dry coolers) written with `supply_c: 60` is not allowed
    # 60 °C water by that: at 35 °C air it still has 83.3 kW at 40 °C, short with its twin
    # failed (C005, as without the setpoint). Before, its own setpoint raised the hottest
    # water to 60 °C and the hall passed at any ambient up to 54 °C.
    text = TWO_DRY.format(site="site: {design_ambient_c: 35}\n")
    if unit == "dc-1":
        text = text.replace("kind: dry-cooler, capacity_kw: 100,",
                            "kind: dry-cooler, capacity_kw: 100, supply_c: 60,")
    else:
        text = text.replace("to: [dc-1, dc-2]}", "to: cdu-loop}\n"
                            "  cdu-loop: {kind: loop, supply_c: 60, failable: false, "
                            "to: [dc-1, dc-2]}")
    report = _report(text)
    assert _codes(report) == [("C005", "dc-1"), ("C005", "dc-2")]
    assert "its racks accept water at most 40 °C" in report.findings[0].message
    assert "at 40 °C it rejects 100.0 × (40 − 35) / 6 = 83.3 kW" in report.findings[0].message


# --------------------------------------------------------------------------- towers, C006
TOWER = """\
twin: 1
site: {site}
policy: {{contingency: 0}}
power:
  grid: {{kind: utility, capacity_kw: 1000}}
cooling:
  cdu: {{kind: cdu, capacity_kw: 200, supply_c: 35, to: ct}}
  ct: {{kind: cooling-tower, capacity_kw: 100, power_kw: 1, power: grid}}
racks:
  r1: {{it_kw: 60, liquid_fraction: 1.0, max_supply_c: 45, power: grid, cooling: cdu}}
"""


def test_a_tower_without_a_design_wet_bulb_is_checked_at_the_dry_bulb_and_says_so():
    # No wet-bulb: saturated air, wet-bulb = 38 °C: 100 x (40 - 38) / 4 = 50 kW < 60 kW.
    report = _report(TOWER.format(site="{design_ambient_c: 38}"))
    assert _codes(report) == [("C005", "ct"), ("C006", "ct")]
    assert "a cooling tower cannot deliver water colder than the wet-bulb plus its " \
           "approach (38 + 4 = 42 °C)" in report.findings[0].message
    warning = report.findings[1]
    assert warning.severity == "warning"
    assert "give site.design_wet_bulb_c" in warning.message
    # With a 24 °C design wet-bulb the tower has its full 100 kW: clean.
    assert _report(TOWER.format(site="{design_ambient_c: 38, design_wet_bulb_c: 24}")
                   ).findings == ()


@pytest.mark.parametrize("site, code, column, words", [
    # a wet-bulb above the dry-bulb is no air there is: the design condition is mistyped
    ("{design_ambient_c: 30, design_wet_bulb_c: 35}", "L004", 49,
     "design_wet_bulb_c is 35 °C, above the 30 °C design_ambient_c"),
    # a wet-bulb alone was read by nothing: validate checks no design condition without
    # the dry-bulb, so the layout must not pass as if it had been checked at it
    ("{design_wet_bulb_c: 24}", "L003", 8, "design_wet_bulb_c without design_ambient_c"),
])
def test_a_design_wet_bulb_that_cannot_be_used_is_a_finding(site, code, column, words):
    loaded = load_bytes(TOWER.format(site=site), "t.yaml")
    assert [(f.code, f.line, f.column) for f in loaded.findings] == [(code, 2, column)]
    assert words in loaded.findings[0].message
    # equal is saturated air: fine
    ok = load_bytes(TOWER.format(site="{design_ambient_c: 30, design_wet_bulb_c: 30}"), "t")
    assert ok.ok


# --------------------------------------------------------------------------- by hand
CHILLED = """\
twin: 1
site: {site}
policy: {{contingency: 0}}
power:
  grid: {{kind: utility, capacity_kw: 1000}}
cooling:
  cdu: {{kind: cdu, capacity_kw: 200, supply_c: 35, to: dc}}
  dc: {{kind: dry-cooler, capacity_kw: 120, power_kw: 3, power: grid}}
  crah: {{kind: crah, capacity_kw: 100, supply_c: 24, to: ch}}
  ch: {{kind: chiller, capacity_kw: 200, cop: 2.9, power: grid}}
racks:
  r1: {{it_kw: 100, liquid_fraction: 0.8, max_supply_c: 45, power: grid,
       cooling: [cdu, crah]}}
"""


def test_design_ambient_derating_of_a_dry_cooler_and_a_chiller_cop_by_hand():
    loaded = load_bytes(CHILLED.format(site="{design_ambient_c: 30}"), "t.yaml")
    assert loaded.ok, loaded.findings
    net, normal, design = at_design(loaded.layout, compile_network(loaded.layout))
    # Dry cooler: 80 kW of liquid heat; water setpoint 35 - 5 = 30 °C, at most 45 - 5 = 40.
    # At 30 °C air: nothing at the 30 °C setpoint (fans flat out: 3 kW), and
    # 120 x (40 - 30) / 6 = 200 kW -> capped at the rated 120 kW at 40 °C.
    (dc,) = design.rejectors
    assert (dc.supply_c, dc.max_supply_c) == (30.0, 40.0)
    assert dc.at_setpoint_kw == 0.0 and dc.at_hottest_kw == pytest.approx(120.0)
    assert dc.heat_kw == pytest.approx(80.0) and dc.draw_kw == pytest.approx(3.0)
    # At 36 °C: 120 x (40 - 36) / 6 = 80 kW at 40 °C, exactly the heat.
    loaded36 = load_bytes(CHILLED.format(site="{design_ambient_c: 36}"), "t.yaml")
    (dc36,) = at_design(loaded36.layout, compile_network(loaded36.layout))[2].rejectors
    assert dc36.at_hottest_kw == pytest.approx(80.0)
    # Chiller, air-cooled (its heat reaches no dry cooler), rated COP 2.9 at AHRI 550/590:
    # 44 °F = 6.667 °C water, 95 °F = 35 °C air. Refrigerant 2 K below the water, 15 K
    # above the air: eta = 2.9 x (50 - 4.667) / (4.667 + 273.15) = 0.47322.
    # The CRAH supplies 24 °C air with a 6 K coil: 18 °C chilled water. At 30 °C air:
    # COP = eta x (16 + 273.15) / (45 - 16) = 4.7183; the coil air (36 °C) is above the
    # 23.6 °C return, so no free cooling: the chiller draws Q / COP.
    eta = 2.9 * (50 - (20 / 3 - 2)) / ((20 / 3 - 2) + 273.15)
    assert eta == pytest.approx(0.47322, abs=1e-5)
    (ch,) = design.chillers
    assert ch.supply_c == 18.0 and ch.mechanical == 1.0
    assert ch.cop == pytest.approx(eta * 289.15 / 29) == pytest.approx(4.7183, abs=1e-4)
    j = net.index["ch"][1]
    assert normal.cooling_heat_kw[j] == pytest.approx(20.0)  # 20 kW of air heat
    assert normal.cooling_draw_kw[j] == pytest.approx(20.0 / ch.cop)
    # validate's KPIs carry it: cooling = dc fans 3 + chiller 20 / 4.7183
    report = validate(loaded)
    assert report.findings == ()
    assert report.kpis["cooling_kw"] == pytest.approx(3.0 + 20.0 / ch.cop)
    # Without design conditions the chiller draws at its rated COP and the fans by rule 4
    plain = validate(load_bytes(CHILLED.format(site="{}"), "t.yaml"))
    assert plain.kpis["cooling_kw"] == pytest.approx(3.0 * 80 / 120 + 20.0 / 2.9)


# --------------------------------------------------------------------------- agreement
def _constant_year(path: Path, dry_bulb_c: float) -> Path:
    """A TMY3 file of 8,760 identical hours at ``dry_bulb_c`` (no humidity: wet = dry)."""
    day = datetime.date(2001, 1, 1)
    lines = ['0,"CONSTANT",XX,0,0,0,0', "Date (MM/DD/YYYY),Time (HH:MM),Dry-bulb (C)"]
    for d in range(365):
        date = (day + datetime.timedelta(days=d)).strftime("%m/%d/%Y")
        lines += [f"{date},{h:02d}:00,{dry_bulb_c}" for h in range(1, 25)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _twin(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "twin", *args], capture_output=True,
                          text=True, cwd=ROOT)


def _verdicts(layout: Path, tmp_path: Path) -> tuple[int, int, dict]:
    """Exit codes of validate and of simulate over a constant year at the layout's design
    ambient and design load (a profile of 1.0), and simulate's JSON."""
    loaded = load_bytes(layout.read_bytes(), str(layout))
    design = loaded.layout.site.design_ambient_c
    weather = _constant_year(tmp_path / "year.csv", design)
    ones = tmp_path / "design-load.csv"
    ones.write_text("1.0\n" * 24, encoding="utf-8")
    checked = _twin("validate", str(layout))
    simulated = _twin("simulate", str(layout), "--weather", str(weather), "--load", str(ones),
                      "--format", "json", "--no-progress")
    assert "Traceback" not in checked.stderr + simulated.stderr
    return checked.returncode, simulated.returncode, json.loads(simulated.stdout)


SHIPPED = sorted(p for p in LAYOUTS.glob("*.yaml")
                 if load_bytes(p.read_bytes(), str(p)).layout.site.design_ambient_c is not None)


def test_every_shipped_layout_with_design_conditions_is_listed():
    assert {p.name for p in SHIPPED} >= {"gb300-hall.yaml", "edge-pod.yaml", "campus-1gw.yaml"}


@pytest.mark.parametrize("layout", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_layouts_simulate_a_design_year_to_the_verdict_of_validate(layout, tmp_path):
    checked, simulated, doc = _verdicts(layout, tmp_path)
    assert checked == simulated == 0, doc["over_capacity"] + doc["over_capacity_n1"]
    # and the design hour is validate's own: same facility power and PUE
    assert doc["peak_facility_kw"] == pytest.approx(doc["design"]["facility_kw"], rel=1e-9)


def test_the_hall_as_first_shipped_fails_both_at_its_design_ambient(tmp_path):
    # layouts/gb300-hall.yaml with its first dry coolers, 1,500 kW at 35 °C: with one of
    # five out the other four take 1,285.8 kW each and have 1,500 x 5/6 = 1,250 kW
    text = (LAYOUTS / "gb300-hall.yaml").read_text(encoding="utf-8")
    text = text.replace("kind: dry-cooler, capacity_kw: 2000, power_kw: 50,",
                        "kind: dry-cooler, capacity_kw: 1500, power_kw: 37.5,")
    text = re.sub(r"design_ambient_c: 36\b", "design_ambient_c: 35", text)
    assert text.count("capacity_kw: 1500, power_kw: 37.5") == 5
    assert "design_ambient_c: 35" in text
    first = tmp_path / "gb300-hall-first.yaml"
    first.write_text(text, encoding="utf-8")
    checked, simulated, doc = _verdicts(first, tmp_path)
    assert checked == simulated == 1
    assert doc["hours_over_capacity"] == 0 and doc["hours_over_capacity_n1"] == 8760
    short = {o["component"]: o for o in doc["over_capacity_n1"]}
    assert sorted(short) == [f"dc-{n}" for n in range(1, 6)]
    findings = _twin("validate", str(first), "--format", "json")
    (report,) = json.loads(findings.stdout)["layouts"]
    c005 = {f["component"]: f for f in report["findings"] if f["code"] == "C005"}
    assert sorted(c005) == sorted(short)
    assert {f["code"] for f in report["findings"]} == {"C005"}
    for unit, found in c005.items():
        # the same shortfall, kW: load over the capacity at 40 °C water
        data = found["data"]
        assert data["load_kw"] - data["design_capacity_kw"] == pytest.approx(
            short[unit]["worst_shortfall_kw"], rel=1e-9)
