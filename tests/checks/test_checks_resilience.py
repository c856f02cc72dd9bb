"""R checks: racks and components under failure sets (R001-R004, SPEC section 7)."""
from __future__ import annotations

from pathlib import Path

import pytest

import twin

WORKED_EXAMPLE = Path(__file__).resolve().parents[1] / "layouts" / "spec-worked-example.yaml"


def rows(report) -> list[tuple]:
    """(code, line, column, component, scenario, racks) of every finding, sorted."""
    return sorted((f.code, f.line, f.column, f.component, f.scenario, f.racks)
                  for f in report.findings)


# --- the SPEC section 11 worked example -------------------------------------------------

def test_worked_example_gives_exactly_the_spec_findings():
    r = twin.validate(twin.load(str(WORKED_EXAMPLE)))
    assert rows(r) == [
        ("R001", 8, 3, "ats", ("ats",), ("r1", "r2")),
        ("R001", 9, 3, "ups", ("ups",), ("r1", "r2")),
        ("R003", 12, 3, "mech", ("mech",), ("r1", "r2")),
        ("R003", 16, 3, "crah", ("crah",), ("r1", "r2")),
        ("R003", 17, 3, "fw", ("fw",), ("r1", "r2")),
        ("R003", 18, 3, "dry", ("dry",), ("r1", "r2")),
        # cdu-2 takes 160 kW of 100 with cdu-1 failed.
        ("R004", 15, 3, "cdu-2", ("cdu-1",), ()),
    ]


# --- R001: rack down for power ----------------------------------------------------------

SINGLE_PATH = """\
    twin: 1
    power:
      grid: {kind: utility, capacity_kw: 1000}
      pdu: {kind: pdu, capacity_kw: 100, from: grid}
    cooling:
      crah: {kind: crah, capacity_kw: 100, failable: false, to: external}
    racks:
      r1: {it_kw: 10, power: pdu, cooling: crah}
      r2: {it_kw: 10, power: pdu, cooling: crah}
"""


def test_r001_single_path(report):
    # Each of grid and pdu alone takes both racks down; crah is not failable.
    assert rows(report(SINGLE_PATH)) == [
        ("R001", 3, 3, "grid", ("grid",), ("r1", "r2")),
        ("R001", 4, 3, "pdu", ("pdu",), ("r1", "r2")),
    ]


def test_r001_not_reported_for_a_rack_with_contingency_0(report):
    layout = SINGLE_PATH.replace("r2: {it_kw: 10,", "r2: {it_kw: 10, contingency: 0,")
    assert rows(report(layout)) == [
        ("R001", 3, 3, "grid", ("grid",), ("r1",)),
        ("R001", 4, 3, "pdu", ("pdu",), ("r1",)),
    ]


def test_r001_not_reported_with_policy_contingency_0(lint):
    assert lint(SINGLE_PATH.replace("twin: 1\n", "twin: 1\n    policy: {contingency: 0}\n")) == []


def test_r001_rack_contingency_1_under_policy_0(lint):
    layout = SINGLE_PATH.replace("twin: 1\n", "twin: 1\n    policy: {contingency: 0}\n").replace(
        "r1: {it_kw: 10,", "r1: {it_kw: 10, contingency: 1,")
    assert lint(layout) == [("R001", 4, 3, "grid"), ("R001", 5, 3, "pdu")]


def test_r001_not_failable_component_is_never_failed(lint):
    layout = SINGLE_PATH.replace("capacity_kw: 1000}", "capacity_kw: 1000, failable: false}")
    assert lint(layout) == [("R001", 4, 3, "pdu")]


def dual(min_feeds: int = 1) -> str:
    return f"""\
        twin: 1
        power:
          grid: {{kind: utility, capacity_kw: 1000, failable: false}}
          pdu-a: {{kind: pdu, capacity_kw: 100, from: grid}}
          pdu-b: {{kind: pdu, capacity_kw: 100, from: grid}}
        cooling:
          crah: {{kind: crah, capacity_kw: 100, failable: false, to: external}}
        racks:
          r1: {{it_kw: 10, power: [pdu-a, pdu-b], min_feeds: {min_feeds}, cooling: crah}}
    """


def test_r001_dual_feeds_survive_one_failure(lint):
    assert lint(dual()) == []


def test_r001_min_feeds_2_is_down_with_one_feed_lost(lint):
    assert lint(dual(min_feeds=2)) == [("R001", 4, 3, "pdu-a"), ("R001", 5, 3, "pdu-b")]


