"""twin simulate: real weather, the ambient models by hand, load profiles, bad input, outputs."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import twin
import twin.core
from twin import cli
from twin.layout import profile
from twin.layout import weather
from twin.questions.simulate import chiller_cop, mechanical_fraction, rejection_capacity_fraction, simulate
from twin.layout.weather import Weather

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
TMY3 = DATA / "723170TYA.CSV"
EPW = DATA / "723170TYA.epw"
HALL = ROOT / "layouts" / "gb300-hall.yaml"
WORKED = ROOT / "tests" / "layouts" / "spec-worked-example.yaml"

JSON_NAMES = ("annual_it_mwh", "annual_facility_mwh", "annual_pue", "peak_facility_kw",
              "hours_over_capacity", "tokens", "energy_usd", "usd_per_mtok")

# One 100 kW rack (80 kW typical) on a 96 % UPS, its liquid heat on a CDU whose heat
# leaves through plant outside the layout (`to: external`), so nothing depends on the
# weather.
TINY = """\
twin: 1
site: {electricity_usd_per_mwh: 100, capex_usd_per_mw: 10000000, capex_life_years: 20,
       rack_life_years: 5}
policy: {contingency: 0}
power:
  grid: {kind: utility, capacity_kw: 1000}
  ups: {kind: ups, capacity_kw: 200, efficiency: 0.96, from: grid}
cooling:
  cdu: {kind: cdu, capacity_kw: 100, power_kw: 2, power: grid, to: external}
racks:
  r1: {it_kw: 100, typical_kw: 80, liquid_fraction: 1.0, tokens_per_s: 1000,
       price_usd: 1000000, power: ups, cooling: cdu}
"""

# One 100 kW all-liquid rack whose CDU (35 °C supply, racks accept 45 °C) passes its heat
# to one 120 kW dry cooler with 3 kW of fans. The CDU's 5 K approach puts the facility
# water at 30 °C (setpoint) and at most 40 °C (what the rack still accepts).
DRY = """\
twin: 1
policy: {contingency: 0}
power:
  grid: {kind: utility, capacity_kw: 1000}
cooling:
  cdu: {kind: cdu, capacity_kw: 200, supply_c: 35, to: dc}
  dc: {kind: dry-cooler, capacity_kw: 120, power_kw: 3, power: grid}
racks:
  r1: {it_kw: 100, liquid_fraction: 1.0, max_supply_c: 45, power: grid, cooling: cdu}
