"""C checks: cooling in normal operation (C001 capacity, C002 flow, C003 supply, C004 service)."""
from __future__ import annotations

import pytest

# --- C001: cooling component over its limit ---------------------------------------------


def air(it_kw: float, policy: str = "{contingency: 0}") -> str:
    """An all-air rack r1 on a 100 kW crah (line 6) that sends its heat outside the layout."""
    return f"""\
        twin: 1
        policy: {policy}
        power:
          grid: {{kind: utility, capacity_kw: 1000}}
        cooling:
          crah: {{kind: crah, capacity_kw: 100, to: external}}
        racks:
          r1: {{it_kw: {it_kw}, power: grid, cooling: crah}}
    """


def test_c001_exactly_at_capacity_passes(lint):
    assert lint(air(100)) == []


def test_c001_over_capacity(lint):
    assert lint(air(101)) == [("C001", 6, 3, "crah")]


def test_c001_max_utilization_override(lint):
    policy = "{contingency: 0, max_utilization: {crah: 0.9}}"
    assert lint(air(90, policy)) == []
    assert lint(air(91, policy)) == [("C001", 6, 3, "crah")]


def plant(dry_kw: float, loop_kw: float = 1000) -> str:
    """crah (200 kW, 10 kW of fans) -> fw loop -> dry cooler; r1 makes 100 kW of air heat."""
    return f"""\
        twin: 1
        policy: {{contingency: 0}}
        power:
          grid: {{kind: utility, capacity_kw: 1000}}
        cooling:
          crah: {{kind: crah, capacity_kw: 200, power_kw: 10, power: grid, to: fw}}
          fw: {{kind: loop, capacity_kw: {loop_kw}, to: dry}}
          dry: {{kind: dry-cooler, capacity_kw: {dry_kw}}}
        racks:
          r1: {{it_kw: 100, power: grid, cooling: crah}}
    """


def test_c001_heat_passed_on_includes_the_units_draw(lint):
    # crah draws 10 x 100 / 200 = 5 kW and passes 100 + 5 = 105 kW on through fw to dry.
    assert lint(plant(dry_kw=105)) == []
    assert lint(plant(dry_kw=104)) == [("C001", 8, 3, "dry")]


def test_c001_loop_with_capacity(lint):
    assert lint(plant(dry_kw=1000, loop_kw=105)) == []
    assert lint(plant(dry_kw=1000, loop_kw=104)) == [("C001", 7, 3, "fw")]


def test_c001_chiller_without_power_kw_passes_q_over_cop(lint):
    # 100 kW of heat, COP 4: the chiller draws 25 kW, so the tower takes 125 kW.
    layout = """\
        twin: 1
        policy: {{contingency: 0}}
        power:
          grid: {{kind: utility, capacity_kw: 1000}}
        cooling:
          crah: {{kind: crah, capacity_kw: 200, to: ch}}
          ch: {{kind: chiller, capacity_kw: 200, cop: 4, power: grid, to: ct}}
          ct: {{kind: cooling-tower, capacity_kw: {ct_kw}}}
        racks:
          r1: {{it_kw: 100, power: grid, cooling: crah}}
    """
    assert lint(layout.format(ct_kw=125)) == []
    assert lint(layout.format(ct_kw=124)) == [("C001", 8, 3, "ct")]


def test_c001_units_of_one_medium_share_by_capacity(lint):
    # 160 kW of liquid heat over cdu-1 (300 kW) and cdu-2 (100 kW): 120 and 40 kW.
    # cdu-2 at 40 % stays under a 0.4 limit; 161 kW puts 40.25 kW on it.
    layout = """\
        twin: 1
        policy: {{contingency: 0, max_utilization: {{cdu: 0.4}}}}
        power:
          grid: {{kind: utility, capacity_kw: 1000}}
        cooling:
          cdu-1: {{kind: cdu, capacity_kw: 300, to: external}}
          cdu-2: {{kind: cdu, capacity_kw: 100, to: external}}
        racks:
          r1: {{it_kw: {it_kw}, liquid_fraction: 1, power: grid, cooling: [cdu-1, cdu-2]}}
    """
    assert lint(layout.format(it_kw=160)) == []
    assert lint(layout.format(it_kw=161)) == [("C001", 6, 3, "cdu-1"), ("C001", 7, 3, "cdu-2")]


def test_c001_rack_down_for_power_makes_no_heat(lint):
    # r2 has no feed, so it is down and its 50 kW never reaches the crah: 100 kW of 100.
    layout = air(100) + "      r2: {it_kw: 50, cooling: crah}\n"
    assert lint(layout) == [("C004", 9, 3, "r2")]


# --- C002: CDU flow ---------------------------------------------------------------------

