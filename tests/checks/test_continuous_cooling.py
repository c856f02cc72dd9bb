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
    assert m.startswith("chiller ch-1 is not powered for the first 10 s of a utility "
                        "outage: its `power:` is behind no UPS and returns when the "
                        "generators carry the load (start_s), and it needs restart_s 290 s "
                        "more: it cools again only 300 s into the outage")
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
          cdu-1: {kind: cdu, capacity_kw: 300, power: ups, to: dc}
          crah-1: {kind: crah, capacity_kw: 100, power: ups, to: dc}
          dc: {kind: dry-cooler, capacity_kw: 500, power: ups}
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


LIQUID = ROOT / "tests" / "layouts" / "tiers" / "tier4-liquid.yaml"


def _liquid(*edits: tuple[str, str], policy: str = ", continuous_cooling: true"):
    text = LIQUID.read_text().replace("policy: {contingency: 0}",
                                      "policy: {contingency: 0" + policy + "}")
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    return twin.validate(twin.load_bytes(text, "tier4-liquid.yaml"))


def test_the_liquid_tier4_hall_is_clean_on_continuous_cooling():
    assert [f.code for f in _liquid().findings] == []


def test_chillers_on_external_power_stop_with_the_utility_and_restart():
    report = _liquid(*[(f"kind: dry-cooler, capacity_kw: 300, power_kw: 10, power: mech-{s}",
                        "kind: chiller, capacity_kw: 300, power_kw: 10, power: external")
                       for s in "ab"])
    found = r008(report)
    assert [f.component for f in found] == ["dc-a", "dc-b"]
    # back with the generators (10 s, the default) and 480 s of restart: 490 s
    assert "its `power: external` is taken as lost with the utility and back at 10 s" in (
        found[0].message)
    assert "it cools again only 490 s into the outage" in found[0].message
    entry, = [a for a in report.assumptions if (a.code, a.field) == ("A006", "power")]
    assert entry.count == 2 and entry.component == "dc-a" and entry.value == "external"
    assert "taken as lost with the utility and back at 10 s" in entry.message


def test_cdus_on_external_power_stop_with_the_utility():
    report = _liquid(("power: mech-a, to: loop-a", "power: external, to: loop-a"),
                     ("power: mech-b, to: loop-b", "power: external, to: loop-b"))
    assert [f.component for f in r008(report)] == ["cdu-a", "cdu-b"]
    assert any((a.code, a.field, a.component) == ("A006", "power", "cdu-a")
               for a in report.assumptions)


def test_external_power_without_generators_never_returns():
    text = HALL.replace("power: pnl-ups, to: fws", "power: external, to: fws").replace(
        "      gen: {kind: generator, capacity_kw: 2000, start_s: 10}\n", "").replace(
        "from: [grid, gen]", "from: [grid]")
    report = _validate(text)
    found = r008(report)
    assert [f.component for f in found][:2] == ["cdu-1", "cdu-2"]
    assert ("is not powered at all during a utility outage: its `power: external` is taken "
            "as lost with the utility and the layout has no generator to bring it back") in (
        found[0].message)


def test_heat_sent_outside_stops_until_the_generators_run():
    # the CDUs on UPS send their heat straight outside the layout: that plant is lost
    # with the utility and back when the generator runs, at 10 s
    text = HALL.replace("to: fws}", "to: external}")
    found = r008(_validate(text))
    assert [f.component for f in found] == ["cdu-1", "cdu-2"]
    assert found[0].message.startswith(
        "cdu cdu-1 sends its heat outside the layout (`to: external`), to a plant taken as "
        "lost with the utility and back at 10 s")
    entry, = [a for a in _validate(text).assumptions if a.field == "to"]
    assert entry.count == 2 and entry.value == "external"
    # 10 s of ride-through covers it
    clean = text.replace("cooling: [cdu-1, cdu-2]}", "cooling: [cdu-1, cdu-2], "
                         "ride_through_s: 10}")
    assert r008(_validate(clean)) == []
    # off without the policy key: not an assumption, no finding
    off = _validate(text.replace(", continuous_cooling: true", ""))
    assert r008(off) == [] and not [a for a in off.assumptions if a.field == "to"]