"""


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "twin", *args], capture_output=True, text=True,
                          cwd=cwd)


def _write(tmp_path: Path, text: str, name: str = "t.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _layout(tmp_path: Path, text: str):
    return twin.load(str(_write(tmp_path, text))).layout


def _hours(dry, wet=None) -> Weather:
    """A weather of a few hours: the given dry-bulb (and wet-bulb, else = dry-bulb)."""
    db = np.array(dry, dtype=float)
    return Weather("test", "test", db, db.copy() if wet is None else np.array(wet, dtype=float))


def _tmy3_column(name: str) -> np.ndarray:
    with open(TMY3, encoding="utf-8", newline="") as handle:
        next(handle)
        return np.array([float(row[name]) for row in csv.DictReader(handle)])


def _simulate_json(*args) -> tuple[int, dict]:
    proc = run("simulate", *args, "--format", "json")
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


# --------------------------------------------------------------------------- weather
def test_tmy3_reader_gives_a_year_of_dry_bulb_and_wet_bulb():
    w = weather.read(str(TMY3))
    assert w.hours == 8760
    assert w.station == "GREENSBORO PIEDMONT TRIAD INT, NC"
    # first row of the file: 01/01/1988 01:00, 10.0 °C dry-bulb, 6.1 °C dew point, 77 %
    assert w.dry_bulb_c[0] == 10.0 and w.relative_humidity_pct[0] == 77.0
    assert np.array_equal(w.dry_bulb_c, _tmy3_column("Dry-bulb (C)"))
    assert (w.wet_bulb_c <= w.dry_bulb_c).all()
    # the dew point (6.1 °C) is below the wet-bulb, which is below the dry-bulb
    assert 6.1 < w.wet_bulb_c[0] < 10.0


def test_wet_bulb_follows_stull_2011():
    # Stull (2011) gives 20 °C at 50 % RH as 13.7 °C wet-bulb (the paper's own example)
    assert float(weather.wet_bulb_stull(20.0, 50.0)) == pytest.approx(13.7, abs=0.05)
    # saturated air: wet-bulb = dry-bulb (within the fit's accuracy, and never above)
    assert float(weather.wet_bulb_stull(25.0, 100.0)) == pytest.approx(25.0, abs=0.3)


def test_epw_file_reads_the_same_year_as_the_tmy3_it_was_made_from():
    a, b = weather.read(str(TMY3)), weather.read(str(EPW))
    assert b.hours == 8760 and b.station == "GREENSBORO PIEDMONT TRIAD INT, NC, USA"
    assert np.array_equal(a.dry_bulb_c, b.dry_bulb_c)
    assert np.array_equal(a.wet_bulb_c, b.wet_bulb_c)
    code_a, doc_a = _simulate_json(str(HALL), "--weather", str(TMY3), "--no-progress")
    code_b, doc_b = _simulate_json(str(HALL), "--weather", str(EPW), "--no-progress")
    assert code_a == code_b == 0  # no hour over capacity, see the hall's test below
    for name in (*JSON_NAMES, "hours_over_capacity_n1", "over_capacity_n1"):
        assert doc_a[name] == doc_b[name], name


def test_epw_missing_values_are_filled_in_time(tmp_path):
    lines = EPW.read_text(encoding="ascii").splitlines()
    row = lines[8 + 1].split(",")  # 01:00 and 03:00 are 10.0 °C; 02:00 goes missing
    row[6] = "99.9"
    lines[8 + 1] = ",".join(row)
    path = tmp_path / "gap.epw"
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    assert weather.read(str(path)).dry_bulb_c[1] == 10.0


@pytest.mark.parametrize(("name", "content", "message"), [
    ("short.csv", "\n".join(TMY3.read_text(encoding="utf-8").splitlines()[:100]),
     "98 hourly rows"),
    ("no-periods.epw", "LOCATION,X,Y,Z\n1988,1,1,1,0,x,10,5,70\n", "no `DATA PERIODS`"),
    ("text.csv", "hello\nworld\n", "not an EPW file"),
    ("binary.epw", b"\x00\xff\xfe\x89PNG\r\n", "not an EPW file"),
    ("nothing.csv", "", "not an EPW file"),
])
def test_bad_weather_files_are_usage_errors(tmp_path, name, content, message):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    proc = run("simulate", str(HALL), "--weather", str(path))
    assert proc.returncode == 2
    assert "twin: error: --weather" in proc.stderr and message in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_weather_file_is_a_usage_error():
    proc = run("simulate", str(HALL), "--weather", "no-such-file.epw")
    assert proc.returncode == 2 and "no-such-file.epw" in proc.stderr


# --------------------------------------------------------------------------- the models
def test_dry_cooler_capacity_falls_as_the_ambient_nears_the_water_by_hand(tmp_path):
    # The dry cooler keeps 120 kW while ambient <= water - 6 K, then loses 120/6 = 20 kW
    # per K, none left at ambient = water. Water setpoint 30 °C, at most 40 °C.
    #   20 °C: at setpoint 120 kW; fans 3 x 100/120 = 2.5 kW
    #   27 °C: at setpoint 120 x 3/6 = 60 kW < 100: above setpoint; at 40 °C 120 kW: fits;
    #          fans at full speed, 3 kW
    #   35 °C: at setpoint 0; at 40 °C 120 x 5/6 = 100 kW: exactly enough (not over); 3 kW
    #   36 °C: at 40 °C 120 x 4/6 = 80 kW: 20 kW short, utilization 100/80 = 125 %
    layout = _layout(tmp_path, DRY)
    sim = simulate(layout, _hours([20, 27, 35, 36]), profile.flat(4), hours=4)
    # facility = rack 100 kW + fans, all on the utility
    assert sim.facility_kw.tolist() == pytest.approx([102.5, 103.0, 103.0, 103.0])
    assert sim.annual_it_mwh == pytest.approx(0.4)
    assert sim.annual_facility_mwh == pytest.approx(0.4115)
    assert sim.annual_pue == pytest.approx(411.5 / 400)
    assert sim.hours_above_setpoint == 3
    assert sim.hours_over_capacity == 1 and sim.over_hours.tolist() == [False] * 3 + [True]
    (over,) = sim.over_capacity
    assert (over.component, over.kind, over.hours) == ("dc", "dry-cooler", 1)
    assert over.worst_shortfall_kw == pytest.approx(20.0)
    assert over.worst_utilization == pytest.approx(1.25)
    assert rejection_capacity_fraction([24, 27, 30, 31], 30.0, 6.0).tolist() == [1, 0.5, 0, 0]


def test_cooling_tower_rejects_against_the_wet_bulb(tmp_path):
    # Same plant with a tower (4 K approach to wet-bulb): at 35 °C dry-bulb and 20 °C
    # wet-bulb it keeps its full 120 kW (30 - 20 >= 4); at 38 °C wet-bulb (saturated air,
    # what a dry-bulb alone implies) it has 120 x (40 - 38)/4 = 60 kW at 40 °C water: over.
    layout = _layout(tmp_path, DRY.replace("dry-cooler", "cooling-tower"))
    sim = simulate(layout, _hours([35, 38], wet=[20, 38]), profile.flat(2), hours=2)
    assert sim.over_hours.tolist() == [False, True]
    assert sim.facility_kw[0] == pytest.approx(102.5)
    assert sim.heat_rejection[0].ambient == "wet-bulb"
    assert sim.over_capacity[0].worst_shortfall_kw == pytest.approx(40.0)


# Two 120 kW dry coolers share 100 kW of CDU heat through a loop; N-1 (the default).
PAIR = """\
twin: 1
power:
  grid: {kind: utility, capacity_kw: 1000}
