"""R008: racks on UPS keep their cooling through a utility outage (continuous cooling).

The hall: two 130 kW liquid racks on a UPS, two CDUs on a UPS-backed panel sending
their heat over the facility loop to one chiller on the mechanical panel, which is
behind the generator but not the UPS. The generator carries the load from 10 s; the
chiller cools again 290 s after that, at 300 s. The loop carries 260 kW in the window
(no pump draw), so it must absorb 260 kW × 300 s / 3600 = 21.667 kWh.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import twin
from twin.checks.continuous import check_continuous_cooling
from twin.checks.runner import snapshot

ROOT = Path(__file__).resolve().parents[2]

HALL = """\
    twin: 1
    policy: {contingency: 0, continuous_cooling: true}
    power:
      grid: {kind: utility, capacity_kw: 2000}
      gen: {kind: generator, capacity_kw: 2000, start_s: 10}
      ats: {kind: switchgear, capacity_kw: 2000, from: [grid, gen]}
      ups: {kind: ups, capacity_kw: 1000, efficiency: 1, battery_min: 10, from: ats}
      pdu: {kind: pdu, capacity_kw: 1000, from: ups}
      pnl-ups: {kind: panel, capacity_kw: 100, from: ups}
      pnl-mech: {kind: panel, capacity_kw: 500, from: ats}
    cooling:
      cdu-1: {kind: cdu, capacity_kw: 300, power: pnl-ups, to: fws}
      cdu-2: {kind: cdu, capacity_kw: 300, power: pnl-ups, to: fws}
      fws: {kind: loop, failable: false, storage_kwh: 21.667, to: ch-1}
      ch-1: {kind: chiller, capacity_kw: 600, cop: 5, power: pnl-mech, restart_s: 290}
    racks:
      r1: {it_kw: 130, liquid_fraction: 1, power: pdu, cooling: [cdu-1, cdu-2]}
      r2: {it_kw: 130, liquid_fraction: 1, power: pdu, cooling: [cdu-1, cdu-2]}