def liquid(it_kw: float, flow_lpm: float = 150, extra: str = "") -> str:
    """An all-liquid rack r1 on a 200 kW cdu (line 6) with flow_lpm (column 38)."""
    return f"""\
        twin: 1
        policy: {{contingency: 0}}
        power:
          grid: {{kind: utility, capacity_kw: 1000}}
        cooling:
          cdu: {{kind: cdu, capacity_kw: 200, flow_lpm: {flow_lpm}, to: external}}
        racks:
          r1: {{it_kw: {it_kw}, liquid_fraction: 1, power: grid, cooling: cdu{extra}}}
    """


def test_c002_flow_exactly_equal_passes(lint):
    # 100 kW x 1.5 L/min per kW (default) = 150 L/min = flow_lpm.
    assert lint(liquid(100)) == []


def test_c002_flow_short(report):
    # 101 kW x 1.5 = 151.5 L/min > 150: reported at the cdu's flow_lpm key.
    r = report(liquid(101))
    assert [(f.code, f.line, f.column, f.component) for f in r.findings] == [
        ("C002", 6, 38, "cdu")]
    assert "151.5 L/min" in r.findings[0].message


def test_c002_rack_flow_lpm_per_kw(lint):
    # 75 kW x 2.0 = 150 L/min passes; 76 kW x 2.0 = 152 does not.
    assert lint(liquid(75, extra=", flow_lpm_per_kw: 2")) == []
    assert lint(liquid(76, extra=", flow_lpm_per_kw: 2")) == [("C002", 6, 38, "cdu")]


def test_c002_only_the_liquid_share_counts(lint):
    # 150 kW at half liquid: 75 kW of liquid heat x 1.5 = 112.5 L/min, under 150: no C002.
    # (The 75 kW of air heat has no air unit: C004.)
    got = lint(liquid(150).replace("liquid_fraction: 1", "liquid_fraction: 0.5"))
    assert got == [("C004", 8, 3, "r1")]


def test_c002_not_checked_without_flow_lpm(lint):
    assert lint(liquid(200).replace(", flow_lpm: 150", "")) == []


# --- C003: supply temperature -----------------------------------------------------------

def cdu_supply(supply_c: float, max_supply_c: str = ", max_supply_c: 45") -> str:
    """A cdu (line 6, supply_c at column 38) serving an all-liquid rack."""
    return f"""\
        twin: 1
        policy: {{contingency: 0}}
        power:
          grid: {{kind: utility, capacity_kw: 1000}}
        cooling:
          cdu: {{kind: cdu, capacity_kw: 200, supply_c: {supply_c}, to: external}}
        racks:
          r1: {{it_kw: 100, liquid_fraction: 1{max_supply_c}, power: grid, cooling: cdu}}
    """


def test_c003_liquid_supply_equal_to_max_supply_c_passes(lint):
    assert lint(cdu_supply(45)) == []


def test_c003_liquid_supply_above_max_supply_c(report):
    r = report(cdu_supply(46))
    assert [(f.code, f.line, f.column, f.component) for f in r.findings] == [
        ("C003", 6, 38, "cdu")]
    assert r.findings[0].racks == ("r1",)


def test_c003_liquid_not_checked_without_max_supply_c(lint):
    assert lint(cdu_supply(60, max_supply_c="")) == []


def test_c003_liquid_limit_from_the_rack_type(lint):
    # gb300-nvl72 accepts liquid up to 45 °C (built-in catalog).
    layout = """\
        twin: 1
        policy: {{contingency: 0}}
        power:
          grid: {{kind: utility, capacity_kw: 1000}}
        cooling:
          cdu: {{kind: cdu, capacity_kw: 200, supply_c: {supply_c}, to: external}}
          crah: {{kind: crah, capacity_kw: 100, to: external}}
        racks:
          r1: {{type: gb300-nvl72, power: grid, cooling: [cdu, crah]}}
    """
    assert lint(layout.format(supply_c=45)) == []
    assert lint(layout.format(supply_c=45.5)) == [("C003", 6, 38, "cdu")]


def crah_supply(supply_c: float, rack: str = "", policy: str = "{contingency: 0}") -> str:
    """A crah (line 6, supply_c at column 40) serving an all-air rack r1."""
    return f"""\
        twin: 1
        policy: {policy}
        power:
          grid: {{kind: utility, capacity_kw: 1000}}
        cooling:
          crah: {{kind: crah, capacity_kw: 100, supply_c: {supply_c}, to: external}}
        racks:
          r1: {{it_kw: 50, power: grid, cooling: crah{rack}}}
    """


def test_c003_air_supply_at_the_policy_upper_bound_passes(lint):
    # policy.inlet_c defaults to [18, 27].
    assert lint(crah_supply(27)) == []