cooling:
  cdu: {kind: cdu, capacity_kw: 200, supply_c: 35, to: fws}
  fws: {kind: loop, failable: false, to: [dc-1, dc-2]}
  dc-1: {kind: dry-cooler, capacity_kw: 120, power: grid}
  dc-2: {kind: dry-cooler, capacity_kw: 120, power: grid}
racks:
  r1: {it_kw: 100, liquid_fraction: 1.0, max_supply_c: 45, power: grid, cooling: cdu}
"""


def test_single_failure_of_a_dry_cooler_per_hour_by_hand(tmp_path):
    # At most 40 °C water each cooler has 120 x (40 - T)/6 = 20 x (40 - T) kW.
    #   normal: 50 kW each, short when 20 (40 - T) < 50, above 37.5 °C: the 38 °C hour
    #           (40 kW: 10 kW short)
    #   one failed: the other takes 100 kW, short above 35 °C (35 °C is exactly enough):
    #           36 °C (80 kW: 20 short) and 38 °C (40 kW: 60 short, 250 %)
    layout = _layout(tmp_path, PAIR)
    sim = simulate(layout, _hours([30, 35, 36, 38]), profile.flat(4), hours=4)
    assert sim.hours_over_capacity == 1
    assert [(o.component, o.worst_shortfall_kw) for o in sim.over_capacity] == \
        [("dc-1", pytest.approx(10.0)), ("dc-2", pytest.approx(10.0))]
    assert sim.hours_over_capacity_n1 == 2
    one, two = sim.over_capacity_n1
    assert (one.component, one.scenario, one.hours) == ("dc-1", ("dc-2",), 2)
    assert (two.component, two.scenario, two.hours) == ("dc-2", ("dc-1",), 2)
    assert one.worst_shortfall_kw == pytest.approx(60.0)
    assert one.worst_utilization == pytest.approx(2.5)
    assert not sim.ok
    # with contingency 0 nothing is asked of a failure
    relaxed = _layout(tmp_path, PAIR.replace("twin: 1\n", "twin: 1\npolicy: {contingency: 0}\n"))
    sim = simulate(relaxed, _hours([30, 35, 36, 38]), profile.flat(4), hours=4)
    assert sim.hours_over_capacity_n1 == 0 and sim.over_capacity_n1 == ()


CHILLED = """\
twin: 1
policy: {contingency: 0}
power:
  grid: {kind: utility, capacity_kw: 1000}
