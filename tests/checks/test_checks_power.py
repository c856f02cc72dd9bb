"""P checks: the power chain in normal operation (P001 limits, P003 battery, P004 fuel)."""
from __future__ import annotations

import pytest


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