def test_c003_air_supply_above_the_policy_upper_bound(lint):
    assert lint(crah_supply(28)) == [("C003", 6, 40, "crah")]


def test_c003_air_policy_inlet_c_override(lint):
    policy = "{contingency: 0, inlet_c: [18, 30]}"
    assert lint(crah_supply(30, policy=policy)) == []
    assert lint(crah_supply(31, policy=policy)) == [("C003", 6, 40, "crah")]


def test_c003_air_supply_against_the_racks_max_inlet_c(lint):
    assert lint(crah_supply(25, rack=", max_inlet_c: 25")) == []
    assert lint(crah_supply(26, rack=", max_inlet_c: 25")) == [("C003", 6, 40, "crah")]


def test_c003_rack_max_inlet_c_above_the_policy_bound_wins(lint):
    # The rack's own limit replaces the policy's upper bound.
    assert lint(crah_supply(30, rack=", max_inlet_c: 32")) == []


def test_c003_air_unit_serving_an_all_liquid_rack_is_not_checked(lint):
    # r1 makes no air heat, so the crah's 35 °C supply does not matter to it; the crah
    # then takes no heat but r1 names it, so no T002 either.
    layout = crah_supply(35).replace("it_kw: 50,", "it_kw: 50, liquid_fraction: 1,")
    assert lint(layout) == [("C004", 8, 3, "r1")]


def test_c003_one_finding_per_unit_lists_every_rack(report):
    r = report("""\
        twin: 1
        policy: {contingency: 0}
        power:
          grid: {kind: utility, capacity_kw: 1000}
        cooling:
          crah: {kind: crah, capacity_kw: 100, supply_c: 26, to: external}
        racks:
          r1: {it_kw: 10, power: grid, cooling: crah, max_inlet_c: 25}
          r2: {it_kw: 10, power: grid, cooling: crah}
          r3: {it_kw: 10, power: grid, cooling: crah, max_inlet_c: 24}
    """)
    assert [(f.code, f.line, f.column, f.component) for f in r.findings] == [
        ("C003", 6, 40, "crah")]
    assert r.findings[0].racks == ("r1", "r3")


# --- C004: rack not served --------------------------------------------------------------

def test_c004_liquid_heat_but_no_cdu(report):
    r = report("""\
        twin: 1
        policy: {contingency: 0}
        power:
          grid: {kind: utility, capacity_kw: 1000}
        cooling:
          crah: {kind: crah, capacity_kw: 100, to: external}
        racks:
          r1: {it_kw: 10, liquid_fraction: 0.5, power: grid, cooling: crah}
    """)
    assert [(f.code, f.line, f.column, f.component) for f in r.findings] == [
        ("C004", 8, 3, "r1")]
    assert "liquid heat but no cdu" in r.findings[0].message


def test_c004_air_heat_but_no_air_unit(report):
    r = report("""\
        twin: 1
        policy: {contingency: 0}
        power:
          grid: {kind: utility, capacity_kw: 1000}
        cooling:
          cdu: {kind: cdu, capacity_kw: 100, to: external}
        racks:
          r1: {it_kw: 10, liquid_fraction: 0.9, power: grid, cooling: cdu}
    """)
    assert [(f.code, f.line, f.column, f.component) for f in r.findings] == [
        ("C004", 8, 3, "r1")]
    assert "air heat but no air unit" in r.findings[0].message


def test_c004_no_power_feed(report):
    r = report("""\
        twin: 1
        policy: {contingency: 0}
        cooling:
          crah: {kind: crah, capacity_kw: 100, to: external}
        racks:
          r1: {it_kw: 10, cooling: crah}
    """)
    assert [(f.code, f.line, f.column, f.component) for f in r.findings] == [
        ("C004", 6, 3, "r1")]
    assert "no power feed" in r.findings[0].message


def test_c004_all_liquid_rack_needs_no_air_unit(lint):
    assert lint("""\
        twin: 1
        policy: {contingency: 0}
        power:
          grid: {kind: utility, capacity_kw: 1000}
        cooling:
          cdu: {kind: cdu, capacity_kw: 100, to: external}
        racks:
          r1: {it_kw: 10, liquid_fraction: 1, power: grid, cooling: cdu}
    """) == []


@pytest.mark.parametrize("unit", ["crah", "fan-wall", "in-row", "rdhx", "crac"])
def test_c004_every_air_kind_serves_air_heat(lint, unit):
    assert lint(f"""\
        twin: 1
        policy: {{contingency: 0}}
        power:
          grid: {{kind: utility, capacity_kw: 1000}}
        cooling:
          u: {{kind: {unit}, capacity_kw: 100, to: external}}
        racks:
          r1: {{it_kw: 10, power: grid, cooling: u}}
    """) == []
