"""R005: groups with a redundancy target (N+k, 2N), checked whatever policy.contingency says."""
from __future__ import annotations

import textwrap

import pytest

import twin


def rows(report) -> list[tuple]:
    """(code, line, column, component, scenario, racks) of every finding, sorted."""
    return sorted((f.code, f.line, f.column, f.component, f.scenario, f.racks)
                  for f in report.findings)


# Four CRAHs of 100 kW for 300 kW of air heat: any one may fail (N+1). Power is a single
# non-failable path and the policy asks for no failures at all, so whatever R005 says
# comes from the group alone.
CRAH_N1 = """\
    twin: 1
    policy: {contingency: 0}
    power:
      grid: {kind: utility, capacity_kw: 1000, failable: false}
    cooling:
      crah-1: {kind: crah, capacity_kw: 100, to: external}
      crah-2: {kind: crah, capacity_kw: 100, to: external}
      crah-3: {kind: crah, capacity_kw: 100, to: external}
      crah-4: {kind: crah, capacity_kw: 100, to: external}
    racks:
      r1: {it_kw: 150, power: grid, cooling: [crah-1, crah-2, crah-3, crah-4]}
      r2: {it_kw: 150, power: grid, cooling: [crah-1, crah-2, crah-3, crah-4]}
    groups:
      crahs: {members: [crah-1, crah-2, crah-3, crah-4], redundancy: N+1}
"""


def test_n1_crah_group_that_holds(report):
    r = report(CRAH_N1)
    assert rows(r) == []
    assert r.ok


def test_n1_crah_group_one_short_names_the_worst_set(report):
    # Three CRAHs for 300 kW: with any one failed the other two take 150 kW each.
    layout = (CRAH_N1.replace("      crah-4: {kind: crah, capacity_kw: 100, to: external}\n", "")
              .replace(", crah-4]", "]"))
    r = report(layout)
    assert rows(r) == [("R005", 13, 3, "crahs", ("crah-1",), ())]
    (f,) = r.findings
    assert f.severity == "error" and f.name == "group-redundancy-missed"
    assert "group crahs (N+1 over 3 members) misses its target" in f.message
    assert "3 of 3 failure set(s)" in f.message
    assert "when crah-1 fails, crah crah-2 reaches 150.0% of its 100.0 kW" in f.message


def test_worst_set_is_the_one_that_loses_most(report):
    # crah-3 alone serves r2: losing it loses r2 (a rack beats any overload).
    layout = CRAH_N1.replace(
        "r2: {it_kw: 150, power: grid, cooling: [crah-1, crah-2, crah-3, crah-4]}",
        "r2: {it_kw: 50, power: grid, cooling: crah-3}")
    r = report(layout)
    assert rows(r) == [("R005", 14, 3, "crahs", ("crah-3",), ("r2",))]
    assert "1 rack(s) lose power or cooling: r2" in r.findings[0].message


def test_group_is_checked_whatever_policy_contingency_says(report):
    # The sweep with contingency 1 finds the same shortfall as R004; the group adds R005.
    layout = (CRAH_N1.replace("      crah-4: {kind: crah, capacity_kw: 100, to: external}\n", "")
              .replace(", crah-4]", "]").replace("{contingency: 0}", "{contingency: 1}"))
    codes = sorted(f.code for f in report(layout).findings)
    assert codes == ["R004", "R004", "R004", "R005"]


N2 = """\
    twin: 1
    policy: {contingency: 1}
    power:
      grid: {kind: utility, capacity_kw: 1000, failable: false}
    cooling:
      c1: {kind: crah, capacity_kw: 100, to: external}
      c2: {kind: crah, capacity_kw: 100, to: external}
      c3: {kind: crah, capacity_kw: 100, to: external}
      c4: {kind: crah, capacity_kw: 100, to: external}
      c5: {kind: crah, capacity_kw: 100, to: external}
    racks:
      r1: {it_kw: 300, power: grid, cooling: [c1, c2, c3, c4, c5]}
    groups:
      air: {members: [c1, c2, c3, c4, c5], redundancy: N+2}
"""


def test_n2_group_that_holds(report):
    # Any two of five failed: three carry 300 kW, exactly at their limit.
    assert rows(report(N2)) == []


