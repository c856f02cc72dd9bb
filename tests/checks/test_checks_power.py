"""P checks: the power chain (P001 limits, P003 battery, also at the worst set, P004 fuel)."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import twin

ROOT = Path(__file__).resolve().parents[2]


def chain(kind: str, it_kw: float, policy: str = "{contingency: 0}",
          capacity: str = "capacity_kw: 100") -> str:
    """grid (1000 kW) -> x (KIND, 100 kW, efficiency 1) -> rack r1 (IT_KW). x is on line 5.

    contingency 0 keeps the R checks out; crac (a DX unit) takes all the heat with room to spare.
    """
    return f"""\
        twin: 1
        policy: {policy}
        power:
          grid: {{kind: utility, capacity_kw: 1000}}
          x: {{kind: {kind}, {capacity}, efficiency: 1, from: grid}}
        cooling:
          crac: {{kind: crac, capacity_kw: 1000}}
        racks:
          r1: {{it_kw: {it_kw}, power: x, cooling: crac}}
    """


# --- P001: over the normal-operation limit ----------------------------------------------

@pytest.mark.parametrize("kind", ["switchgear", "pdu", "rpp", "busway", "panel"])
def test_p001_default_limit_is_80_percent(lint, kind):
    # 80 kW on 100 kW is exactly the 0.8 limit; 81 kW is over it.
    assert lint(chain(kind, 80)) == []
    assert lint(chain(kind, 81)) == [("P001", 5, 3, "x")]


@pytest.mark.parametrize("kind", ["transformer", "ups"])
def test_p001_default_limit_is_100_percent(lint, kind):
    assert lint(chain(kind, 100)) == []
    assert lint(chain(kind, 101)) == [("P001", 5, 3, "x")]


@pytest.mark.parametrize("kind", ["utility", "generator"])
def test_p001_source_limit_is_100_percent(lint, kind):
    layout = """\
        twin: 1
        policy: {{contingency: 0}}
        power:
          src: {{kind: {kind}, capacity_kw: 100}}
        cooling:
          crac: {{kind: crac, capacity_kw: 1000}}
        racks:
          r1: {{it_kw: {it_kw}, power: src, cooling: crac}}
    """
    assert lint(layout.format(kind=kind, it_kw=100)) == []
    assert lint(layout.format(kind=kind, it_kw=101)) == [("P001", 4, 3, "src")]


def test_p001_max_utilization_override(lint):
    policy = "{contingency: 0, max_utilization: {pdu: 0.9}}"
    # 90 kW on 100 kW is exactly the 0.9 override; 91 kW is over it.
    assert lint(chain("pdu", 90, policy)) == []
    assert lint(chain("pdu", 91, policy)) == [("P001", 5, 3, "x")]


def test_p001_override_leaves_other_kinds_at_their_default(lint):
    policy = "{contingency: 0, max_utilization: {pdu: 0.9}}"
    assert lint(chain("panel", 81, policy)) == [("P001", 5, 3, "x")]


def test_p001_override_can_lower_a_100_percent_kind(lint):
    policy = "{contingency: 0, max_utilization: {ups: 0.5}}"
    assert lint(chain("ups", 50, policy)) == []
    assert lint(chain("ups", 51, policy)) == [("P001", 5, 3, "x")]


def test_p001_counts_losses_upstream(lint):
    # r1 draws 95 kW through a 95 % UPS: the UPS delivers 95 kW (limit 100), and draws
    # 95 / 0.95 = 100 kW from sw, a 125 kW switchgear: 100 / 125 = 80 %, exactly at the
    # limit. With 96 kW: 96 / 0.95 = 101.05 kW on sw, 80.8 %: over.
    layout = """\
        twin: 1
        policy: {{contingency: 0}}
        power:
          grid: {{kind: utility, capacity_kw: 1000}}
          sw: {{kind: switchgear, capacity_kw: 125, from: grid}}
          ups: {{kind: ups, capacity_kw: 100, efficiency: 0.95, from: sw}}
        cooling:
          crac: {{kind: crac, capacity_kw: 1000}}
        racks:
          r1: {{it_kw: {it_kw}, power: ups, cooling: crac}}
    """
    assert lint(layout.format(it_kw=95)) == []
    assert lint(layout.format(it_kw=96)) == [("P001", 5, 3, "sw")]


def test_p001_cooling_draw_loads_the_power_chain(lint):
    # The crac draws power_kw x Q / capacity = 10 x 100 / 100 = 10 kW from mech:
    # 10 kW of a 12.5 kW panel is exactly 80 %.
    layout = """\
        twin: 1
        policy: {{contingency: 0}}
        power:
          grid: {{kind: utility, capacity_kw: 1000}}
          mech: {{kind: panel, capacity_kw: {cap}, from: grid}}
        cooling:
          crac: {{kind: crac, capacity_kw: 100, power_kw: 10, power: mech}}
        racks:
          r1: {{it_kw: 100, power: grid, cooling: crac}}
    """
    assert lint(layout.format(cap=12.5)) == []
    # 10 kW of 12.4 kW = 80.6 %.
    assert lint(layout.format(cap=12.4)) == [("P001", 5, 3, "mech")]


@pytest.mark.parametrize("capacity, limit_kw", [
    # dc: 400 V x 250 A / 1000 = 100 kW; 80 % = 80 kW.
    ("rating_a: 250, voltage_v: 400, phases: dc", 80),
    # single phase: 250 V x 400 A x pf 1 / 1000 = 100 kW.
    ("rating_a: 400, voltage_v: 250, phases: 1", 80),
    # kVA x power factor 1: 100 kW.
    ("rating_kva: 100", 80),
])
def test_p001_capacity_from_ratings(lint, capacity, limit_kw):
    assert lint(chain("busway", limit_kw, capacity=capacity)) == []
    assert lint(chain("busway", limit_kw + 1, capacity=capacity)) == [("P001", 5, 3, "x")]


def test_p001_three_phase_rating_with_power_factor(lint):
    # sqrt(3) x 400 V x 100 A x 0.9 / 1000 = 62.354 kW; 80 % = 49.883 kW.
    policy = "{contingency: 0, power_factor: 0.9}"
    capacity = "rating_a: 100, voltage_v: 400"
    assert lint(chain("busway", 49.88, policy, capacity)) == []
    assert lint(chain("busway", 49.89, policy, capacity)) == [("P001", 5, 3, "x")]


def test_p001_kva_rating_with_power_factor(lint):
    # 125 kVA x 0.8 = 100 kW; pdu limit 80 kW.
    policy = "{contingency: 0, power_factor: 0.8}"
    assert lint(chain("pdu", 80, policy, "rating_kva: 125")) == []
    assert lint(chain("pdu", 81, policy, "rating_kva: 125")) == [("P001", 5, 3, "x")]


def test_p001_transfer_loads_only_the_first_live_source(lint):
    # ats takes all 100 kW from util (first in `from`); gen (50 kW) carries nothing.
    assert lint("""\
        twin: 1
        policy: {contingency: 0}
        power:
          util: {kind: utility, capacity_kw: 100}
          gen: {kind: generator, capacity_kw: 50}
          ats: {kind: switchgear, capacity_kw: 200, from: [util, gen]}
        cooling:
          crac: {kind: crac, capacity_kw: 1000}
        racks:
          r1: {it_kw: 100, power: ats, cooling: crac}
    """) == []


def test_p001_share_splits_by_capacity(lint):
    # 150 kW shared 100 : 50 gives 100 kW on g1 (100 %) and 50 kW on g2 (100 %);
    # 151 kW puts both over.
    layout = """\
        twin: 1
        policy: {{contingency: 0}}
        power:
          g1: {{kind: generator, capacity_kw: 100}}
          g2: {{kind: generator, capacity_kw: 50}}
          bus: {{kind: switchgear, capacity_kw: 1000, mode: share, from: [g1, g2]}}
        cooling:
          crac: {{kind: crac, capacity_kw: 1000}}
        racks:
          r1: {{it_kw: {it_kw}, power: bus, cooling: crac}}
    """
    assert lint(layout.format(it_kw=150)) == []
    assert lint(layout.format(it_kw=151)) == [("P001", 4, 3, "g1"), ("P001", 5, 3, "g2")]


def test_p001_rack_load_splits_equally_over_feeds(lint):
    # 160 kW over two feeds: 80 kW on each 100 kW pdu, exactly at 80 %; 162 kW: 81 kW each.
    layout = """\
        twin: 1
        policy: {{contingency: 0}}
        power:
          grid: {{kind: utility, capacity_kw: 1000}}
          pdu-a: {{kind: pdu, capacity_kw: 100, from: grid}}
          pdu-b: {{kind: pdu, capacity_kw: 200, from: grid}}
        cooling:
          crac: {{kind: crac, capacity_kw: 1000}}
        racks:
          r1: {{it_kw: {it_kw}, power: [pdu-a, pdu-b], cooling: crac}}
    """
    assert lint(layout.format(it_kw=160)) == []
    assert lint(layout.format(it_kw=162)) == [("P001", 5, 3, "pdu-a")]


# --- P003: UPS battery runtime ----------------------------------------------------------

def ups(it_kw: float, battery_min: float = 2.5, policy: str = "{contingency: 0}") -> str:
    """A 200 kW UPS carrying rack r1; battery_min is on line 5, column 38."""
    return f"""\
        twin: 1
        policy: {policy}
        power:
          grid: {{kind: utility, capacity_kw: 1000}}
          ups: {{kind: ups, capacity_kw: 200, battery_min: {battery_min}, from: grid}}
        cooling:
          crac: {{kind: crac, capacity_kw: 1000}}
        racks:
          r1: {{it_kw: {it_kw}, power: ups, cooling: crac}}
    """


def test_p003_runtime_exactly_min_battery_min_passes(lint):
    # 2.5 min x 200 kW / 100 kW = 5.0 min = min_battery_min (5).
    assert lint(ups(100)) == []


def test_p003_runtime_below_min_battery_min(report):
    # 2.5 x 200 / 101 = 4.95 min < 5: reported at the UPS's battery_min key.
    r = report(ups(101))
    assert [(f.code, f.line, f.column, f.component) for f in r.findings] == [
        ("P003", 5, 38, "ups")]
    assert "runs 4.95 min" in r.findings[0].message


def test_p003_policy_min_battery_min(lint):
    # 10 x 200 / 100 = 20 min: passes at min 20, fails at min 20.5.
    assert lint(ups(100, 10, "{contingency: 0, min_battery_min: 20}")) == []
    assert lint(ups(100, 10, "{contingency: 0, min_battery_min: 20.5}")) == [
        ("P003", 5, 38, "ups")]


def test_p003_not_checked_without_battery_min_or_load(lint):
    assert lint(ups(0)) == []
    no_battery = ups(150).replace("battery_min: 2.5, ", "")
    assert lint(no_battery) == []


# --- P004: generator fuel ---------------------------------------------------------------

def generator(fuel_h, policy: str = "{contingency: 0}") -> str:
    return f"""\
        twin: 1
        policy: {policy}
        power:
          gen: {{kind: generator, capacity_kw: 100, fuel_h: {fuel_h}}}
        cooling:
          crac: {{kind: crac, capacity_kw: 1000}}
        racks:
          r1: {{it_kw: 10, power: gen, cooling: crac}}
    """


def test_p004_fuel_exactly_min_fuel_h_passes(lint):
    assert lint(generator(12)) == []


def test_p004_fuel_below_min_fuel_h(lint):
    # Reported at the generator's fuel_h key.
    assert lint(generator(11.9)) == [("P004", 4, 44, "gen")]


def test_p004_policy_min_fuel_h(lint):
    assert lint(generator(24, "{contingency: 0, min_fuel_h: 24}")) == []
    assert lint(generator(24, "{contingency: 0, min_fuel_h: 48}")) == [("P004", 4, 44, "gen")]


def test_p004_not_checked_without_fuel_h(lint):
    assert lint(generator(1).replace(", fuel_h: 1", "")) == []


# --- P003 under failure sets (SPEC section 12: at the UPS's worst set) -------------------

TWO_N = """\
    twin: 1
    power:
      grid: {kind: utility, capacity_kw: 2000, failable: false}
      ups-a: {kind: ups, capacity_kw: 500, efficiency: 1.0, battery_min: BATTERY, from: grid}
      ups-b: {kind: ups, capacity_kw: 500, efficiency: 1.0, battery_min: BATTERY, from: grid}
      pdu-a: {kind: pdu, capacity_kw: 500, efficiency: 1.0, from: ups-a}
      pdu-b: {kind: pdu, capacity_kw: 500, efficiency: 1.0, from: ups-b}
    cooling:
      crah: {kind: crah, capacity_kw: 1000, failable: false, to: external}
    racks:
      r1: {it_kw: 215, power: [pdu-a, pdu-b], cooling: crah}
      r2: {it_kw: 215, power: [pdu-a, pdu-b], cooling: crah}
