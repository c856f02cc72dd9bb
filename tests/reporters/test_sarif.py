"""SARIF 2.1.0 output: valid against the OASIS schema, and every result on its finding's line."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import twin
from twin.checks import registry
from twin.reporters import sarif_reporter

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the test extra")

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json").read_text())
BROKEN = sorted(f"tests/layouts/broken/{p.name}"
                for p in (ROOT / "tests/layouts/broken").glob("*.yaml"))
LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def twin_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "twin", *args], capture_output=True, text=True,
                          cwd=cwd)


def valid(log: dict) -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    errors = sorted(jsonschema.Draft7Validator(SCHEMA).iter_errors(log), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


@pytest.fixture(scope="module")
def broken_runs():
    """The SARIF log and the JSON findings of every broken example, from one CLI run each."""
    sarif = twin_cli("validate", *BROKEN, "--format", "sarif", "--no-progress")
    plain = twin_cli("validate", *BROKEN, "--format", "json", "--no-progress")
    assert sarif.returncode == plain.returncode == 1, sarif.stderr
    findings = {lay["file"]: lay["findings"] for lay in json.loads(plain.stdout)["layouts"]}
    return json.loads(sarif.stdout), findings


def test_the_sarif_log_of_all_broken_examples_validates_against_the_2_1_0_schema(broken_runs):
    log, findings = broken_runs
    valid(log)
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    assert len(log["runs"][0]["results"]) == sum(len(f) for f in findings.values()) > 40


@pytest.mark.parametrize("path", BROKEN)
def test_every_result_points_at_its_findings_line_and_column(broken_runs, path):
    log, findings = broken_runs
    run = log["runs"][0]
    mine = [r for r in run["results"]
            if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == path]
    expected = findings[path]
    assert expected, path
    assert len(mine) == len(expected)
    rules = run["tool"]["driver"]["rules"]
    for result, finding in zip(mine, expected, strict=True):
        where = result["locations"][0]["physicalLocation"]
        assert where["artifactLocation"] == {"uri": path, "uriBaseId": "%SRCROOT%"}
        assert (where["region"]["startLine"], where["region"]["startColumn"]) == (
            finding["line"], finding["column"])
        assert result["ruleId"] == finding["code"]
        assert rules[result["ruleIndex"]]["id"] == finding["code"]
        assert result["level"] == LEVEL[finding["severity"]]
        assert result["message"]["text"] == finding["message"]
        assert result["properties"]["component"] == finding["component"]
        assert result["properties"]["scenario"] == finding["scenario"]


def test_power_overload_example_by_hand(broken_runs):
    # bw-a-r1-1 derated to 600 A, line 40 of the file: P001 and R002 there, at column 3
    log, _ = broken_runs
    hits = [(r["ruleId"], r["properties"]["component"],
             r["locations"][0]["physicalLocation"]["region"]["startLine"],
             r["locations"][0]["physicalLocation"]["region"]["startColumn"])
            for r in log["runs"][0]["results"]
            if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
                "hall-power-overload.yaml") and r["properties"]["component"] == "bw-a-r1-1"]
    assert sorted(hits) == [("P001", "bw-a-r1-1", 40, 3), ("R002", "bw-a-r1-1", 40, 3)]


def test_rules_are_the_registry_with_stable_ids_and_explicit_levels(broken_runs):
    log, _ = broken_runs
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    checks = list(registry().values())
    assert [r["id"] for r in rules] == [c.code for c in checks]
    assert [r["name"] for r in rules] == [c.name for c in checks]
    assert [r["defaultConfiguration"]["level"] for r in rules] == [LEVEL[c.severity]
                                                                    for c in checks]
    assert all(r["level"] in ("error", "warning", "note") for r in log["runs"][0]["results"])


def test_srcroot_is_the_current_directory_as_a_file_uri(broken_runs):
    log, _ = broken_runs
    base = log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == ROOT.as_uri() + "/"


def test_sarif_root_makes_paths_relative_to_it():
    proc = twin_cli("validate", "tests/layouts/broken/hall-space.yaml", "--format", "sarif",
                    "--sarif-root", "tests")
    assert proc.returncode == 1, proc.stderr
    log = json.loads(proc.stdout)
    valid(log)
    run = log["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == (ROOT / "tests").as_uri() + "/"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in run["results"]}
    assert uris == {"layouts/broken/hall-space.yaml"}


def test_a_file_outside_the_root_gets_an_absolute_uri(tmp_path):
    layout = tmp_path / "my hall.yaml"
    layout.write_text("twin: 1\npower:\n  grid: {kind: utility}\n")
    proc = twin_cli("validate", str(layout), "--format", "sarif")
    assert proc.returncode == 1
    log = json.loads(proc.stdout)
    valid(log)
    where = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert where["artifactLocation"] == {"uri": layout.as_uri()}
    assert "%20" in where["artifactLocation"]["uri"]
    assert where["region"] == {"startLine": 3, "startColumn": 3}


def test_sarif_root_needs_sarif_and_a_directory():
    proc = twin_cli("validate", "layouts/edge-pod.yaml", "--sarif-root", "tests")
    assert proc.returncode == 2 and "--sarif-root goes with --format sarif" in proc.stderr
    proc = twin_cli("validate", "layouts/edge-pod.yaml", "--format", "sarif",
                    "--sarif-root", "no-such-dir")
    assert proc.returncode == 2 and "not a directory" in proc.stderr


def test_a_clean_layout_gives_a_valid_log_with_no_results():
    proc = twin_cli("validate", "layouts/edge-pod.yaml", "--format", "sarif")
    assert proc.returncode == 0, proc.stderr
    log = json.loads(proc.stdout)
    valid(log)
    assert log["runs"][0]["results"] == []
    assert "0 error(s)" in proc.stderr  # the summary still goes to the CI log


BLOCK_LAYOUT = """\
twin: 1
blocks:
  pod:
    params: [feed]
    power:
      ups: {kind: ups, capacity_kw: 50, from: $feed}
    racks:
      r{1..2}: {it_kw: 40, power: ups}