def test_n2_group_short_passes_every_single_failure(report):
    # 310 kW: every single failure passes (the policy's N-1), two failures do not.
    r = report(N2.replace("it_kw: 300", "it_kw: 310"))
    assert rows(r) == [("R005", 14, 3, "air", ("c1", "c2"), ())]
    # the 5 single failures hold; the 10 pairs do not
    assert "10 of 15 failure set(s)" in r.findings[0].message
    assert "when c1 and c2 fail" in r.findings[0].message


def test_n0_group_promises_no_failure(report):
    r = report(N2.replace("it_kw: 300", "it_kw: 310").replace("N+2", "N+0"))
    assert rows(r) == []


UPS_2N = """\
    twin: 1
    policy: {contingency: 0}
    power:
      grid: {kind: utility, capacity_kw: 2000, failable: false}
      ups-a1: {kind: ups, capacity_kw: 200, efficiency: 1, from: grid}
      ups-a2: {kind: ups, capacity_kw: 200, efficiency: 1, from: grid}
      ups-b1: {kind: ups, capacity_kw: 200, efficiency: 1, from: grid}
      ups-b2: {kind: ups, capacity_kw: 200, efficiency: 1, from: grid}
    cooling:
      crah: {kind: crah, capacity_kw: 1000, failable: false, power: grid, to: external}
    racks:
      r1: {it_kw: 200, power: [ups-a1, ups-b1], cooling: crah}
      r2: {it_kw: 200, power: [ups-a2, ups-b2], cooling: crah}
    groups:
      ups:
        members: [[ups-a1, ups-a2], [ups-b1, ups-b2]]
        redundancy: 2N
"""


def test_2n_ups_sides_that_hold(report):
    assert rows(report(UPS_2N)) == []


def test_2n_ups_side_too_small(report):
    # Losing side a puts all of r2 on ups-b2, rated 150 kW.
    r = report(UPS_2N.replace("ups-b2: {kind: ups, capacity_kw: 200",
                              "ups-b2: {kind: ups, capacity_kw: 150"))
    assert rows(r) == [("R005", 15, 3, "ups", ("ups-a1", "ups-a2"), ())]
    msg = r.findings[0].message
    assert "(2N over two sides)" in msg and "1 of 2 failure set(s)" in msg
    assert "ups ups-b2 reaches 133.3% of its 150.0 kW capacity" in msg


def test_2n_rack_on_one_side_only_is_lost(report):
    r = report(UPS_2N.replace("r2: {it_kw: 200, power: [ups-a2, ups-b2]",
                              "r2: {it_kw: 200, power: ups-a2"))
    # ups-b2 now feeds nothing (T002, a warning)
    assert [x for x in rows(r) if x[0] != "T002"] == [("R005", 15, 3, "ups", ("ups-a1", "ups-a2"), ("r2",))]


def test_a_group_fails_members_that_are_not_failable(report):
    # A group states intent: a `failable: false` member is failed by it all the same.
    layout = UPS_2N.replace("ups-a2: {kind: ups, capacity_kw: 200, efficiency: 1, from: grid}",
                            "ups-a2: {kind: ups, capacity_kw: 200, efficiency: 1, from: grid, "
                            "failable: false}")
    r = report(layout.replace("r2: {it_kw: 200, power: [ups-a2, ups-b2]",
                              "r2: {it_kw: 200, power: ups-a2"))
    assert [(f.code, f.racks) for f in r.findings if f.code != "T002"] == [("R005", ("r2",))]


def test_members_may_mix_power_and_cooling(report):
    layout = CRAH_N1.replace("members: [crah-1, crah-2, crah-3, crah-4], redundancy: N+1",
                             "members: [grid, crah-1], redundancy: N+1")
    r = report(layout)
    assert rows(r) == [("R005", 14, 3, "crahs", ("grid",), ("r1", "r2"))]


def test_json_carries_scenario_and_racks(report):
    r = report(UPS_2N.replace("r2: {it_kw: 200, power: [ups-a2, ups-b2]",
                              "r2: {it_kw: 200, power: ups-a2"))
    (d,) = [f.as_dict() for f in r.findings if f.code == "R005"]
    assert d["code"] == "R005" and d["scenario"] == ["ups-a1", "ups-a2"] and d["racks"] == ["r2"]


# --- bad input ------------------------------------------------------------------------