"""


def test_p003_2n_pair_passes_normal_but_fails_when_its_twin_fails(report):
    # Each UPS carries 430 / 2 = 215 kW, 43 % of 500 kW: 4 x 500 / 215 = 9.30 min, which
    # passes the 5 min default. With its twin (or the twin's PDU) failed it carries all
    # 430 kW: 4 x 500 / 430 = 4.65 min < 5. ups-b comes before pdu-b in enumeration order,
    # so it is the set named. The fix: 5 x 430 / 500 = 4.30 min, or 5 x 430 / 4 = 537.5 kW.
    r = report(TWO_N.replace("BATTERY", "4"))
    got = [(f.code, f.line, f.column, f.component, f.scenario) for f in r.findings]
    assert got == [("P003", 4, 57, "ups-a", ("ups-b",)), ("P003", 5, 57, "ups-b", ("ups-a",))]
    first = r.findings[0]
    assert first.message == (
        "ups ups-a runs 4.65 min on battery at 430.0 kW when ups-b fails (its worst failure "
        "set; 215.0 kW in normal operation), below the 5 min policy.min_battery_min; give it "
        "battery_min >= 4.30 min (or capacity_kw >= 537.5 kW)")
    assert dict(first.data)["runtime_min"] == pytest.approx(4 * 500 / 430)


def test_p003_2n_pair_with_enough_battery_passes(lint):
    # 4.3 x 500 / 430 = 5.0 min exactly: at the limit passes.
    assert lint(TWO_N.replace("BATTERY", "4.3")) == []
    # the failure-set check is bounded by the contingency, as R002: under N-0 no set is weighed
    assert lint(TWO_N.replace("BATTERY", "4"), contingency=0) == []


def test_p003_normal_and_failure_set_findings_are_separate(report):
    # 2 x 500 / 215 = 4.65 min already in normal operation, 2 x 500 / 430 = 2.33 min with
    # the twin failed: one finding of each per UPS, the second naming the set.
    r = report(TWO_N.replace("BATTERY", "2"))
    got = [(f.component, f.scenario, dict(f.data)["runtime_min"]) for f in r.findings
           if f.code == "P003"]
    assert got == [("ups-a", (), pytest.approx(1000 / 215)),
                   ("ups-a", ("ups-b",), pytest.approx(1000 / 430)),
                   ("ups-b", (), pytest.approx(1000 / 215)),
                   ("ups-b", ("ups-a",), pytest.approx(1000 / 430))]


WORST_SET = """\
    twin: 1
    policy: {contingency: POLICY, min_battery_min: 5}
    power:
      grid: {kind: utility, capacity_kw: 2000, failable: false}
      ups-a: {kind: ups, capacity_kw: 500, efficiency: 1.0, battery_min: 4, from: grid}
      ups-b: {kind: ups, capacity_kw: 500, efficiency: 1.0, from: grid}
      ups-c: {kind: ups, capacity_kw: 500, efficiency: 1.0, from: grid}
      pdu-a: {kind: pdu, capacity_kw: 500, efficiency: 1.0, from: ups-a, failable: false}
      pdu-b: {kind: pdu, capacity_kw: 500, efficiency: 1.0, from: ups-b, failable: false}
      pdu-c: {kind: pdu, capacity_kw: 500, efficiency: 1.0, from: ups-c, failable: false}
    cooling:
      crah: {kind: crah, capacity_kw: 1000, failable: false, to: external}
    racks:
      r1: {it_kw: 100, power: [pdu-a, pdu-b], cooling: crah, contingency: RACK}
      r2: {it_kw: 300, power: [pdu-a, pdu-c], cooling: crah, contingency: RACK}
