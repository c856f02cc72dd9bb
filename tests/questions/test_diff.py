"""`twin diff`: findings added and removed, margins that moved, KPI deltas, exit codes, --rev."""
from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import twin
from twin.questions.diff import compare
from twin.reporters import text_reporter

ROOT = Path(__file__).resolve().parents[2]
HALL = ROOT / "layouts" / "gb300-hall.yaml"
WORKED = ROOT / "tests" / "layouts" / "spec-worked-example.yaml"
BUSWAY = "bw-a-r1-1: {kind: busway, rating_a: 1600,"


def twin_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "twin", *args], capture_output=True, text=True,
                          cwd=cwd)


def derated(tmp_path: Path, amps: int = 1000) -> Path:
    text = HALL.read_text()
    assert text.count(BUSWAY) == 1
    out = tmp_path / "gb300-hall-derated.yaml"
    out.write_text(text.replace(BUSWAY, f"bw-a-r1-1: {{kind: busway, rating_a: {amps},"))
    return out


def busway_kw(amps: float) -> float:
    """√3 × 415 V × A × pf 0.95 / 1000 (SPEC section 2; the hall's policy.power_factor)."""
    return math.sqrt(3) * 415 * amps * 0.95 / 1000


# -- the example hall with one busway derated ---------------------------------------------

def test_derated_busway_reports_its_margin_change_and_the_new_finding_and_exits_1(tmp_path):
    new = derated(tmp_path)
    proc = twin_cli("diff", "layouts/gb300-hall.yaml", str(new))
    assert proc.returncode == 1, proc.stderr
    # By hand: the busway carries 5 racks x 142 kW / 2 sides = 355 kW normally and all
    # 710 kW when side B (mv-b) is down. 1,600 A: 1,092.6 kW; 1,000 A: 682.9 kW.
    old_kw, new_kw = busway_kw(1600), busway_kw(1000)
    assert round(new_kw, 1) == 682.9
    normal = (0.8 - 355 / old_kw, 0.8 - 355 / new_kw)      # 47.5 % -> 28.0 %
    worst = (1.0 - 710 / old_kw, 1.0 - 710 / new_kw)       # 35.0 % -> -4.0 %
    assert [f"{100 * m:.1f}%" for m in (*normal, *worst)] == ["47.5%", "28.0%", "35.0%", "-4.0%"]
    lines = proc.stdout.splitlines()
    assert lines[0] == f"twin diff layouts/gb300-hall.yaml -> {new}"
    assert "findings added: 1" in lines
    assert f"  + {new}:67:3: error R002 busway bw-a-r1-1 reaches 104.0% of its 682.9 kW " \
           "capacity when mv-b fails (failover limit 100%)" in lines
    assert "findings removed: 0" in lines
    assert "  bw-a-r1-1 margin 47.5% -> 28.0%" in lines
    assert "  bw-a-r1-1 N-1 margin 35.0% -> -4.0% (worst set: mv-b)" in lines
    # nothing else moved: only that busway's capacity changed
    assert "margins changed: 1 (percent of capacity, limit - utilization)" in lines
    assert "KPIs changed: 0 (all equal)" in lines


