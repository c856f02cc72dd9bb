"""networkx on the power graph: single points of failure (dominators) and failures to lose a rack
(minimum cut), by hand and against the flow evaluator on random layouts."""
from __future__ import annotations

import subprocess
import sys
from itertools import combinations

import pytest
from randomlayouts import random_layout

import twin
from twin.physics.flow import compile_network, evaluate
from twin.physics.graph import (
    build_graph,
    failures_to_lose,
    single_points_of_failure,
    smallest_failure_set,
)

# 2N: two independent chains, one feed each; a rack lives on either.
TWO_N = """\
twin: 1
power:
  util-a: {kind: utility, capacity_kw: 1000}
  util-b: {kind: utility, capacity_kw: 1000}
  ups-a: {kind: ups, capacity_kw: 500, from: util-a}
  ups-b: {kind: ups, capacity_kw: 500, from: util-b}
  pdu-a: {kind: pdu, capacity_kw: 200, from: ups-a}
  pdu-b: {kind: pdu, capacity_kw: 200, from: ups-b}
racks:
  r1: {it_kw: 50, power: [pdu-a, pdu-b]}
  r2: {it_kw: 50, power: [pdu-a, pdu-b], min_feeds: 2}
"""

# Two PDUs behind one UPS: the UPS and the utility are single points of failure.
SHARED_UPS = """\
twin: 1
power:
  util: {kind: utility, capacity_kw: 1000}
  gen: {kind: generator, capacity_kw: 1000, failable: false}
  ats: {kind: switchgear, capacity_kw: 1000, from: [util]}
  ups: {kind: ups, capacity_kw: 500, from: ats}
  pdu-a: {kind: pdu, capacity_kw: 200, from: ups}
  pdu-b: {kind: pdu, capacity_kw: 200, from: ups}
  pdu-c: {kind: pdu, capacity_kw: 200, from: gen, failable: false}
racks:
  r1: {it_kw: 50, power: [pdu-a, pdu-b]}
  r2: {it_kw: 50, power: [pdu-c]}
  r3: {it_kw: 50, power: [pdu-a, pdu-c]}
"""


def _layout(text: str):
    loaded = twin.load_bytes(text, "t.yaml")
    assert not loaded.findings, loaded.findings
    return loaded.layout


def test_2n_chains_have_no_single_point_and_take_two_failures():
    layout = _layout(TWO_N)
    assert single_points_of_failure(layout, "r1") == ()
    assert failures_to_lose(layout, "r1") == 2
    # of the smallest sets (both utilities, both UPSs, ...) the one nearest the rack
    assert smallest_failure_set(layout, "r1") == ("pdu-a", "pdu-b")


def test_a_rack_that_needs_both_feeds_loses_power_with_either_chain():
    layout = _layout(TWO_N)
    assert single_points_of_failure(layout, "r2") == (
        "util-a", "util-b", "ups-a", "ups-b", "pdu-a", "pdu-b")
    assert failures_to_lose(layout, "r2") == 1


def test_a_shared_ups_is_a_single_point_of_failure_with_everything_above_it():
    layout = _layout(SHARED_UPS)
    assert single_points_of_failure(layout, "r1") == ("util", "ats", "ups")
    assert failures_to_lose(layout, "r1") == 1
    assert smallest_failure_set(layout, "r1") == ("ups",)
    # the graph build_graph made answers the same as the layout
    assert single_points_of_failure(build_graph(layout), "r1") == ("util", "ats", "ups")


def test_components_that_cannot_fail_are_never_counted():
    layout = _layout(SHARED_UPS)
    # r2 hangs on a generator and a PDU both `failable: false`: nothing can take it down
    assert single_points_of_failure(layout, "r2") == ()
    assert failures_to_lose(layout, "r2") is None and smallest_failure_set(layout, "r2") is None
    # r3 keeps its unfailable side whatever happens to the UPS chain
    assert failures_to_lose(layout, "r3") is None
    relaxed = _layout(SHARED_UPS.replace(", failable: false}", "}"))
    assert failures_to_lose(relaxed, "r2") == 1
    assert single_points_of_failure(relaxed, "r2") == ("gen", "pdu-c")
    assert failures_to_lose(relaxed, "r3") == 2


def test_an_unknown_rack_is_a_key_error():
    with pytest.raises(KeyError, match="not a rack"):
        single_points_of_failure(_layout(TWO_N), "ups-a")


def _power_failable(net):
    return [x for x in net.failable if net.index[x][0] == "power"]


@pytest.mark.parametrize("seed", range(40))
def test_graph_answers_agree_with_the_evaluator_on_random_layouts(seed):
    loaded = twin.load_bytes(random_layout(seed), f"random-{seed}.yaml")
    assert not loaded.findings
    layout = loaded.layout
    net = compile_network(layout)
    normal = evaluate(net)
    failable = _power_failable(net)
    graph = build_graph(layout)
    for k, rack in enumerate(net.rack_ids):
        spof = single_points_of_failure(graph, rack)
        lost = smallest_failure_set(graph, rack)
        if not normal.rack_up[k]:
            assert spof == () and lost == ()
            continue
        down_alone = tuple(x for x in failable if not evaluate(net, (x,)).rack_up[k])
        assert set(spof) == set(down_alone), rack
        if lost is None:  # no failure set takes it down: not even all of them at once
            assert evaluate(net, failable).rack_up[k], rack
            continue
        assert not evaluate(net, lost).rack_up[k], (rack, lost)
        assert (len(lost) == 1) == bool(spof)
        if len(lost) >= 3:
            assert all(evaluate(net, pair).rack_up[k] for pair in combinations(failable, 2))


def test_twin_help_does_not_import_networkx():
    code = ("import sys, twin.cli; sys.exit(1 if 'networkx' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