def test_a_ups_that_runs_out_before_the_generators_is_p003():
    edits = [("capacity_kw: 400, fuel_h: 24", "capacity_kw: 400, start_s: 3600, fuel_h: 24")]
    for policy in (", continuous_cooling: true", ""):
        report = _liquid(*edits, policy=policy)
        p003 = [f for f in report.findings if f.code == "P003"]
        assert [f.component for f in p003] == ["ups-a", "ups-b"]
        # 10 min x 400 kW / 137 kW (130 kW of rack and 6 kW of CDU, 1 kW of losses)
        runtime = dict(p003[0].data)["runtime_min"]
        assert runtime == pytest.approx(10 * 400 / 137.0, rel=1e-3)
        assert (f"runs {runtime:.2f} min on battery at its 137.0 kW load, shorter than "
                "the 3,600 s until the generators carry the load (start_s)") in (
            p003[0].message)
        # the racks go down with their UPS at 1,752 s, their CDUs with them: not R008
        assert r008(report) == []
    # the default start, 10 s, is within the runtime: nothing
    assert [f.code for f in _liquid().findings] == []


def test_racks_on_a_ups_that_runs_out_still_need_cooling_until_then():
    # the CDUs are behind no UPS and the plant never returns: the racks, on a UPS that
    # runs 29 min, overheat long before it runs out
    report = _liquid(*[(f"power: mech-{s}, to: loop-{s}", f"power: pdu-{s}, to: loop-{s}")
                       for s in "ab"],
                     ("capacity_kw: 400, fuel_h: 24", "capacity_kw: 400, start_s: 3600, "
                      "fuel_h: 24"))
    assert [f.component for f in r008(report)] == []  # on pdu-x: the UPS, same as the racks
    report = _liquid(("mech-a: {kind: panel, capacity_kw: 40, from: ups-a",
                      "mech-a: {kind: panel, capacity_kw: 40, from: ats-a"),
                     ("mech-b: {kind: panel, capacity_kw: 40, from: ups-b",
                      "mech-b: {kind: panel, capacity_kw: 40, from: ats-b"),
                     ("capacity_kw: 400, fuel_h: 24", "capacity_kw: 400, start_s: 3600, "
                      "fuel_h: 24"))
    found = r008(report)
    assert [f.component for f in found] == ["cdu-a", "cdu-b", "dc-a", "dc-b"]
    assert "is not powered for the first 3,600 s" in found[0].message


def _off_ups_plant(ride: str):
    return _liquid(("mech-a: {kind: panel, capacity_kw: 40, from: ups-a",
                    "mech-a: {kind: panel, capacity_kw: 40, from: ats-a"),
                   ("mech-b: {kind: panel, capacity_kw: 40, from: ups-b",
                    "mech-b: {kind: panel, capacity_kw: 40, from: ats-b"),
                   ("capacity_kw: 400, fuel_h: 24", "capacity_kw: 400, start_s: 3600, "
                    "fuel_h: 24"),
                   ("cooling: [cdu-a, cdu-b]}\n  r2", f"cooling: [cdu-a, cdu-b], "
                    f"ride_through_s: {ride}}}\n  r2"),
                   ("cooling: [cdu-a, cdu-b]}\n", f"cooling: [cdu-a, cdu-b], "
                    f"ride_through_s: {ride}}}\n"))


def test_a_ride_through_longer_than_the_battery_is_not_r008():
    # with the plant off the UPS, each UPS carries 130 kW of rack and its losses: at most
    # 10 x 400 / 130 = 30.8 min = 1,846 s. Racks that ride 1,900 s go down with it (P003)
    # before they overheat; racks that ride 1,700 s overheat first (R008)
    report = _off_ups_plant("1900")
    assert r008(report) == []
    assert [f.component for f in report.findings if f.code == "P003"] == ["ups-a", "ups-b"]
    assert [f.component for f in r008(_off_ups_plant("1700"))] == [
        "cdu-a", "cdu-b", "dc-a", "dc-b"]