power:
  grid: {kind: utility, capacity_kw: 1000}
instances:
  p1: {block: pod, with: {feed: grid}}
"""


def test_a_finding_inside_a_block_instance_points_at_the_block_and_names_the_instance(tmp_path,
                                                                                     monkeypatch):
    (tmp_path / "pod.yaml").write_text(BLOCK_LAYOUT)
    monkeypatch.chdir(tmp_path)
    report = twin.validate("pod.yaml", contingency=0)
    p001 = [f for f in report.findings if f.code == "P001"]
    assert [(f.component, f.line, f.column) for f in p001] == [("p1/ups", 6, 7)]
    log = sarif_reporter.log([report])
    valid(json.loads(json.dumps(log)))
    result = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "P001")
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 6,
                                                                    "startColumn": 7}
    related = result["relatedLocations"]
    assert [(r["physicalLocation"]["region"]["startLine"], r["message"]["text"]) for r in related] \
        == [(12, "p1 (block pod) instantiated here")]


def test_fingerprints_ignore_lines_so_moving_text_keeps_the_alert(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = "twin: 1\npower:\n  grid: {kind: utility, capacity_kw: 10}\n" \
           "  pdu: {kind: pdu, capacity_kw: 5, from: grid}\n" \
           "racks:\n  r1: {it_kw: 8, power: pdu}\n"
    first = sarif_reporter.log([twin.validate(twin.load_bytes(text, "a.yaml"), contingency=0)])
    moved = sarif_reporter.log([twin.validate(twin.load_bytes("# moved\n" + text, "a.yaml"),
                                              contingency=0)])
    prints = [[(r["ruleId"], r["partialFingerprints"]["twinFinding/v1"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"])
               for r in log["runs"][0]["results"]] for log in (first, moved)]
    assert [(c, p) for c, p, _ in prints[0]] == [(c, p) for c, p, _ in prints[1]]
    assert [line + 1 for _, _, line in prints[0]] == [line for _, _, line in prints[1]]
    assert "P001" in {c for c, _, _ in prints[0]}


@pytest.mark.parametrize("args", [
    ("whatif", "layouts/edge-pod.yaml", "--fail", "ats-a"),
    ("capacity", "layouts/edge-pod.yaml", "--rack-type", "hgx-h100-x4"),
    ("report", "layouts/edge-pod.yaml"),
    ("simulate", "layouts/edge-pod.yaml", "--hours", "1"),
    ("catalog",),
], ids=lambda a: a[0])
@pytest.mark.parametrize("fmt", ["sarif", "junit"])
def test_other_commands_refuse_the_ci_formats_with_a_usage_error(args, fmt):
    proc = twin_cli(*args, "--format", fmt)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert f"argument --format: invalid choice: '{fmt}'" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("fmt", ["sarif", "junit"])
def test_diff_offers_only_text_and_json(fmt):
    proc = twin_cli("diff", "layouts/edge-pod.yaml", "layouts/edge-pod.yaml", "--format", fmt)
    assert proc.returncode == 2
    assert f"invalid choice: '{fmt}'" in proc.stderr
    assert proc.stderr.splitlines()[0].endswith("[--format {json,text}]")
