"""The flow evaluator over the hours: Hourly loads, evaluate_hours and reshared_heat by hand."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import twin
from twin.physics.flow import compile_network, evaluate, reshared_heat
from twin.physics.hourly import Hourly, Hours, evaluate_hours

WORKED = Path(__file__).resolve().parents[1] / "layouts" / "spec-worked-example.yaml"

# 100 kW of CDU heat through a loop onto two 120 kW dry coolers with 3 kW of fans each.
PAIR = """\
twin: 1
power:
  grid: {kind: utility, capacity_kw: 1000}
  ups: {kind: ups, capacity_kw: 500, efficiency: 0.95, from: grid}
cooling:
  cdu: {kind: cdu, capacity_kw: 200, power_kw: 4, power: ups, to: fws}
  fws: {kind: loop, failable: false, to: [dc-1, dc-2]}
  dc-1: {kind: dry-cooler, capacity_kw: 120, power_kw: 3, power: grid}
  dc-2: {kind: dry-cooler, capacity_kw: 120, power_kw: 3, power: grid}
racks:
  r1: {it_kw: 100, liquid_fraction: 1.0, power: ups, cooling: cdu}
"""


def _net(text: str):
    loaded = twin.load_bytes(text, "t.yaml")
    assert not loaded.findings, loaded.findings
    return compile_network(loaded.layout)


def test_hourly_values_add_and_scale_like_kw():
    hours = Hours([0.5, 1.0, 2.0])
    b = hours.basis(np.array([10.0, 0.0, 4.0]))
    load = 3.0 + b * 2.0  # 3 kW that follow the fraction, twice the basis
    assert isinstance(load, Hourly)
    assert hours.values(load).tolist() == [21.5, 3.0, 14.0]
    assert hours.values((load + 1.0) / 2).tolist() == [11.0, 2.0, 8.0]
    assert hours.values(load + load).tolist() == [43.0, 6.0, 28.0]
    assert hours.values(4.0).tolist() == [2.0, 4.0, 8.0]  # a number follows the fraction
    # the same values again are the same basis, so alike units cost one array
    assert hours.basis(np.array([10.0, 0.0, 4.0])).terms == b.terms and len(hours.bases) == 1
    assert hours.upper_bound(load) >= hours.values(load).max()
    assert hours.values(0.0 + load).tolist() == hours.values(load).tolist()
    assert not Hourly(0.0, {0: 0.0}) and Hourly(0.0, {0: 1.0})  # `if d:` of rule 4


def test_without_weather_the_hours_are_the_evaluator_times_the_fraction():
    # no unit's draw depends on the weather: every load is a number, exactly evaluate's
    net = compile_network(twin.load(str(WORKED)).layout)
    hours = Hours([0.25, 1.0])
    result = evaluate_hours(net, hours, lambda j, q: None)
    plain = evaluate(net)
    assert result.power_out_kw == plain.power_out_kw
    assert result.cooling_draw_kw == plain.cooling_draw_kw
    assert hours.values(result.power_out_kw[0]).tolist() == [plain.power_out_kw[0] * 0.25,
                                                             plain.power_out_kw[0]]


def test_a_weather_draw_flows_up_the_power_chain_by_the_flow_rules():
    # The dry coolers' fans draw 1 kW and 2 kW in the two hours (the weather's say), the
    # CDU by its rule 4 x Q/200. The grid carries the UPS input plus both coolers' fans:
    #   hour 1 (fraction 0.5): rack 50, CDU 4 x 50/200 = 1, UPS out 51, in 51/0.95; fans 2 x 1
    #   hour 2 (fraction 1.0): rack 100, CDU 2, UPS in 102/0.95; fans 2 x 2
    net = _net(PAIR)
    hours = Hours([0.5, 1.0])
    asked = {}

    def draw(j, q):
        if net.cooling_kind[j] != "dry-cooler":
            return None
        asked[net.cooling_ids[j]] = hours.values(q).tolist()
        return np.array([1.0, 2.0])
    result = evaluate_hours(net, hours, draw)
    # each cooler takes half of the CDU's rack heat plus its draw
    assert asked["dc-1"] == pytest.approx([25.5, 51.0])
    grid = net.power_ids.index("grid")
    assert hours.values(result.power_out_kw[grid]).tolist() == pytest.approx(
        [51 / 0.95 + 2.0, 102 / 0.95 + 4.0])
    assert len(hours.bases) == 1  # both coolers draw alike: one array


def test_reshared_heat_moves_a_failed_coolers_share_to_the_other_by_hand():
    # the loop passes 100 kW of rack heat + 2 kW of CDU draw, 51 kW to each cooler; with
    # dc-2 failed, dc-1 takes all 102 kW: 51 kW more
    net = _net(PAIR)
    dc1, dc2 = net.cooling_ids.index("dc-1"), net.cooling_ids.index("dc-2")
    moved = reshared_heat(net, evaluate(net), {dc1, dc2})
    assert moved == {(dc1, dc2): pytest.approx(51.0), (dc2, dc1): pytest.approx(51.0)}
    assert reshared_heat(net, evaluate(net), {dc1}) == {(dc1, dc2): pytest.approx(51.0)}