def test_a_ups_without_battery_min_is_taken_to_last():
    report = _liquid(*[(f"capacity_kw: 400, battery_min: 10, from: ats-{s}",
                        f"capacity_kw: 400, from: ats-{s}") for s in "ab"],
                     ("capacity_kw: 400, fuel_h: 24", "capacity_kw: 400, start_s: 3600, "
                      "fuel_h: 24"))
    assert report.findings == ()
    entry, = [a for a in report.assumptions if a.field == "battery_min"]
    assert entry.count == 2
    assert entry.message.endswith("(P003 does not run for it); R008 takes its battery to "
                                  "carry its load until the generators do")


CRAC_HALL = """\
    twin: 1
    policy: {contingency: 0, continuous_cooling: true}
    power:
      grid: {kind: utility, capacity_kw: 1000}
      gen: {kind: generator, capacity_kw: 1000, start_s: 10}
      ats: {kind: switchgear, capacity_kw: 1000, from: [grid, gen]}
      ups: {kind: ups, capacity_kw: 500, battery_min: 10, from: ats}
      mcc: {kind: switchgear, capacity_kw: 500, from: ats}
    cooling:
      crac-1: {kind: crac, capacity_kw: 100, power_kw: 20, power: mcc}
    racks:
      r1: {it_kw: 40, power: ups, cooling: crac-1, ride_through_s: 60}
"""


def test_a_crac_restarts_its_compressors_after_its_power_returns():
    # 60 s of ride-through covers the 10 s start, not 10 + 480 s of compressor restart
    report = _validate(CRAC_HALL)
    found = r008(report)
    assert [f.component for f in found] == ["crac-1"]
    assert "and it needs restart_s 480 s more: it cools again only 490 s" in found[0].message
    assert found[0].message.endswith("a faster restart (restart_s 50 s or less)")
    entry, = [a for a in report.assumptions if a.field == "restart_s"]
    assert entry.component == "crac-1" and entry.value == 480.0
    assert "a DX unit's compressors are taken to restart like a chiller's" in entry.message
    assert "[S44]" in entry.default_source
    # restart_s is a crac's key now (it was L002); 50 s is in time
    fast = _validate(CRAC_HALL.replace("power: mcc}", "power: mcc, restart_s: 50}"))
    assert fast.findings == ()
    assert not [a for a in fast.assumptions if a.field == "restart_s"]


def test_storage_on_loops_in_series_counts_the_loops_before_it():
    # cdu -> loop-1 (1 kWh) -> loop-2 -> chiller: 260 kW, back at 10 + 290 = 300 s; loop-1
    # bridges 3600 x 1 / 260 = 13.85 s, so loop-2 must bridge 300 - 13.85 = 286.15 s:
    # 260 x 286.15 / 3600 = 20.67 kWh, not 260 x 300 / 3600 = 21.67
    text = HALL.replace("to: fws}", "to: fws-1}").replace(
        "fws: {kind: loop, failable: false, storage_kwh: 21.667, to: ch-1}",
        "fws-1: {kind: loop, failable: false, storage_kwh: 1, to: fws}\n"
        "      fws: {kind: loop, failable: false, storage_kwh: 10, to: ch-1}")
    found = r008(_validate(text))
    assert [f.component for f in found] == ["ch-1"]
    gap = 300 - 3600 / 260
    assert (f"loop fws stores 10.0 kWh and must absorb 260.0 kW for {gap:,.4g} s: "
            f"{260 * gap / 3600:.1f} kWh") in found[0].message
    assert dict(found[0].data)["needed_kwh"] == pytest.approx(260 * gap / 3600)
    clean = text.replace("storage_kwh: 10,", f"storage_kwh: {260 * gap / 3600 + 0.001:.3f},")
    assert r008(_validate(clean)) == []