@pytest.mark.parametrize("group, expected", [
    ("g: {members: [crah-1, crah-2], redundancy: N+1, spare: 1}", ("L002", 14, 51)),
    ("g: {members: [crah-1, crah-2]}", ("L003", 14, 3)),
    ("g: {redundancy: N+1}", ("L003", 14, 3)),
    ("g: {members: [crah-1, crah-2], redundancy: N+x}", ("L004", 14, 46)),
    ("g: {members: [crah-1, crah-2], redundancy: 3N}", ("L004", 14, 46)),
    ("g: {members: [crah-1, crah-2], redundancy: 2}", ("L004", 14, 46)),
    ("g: {members: [crah-1, crah-2], redundancy: N+2}", ("L004", 14, 46)),
    ("g: {members: [[crah-1, crah-2]], redundancy: 2N}", ("L004", 14, 7)),
    ("g: {members: [crah-1, crah-2], redundancy: 2N}", ("L004", 14, 7)),
    ("g: {members: [[crah-1], []], redundancy: 2N}", ("L004", 14, 7)),
    ("g: {members: [[crah-1], [crah-2]], redundancy: N+1}", ("L004", 14, 7)),
    ("g: {members: [crah-1, crah-9], redundancy: N+1}", ("L006", 14, 25)),
    ("g: {members: [crah-1, r1], redundancy: N+1}", ("L008", 14, 25)),
    ("g: {members: [crah-1, crah-1], redundancy: N+1}", ("L004", 14, 25)),
    ("g: {members: [[crah-1], [crah-1]], redundancy: 2N}", ("L004", 14, 28)),
    ("g: {members: [], redundancy: N+1}", ("L003", 14, 7)),
    ("crah-1: {members: [crah-1, crah-2], redundancy: N+1}", ("L005", 14, 3)),
    ("g: [crah-1, crah-2]", ("L004", 14, 3)),
])
def test_bad_group(lint, group, expected):
    layout = CRAH_N1.replace("crahs: {members: [crah-1, crah-2, crah-3, crah-4], redundancy: N+1}",
                             group)
    found = lint(layout)
    assert [f[:3] for f in found] == [expected], found


def test_unknown_member_suggests_the_id(report):
    layout = CRAH_N1.replace("members: [crah-1, crah-2, crah-3, crah-4]",
                             "members: [crah-1, crah-2, crah-3, crah-5]")
    (f,) = report(layout).findings
    assert f.code == "L006" and "'crah-5' does not exist" in f.message
    assert "did you mean 'crah-4'?" in f.message


def test_group_members_not_referenced_from_elsewhere_by_ids_of_groups(lint):
    # A group id is an id: a component naming it where a component goes is L008.
    layout = CRAH_N1.replace("r2: {it_kw: 150, power: grid,", "r2: {it_kw: 150, power: crahs,")
    assert [f[:2] for f in lint(layout)] == [("L008", 12)]


# --- with blocks and includes ---------------------------------------------------------

def test_groups_and_events_name_expanded_ids_in_a_layout_with_blocks(tmp_path):
    (tmp_path / "plant.yaml").write_text(textwrap.dedent("""\
        cooling:
          crah-1: {kind: crah, capacity_kw: 100, to: external}
          crah-2: {kind: crah, capacity_kw: 100, to: external}
    """), encoding="utf-8")
    main = tmp_path / "main.yaml"
    main.write_text(textwrap.dedent("""\
        twin: 1
        include: plant.yaml
        policy: {contingency: 0}
        blocks:
          pod:
            params: [cap]
            power:
              grid: {kind: utility, capacity_kw: $cap, failable: false}
        instances:
          p1: {block: pod, with: {cap: 1000}}
        racks:
          r1: {it_kw: 150, power: p1/grid, cooling: [crah-1, crah-2]}
        groups:
          air: {members: [crah-1, crah-2], redundancy: N+1}
        events:
          blackout: {fails: p1/grid}
    """), encoding="utf-8")
    r = twin.validate(twin.load(str(main)))
    assert rows(r) == [("R005", 14, 3, "air", ("crah-1",), ()),
                       ("R006", 16, 3, "blackout", ("p1/grid",), ("r1",))]


def test_groups_in_an_included_file_are_l002(tmp_path):
    (tmp_path / "part.yaml").write_text("groups: {}\n", encoding="utf-8")
    main = tmp_path / "main.yaml"
    main.write_text("twin: 1\ninclude: part.yaml\n", encoding="utf-8")
    (f,) = twin.load(str(main)).findings
    assert (f.code, f.line, f.file) == ("L002", 1, str(tmp_path / "part.yaml"))
    assert "read from the main layout file only" in f.message