cooling:
  crah: {kind: crah, capacity_kw: 100, supply_c: 24, to: ch}
  ch: {kind: chiller, capacity_kw: 200, cop: 3.0, power: grid}
racks:
  r1: {it_kw: 50, power: grid, cooling: crah}
"""


def test_chiller_cop_falls_with_lift_and_free_cooling_takes_cold_hours_by_hand(tmp_path):
    # Air-cooled chiller rated COP 3.0 at AHRI 550/590: 6.67 °C chilled water, 35 °C air.
    # Refrigerant at chilled water - 2 K and air + 15 K: at the rating point
    # T_e = 4.667 °C = 277.817 K, T_c = 50 °C, lift 45.333 K, so the Carnot fraction is
    # eta = 3.0 x 45.333 / 277.817 = 0.48953.
    assert float(chiller_cop(3.0, 20 / 3, 35.0, air_cooled=True)) == pytest.approx(3.0)
    assert float(chiller_cop(6.0, 20 / 3, 85 * 5 / 9 - 160 / 9, air_cooled=False)) == \
        pytest.approx(6.0)
    # The CRAH supplies 24 °C air: chilled water 24 - 6 = 18 °C, T_e = 16 °C = 289.15 K.
    #   35 °C air: T_c = 50, lift 34 K, COP = 0.48953 x 289.15 / 34 = 4.1632
    #   15 °C air: T_c = 30, lift 14 K, COP = 0.48953 x 289.15 / 14 = 10.1106
    cop = chiller_cop(3.0, 18.0, [35.0, 15.0], air_cooled=True)
    assert cop.tolist() == pytest.approx([4.1632, 10.1106], abs=1e-4)
    # Free cooling: a coil 6 K above the air precools the 18 -> 23.56 °C water (AHRI range
    # 5.556 K): all free at 10 °C (16 <= 18); at 15 °C, (21 - 18)/5.556 = 54 % left to
    # the compressor; at 35 °C none free.
    assert mechanical_fraction([16.0, 21.0, 41.0], 18.0).tolist() == pytest.approx([0, 0.54, 1])
    # Draw for 50 kW of heat (coil fans 2.5 % of the heat they reject):
    #   10 °C: 50 x 0.025 = 1.25 kW
    #   15 °C: 0.54 x 50 / 10.1106 + 0.46 x 50 x 0.025 = 2.6704 + 0.575 = 3.2454 kW
    #   35 °C: 50 / 4.1632 = 12.0101 kW
    layout = _layout(tmp_path, CHILLED)
    sim = simulate(layout, _hours([10, 15, 35]), profile.flat(3), hours=3)
    assert (sim.facility_kw - 50).tolist() == pytest.approx([1.25, 3.2454, 12.0101], abs=1e-4)
    assert sim.economiser_hours == 1
    (chiller,) = sim.heat_rejection
    assert chiller.supply_c == 18.0 and chiller.economiser_hours == 1
    # the design-load figure of `twin validate` uses the flat cop: 50 / 3 = 16.67 kW
    assert sim.design["facility_kw"] == pytest.approx(50 + 50 / 3)


def test_at_rated_conditions_the_simulation_is_the_flow_engine():
    # SPEC's worked example: its only plant is a dry cooler. Its loop needs the CRAH's
    # 27 - 6 = 21 °C water, so at 10 °C the cooler is at its rating and every unit draws
    # by the flow rules: each hour is the SPEC's 224.317 kW, PUE 1.1216.
    layout = twin.load(str(WORKED)).layout
    sim = simulate(layout, weather.constant(10.0), profile.flat())
    report = twin.validate(str(WORKED))
    assert sim.facility_kw == pytest.approx(np.full(8760, report.kpis["facility_kw"]), rel=1e-12)
    assert report.kpis["facility_kw"] == pytest.approx(224.317, abs=1e-3)
    assert sim.annual_facility_mwh == pytest.approx(224.317 * 8.76, abs=0.01)
    assert sim.annual_pue == pytest.approx(1.1216, abs=1e-4)
    assert sim.hours_over_capacity == 0 and sim.hours_above_setpoint == 0


# --------------------------------------------------------------------------- profiles
def test_flat_profile_annual_energy_by_hand(tmp_path):
    # Typical 80 kW all year: UPS out 80, in 80 / 0.96 = 83.333 kW; CDU 2 x 80/100 =
    # 1.6 kW on the utility. Facility 84.933 kW, PUE 84.933 / 80 = 1.061667.
    #   IT 80 x 8,760 = 700.8 MWh; facility 84.9333 x 8.76 = 744.016 MWh
    #   energy 744.016 x 100 USD = 74,401.6 USD
    #   tokens 1,000/s x 3,600 x 8,760 = 3.1536e10 = 31,536 million
    #   capital: building 10 M USD/MW x 0.1 MW / 20 years = 50,000 USD; rack 1 M / 5 years
    #   = 200,000 USD; (74,401.6 + 250,000) / 31,536 = 10.2867 USD per million tokens
    code, doc = _simulate_json(str(_write(tmp_path, TINY)), "--no-progress")
    assert code == 0
    assert doc["annual_it_mwh"] == pytest.approx(700.8)
    assert doc["annual_facility_mwh"] == pytest.approx(744.016, abs=1e-3)
    assert doc["annual_pue"] == pytest.approx(1.0616667, abs=1e-7)
    assert doc["peak_facility_kw"] == pytest.approx(84.93333, abs=1e-5)
    assert doc["energy_usd"] == pytest.approx(74401.6, abs=0.1)
    assert doc["tokens"] == pytest.approx(3.1536e10)
    assert doc["capex"]["building_usd"] == pytest.approx(50_000)
    assert doc["capex"]["it_usd"] == pytest.approx(200_000)
    assert doc["usd_per_mtok"] == pytest.approx(324401.6 / 31536, abs=1e-4)
    assert doc["hours_over_capacity"] == 0 and doc["over_capacity"] == []
    # the same flow engine at typical power, as `twin validate` reports it
    kpis = twin.validate(str(tmp_path / "t.yaml")).kpis
    assert doc["peak_facility_kw"] == pytest.approx(kpis["typical_facility_kw"], rel=1e-12)


def test_diurnal_profile_by_hand(tmp_path):
    p = profile.diurnal()
    # 0.6 of typical power at 04:00, 1.0 at 16:00, a cosine between: the mean is 0.8
    assert p.fraction[4] == pytest.approx(0.6) and p.fraction[16] == pytest.approx(1.0)
    assert p.fraction[10] == pytest.approx(0.8) and p.fraction.mean() == pytest.approx(0.8)
    assert np.array_equal(p.fraction[:24], p.fraction[24:48])
    code, doc = _simulate_json(str(_write(tmp_path, TINY)), "--load", "diurnal")
    assert code == 0
    # IT 80 x 0.8 x 8,760 = 560.64 MWh; facility 84.9333 x 0.8 x 8.76 = 595.213 MWh
    assert doc["annual_it_mwh"] == pytest.approx(560.64)
    assert doc["annual_facility_mwh"] == pytest.approx(595.2128, abs=1e-3)
    assert doc["peak_it_kw"] == pytest.approx(80.0)
    assert doc["annual_pue"] == pytest.approx(1.0616667, abs=1e-7)


def test_csv_profile_of_24_rows_repeats_every_day(tmp_path):
    # 12 hours at half and 12 at full design power (100 kW): mean 75 kW.
    #   IT 75 x 8.76 = 657 MWh; facility per design kW 1/0.96 + 0.02 = 1.061667:
    #   657 x 1.061667 = 697.515 MWh; peak 106.1667 kW
    #   tokens: a rack makes its tokens_per_s at typical power (80 kW) and no more: 50 kW
    #   gives 50/80, 100 kW gives 1: (0.625 + 1) / 2 x 3.1536e10 = 2.5623e10
    csv_path = tmp_path / "day.csv"
    csv_path.write_text("fraction\n" + "0.5\n" * 12 + "1.0\n" * 12, encoding="utf-8")
    code, doc = _simulate_json(str(_write(tmp_path, TINY)), "--load", str(csv_path))
    assert code == 0
    assert doc["annual_it_mwh"] == pytest.approx(657.0)
    assert doc["annual_facility_mwh"] == pytest.approx(697.515, abs=1e-3)
    assert doc["peak_facility_kw"] == pytest.approx(106.16667, abs=1e-5)
    assert doc["tokens"] == pytest.approx(0.8125 * 3.1536e10)


def test_csv_profile_of_a_year(tmp_path):
    # 8,760 rows alternating 0 and 1 (no header): mean 0.5 of 100 kW, 438 MWh of IT
    csv_path = tmp_path / "year.csv"
    csv_path.write_text("".join(f"{h % 2}\n" for h in range(8760)), encoding="utf-8")
    code, doc = _simulate_json(str(_write(tmp_path, TINY)), "--load", str(csv_path))
    assert code == 0
    assert doc["annual_it_mwh"] == pytest.approx(438.0)
    assert doc["peak_it_kw"] == pytest.approx(100.0)
    assert doc["annual_pue"] == pytest.approx(1.0616667, abs=1e-7)


@pytest.mark.parametrize(("content", "message"), [
    ("", "no values"),
    ("0.5\n" * 23, "23 values; give 24"),
    ("0.5\n" * 23 + "abc\n", "line 24: 'abc' is not a number"),
    ("0.5\n" * 23 + "nan\n", "'nan' is not a number"),
    ("0.5\n" * 23 + "-0.1\n", "-0.1 is not a fraction"),
    ("0.5\n" * 23 + "142\n", "kW given by mistake?"),
    ("hour,load\n" + "1,0.5\n" * 24, "none named `fraction`"),
    ("1,0.5\n" * 24, "several columns"),
    (b"\xff\xfe\x00\x01", "not a text (UTF-8) CSV file"),
])
def test_bad_csv_profiles_are_usage_errors(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    proc = run("simulate", str(HALL), "--load", str(path))
    assert proc.returncode == 2, proc.stderr
    assert "twin: error: --load" in proc.stderr and message in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("spec", ["weekly", "", "."])
def test_unknown_profile_or_unreadable_path_is_a_usage_error(spec):
    proc = run("simulate", str(HALL), "--load", spec)
    assert proc.returncode == 2 and "is not flat, diurnal or a readable CSV file" in proc.stderr


@pytest.mark.parametrize("hours", ["0", "8761", "-5"])
def test_hours_out_of_range_is_a_usage_error(hours):
    proc = run("simulate", str(HALL), "--hours", hours)
    assert proc.returncode == 2 and "--hours must be 1 to 8,760" in proc.stderr


def test_a_layout_with_load_errors_is_not_simulated(tmp_path):
    proc = run("simulate", str(_write(tmp_path, TINY.replace("it_kw: 100", "it_kw: -1"))))
    assert proc.returncode == 1
    assert "L004" in proc.stderr and "not simulated" in proc.stderr
    assert "Traceback" not in proc.stderr


# --------------------------------------------------------------------------- real weather
def test_example_hall_through_a_real_typical_year():
    code, doc = _simulate_json(str(HALL), "--weather", str(TMY3))
    assert code == 0  # sized for N+1 at 36 °C, above the year's hottest hour (below)
    assert set(JSON_NAMES) <= set(doc)
    # 40 racks at their 135 kW typical power all year: 5,400 kW x 8,760 h
    assert doc["annual_it_mwh"] == pytest.approx(5400 * 8.76)
    # Chillers (18 °C water, coil 6 K above the air) are in full free cooling when the
    # dry-bulb is at most 12 °C: the hours of the file at or below 12 °C.
    dry = _tmy3_column("Dry-bulb (C)")
    assert doc["economiser_hours"] == int((dry <= 12.0).sum()) == 3419
    # Each 2,000 kW dry cooler (6 K approach: 2,000 / 6 = 333.3 kW per K) takes
    # (5,400 x 0.9 + 5 x 12.24 x 972 / 2,000) / 5 = 977.95 kW and holds the 30 °C setpoint
    # while 333.3 x (30 - T) >= 977.95, i.e. T <= 27.07 °C.
    per_kelvin = 2000 / 6
    per_cooler = (5400 * 0.9 + 5 * 12.24 * 972 / 2000) / 5
    assert doc["hours_above_setpoint"] == int((dry > 30 - per_cooler / per_kelvin).sum()) == 811
    # At most 40 °C water they keep 977.95 kW up to 40 - 2.93 = 37.07 °C, above the
    # year's hottest hour (35.6 °C): never over capacity.
    assert dry.max() == 35.6 and doc["hours_over_capacity"] == 0
    assert doc["over_capacity"] == []
    # With one of the five failed, the other four take 4,889.74 / 4 = 1,222.44 kW each:
    # short only above 40 - 1,222.44 / 333.3 = 36.33 °C, hotter than any hour of the year.
    assert 40 - per_cooler * 5 / 4 / per_kelvin == pytest.approx(36.333, abs=1e-3)
    assert doc["hours_over_capacity_n1"] == 0 and doc["over_capacity_n1"] == []
    # A mild year beats the design-load PUE of `twin validate` (flat COP 2.9 chillers)
    assert 1.0 < doc["annual_pue"] < doc["design"]["pue"]
    assert doc["annual_pue"] == pytest.approx(doc["annual_facility_mwh"] / doc["annual_it_mwh"])
    assert doc["energy_usd"] == pytest.approx(doc["annual_facility_mwh"] * 80)
    assert doc["tokens"] == pytest.approx(40 * 420_000 * 3600 * 8760)
    capital = doc["capex"]["building_usd"] + doc["capex"]["it_usd"]
    assert doc["capex"]["it_usd"] == pytest.approx(40 * 3.7e6 / 5)
    assert doc["usd_per_mtok"] == pytest.approx((doc["energy_usd"] + capital) /
                                                (doc["tokens"] / 1e6))
    assert doc["peak_facility_kw"] < doc["design"]["facility_kw"]


# Racks that accept 40 °C water: with the CDU's 35 °C setpoint and 5 K approach the dry
# cooler may deliver 35 °C at most, so it has 120 x (35 - T)/6 kW for the rack's 100 kW:
# it runs out in every hour hotter than 30 °C.
HOT = DRY.replace("max_supply_c: 45", "max_supply_c: 40")


def test_hours_over_capacity_name_the_components_that_ran_out(tmp_path):
    path = _write(tmp_path, HOT)
    assert twin.validate(str(path)).ok  # the design-load checks do not see the weather
    code, doc = _simulate_json(str(path), "--weather", str(TMY3))
    assert code == 1
    hot = int((_tmy3_column("Dry-bulb (C)") > 30.0).sum())
    assert hot == 234
    assert doc["hours_over_capacity"] == hot
    (over,) = doc["over_capacity"]
    assert (over["component"], over["kind"], over["hours"]) == ("dc", "dry-cooler", hot)
    # at 35.6 °C nothing is left: the whole 100 kW is short
    assert over["worst_shortfall_kw"] == pytest.approx(100.0)
    text = run("simulate", str(path), "--weather", str(TMY3))
    assert text.returncode == 1
    assert f"dc (dry-cooler): {hot} h, short by up to 100.0 kW" in text.stdout


def test_without_a_weather_file_the_design_ambient_holds_all_year(tmp_path):
    # site.design_ambient_c 32 °C: the HOT plant has 120 x 3/6 = 60 kW: over every hour
    path = _write(tmp_path, HOT.replace("twin: 1\n", "twin: 1\nsite: {design_ambient_c: 32}\n"))
    code, doc = _simulate_json(str(path), "--hours", "48")
    assert code == 1
    assert doc["hours"] == 48 and doc["hours_over_capacity"] == 48
    assert doc["weather"]["source"] == "constant"


# --------------------------------------------------------------------------- outputs
def test_text_output_reports_the_annual_figures(tmp_path):
    # the hall with its dry coolers at 1,500 kW (37.5 kW fans), as first shipped: with one
    # failed, the other four are short in the six 35.6 °C hours of the year
    small = HALL.read_text(encoding="utf-8").replace(
        "kind: dry-cooler, capacity_kw: 2000, power_kw: 50,",
        "kind: dry-cooler, capacity_kw: 1500, power_kw: 37.5,")
    path = tmp_path / "hall.yaml"
    path.write_text(small, encoding="utf-8")
    proc = run("simulate", str(path), "--weather", str(TMY3))
    assert proc.returncode == 1
    for label in ("IT energy", "facility energy", "PUE over the year", "peak facility power",
                  "hours over capacity", "hours over at N-1", "tokens", "energy cost",
                  "USD per million tokens"):
        assert label in proc.stdout, label
    assert "dc-1 (dry-cooler) when dc-2 fails: 6 h, short by up to 122.4 kW" in proc.stdout


def test_svg_plot_is_written_atomically_and_is_well_formed(tmp_path, monkeypatch, capsys):
    out = tmp_path / "year.svg"
    out.write_text("old plot", encoding="utf-8")
    written = []
    real = twin.core.write_atomic

    def spy(path, data, **options):
        written.append(path)
        real(path, data, **options)
    monkeypatch.setattr(twin.core, "write_atomic", spy)
    code = cli.main(["simulate", str(_write(tmp_path, HOT)), "--weather", str(TMY3),
                     "--plot", str(out), "--no-progress"])
    assert code == 1  # the plot is written whatever the verdict
    assert written == [str(out)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.yaml", "year.svg"]  # no temp
    root = ET.parse(out).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = out.read_text(encoding="utf-8")
    assert "hourly PUE and facility power" in text
    assert "over capacity (234 h)" in text and "over at N-1 (0 h)" in text
    # one red mark per day with an hour over 30 °C (48 days), and one in the legend
    days = int((_tmy3_column("Dry-bulb (C)") > 30.0).reshape(-1, 24).any(1).sum())
    assert days == 48 and text.count('fill="#c62828"/>') == 1 + days
    capsys.readouterr()


def test_plot_into_a_missing_folder_is_a_usage_error(tmp_path):
    proc = run("simulate", str(_write(tmp_path, TINY)), "--hours", "24", "--plot",
               str(tmp_path / "no" / "such" / "plot.svg"))
    assert proc.returncode == 2 and "cannot write" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_sarif_and_junit_are_not_offered_for_a_simulation():
    proc = run("simulate", str(HALL), "--format", "sarif")
    assert proc.returncode == 2 and "invalid choice" in proc.stderr


def _stderr_on_a_terminal(*args) -> str:
    """Run twin with stderr on a pseudo-terminal; return what it wrote there."""
    pty = pytest.importorskip("pty", reason="pseudo-terminals need a POSIX system")
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "twin", *args], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait()
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


def test_progress_bar_only_on_a_terminal():
    on_tty = _stderr_on_a_terminal("simulate", str(HALL), "--hours", "24")
    assert "simulating [" in on_tty and "100%" in on_tty
    piped = run("simulate", str(HALL), "--hours", "24")
    assert piped.returncode == 0 and "simulating" not in piped.stderr
    quiet = _stderr_on_a_terminal("simulate", str(HALL), "--hours", "24", "--no-progress")
    assert "simulating" not in quiet