def test_r001_transfer_to_a_live_source_keeps_racks_up(lint):
    # util fails: ats moves to gen, which carries the 50 kW (100 % failover limit).
    assert lint("""\
        twin: 1
        power:
          util: {kind: utility, capacity_kw: 100}
          gen: {kind: generator, capacity_kw: 50}
          ats: {kind: switchgear, capacity_kw: 100, from: [util, gen], failable: false}
        cooling:
          crah: {kind: crah, capacity_kw: 100, failable: false, to: external}
        racks:
          r1: {it_kw: 50, power: ats, cooling: crah}
    """) == []


# --- R002: power component over failover_utilization ------------------------------------

def pair(it_kw: float, policy: str = "{}") -> str:
    """A rack split over pdu-a (line 5) and pdu-b (line 6), 100 kW each."""
    return f"""\
        twin: 1
        policy: {policy}
        power:
          grid: {{kind: utility, capacity_kw: 1000, failable: false}}
          pdu-a: {{kind: pdu, capacity_kw: 100, from: grid}}
          pdu-b: {{kind: pdu, capacity_kw: 100, from: grid}}
        cooling:
          crah: {{kind: crah, capacity_kw: 1000, failable: false, to: external}}
        racks:
          r1: {{it_kw: {it_kw}, power: [pdu-a, pdu-b], cooling: crah}}
    """


def test_r002_exactly_at_failover_limit_passes(lint):
    # 100 kW split 50/50 (50 %); with one pdu failed the other carries 100 kW = 100 %.
    assert lint(pair(100)) == []


def test_r002_over_failover_limit(report):
    # 101 kW: 50.5 kW each normally, 101 kW on the survivor (101 %).
    assert rows(report(pair(101))) == [
        ("R002", 5, 3, "pdu-a", ("pdu-b",), ()),
        ("R002", 6, 3, "pdu-b", ("pdu-a",), ()),
    ]


def test_r002_failover_utilization_as_a_number(lint):
    # 90 kW on the survivor is 90 %: passes at 0.9, fails at 0.89.
    assert lint(pair(90, "{failover_utilization: 0.9}")) == []
    assert lint(pair(90, "{failover_utilization: 0.89}")) == [
        ("R002", 5, 3, "pdu-a"), ("R002", 6, 3, "pdu-b")]


def test_r002_failover_utilization_as_a_mapping(lint):
    assert lint(pair(90, "{failover_utilization: {pdu: 0.9}}")) == []
    assert lint(pair(90, "{failover_utilization: {pdu: 0.89}}")) == [
        ("R002", 5, 3, "pdu-a"), ("R002", 6, 3, "pdu-b")]
    # A mapping for other kinds leaves pdu at 1.0.
    assert lint(pair(90, "{failover_utilization: {ups: 0.5}}")) == []


def test_r002_reports_the_worst_scenario(report):
    # pdu-c feeds both racks. pdu-a fails: r1 (40 kW) moves to pdu-c: 40 + 30 = 70 kW.
    # pdu-b fails: r2 (60 kW) moves to pdu-c: 20 + 60 = 80 kW, the worst (160 % of 50).
    r = report("""\
        twin: 1
        policy: {max_utilization: {pdu: 1}}
        power:
          grid: {kind: utility, capacity_kw: 1000, failable: false}
          pdu-a: {kind: pdu, capacity_kw: 100, from: grid}
          pdu-b: {kind: pdu, capacity_kw: 100, from: grid}
          pdu-c: {kind: pdu, capacity_kw: 50, from: grid}
        cooling:
          crah: {kind: crah, capacity_kw: 1000, failable: false, to: external}
        racks:
          r1: {it_kw: 40, power: [pdu-a, pdu-c], cooling: crah}
          r2: {it_kw: 60, power: [pdu-b, pdu-c], cooling: crah}
    """)
    assert rows(r) == [("R002", 7, 3, "pdu-c", ("pdu-b",), ())]
    assert "160.0%" in r.findings[0].message


def test_r002_not_reported_when_policy_contingency_is_0(lint):
    # r1 must survive one failure (its own contingency), which it does; the 101 % on the
    # survivor is not looked at because policy.contingency is 0.
    layout = pair(101, "{contingency: 0}").replace("cooling: crah}",
                                                    "cooling: crah, contingency: 1}")
    assert lint(layout) == []