def test_derated_busway_as_json(tmp_path):
    new = derated(tmp_path)
    proc = twin_cli("diff", "layouts/gb300-hall.yaml", str(new), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    d = json.loads(proc.stdout)
    assert (d["old"], d["new"], d["adds_error"]) == ("layouts/gb300-hall.yaml", str(new), True)
    assert [(f["code"], f["component"], f["scenario"], f["line"]) for f in d["added"]] == [
        ("R002", "bw-a-r1-1", ["mv-b"], 67)]
    assert d["removed"] == []
    [m] = d["margins"]
    assert (m["component"], m["kind"], m["status"]) == ("bw-a-r1-1", "busway", "changed")
    assert m["old_margin"] == pytest.approx(0.8 - 355 / busway_kw(1600))
    assert m["new_margin"] == pytest.approx(0.8 - 355 / busway_kw(1000))
    assert m["old_worst_margin"] == pytest.approx(1 - 710 / busway_kw(1600))
    assert m["new_worst_margin"] == pytest.approx(1 - 710 / busway_kw(1000))
    assert m["new_worst_scenario"] == ["mv-b"]
    assert {k["name"] for k in d["kpis"]} >= {"it_kw", "facility_kw", "pue"}
    assert all(k["delta"] == 0 for k in d["kpis"] if k["delta"] is not None)


def test_the_fix_removes_the_finding_and_exits_0(tmp_path):
    proc = twin_cli("diff", str(derated(tmp_path)), "layouts/gb300-hall.yaml")
    assert proc.returncode == 0, proc.stderr
    assert "findings added: 0" in proc.stdout
    assert "findings removed: 1" in proc.stdout
    assert "  bw-a-r1-1 N-1 margin -4.0% -> 35.0%" in proc.stdout


def test_a_derating_within_the_limits_moves_the_margin_without_a_finding(tmp_path):
    # 1,100 A: 751.2 kW, N-1 710 kW = 94.5 %: margin 5.5 %, still within the limit
    proc = twin_cli("diff", "layouts/gb300-hall.yaml", str(derated(tmp_path, 1100)))
    assert proc.returncode == 0, proc.stderr
    assert "findings added: 0" in proc.stdout
    worst = 1 - 710 / busway_kw(1100)
    assert f"  bw-a-r1-1 N-1 margin 35.0% -> {100 * worst:.1f}% (worst set: mv-b)" \
        in proc.stdout
    assert f"{100 * worst:.1f}" == "5.5"


def test_the_same_layout_twice_reports_nothing():
    proc = twin_cli("diff", "layouts/gb300-hall.yaml", "layouts/gb300-hall.yaml")
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[1:] == [
        "findings added: 0", "findings removed: 0",
        "margins changed: 0 (percent of capacity, limit - utilization)",
        "KPIs changed: 0 (all equal)"]


# -- the worked example, by hand ----------------------------------------------------------

def _worked(tmp_path, old: str, new: str) -> Path:
    text = WORKED.read_text()
    assert text.count(old) == 1
    path = tmp_path / "worked.yaml"
    path.write_text(text.replace(old, new))
    return path


def test_worked_example_cdu_resized_removes_r004_and_moves_both_margins(tmp_path):
    new = _worked(tmp_path, "cdu-2: {kind: cdu, capacity_kw: 100,",
                  "cdu-2: {kind: cdu, capacity_kw: 160,")
    d = compare(twin.load(str(WORKED)), twin.load(str(new)))
    assert d.added == ()
    assert [(f.code, f.component) for f in d.removed] == [("R004", "cdu-2")]
    assert not d.adds_error
    # 160 kW of liquid heat shared by capacity: 300 : 100 before (120 and 40 kW),
    # 300 : 160 after (104.35 and 55.65 kW). With the other CDU failed, each takes 160 kW.
    cdu1, cdu2 = 160 * 300 / 460, 160 * 160 / 460
    margins = {m.component: m for m in d.margins}
    # the CDUs draw less (below), so the panel and the chain above it move too; dry's
    # heat moves by 0.4 kW of 500, 0.08 points, which shows as 59.0 % on both sides
    assert list(margins) == ["gen", "tx", "ats", "mech", "cdu-1", "cdu-2"]
    m = margins["cdu-2"]
    assert (m.old_margin, m.new_margin) == (pytest.approx(1 - 40 / 100),
                                            pytest.approx(1 - cdu2 / 160))
    assert (m.old_worst_margin, m.new_worst_margin) == (pytest.approx(1 - 160 / 100),
                                                        pytest.approx(0.0, abs=1e-12))
    assert m.new_worst_scenario == ("cdu-1",)
    m = margins["cdu-1"]
    assert (m.old_margin, m.new_margin) == (pytest.approx(1 - 120 / 300),
                                            pytest.approx(1 - cdu1 / 300))
    assert not m.worst_margin_changed  # 160 kW of 300 with cdu-2 failed, before and after
    # the CDUs draw power_kw x heat / capacity: 6 x 120/300 + 2 x 40/100 = 3.2 kW before
    kpis = {k.name: k for k in d.kpis}
    draws = 6 * cdu1 / 300 + 2 * cdu2 / 160
    dry = 10 * (160 + draws + 40 + 2.0) / 500
    assert kpis["cooling_kw"].old == pytest.approx(9.304)
    assert kpis["cooling_kw"].new == pytest.approx(draws + 2.0 + dry)
    assert not kpis["it_kw"].changed


def test_worked_example_ups_efficiency_changes_the_kpis_by_hand(tmp_path):
    new = _worked(tmp_path, "efficiency: 0.95, from: ats", "efficiency: 0.96, from: ats")
    d = compare(twin.load(str(WORKED)), twin.load(str(new)))
    kpis = {k.name: k for k in d.kpis}
    # ups draws 200 / 0.96 = 208.333 kW; ats 208.333 + 9.304; tx draws that / 0.98
    facility = (200 / 0.96 + 9.304) / 0.98
    assert kpis["facility_kw"].old == pytest.approx((200 / 0.95 + 9.304) / 0.98)
    assert kpis["facility_kw"].new == pytest.approx(facility)
    assert kpis["facility_kw"].delta == pytest.approx(facility - (200 / 0.95 + 9.304) / 0.98)
    assert round(kpis["facility_kw"].delta, 3) == -2.238
    assert not kpis["it_kw"].changed and kpis["pue"].changed
    text = text_reporter.diff(d)
    assert "  facility_kw 224.32 -> 222.08 kW (-2.2377)" in text


def test_added_and_removed_components_are_listed(tmp_path):
    new = _worked(tmp_path, "  mech: {kind: panel, capacity_kw: 100, from: ats}\n",
                  "  mech: {kind: panel, capacity_kw: 100, from: ats}\n"
                  "  spare: {kind: panel, capacity_kw: 50, from: ats}\n")
    d = compare(twin.load(str(WORKED)), twin.load(str(new)))
    assert [(m.component, m.status, m.new_margin) for m in d.margins] == [
        ("spare", "added", pytest.approx(0.8))]
    assert [(f.code, f.component, f.severity) for f in d.added] == [("T002", "spare", "warning")]
    assert not d.adds_error  # a warning is not an error
    back = compare(twin.load(str(new)), twin.load(str(WORKED)))
    assert [(m.component, m.status) for m in back.margins] == [("spare", "removed")]


def test_findings_match_on_code_component_and_scenario_not_on_lines(tmp_path):
    broken = ROOT / "tests" / "layouts" / "broken" / "hall-single-path.yaml"
    moved = tmp_path / "moved.yaml"
    moved.write_text("# one more line at the top\n" + broken.read_text())
    proc = twin_cli("diff", str(broken), str(moved))
    assert proc.returncode == 0, proc.stdout  # the errors are old ones
    assert "findings added: 0" in proc.stdout and "findings removed: 0" in proc.stdout


def test_a_new_layout_that_does_not_load_adds_errors_and_skips_margins(tmp_path):
    new = _worked(tmp_path, "capacity_kw: 300, power_kw: 6", "capacity_kw: -300, power_kw: 6")
    proc = twin_cli("diff", str(WORKED), str(new))
    assert proc.returncode == 1
    assert "error L004" in proc.stdout
    assert "margins: not compared (the new layout has load errors or a cycle)" in proc.stdout
    assert "findings removed: 7" in proc.stdout  # the N-1 findings of the worked example


# -- usage problems -------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (("layouts/gb300-hall.yaml",), "give OLD and NEW, or one LAYOUT with --rev REV"),
    (("a.yaml", "b.yaml", "c.yaml"), "give OLD and NEW"),
    (("layouts/gb300-hall.yaml", "layouts/edge-pod.yaml", "--rev", "HEAD"),
     "--rev takes one LAYOUT"),
    (("layouts/gb300-hall.yaml", "no-such.yaml"), "no-such.yaml"),
])
def test_usage_problems_exit_2(args, message):
    proc = twin_cli("diff", *args)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr


# -- against a git revision -------------------------------------------------------------------

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com",
                    "-c", "commit.gpgsign=false", *args], cwd=repo, check=True,
                   capture_output=True)


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    (root / "halls").mkdir(parents=True)
    shutil.copy(HALL, root / "halls" / "hall.yaml")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "hall")
    return root


@needs_git
def test_rev_compares_the_working_file_with_the_commit(repo):
    path = repo / "halls" / "hall.yaml"
    path.write_text(path.read_text().replace(BUSWAY, "bw-a-r1-1: {kind: busway, rating_a: 1000,"))
    proc = twin_cli("diff", "halls/hall.yaml", "--rev", "HEAD", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.splitlines()[0] == "twin diff halls/hall.yaml@HEAD -> halls/hall.yaml"
    assert "  + halls/hall.yaml:67:3: error R002 busway bw-a-r1-1" in proc.stdout
    assert "  bw-a-r1-1 N-1 margin 35.0% -> -4.0% (worst set: mv-b)" in proc.stdout
    # from inside the folder, with the path relative to it
    inner = twin_cli("diff", "hall.yaml", "--rev", "HEAD", "--format", "json", cwd=repo / "halls")
    assert inner.returncode == 1
    assert json.loads(inner.stdout)["old"] == "hall.yaml@HEAD"


@needs_git
def test_rev_of_an_unchanged_file_reports_nothing(repo):
    proc = twin_cli("diff", "halls/hall.yaml", "--rev", "HEAD", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert "findings added: 0" in proc.stdout


@needs_git
def test_rev_usage_errors(repo, tmp_path):
    (repo / "halls" / "new.yaml").write_text("twin: 1\n")
    cases = [
        (("halls/new.yaml", "--rev", "HEAD"), repo,
         "halls/new.yaml: does not exist at revision HEAD"),
        (("halls/hall.yaml", "--rev", "no-such-rev"), repo, "unknown revision 'no-such-rev'"),
        (("halls/hall.yaml", "--rev=-p"), repo, "not a revision"),
    ]
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(HALL, outside / "hall.yaml")
    cases.append((("hall.yaml", "--rev", "HEAD"), outside, "not in a git repository"))
    for args, cwd, message in cases:
        proc = twin_cli("diff", *args, cwd=cwd)
        assert proc.returncode == 2, (args, proc.stdout)
        assert message in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr


def test_when_neither_side_loads_both_are_named():
    proc = twin_cli("diff", "layouts/edge-pod.yaml", "layouts/edge-pod.yaml", "--max-bytes", "10")
    assert proc.returncode == 0  # the same L001 on both sides: nothing added
    assert "margins: not compared (the old and new layouts have load errors or a cycle)" \
        in proc.stdout
    proc = twin_cli("diff", "tests/layouts/broken/pod-invalid-yaml.yaml", "layouts/edge-pod.yaml")
    assert proc.returncode == 0
    assert "margins: not compared (the old layout has load errors or a cycle)" in proc.stdout
    assert "findings removed: 1" in proc.stdout
