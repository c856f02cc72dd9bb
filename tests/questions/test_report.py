"""twin report: headroom per component, stranded power and cooling per hall."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import twin
from twin.api import snapshot
from twin.questions.headroom import headroom

ROOT = Path(__file__).resolve().parents[2]


def _report(path):
    return headroom(snapshot(twin.load(str(ROOT / path)).layout))


def test_component_margins_follow_the_limits():
    rows = {c.id: c for c in _report("layouts/gb300-hall.yaml").components}
    ups = rows["ups-b1"]
    # 710 kW normal of 1,500 (limit 100 %): 790 kW margin; 1,420 kW with side A down
    assert ups.load_kw == pytest.approx(710.0)
    assert ups.margin_kw == pytest.approx(790.0)
    assert ups.worst_load_kw == pytest.approx(1420.0)
    assert ups.worst_margin_kw == pytest.approx(80.0)
    assert ups.worst_scenario == ("mv-a",)
    # a busway's normal limit is 80 %: sqrt(3) x 415 V x 1,600 A x 0.95 = 1,092.6 kW
    bw = rows["bw-a-r1-1"]
    assert bw.margin_kw == pytest.approx(0.8 * 3 ** 0.5 * 415 * 1600 * 0.95 / 1000 - 355.0)
    # the utility on the other side is loaded no more by any single failure than normally
    assert rows["fws"].capacity_kw is None and rows["fws"].margin_kw is None


def test_hall_power_binds_first_and_cooling_is_stranded():
    (hall,) = _report("layouts/gb300-hall.yaml").halls
    # power: the UPS failover margin (80 kW) takes no 142 kW rack; cooling alone takes two:
    # with one CRAH failed each has 8 kW left (32 kW), a GB300 rack adds 14.2 kW of air
    assert (hall.fits, hall.power_racks, hall.cooling_racks) == (0, 0, 2)
    assert hall.stranded_power_kw == 0.0
    assert hall.stranded_cooling_kw == pytest.approx(2 * 142.0)
    assert hall.binding["code"] == "R002"


def test_edge_pod_strands_power_behind_its_in_row_coolers():
    (pod,) = _report("layouts/edge-pod.yaml").halls
    assert (pod.fits, pod.power_racks, pod.cooling_racks) == (0, 1, 0)
    assert pod.stranded_power_kw == pytest.approx(40.8)
    assert pod.binding["code"] == "R004"


EXAMPLES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "layouts").glob("*.yaml"))


def test_the_examples_include_the_campus():
    assert {"layouts/gb300-hall.yaml", "layouts/edge-pod.yaml",
            "layouts/campus-1gw.yaml"} <= set(EXAMPLES)


@pytest.mark.parametrize("layout", EXAMPLES)
def test_cli_prints_both_tables_for_every_example(layout):
    proc = subprocess.run([sys.executable, "-m", "twin", "report", layout], capture_output=True,
                          text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stdout.splitlines()
    # the headroom table: a header, then one row per power and cooling component
    head = next(n for n, line in enumerate(lines) if line.startswith("component "))
    loaded = twin.load(str(ROOT / layout)).layout
    # N-1 columns for an N-1 policy; a design whose redundancy is stated by its groups
    # (policy.contingency 0) has the normal-operation margin only
    if loaded.policy.contingency:
        assert "N-1 margin" in lines[head]
    else:
        assert "margin kW" in lines[head] and "N-1" not in lines[head]
    components = [c.id for c in (*loaded.power, *loaded.cooling)]
    rows = [line.split()[0] for line in lines[head + 2:head + 2 + len(components)]]
    assert rows == components
    # the stranded-capacity table: a header, then one row per hall
    head = next(n for n, line in enumerate(lines) if line.startswith("hall "))
    assert "stranded power kW" in lines[head] and "stranded cooling kW" in lines[head]
    halls = [line.split()[0] for line in lines[head + 2:head + 2 + len(loaded.halls)]]
    assert halls == [h.id for h in loaded.halls]


@pytest.mark.parametrize("layout", ["layouts/gb300-hall.yaml", "layouts/edge-pod.yaml"])
def test_json_has_both_tables(layout):
    doc = json.loads(subprocess.run([sys.executable, "-m", "twin", "report", layout, "--format",
                                     "json"], capture_output=True, text=True, cwd=ROOT).stdout)
    assert {"components", "halls"} <= set(doc)