def test_r002_normal_load_over_the_failover_limit_counts_under_a_set_that_leaves_it(report):
    # r splits 95 kW over a and b; whichever fails, the other carries 95 kW of 200. grid
    # and ups (not failable) carry 95 kW of 100 kW = 95 % under every set: within their
    # 100 % normal limit, over the 90 % failover limit. So does crah (95 kW of heat of
    # 100). Each is reported once, with the first set, a.
    r = report("""\
        twin: 1
        policy: {failover_utilization: 0.9}
        power:
          grid: {kind: utility, capacity_kw: 100, failable: false}
          ups: {kind: ups, capacity_kw: 100, efficiency: 1, from: grid, failable: false}
          a: {kind: pdu, capacity_kw: 200, from: ups}
          b: {kind: pdu, capacity_kw: 200, from: ups}
        racks:
          r: {it_kw: 95, power: [a, b], cooling: crah}
        cooling:
          crah: {kind: crah, capacity_kw: 100, failable: false, to: external}
    """)
    assert rows(r) == [("R002", 4, 3, "grid", ("a",), ()), ("R002", 5, 3, "ups", ("a",), ()),
                       ("R004", 11, 3, "crah", ("a",), ())]
    assert [f.data for f in r.findings][0] == (("utilization", 0.95),)


# --- R003: rack without an effective unit -----------------------------------------------

COOLING_CASCADE = """\
    twin: 1
    power:
      ga: {kind: utility, capacity_kw: 1000}
      gb: {kind: utility, capacity_kw: 1000}
      pdu-a: {kind: pdu, capacity_kw: 100, from: ga}
      pdu-b: {kind: pdu, capacity_kw: 100, from: gb}
      mech: {kind: panel, capacity_kw: 100, from: ga}
    cooling:
      crah-1: {kind: crah, capacity_kw: 100, power_kw: 5, power: mech, to: dry}
      crah-2: {kind: crah, capacity_kw: 100, power_kw: 5, power: mech, to: dry}
      dry: {kind: dry-cooler, capacity_kw: 200}
    racks:
      r1: {it_kw: 50, power: [pdu-a, pdu-b], cooling: [crah-1, crah-2]}
"""


def test_r003_power_failure_cascades_into_cooling(report):
    # ga down: pdu-a and mech lose their source; r1 stays up on pdu-b but both crahs lose
    # their only feed. mech down: the same. dry down: the crahs have no effective target.
    # A single crah failing leaves the other (50 kW of 100).
    assert rows(report(COOLING_CASCADE)) == [
        ("R003", 3, 3, "ga", ("ga",), ("r1",)),
        ("R003", 7, 3, "mech", ("mech",), ("r1",)),
        ("R003", 11, 3, "dry", ("dry",), ("r1",)),
    ]


def test_r003_second_power_feed_keeps_cooling_effective(lint):
    layout = COOLING_CASCADE.replace("power: mech,", "power: [mech, pdu-b],")
    assert lint(layout) == [("R003", 11, 3, "dry")]


def test_r003_second_heat_rejection_target_keeps_cooling_effective(lint):
    layout = COOLING_CASCADE.replace("to: dry}", "to: [dry, dry-2]}").replace(
        "      dry: {kind: dry-cooler, capacity_kw: 200}\n",
        "      dry: {kind: dry-cooler, capacity_kw: 200}\n"
        "      dry-2: {kind: dry-cooler, capacity_kw: 200}\n")
    assert lint(layout) == [("R003", 3, 3, "ga"), ("R003", 7, 3, "mech")]


def test_r003_only_air_unit_fails(report):
    r = report("""\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: 1000, failable: false}
        cooling:
          cdu-1: {kind: cdu, capacity_kw: 100, to: external}
          cdu-2: {kind: cdu, capacity_kw: 100, to: external}
          crah: {kind: crah, capacity_kw: 100, to: external}
        racks:
          r1: {it_kw: 50, liquid_fraction: 0.8, power: grid, cooling: [cdu-1, cdu-2, crah]}
    """)
    assert rows(r) == [("R003", 7, 3, "crah", ("crah",), ("r1",))]



def test_r003_minimality_is_per_rack_a_rack_without_air_in_normal_operation(report):
    # r1 has no air unit at all (C004): it is without cooling under the empty set, so its
    # only CDU failing is not a new R003 for it; r2, fully served, is reported.
    r = report("""\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: 1000, failable: false}
        cooling:
          cdu: {kind: cdu, capacity_kw: 100, to: external}
          crah: {kind: crah, capacity_kw: 100, failable: false, to: external}
        racks:
          r1: {it_kw: 50, liquid_fraction: 0.8, power: grid, cooling: cdu}
          r2: {it_kw: 50, liquid_fraction: 0.8, power: grid, cooling: [cdu, crah]}
    """)
    assert rows(r) == [("C004", 8, 3, "r1", (), ()), ("R003", 5, 3, "cdu", ("cdu",), ("r2",))]

