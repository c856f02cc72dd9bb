"""R006: common-cause events (`fails:` or a `zone:`), and layouts without groups or events."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import twin
from twin.checks import runner
from twin.checks.groups import check_events, check_groups

ROOT = Path(__file__).resolve().parents[2]


def rows(report) -> list[tuple]:
    """(code, line, column, component, scenario, racks) of every finding, sorted."""
    return sorted((f.code, f.line, f.column, f.component, f.scenario, f.racks)
                  for f in report.findings)


# Two utilities, each behind its own ATS with a shared 300 kW generator behind both:
# any single failure moves at most one ATS (250 kW) to the generator, which carries it;
# a grid outage takes both utilities, and puts 500 kW on it.
GRID = """\
    twin: 1
    policy: {contingency: 1}
    power:
      util-a: {kind: utility, capacity_kw: 1000}
      util-b: {kind: utility, capacity_kw: 1000}
      gen: {kind: generator, capacity_kw: 300}
      ats-a: {kind: switchgear, capacity_kw: 1000, from: [util-a, gen]}
      ats-b: {kind: switchgear, capacity_kw: 1000, from: [util-b, gen]}
    cooling:
      crah: {kind: crah, capacity_kw: 1000, failable: false, power: external, to: external}
    racks:
      r1: {it_kw: 250, power: [ats-a, ats-b], cooling: crah}
      r2: {it_kw: 250, power: [ats-a, ats-b], cooling: crah}
    events:
      grid-outage: {fails: [util-a, util-b]}
"""


def test_every_single_failure_passes_without_the_event(report):
    layout = GRID.split("    events:")[0]
    r = report(layout)
    assert [f.code for f in r.findings if f.severity == "error"] == []
    assert r.scenarios == 5  # util-a, util-b, gen, ats-a, ats-b


def test_grid_outage_with_a_too_small_shared_generator(report):
    r = report(GRID)
    assert rows(r) == [("R006", 15, 3, "grid-outage", ("util-a", "util-b"), ())]
    (f,) = r.findings
    assert f.name == "event-breaks" and f.severity == "error"
    assert f.message == ("event grid-outage fails util-a and util-b: generator gen reaches "
                         "166.7% of its 300.0 kW capacity (failover limit 100%)")


def test_grid_outage_cli_exit_1(tmp_path):
    path = tmp_path / "grid.yaml"
    path.write_text(textwrap.dedent(GRID), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "twin", "validate", str(path)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 1, done.stderr
    lines = [x for x in done.stdout.splitlines() if " R006 " in x]
    assert lines == [f"{path}:15:3: error R006 event grid-outage fails util-a and util-b: "
                     "generator gen reaches 166.7% of its 300.0 kW capacity "
                     "(failover limit 100%)"]
    done = subprocess.run([sys.executable, "-m", "twin", "validate", "--format", "json",
                           str(path)], capture_output=True, text=True, cwd=ROOT)
    (finding,) = json.loads(done.stdout)["layouts"][0]["findings"]
    assert finding["code"] == "R006" and finding["scenario"] == ["util-a", "util-b"]


def test_grid_outage_with_a_generator_that_carries_it(report):
    assert rows(report(GRID.replace("capacity_kw: 300", "capacity_kw: 500"))) == []


def test_event_that_takes_racks_down(report):
    # Without the generator behind ats-b, r2 (fed by ats-b only) is lost in the outage.
    layout = (GRID.replace("ats-b: {kind: switchgear, capacity_kw: 1000, from: [util-b, gen]}",
                           "ats-b: {kind: switchgear, capacity_kw: 1000, from: util-b}")
              .replace("r2: {it_kw: 250, power: [ats-a, ats-b]", "r2: {it_kw: 250, power: ats-b")
              .replace("capacity_kw: 300", "capacity_kw: 600"))
    found = [x for x in rows(report(layout)) if x[0] == "R006"]
    assert found == [("R006", 15, 3, "grid-outage", ("util-a", "util-b"), ("r2",))]


def test_events_fail_components_that_are_not_failable(report):
    layout = GRID.replace("util-b: {kind: utility, capacity_kw: 1000}",
                          "util-b: {kind: utility, capacity_kw: 1000, failable: false}")
    assert [f.code for f in report(layout).findings] == ["R006"]


# Two rooms. r1 stands in room-1, r2 in room-2; both CRAHs cool both racks, and pdu-1 in
# room-1 also feeds r2.
ROOMS = """\
    twin: 1
    policy: {contingency: 0}
    power:
      grid: {kind: utility, capacity_kw: 1000, failable: false}
      pdu-1: {kind: pdu, capacity_kw: 500, from: grid, zone: room-1}
      pdu-2: {kind: pdu, capacity_kw: 500, from: grid, zone: room-2}
    cooling:
      crah-1: {kind: crah, capacity_kw: 100, power: pdu-1, to: external, zone: room-1}
      crah-2: {kind: crah, capacity_kw: 100, power: pdu-2, to: external, zone: room-2}
    racks:
      r1: {it_kw: 100, power: pdu-1, cooling: [crah-1, crah-2], zone: room-1}
      r2: {it_kw: 100, power: [pdu-1, pdu-2], cooling: [crah-1, crah-2], zone: room-2}
    events:
      fire-1: {zone: room-1}
