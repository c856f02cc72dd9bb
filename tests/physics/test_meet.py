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


@pytest.mark.parametrize("path", LAYOUTS)
def test_every_rack_a_finding_names_is_lost_through_its_failure_set(path, monkeypatch):
    monkeypatch.chdir(ROOT)
    report = validate(load(path))
    lost = [f for f in report.findings if f.code in ("R001", "R003")]
    if not lost:
        pytest.skip("no R001/R003 finding")
    ix = Index(report.snapshot.layout)
    for f in lost:
        edges = _dead_graph(ix, set(f.scenario), f.racks, f.code == "R003")
        into = {b for _, b, _ in edges}
        assert set(f.racks) <= into, (f.message, set(f.racks) - into)
        roots = {b for a, b, _ in edges if a == ("root",)}
        assert roots and roots <= set(f.scenario)
        assert meeting_edges(ix, f.scenario, f.racks, f.code == "R003")