def test_r003_not_reported_for_a_rack_with_contingency_0(lint):
    layout = COOLING_CASCADE.replace("cooling: [crah-1, crah-2]}",
                                     "cooling: [crah-1, crah-2], contingency: 0}")
    assert lint(layout) == []


# --- R004: cooling component over failover_utilization ----------------------------------

def two_crahs(crah_2_kw: float, policy: str = "{}") -> str:
    """100 kW of air heat over crah-1 (100 kW, line 6) and crah-2 (line 7)."""
    return f"""\
        twin: 1
        policy: {policy}
        power:
          grid: {{kind: utility, capacity_kw: 1000, failable: false}}
        cooling:
          crah-1: {{kind: crah, capacity_kw: 100, to: external}}
          crah-2: {{kind: crah, capacity_kw: {crah_2_kw}, to: external}}
        racks:
          r1: {{it_kw: 100, power: grid, cooling: [crah-1, crah-2]}}
    """


def test_r004_exactly_at_failover_limit_passes(lint):
    # Either crah alone takes all 100 kW: 100 %.
    assert lint(two_crahs(100)) == []


def test_r004_over_failover_limit(report):
    # crah-2 of 99 kW takes 100 kW when crah-1 fails: 101 %. crah-1 alone is at 100 %.
    assert rows(report(two_crahs(99))) == [("R004", 7, 3, "crah-2", ("crah-1",), ())]


def test_r004_failover_utilization_mapping(lint):
    assert lint(two_crahs(100, "{failover_utilization: {crah: 0.99}}")) == [
        ("R004", 6, 3, "crah-1"), ("R004", 7, 3, "crah-2")]


def test_r004_heat_rejection_plant(report):
    # crah passes 100 kW (+ no draw) to ch-1 and ch-2 (60 kW each): 50 kW each normally
    # (83 %); with one chiller failed the other takes all 100 kW (167 %).
    r = report("""\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: 1000, failable: false}
        cooling:
          crah: {kind: crah, capacity_kw: 200, failable: false, to: [ch-1, ch-2]}
          ch-1: {kind: chiller, capacity_kw: 60, power: grid}
          ch-2: {kind: chiller, capacity_kw: 60, power: grid}
        racks:
          r1: {it_kw: 100, power: grid, cooling: crah}
    """)
    assert rows(r) == [
        ("R004", 6, 3, "ch-1", ("ch-2",), ()),
        ("R004", 7, 3, "ch-2", ("ch-1",), ()),
    ]


# --- N-2: minimality and the contingency limit (SPEC section 7) --------------------------

N2 = """\
    twin: 1
    policy: {contingency: 2}
    power:
      grid: {kind: utility, capacity_kw: 1000, failable: false}
      pdu-a: {kind: pdu, capacity_kw: 100, from: grid}
      pdu-b: {kind: pdu, capacity_kw: 100, from: grid}
      pdu-c: {kind: pdu, capacity_kw: 100, from: grid}
    cooling:
      crah: {kind: crah, capacity_kw: 1000, failable: false, to: external}
    racks:
      r1: {it_kw: 10, power: pdu-c, cooling: crah}
      r2: {it_kw: 10, power: [pdu-a, pdu-b], cooling: crah}
"""


def test_n2_rack_down_under_a_single_failure_is_not_reported_again(report):
    # r1 is down when pdu-c fails: the pairs (pdu-a, pdu-c) and (pdu-b, pdu-c) are not
    # reported for it. The pair (pdu-a, pdu-b) newly takes r2 down: both ids, file order.
    assert rows(report(N2)) == [
        ("R001", 5, 3, "pdu-a", ("pdu-a", "pdu-b"), ("r2",)),
        ("R001", 7, 3, "pdu-c", ("pdu-c",), ("r1",)),
    ]


def test_n2_contingency_option_overrides_policy(report):
    layout = N2.replace("policy: {contingency: 2}", "policy: {contingency: 1}")
    assert rows(report(layout)) == [("R001", 7, 3, "pdu-c", ("pdu-c",), ("r1",))]
    assert rows(report(layout, contingency=2)) == rows(report(N2))


def test_n2_rack_with_contingency_1_is_not_counted_for_pairs(lint):
    layout = N2.replace("r2: {it_kw: 10,", "r2: {it_kw: 10, contingency: 1,")
    assert lint(layout) == [("R001", 7, 3, "pdu-c")]