"""


def test_zone_event_loses_its_racks_with_the_room(report):
    # r1 goes with room-1 and draws nothing (else crah-2 would take 150 kW of 100);
    # r2 moves to pdu-2 and crah-2, which carry it.
    assert rows(report(ROOMS)) == []


def test_zone_event_reports_what_it_breaks_outside_the_room(report):
    layout = ROOMS.replace("r2: {it_kw: 100, power: [pdu-1, pdu-2]", "r2: {it_kw: 100, power: pdu-1")
    r = report(layout)
    found = [x for x in rows(r) if x[0] == "R006"]
    assert found == [("R006", 14, 3, "fire-1", ("pdu-1", "crah-1"), ("r2",))]
    (f,) = [f for f in r.findings if f.code == "R006"]
    assert f.message.startswith("event fire-1 fails zone room-1 (2 component(s), 1 rack(s) "
                                "lost with it): 1 rack(s) lose power or cooling: r2")


def test_zone_event_overload_outside_the_room(report):
    # 250 kW on 2 × 130 kW in normal operation; r2 alone on crah-2 in the fire.
    layout = (ROOMS.replace("r2: {it_kw: 100,", "r2: {it_kw: 150,")
              .replace("kind: crah, capacity_kw: 100", "kind: crah, capacity_kw: 130"))
    (f,) = report(layout).findings
    assert (f.code, f.component, f.racks) == ("R006", "fire-1", ())
    assert "crah crah-2 reaches 115.4% of its 130.0 kW capacity" in f.message


# --- bad input ------------------------------------------------------------------------

@pytest.mark.parametrize("event, expected", [
    ("fire-1: {zone: room-9}", ("L006", 14, 18)),
    ("fire-1: {zone: room-1, fails: pdu-1}", ("L004", 14, 12)),
    ("fire-1: {notes: nothing}", ("L003", 14, 3)),
    ("fire-1: {fails: [pdu-1, pdu-9]}", ("L006", 14, 27)),
    ("fire-1: {fails: [pdu-1, r1]}", ("L008", 14, 27)),
    ("fire-1: {fails: []}", ("L003", 14, 12)),
    ("fire-1: {zone: room-1, when: always}", ("L002", 14, 26)),
    ("pdu-1: {zone: room-1}", ("L005", 14, 3)),
])
def test_bad_event(lint, event, expected):
    found = lint(ROOMS.replace("fire-1: {zone: room-1}", event))
    assert [f[:3] for f in found] == [expected], found


def test_unknown_zone_suggests_the_zone(report):
    (f,) = report(ROOMS.replace("fire-1: {zone: room-1}", "fire-1: {zone: room-3}")).findings
    assert f.code == "L006"
    assert "zone 'room-3' is no component's or rack's `zone:`" in f.message


def test_zone_on_a_component_is_read(lint):
    assert lint(ROOMS.replace("zone: room-1}\n", "zone: 7}\n", 1)) == []


# --- layouts without groups or events: exactly the findings they gave before ----------

SHIPPED = sorted([*ROOT.glob("layouts/**/*.yaml"), *ROOT.glob("tests/layouts/**/*.yaml")])
#: Shipped layouts that state groups and events (pinned in tests/checks/test_reference_design.py).
WITH_GROUPS = {"se-rd111-gb300.yaml"}


WITHOUT = [p for p in SHIPPED if p.name not in WITH_GROUPS]


def test_the_layouts_said_to_state_groups_exist_and_state_them():
    stated = [p for p in SHIPPED if p.name in WITH_GROUPS]
    assert len(stated) == len(WITH_GROUPS)
    assert all(twin.load(str(p)).layout.groups for p in stated)


@pytest.mark.parametrize("path", WITHOUT, ids=[p.name for p in WITHOUT])
def test_layouts_without_groups_or_events_keep_their_findings(path, monkeypatch):
    loaded = twin.load(str(path))
    if loaded.layout is not None:
        assert loaded.layout.groups == () and loaded.layout.events == ()
    report = twin.validate(loaded)
    assert not [f for f in report.findings if f.code in ("R005", "R006")]
    if report.snapshot is not None:
        assert list(check_groups(report.snapshot)) == list(check_events(report.snapshot)) == []
    if path.name == "campus-1gw.yaml":
        return  # one validate of the 1 GW campus is enough; the rest compare two runs
    # The same layout validated with the registry as it was before R005 and R006.
    before = {code: c for code, c in runner.registry().items() if code not in ("R005", "R006")}
    monkeypatch.setattr(runner, "registry", lambda: before)
    again = twin.validate(twin.load(str(path)))
    assert [f.as_dict() for f in again.findings] == [f.as_dict() for f in report.findings]