"""


def _validate(text: str, name: str = "hall.yaml"):
    return twin.validate(twin.load_bytes(textwrap.dedent(text), name))


def r008(report) -> list:
    return [f for f in report.findings if f.code == "R008"]


def test_cdus_on_a_ups_backed_panel_and_storage_for_the_restart_are_clean():
    report = _validate(HALL)
    assert report.findings == ()


def test_cdus_on_a_panel_without_ups_are_r008_at_each_cdu():
    report = _validate(HALL.replace("power: pnl-ups, to: fws", "power: pnl-mech, to: fws"))
    found = r008(report)
    assert [(f.component, f.line, f.column) for f in found] == [("cdu-1", 12, 3),
                                                                ("cdu-2", 13, 3)]
    # and the UPS panel now feeds nothing (T002)
    assert [f.code for f in report.findings] == ["T002", "R008", "R008"]
    f = found[0]
    assert f.severity == "error" and f.name == "cooling-interrupted"
    assert f.scenario == ("grid",) and f.racks == ("r1", "r2")
    assert f.message.startswith("cdu cdu-1 is not powered for the first 10 s of a utility "
                                "outage")
    assert "2 rack(s) on UPS lose liquid cooling" in f.message
    assert "ride_through_s (0 s)" in f.message and "r1, r2 (260.0 kW of heat)" in f.message
    assert f.message.endswith("fix: put cdu-1's power behind a UPS")


def test_the_cli_exits_1_on_r008(tmp_path):
    path = tmp_path / "hall.yaml"
    path.write_text(textwrap.dedent(HALL).replace("power: pnl-ups, to: fws",
                                                  "power: pnl-mech, to: fws"))
    proc = subprocess.run([sys.executable, "-m", "twin", "validate", str(path)], cwd=ROOT,
                          capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 1, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if " R008 " in line]
    assert [line.split(" R008 ")[0] for line in lines] == [f"{path}:12:3: error",
                                                           f"{path}:13:3: error"]
    clean = tmp_path / "clean.yaml"
    clean.write_text(textwrap.dedent(HALL))
    proc = subprocess.run([sys.executable, "-m", "twin", "validate", str(clean)], cwd=ROOT,
                          capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0 and " R008 " not in proc.stdout


def test_storage_one_kwh_short_is_r008_at_the_chiller_with_the_figures():
    report = _validate(HALL.replace("storage_kwh: 21.667", "storage_kwh: 20.667"))
    found = r008(report)
    assert [(f.component, f.line) for f in found] == [("ch-1", 15)]
    m = found[0].message
    assert m.startswith("chiller ch-1 cools again only 300 s into a utility outage: its "
                        "power returns at 10 s, when the generators carry the load "
                        "(start_s), and it needs restart_s 290 s more")
    # 260 kW x 300 s / 3600 = 21.667 kWh needed, 20.667 there: 1 kWh short
    assert ("loop fws stores 20.7 kWh and must absorb 260.0 kW for 300 s: 21.7 kWh "
            "(260.0 kW × 300 s / 3600)") in m
    assert "add 1.0 kWh of storage to loop fws" in m
    assert "put ch-1's power behind a UPS" in m
    # the storage bridges 3600 x 20.667 / 260 = 286.2 s: the chiller may take 276.2 s
    assert m.endswith("a faster restart (restart_s 276.2 s or less)")
    data = dict(found[0].data)
    assert data["window_s"] == 300.0 and data["heat_kw"] == 260.0
    assert data["storage_kwh"] == 20.667
    assert data["needed_kwh"] == pytest.approx(260 * 300 / 3600)


def test_the_faster_restart_it_names_is_clean():
    text = HALL.replace("storage_kwh: 21.667", "storage_kwh: 20.667")
    assert _validate(text.replace("restart_s: 290", "restart_s: 276.1")).findings == ()
    assert r008(_validate(text.replace("restart_s: 290", "restart_s: 276.3")))


def test_ride_through_that_covers_the_window_is_clean():
    text = HALL.replace("storage_kwh: 21.667, ", "")
    assert [f.component for f in r008(_validate(text))] == ["ch-1"]
    covered = text.replace("liquid_fraction: 1,", "liquid_fraction: 1, ride_through_s: 300,")
    assert _validate(covered).findings == ()
    short = text.replace("liquid_fraction: 1,", "liquid_fraction: 1, ride_through_s: 299,")
    found = r008(_validate(short))
    assert [f.component for f in found] == ["ch-1"]
    assert "ride_through_s (299 s)" in found[0].message
    assert "0.0722 kWh (260.0 kW × 1 s / 3600)" in found[0].message
    assert "add 0.0722 kWh of storage to loop fws" in found[0].message


def test_ride_through_from_the_rack_type():
    text = HALL.replace("storage_kwh: 21.667, ", "").replace(
        "it_kw: 130, liquid_fraction: 1,", "type: dlc,")
    text = text.replace(
        "    racks:\n", "    catalog:\n      rack_types:\n"
        "        dlc: {it_kw: 130, liquid_fraction: 1, ride_through_s: 300}\n    racks:\n")
    assert _validate(text).findings == ()


def test_off_without_the_policy_key():
    bad = HALL.replace("power: pnl-ups, to: fws", "power: pnl-mech, to: fws").replace(
        "storage_kwh: 21.667, ", "")
    assert len(r008(_validate(bad))) == 3  # both CDUs and the chiller
    off = bad.replace(", continuous_cooling: true", "")
    unused = [("T002", "pnl-ups")]  # the UPS panel feeds nothing once the CDUs moved
    assert [(f.code, f.component) for f in _validate(off).findings] == unused
    false = bad.replace("continuous_cooling: true", "continuous_cooling: false")
    assert [(f.code, f.component) for f in _validate(false).findings] == unused
    # the new keys change nothing on their own
    plain = off.replace(", start_s: 10", "").replace(", restart_s: 290", "")
    assert _validate(plain).findings == _validate(off).findings


def test_tier_4_turns_it_on():
    bad = HALL.replace("power: pnl-ups, to: fws", "power: pnl-mech, to: fws")
    tier4 = bad.replace("continuous_cooling: true", "tier: 4")
    assert [f.component for f in r008(_validate(tier4))] == ["cdu-1", "cdu-2"]
    tier3 = bad.replace("continuous_cooling: true", "tier: 3")
    assert r008(_validate(tier3)) == []


def test_racks_not_on_ups_go_down_with_the_grid_and_are_not_r008():
    text = HALL.replace("pdu: {kind: pdu, capacity_kw: 1000, from: ups}",
                        "pdu: {kind: pdu, capacity_kw: 1000, from: ats}")
    text = text.replace("power: pnl-ups, to: fws", "power: pnl-mech, to: fws")
    report = _validate(text)
    assert r008(report) == []


def test_a_unit_with_no_generator_behind_it_never_returns():
    text = HALL.replace("pnl-mech: {kind: panel, capacity_kw: 500, from: ats}",
                        "pnl-mech: {kind: panel, capacity_kw: 500, from: grid}")
    found = r008(_validate(text))
    assert [f.component for f in found] == ["ch-1"]
    assert "is not powered at all during a utility outage" in found[0].message
    assert "storage" not in found[0].message.split("fix:")[1]  # none bridges "never"


def test_air_units_and_their_chiller_are_both_named():
    text = """\
        twin: 1
        policy: {contingency: 0, continuous_cooling: true}
        power:
          grid: {kind: utility, capacity_kw: 1000}
          gen: {kind: generator, capacity_kw: 1000}
          ats: {kind: switchgear, capacity_kw: 1000, from: [grid, gen]}
          ups: {kind: ups, capacity_kw: 500, battery_min: 10, from: ats}
          mcc: {kind: switchgear, capacity_kw: 500, from: ats}
        cooling:
          crah-1: {kind: crah, capacity_kw: 100, power_kw: 5, power: mcc, to: chw}
          chw: {kind: loop, failable: false, to: ch-1}
          ch-1: {kind: chiller, capacity_kw: 200, power: mcc}
        racks:
          r1: {it_kw: 40, power: ups, cooling: crah-1}
    """
    found = r008(_validate(text))
    assert [(f.component, f.racks) for f in found] == [("crah-1", ("r1",)), ("ch-1", ("r1",))]
    # defaults: start_s 10 s, restart_s 480 s; window heat 40 + 2 kW of fans = 42 kW
    assert "cools again only 490 s" in found[1].message
    assert "42.0 kW for 490 s: 5.7 kWh" in found[1].message


def test_the_defaults_are_said_out_loud():
    text = HALL.replace(", start_s: 10", "").replace(", restart_s: 290", "")
    report = _validate(text)
    entries = {(a.code, a.field): a for a in report.assumptions}
    start = entries[("A006", "start_s")]
    assert start.component == "gen" and start.value == 10.0
    assert "NFPA 110" in start.default_source and "[S31]" in start.default_source
    restart = entries[("A006", "restart_s")]
    assert restart.component == "ch-1" and restart.value == 480.0
    assert "[S44]" in restart.default_source
    ride = entries[("A005", "ride_through_s")]
    assert ride.count == 2 and ride.value == 0.0
    # 480 s restart + 10 s start: the 21.667 kWh for 300 s no longer covers 490 s
    assert [f.component for f in r008(report)] == ["ch-1"]

    off = _validate(text.replace(", continuous_cooling: true", ""))
    fields = {a.field for a in off.assumptions}
    assert not fields & {"start_s", "restart_s", "ride_through_s"}
    written = _validate(HALL)
    fields = {a.field for a in written.assumptions}
    assert not fields & {"start_s", "restart_s"}


def test_a_builtin_rack_type_gives_zero_ride_through_in_its_a003_entry():
    text = """\
        twin: 1
        policy: {contingency: 0, continuous_cooling: true}
        power:
          grid: {kind: utility, capacity_kw: 1000}
          ups: {kind: ups, capacity_kw: 500, battery_min: 10, from: grid}
        cooling:
          cdu-1: {kind: cdu, capacity_kw: 300, power: ups, to: external}
          crah-1: {kind: crah, capacity_kw: 100, power: ups, to: external}
        racks:
          r1: {type: gb300-nvl72, power: ups, cooling: [cdu-1, crah-1]}
    """
    report = _validate(text)
    assert report.findings == ()
    a003 = [a for a in report.assumptions if a.code == "A003"]
    assert "ride_through_s" in a003[0].field and a003[0].value["ride_through_s"] == 0.0
    off = _validate(text.replace(", continuous_cooling: true", ""))
    a003 = [a for a in off.assumptions if a.code == "A003"]
    assert "ride_through_s" not in a003[0].field


def test_check_continuous_cooling_can_be_called_on_a_snapshot():
    loaded = twin.load_bytes(textwrap.dedent(
        HALL.replace("power: pnl-ups, to: fws", "power: pnl-mech, to: fws")), "hall.yaml")
    hits = list(check_continuous_cooling(snapshot(loaded.layout, with_sweep=False)))
    assert [h.component for h in hits] == ["cdu-1", "cdu-2"]


GB300 = ROOT / "layouts" / "gb300-hall.yaml"


def test_the_gb300_hall_has_its_cdus_on_ups_but_not_its_plant():
    text = GB300.read_text(encoding="utf-8")
    assert r008(twin.validate(twin.load_bytes(text, "gb300-hall.yaml"))) == []
    on = text.replace("  contingency: 1 ", "  continuous_cooling: true\n  contingency: 1 ", 1)
    found = r008(twin.validate(twin.load_bytes(on, "gb300-hall.yaml")))
    assert [f.component for f in found] == [
        *(f"dc-{i}" for i in range(1, 6)), *(f"crah-{i}" for i in range(1, 6)), "ch-1", "ch-2"]
    assert not any(f.component.startswith("cdu") for f in found)
    assert "add 14.3 kWh of storage to loop fws" in found[0].message
    assert "add 80.4 kWh of storage to loop chw" in found[-1].message