def test_n2_rack_with_contingency_2_under_policy_1(lint):
    layout = N2.replace("policy: {contingency: 2}", "policy: {contingency: 1}").replace(
        "r2: {it_kw: 10,", "r2: {it_kw: 10, contingency: 2,")
    assert lint(layout) == [("R001", 5, 3, "pdu-a"), ("R001", 7, 3, "pdu-c")]


def test_n2_scenario_is_in_file_order_across_sections(report):
    # cooling is written before power, so the crahs come first in every scenario.
    r = report("""\
        twin: 1
        policy: {contingency: 2}
        cooling:
          crah-1: {kind: crah, capacity_kw: 1000, power: pdu-a, to: external}
          crah-2: {kind: crah, capacity_kw: 1000, power: pdu-b, to: external}
        power:
          grid: {kind: utility, capacity_kw: 1000, failable: false}
          pdu-a: {kind: pdu, capacity_kw: 100, from: grid}
          pdu-b: {kind: pdu, capacity_kw: 100, from: grid}
        racks:
          r1: {it_kw: 10, power: [pdu-a, pdu-b], cooling: [crah-1, crah-2]}
    """)
    assert rows(r) == [
        ("R001", 8, 3, "pdu-a", ("pdu-a", "pdu-b"), ("r1",)),
        ("R003", 4, 3, "crah-1", ("crah-1", "crah-2"), ("r1",)),
        ("R003", 4, 3, "crah-1", ("crah-1", "pdu-b"), ("r1",)),
        ("R003", 5, 3, "crah-2", ("crah-2", "pdu-a"), ("r1",)),
    ]


THREE_FEEDS = """\
    twin: 1
    policy: {{contingency: {k}}}
    power:
      grid: {{kind: utility, capacity_kw: 1000, failable: false}}
      pdu-a: {{kind: pdu, capacity_kw: 100, from: grid}}
      pdu-b: {{kind: pdu, capacity_kw: 100, from: grid}}
      pdu-c: {{kind: pdu, capacity_kw: 100, from: grid}}
    cooling:
      crah: {{kind: crah, capacity_kw: 1000, failable: false, to: external}}
    racks:
      r1: {{it_kw: 150, power: [pdu-a, pdu-b, pdu-c], cooling: crah, contingency: 2}}
"""


def test_r002_looks_only_at_sets_up_to_policy_contingency(lint):
    # 150 kW over three pdus: 50 each (50 %), 75 each with one failed (75 %), 150 on the
    # last one with two failed (150 %). Under policy 1 the pairs only count for R001,
    # which r1 survives.
    assert lint(THREE_FEEDS.format(k=1)) == []


def test_r002_under_n2_reports_each_components_worst_pair(report):
    assert rows(report(THREE_FEEDS.format(k=2))) == [
        ("R002", 5, 3, "pdu-a", ("pdu-b", "pdu-c"), ()),
        ("R002", 6, 3, "pdu-b", ("pdu-a", "pdu-c"), ()),
        ("R002", 7, 3, "pdu-c", ("pdu-a", "pdu-b"), ()),
    ]


THREE_CRAHS = """\
    twin: 1
    policy: {{contingency: {k}}}
    power:
      grid: {{kind: utility, capacity_kw: 1000, failable: false}}
    cooling:
      crah-1: {{kind: crah, capacity_kw: 50, to: external}}
      crah-2: {{kind: crah, capacity_kw: 50, to: external}}
      crah-3: {{kind: crah, capacity_kw: 50, to: external}}
    racks:
      r1: {{it_kw: 100, power: grid, cooling: [crah-1, crah-2, crah-3], contingency: 2}}
"""


def test_r004_looks_only_at_sets_up_to_policy_contingency(lint):
    # 100 kW of air heat: 33.3 kW per crah (67 %), 50 kW with one failed (100 %, passes),
    # 100 kW on the last one with two failed (200 %). r1 keeps a unit under every pair.
    assert lint(THREE_CRAHS.format(k=1)) == []


def test_r004_under_n2_reports_each_units_worst_pair(report):
    assert rows(report(THREE_CRAHS.format(k=2))) == [
        ("R004", 6, 3, "crah-1", ("crah-2", "crah-3"), ()),
        ("R004", 7, 3, "crah-2", ("crah-1", "crah-3"), ()),
        ("R004", 8, 3, "crah-3", ("crah-1", "crah-2"), ()),
    ]


@pytest.mark.parametrize("k", [0, 1, 2])
def test_contingency_option_accepts_0_1_2(report, k):
    assert report(SINGLE_PATH, contingency=k).ok is (k == 0)


def test_contingency_option_refuses_3(report):
    with pytest.raises(twin.UsageError):
        report(SINGLE_PATH, contingency=3)
