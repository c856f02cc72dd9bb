"""The incremental engine against the straightforward evaluator, on random layouts."""
from __future__ import annotations

import math

import pytest

import twin
from twin.physics._engine import Engine
from twin.physics.flow import compile_network, evaluate

from randomlayouts import random_layout

FIELDS_EXACT = ("power_live", "cooling_effective", "rack_up", "rack_lost_media")
FIELDS_KW = ("power_out_kw", "power_in_kw", "cooling_heat_kw", "cooling_draw_kw",
             "cooling_flow_lpm")


def _same_result(a, b) -> bool:
    if any(getattr(a, f) != getattr(b, f) for f in FIELDS_EXACT):
        return False
    for f in FIELDS_KW:
        if not all(math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)
                   for x, y in zip(getattr(a, f), getattr(b, f))):
            return False
    return math.isclose(a.unfed_cooling_kw, b.unfed_cooling_kw, rel_tol=1e-9, abs_tol=1e-9)


def _loaded(seed, **kw):
    loaded = twin.load_bytes(random_layout(seed, **kw), f"random-{seed}.yaml")
    assert not loaded.findings, loaded.findings
    return loaded


@pytest.mark.parametrize("seed", range(60))
def test_engine_delta_equals_full_evaluation_for_every_single_and_pair(seed):
    net = compile_network(_loaded(seed).layout)
    engine = Engine(net)
    sets = [(x,) for x in net.failable]
    sets += [(a, b) for i, a in enumerate(net.failable) for b in net.failable[i + 1:]]
    for failed in sets:
        assert _same_result(evaluate(net, failed), engine.result(failed)), failed


def _key(report):
    return ([(f.code, f.component, f.scenario, f.racks, f.message, f.line) for f in report.findings],
            report.kpis)


@pytest.mark.parametrize("seed", range(320))
def test_validate_gives_identical_findings_and_kpis_with_either_engine(seed):
    loaded = _loaded(seed)
    fast = twin.validate(loaded, engine="incremental")
    slow = twin.validate(loaded, engine="reference")
    assert _key(fast) == _key(slow)
    assert fast.scenarios == slow.scenarios


@pytest.mark.parametrize("seed", range(200, 260))
def test_n2_pruning_matches_the_full_pair_sweep(seed):
    loaded = _loaded(seed, contingency=2)
    fast = twin.validate(loaded, engine="incremental")
    slow = twin.validate(loaded, engine="reference")
    assert _key(fast) == _key(slow)


def test_random_layouts_exercise_failures():
    # the differential tests mean something only if the layouts really fail checks
    codes = set()
    for seed in range(100):
        codes |= {f.code for f in twin.validate(_loaded(seed)).findings}
    assert {"R001", "R002", "R003", "R004", "P001", "C001"} <= codes
