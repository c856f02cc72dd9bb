"""Where lost paths meet (twin.physics.meet) agrees with the load flow on what is down.

meet.py evaluates liveness only upward from the racks of a finding, by the rules of
flow.evaluate; for every R001 and R003 finding of the broken examples and the worked
example, each rack the sweep reports lost is lost there too, through the failed set.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from twin.checks.runner import load, validate
from twin.physics.meet import Index, _dead_graph, meeting_edges

ROOT = Path(__file__).resolve().parents[2]
LAYOUTS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests/layouts/broken").glob("*.yaml"))
LAYOUTS.append("tests/layouts/spec-worked-example.yaml")


def _reports() -> dict[str, object]:
    """The example layouts that have R001 or R003 findings, with their reports."""
    out = {}
    for path in LAYOUTS:
        report = validate(load(str(ROOT / path)))
        if any(f.code in ("R001", "R003") for f in report.findings):
            out[path] = report
    return out


REPORTS = _reports()


def test_the_examples_hold_findings_of_both_codes():
    codes = {f.code for r in REPORTS.values() for f in r.findings}
    assert {"R001", "R003"} <= codes and len(REPORTS) >= 2


@pytest.mark.parametrize("path", sorted(REPORTS))
def test_every_rack_a_finding_names_is_lost_through_its_failure_set(path):
    report = REPORTS[path]
    lost = [f for f in report.findings if f.code in ("R001", "R003")]
    ix = Index(report.snapshot.layout)
    for f in lost:
        edges = _dead_graph(ix, set(f.scenario), f.racks, f.code == "R003")
        into = {b for _, b, _ in edges}
        assert set(f.racks) <= into, (f.message, set(f.racks) - into)
        roots = {b for a, b, _ in edges if a == ("root",)}
        assert roots and roots <= set(f.scenario)
        assert meeting_edges(ix, f.scenario, f.racks, f.code == "R003")
