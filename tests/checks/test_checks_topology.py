"""T checks: cycles in `from:`/`to:` (T001) and unused components (T002)."""
from __future__ import annotations


def test_t001_cycle_in_from(report):
    r = report("""\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: 100}
          a: {kind: pdu, capacity_kw: 100, from: [grid, b]}
          b: {kind: pdu, capacity_kw: 100, from: a}
        racks:
          r1: {it_kw: 10, power: a}
    """)
    # Reported once, at the cycle's first member in file order.
    assert [(f.code, f.line, f.column, f.component) for f in r.findings] == [
        ("T001", 4, 3, "a")]
    assert "a -> b -> a" in r.findings[0].message



def test_t001_names_a_cycle_that_is_there_not_the_knot_in_file_order(report):
    # The knot is {cdu, fw-a, fw-b, dry}, but fw-a does not send heat to fw-b: the
    # message read "cdu -> fw-a -> fw-b -> dry -> cdu", an edge no line of the file has.
    r = report("""\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: 100}
        cooling:
          cdu: {kind: cdu, capacity_kw: 100, to: [fw-a, fw-b]}
          fw-a: {kind: loop, to: dry}
          fw-b: {kind: loop, to: dry}
          dry: {kind: dry-cooler, capacity_kw: 100, to: cdu}
        racks:
          r1: {it_kw: 10, liquid_fraction: 1, power: grid, cooling: cdu}
    """)
    (t001,) = [f for f in r.findings if f.code == "T001"]
    assert (t001.line, t001.component) == (5, "cdu")
    assert "cycle in `to:`: cdu -> fw-a -> dry -> cdu" in t001.message
    assert "fw-a -> fw-b" not in t001.message
    assert "fw-b" in t001.message  # the rest of the knot is still named


def test_t001_self_loop_in_from(lint):
    assert lint("""\
        twin: 1
        power:
          a: {kind: pdu, capacity_kw: 100, from: a}
    """) == [("T001", 3, 3, "a")]


def test_t001_cycle_in_to(lint):
    assert lint("""\
        twin: 1
        cooling:
          x: {kind: crah, capacity_kw: 100, to: y}
          y: {kind: loop, to: z}
          z: {kind: loop, to: y}
        racks:
          r1: {it_kw: 10, cooling: x}
    """) == [("T001", 4, 3, "y")]


def test_t001_each_cycle_reported(lint):
    assert lint("""\
        twin: 1
        power:
          p: {kind: pdu, capacity_kw: 100, from: q}
          q: {kind: pdu, capacity_kw: 100, from: p}
        cooling:
          x: {kind: loop, to: x}
    """) == [("T001", 3, 3, "p"), ("T001", 6, 3, "x")]


def test_t001_stops_physics_checks(lint):
    # r1 draws 500 kW from a 100 kW pdu (P001), has no cooling (C004) and a single path
    # (R001); with the cycle none of that is reported. T002 still runs: nothing draws
    # from spare.
    assert lint("""\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: 100}
          a: {kind: pdu, capacity_kw: 100, from: [grid, b]}
          b: {kind: pdu, capacity_kw: 100, from: a}
          spare: {kind: generator, capacity_kw: 100}
        racks:
          r1: {it_kw: 500, power: a}
    """) == [("T001", 4, 3, "a"), ("T002", 6, 3, "spare")]


def test_t001_not_reported_with_l_findings(lint):
    assert lint("""\
        twin: 1
        power:
          a: {kind: pdu, capacity_kw: 100, from: b}
          b: {kind: pdu, capacity_kw: 100, from: a, colour: red}
    """) == [("L002", 4, 45, "b")]


# --- T002: unused components ------------------------------------------------------------

UNUSED = """\
    twin: 1
    policy: {contingency: 0}
    power:
      grid: {kind: utility, capacity_kw: 100}
      spare: {kind: generator, capacity_kw: 100}
    cooling:
      crah: {kind: crah, capacity_kw: 100, to: fw}
      fw: {kind: loop, to: dry}
      ch: {kind: chiller, capacity_kw: 100, power: grid}
      dry: {kind: dry-cooler, capacity_kw: 200}
    racks:
      r1: {it_kw: 10, power: grid, cooling: crah}
"""


def test_t002_unused_power_and_cooling_components(lint):
    # spare feeds nothing; ch takes no heat. fw takes crah's heat and dry fw's: used.
    assert lint(UNUSED) == [("T002", 5, 3, "spare"), ("T002", 9, 3, "ch")]


def test_t002_is_a_warning_and_the_report_stays_ok(report):
    r = report(UNUSED)
    assert {f.severity for f in r.findings} == {"warning"}
    assert r.ok


def test_t002_power_feed_of_a_cooling_unit_counts_as_use(lint):
    assert lint("""\
        twin: 1
        policy: {contingency: 0}
        power:
          grid: {kind: utility, capacity_kw: 100}
          mech: {kind: panel, capacity_kw: 100, from: grid}
        cooling:
          crah: {kind: crah, capacity_kw: 100, power: mech, to: dry}
          dry: {kind: dry-cooler, capacity_kw: 100}
        racks:
          r1: {it_kw: 10, power: grid, cooling: crah}
    """) == []


def test_t002_unused_distribution_component(lint):
    assert lint("""\
        twin: 1
        policy: {contingency: 0}
        power:
          grid: {kind: utility, capacity_kw: 100}
          pdu-x: {kind: pdu, capacity_kw: 100, from: grid}
        cooling:
          crah: {kind: crac, capacity_kw: 100}
        racks:
          r1: {it_kw: 10, power: grid, cooling: crah}
    """) == [("T002", 5, 3, "pdu-x")]