"""


def _p003(report, text, **options):
    return [(f.scenario, round(dict(f.data)["load_kw"], 9), round(dict(f.data)["runtime_min"], 4))
            for f in report(text, **options).findings if f.code == "P003"]


def test_p003_names_the_worst_set_hand_computed(report):
    # ups-a carries half of r1 and half of r2 in normal operation: 50 + 150 = 200 kW,
    # 4 x 500 / 200 = 10 min. Single failures: ups-b gives it all of r1, 100 + 150 = 250 kW
    # (8 min); ups-c all of r2, 50 + 300 = 350 kW (5.71 min, passes). Under N-2, ups-b and
    # ups-c together give it 400 kW: 4 x 500 / 400 = 5.0 min, exactly the limit: passes.
    # With min_battery_min 6, 350 kW (5.71 min) is short, named at ups-c, not ups-b.
    one = WORST_SET.replace("POLICY", "1").replace("RACK", "1")
    assert _p003(report, one) == []
    assert _p003(report, one.replace("min_battery_min: 5", "min_battery_min: 6")) == [
        (("ups-c",), 350.0, 5.7143)]
    # N-2: the pair (ups-b, ups-c) is the worst, 400 kW and 5.0 min; short of 6
    two = WORST_SET.replace("POLICY", "2").replace("RACK", "2")
    assert _p003(report, two.replace("min_battery_min: 5", "min_battery_min: 6")) == [
        (("ups-b", "ups-c"), 400.0, 5.0)]
    # a rack's own contingency 2 widens R001/R003 only: P003, as R002, weighs the sets no
    # larger than policy.contingency
    mixed = WORST_SET.replace("POLICY", "1").replace("RACK", "2")
    assert _p003(report, mixed.replace("min_battery_min: 5", "min_battery_min: 6")) == [
        (("ups-c",), 350.0, 5.7143)]


def test_whatif_shows_the_runtime_under_the_set_validate_names(tmp_path):
    # validate names ups-b for ups-a (above); `twin whatif --fail ups-b` shows the same
    # 4.65 min at 430 kW and exits 1, while failing pdu-a leaves ups-b at 430 kW too
    from twin import api

    text = textwrap.dedent(TWO_N.replace("BATTERY", "4"))
    w = api.whatif(twin.load_bytes(text, "t.yaml"), ["ups-b"])
    assert [(b.component, b.load_kw, round(b.runtime_min, 4), b.min_battery_min)
            for b in w.battery_short] == [("ups-a", 430.0, 4.6512, 5.0)]
    assert w.as_dict()["battery_short"][0]["component"] == "ups-a"
    path = tmp_path / "2n.yaml"
    path.write_text(text)
    proc = subprocess.run([sys.executable, "-m", "twin", "whatif", str(path), "--fail", "ups-b"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 1
    assert "  ups-a (ups) 4.65 min on battery at 430.0 kW (policy.min_battery_min 5 min)" in (
        proc.stdout.splitlines())
    # with enough battery: nothing short, exit 0
    path.write_text(textwrap.dedent(TWO_N.replace("BATTERY", "4.3")))
    proc = subprocess.run([sys.executable, "-m", "twin", "whatif", str(path), "--fail", "ups-b"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0 and "battery short: none" in proc.stdout


CAPACITY = """\
    twin: 1
    power:
      grid: {kind: utility, capacity_kw: 2000, failable: false}
      ups-a: {kind: ups, capacity_kw: 100, efficiency: 1.0, battery_min: 4, from: grid}
      ups-b: {kind: ups, capacity_kw: 100, efficiency: 1.0, battery_min: 4, from: grid}
      pdu-a: {kind: pdu, capacity_kw: 100, efficiency: 1.0, from: ups-a, failable: false}
      pdu-b: {kind: pdu, capacity_kw: 100, efficiency: 1.0, from: ups-b, failable: false}
    cooling:
      crah: {kind: crah, capacity_kw: 1000, failable: false, to: external}
    catalog:
      rack_types:
        air-10: {it_kw: 10}
    space:
      hall-1: {rows: {a: 20}}
    racks:
      r1: {type: air-10, hall: hall-1, row: a, pos: 1, power: [pdu-a, pdu-b], cooling: crah}
"""


def test_capacity_stops_where_the_battery_falls_short_under_a_failure():
    # A UPS lasts 5 min at 4 x 100 / 5 = 80 kW. With its twin failed it carries every
    # rack, 10 kW each: 8 racks in all, so 7 more; the failover limit alone (100 kW)
    # would allow 10. The binding is P003 under the failure, as validate would report.
    from twin.questions.capacity import search

    layout = twin.load_bytes(textwrap.dedent(CAPACITY), "t.yaml").layout
    result = search(layout, next(t for t in layout.rack_types if t.name == "air-10"))
    assert result.fits == 7
    assert (result.binding.code, result.binding.component) == ("P003", "ups-b")
