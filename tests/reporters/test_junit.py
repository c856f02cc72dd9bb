"""JUnit XML output: one test case per check per layout, failures carry the findings."""
from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from twin.checks import registry

ROOT = Path(__file__).resolve().parents[2]
LAYOUTS = ["tests/layouts/broken/hall-power-overload.yaml",
           "tests/layouts/broken/pod-topology.yaml",
           "tests/layouts/broken/hall-layout-errors.yaml", "layouts/edge-pod.yaml"]
CHECKS = list(registry().values())
#: Checks that run only when a layout asks for them (groups, events, policy keys).
ASKED_FOR = ("R005", "R006", "R007", "R008", "R009")


def twin_cli(*args):
    return subprocess.run([sys.executable, "-m", "twin", *args], capture_output=True, text=True,
                          cwd=ROOT)


@pytest.fixture(scope="module")
def run():
    """The parsed JUnit document and the JSON findings per layout, for LAYOUTS."""
    xml = twin_cli("validate", *LAYOUTS, "--format", "junit", "--no-progress")
    plain = twin_cli("validate", *LAYOUTS, "--format", "json", "--no-progress")
    assert xml.returncode == plain.returncode == 1, xml.stderr
    assert xml.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    findings = {lay["file"]: lay["findings"] for lay in json.loads(plain.stdout)["layouts"]}
    return ET.fromstring(xml.stdout), findings


def test_one_suite_per_layout_and_one_case_per_check(run):
    root, _ = run
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == LAYOUTS
    for suite in suites:
        cases = suite.findall("testcase")
        assert [c.get("name") for c in cases] == [f"{c.code} {c.name}" for c in CHECKS]
        assert {c.get("classname") for c in cases} == {suite.get("name")}
        assert int(suite.get("tests")) == len(CHECKS)
    assert int(root.get("tests")) == len(CHECKS) * len(LAYOUTS)


def test_counts_add_up_and_match_the_elements(run):
    root, _ = run
    for suite in root.findall("testsuite"):
        failures = len(suite.findall("testcase/failure"))
        skipped = len(suite.findall("testcase/skipped"))
        assert (int(suite.get("failures")), int(suite.get("skipped"))) == (failures, skipped)
        assert suite.get("errors") == "0"
    for key in ("tests", "failures", "skipped"):
        assert int(root.get(key)) == sum(int(s.get(key)) for s in root.findall("testsuite"))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_check_fails_exactly_when_it_has_error_findings(run, layout):
    root, findings = run
    suite = next(s for s in root.findall("testsuite") if s.get("name") == layout)
    failed = {case.get("name").split()[0]: case.find("failure")
              for case in suite.findall("testcase") if case.find("failure") is not None}
    errors: dict[str, list] = {}
    for f in findings[layout]:
        if f["severity"] == "error":
            errors.setdefault(f["code"], []).append(f)
    assert set(failed) == set(errors)
    for code, failure in failed.items():
        assert failure.get("type") == code
        assert failure.get("message") == (f"{len(errors[code])} error finding(s): "
                                          f"{errors[code][0]['message']}")
        lines = failure.text.splitlines()
        assert len(lines) == len(errors[code])
        assert all(f"{f['file']}:{f['line']}:{f['column']}: error {code} {f['message']}" in lines
                   for f in errors[code])


def test_power_overload_fails_four_checks_by_hand(run):
    # gen-a1 fuel (P004), ups-a2 battery (P003), bw-a-r1-1 at 600 A (P001 and R002)
    root, _ = run
    suite = root.find("testsuite[@name='tests/layouts/broken/hall-power-overload.yaml']")
    assert suite.get("failures") == "4" and suite.get("skipped") == str(len(ASKED_FOR))
    failed = [c.get("name") for c in suite.findall("testcase") if c.find("failure") is not None]
    assert sorted(failed) == ["P001 power-over-limit", "P003 battery-runtime-short",
                              "P004 fuel-short", "R002 power-failover-overload"]


def test_checks_that_did_not_run_are_skipped_with_the_reason(run):
    root, _ = run
    layout_errors = root.find("testsuite[@name='tests/layouts/broken/hall-layout-errors.yaml']")
    skipped = [c for c in layout_errors.findall("testcase") if c.find("skipped") is not None]
    assert {c.get("name")[0] for c in skipped} == {"C", "P", "R", "S", "T"}
    assert all("did not load cleanly" in c.find("skipped").get("message") for c in skipped)
    cycle = root.find("testsuite[@name='tests/layouts/broken/pod-topology.yaml']")
    skipped = [c for c in cycle.findall("testcase") if c.find("skipped") is not None]
    assert {c.get("name")[0] for c in skipped} == {"C", "P", "R", "S"}
    assert all("cycle" in c.find("skipped").get("message") for c in skipped)


def test_warnings_pass_and_are_shown_in_system_out(run):
    root, _ = run
    t002 = root.find("testsuite[@name='tests/layouts/broken/pod-topology.yaml']/"
                     "testcase[@name='T002 unused-component']")
    assert t002.find("failure") is None
    out = t002.find("system-out").text.splitlines()
    assert len(out) == 2 and all(" warning T002 " in line for line in out)


def test_a_clean_layout_passes_every_case_it_asks_for(run):
    root, _ = run
    suite = root.find("testsuite[@name='layouts/edge-pod.yaml']")
    # edge-pod states no groups, events, maintenance, continuous cooling or tier
    assert (suite.get("failures"), suite.get("skipped")) == ("0", str(len(ASKED_FOR)))
    for c in suite.findall("testcase"):
        code = c.get("name").split()[0]
        if code in ASKED_FOR:
            assert c.find("skipped").get("message").startswith("not asked: "), code
        else:
            assert list(c) == [], code


def test_checks_a_layout_asks_for_run_and_the_others_say_why_not():
    xml = twin_cli("validate", "layouts/se-rd111-gb300.yaml", "--format", "junit",
                   "--no-progress")
    assert xml.returncode == 0, xml.stderr
    suite = ET.fromstring(xml.stdout).find("testsuite")
    skipped = {c.get("name").split()[0]: c.find("skipped").get("message")
               for c in suite.findall("testcase") if c.find("skipped") is not None}
    # groups, events and policy.tier: 3 (which asks for maintenance) are written; not
    # continuous cooling
    assert skipped == {"R008": "not asked: `policy.continuous_cooling` is not true and "
                               "`policy.tier` is not 4"}
