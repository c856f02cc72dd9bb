"""Each load-flow rule of the format reference, pinned by a hand-computed example."""
from __future__ import annotations

import textwrap

import pytest

import twin
from twin.physics.flow import compile_network, evaluate
from twin.physics.kpis import kpis


def run(text: str, failed=()):
    loaded = twin.load_bytes(textwrap.dedent(text), "t.yaml")
    assert not loaded.findings, loaded.findings
    net = compile_network(loaded.layout)
    return Probe(net, evaluate(net, failed))


class Probe:
    """Reads loads of one evaluated scenario by id (kW)."""

    def __init__(self, net, result):
        self.net, self.result = net, result

    def out(self, ident):
        kind, i = self.net.index[ident]
        return self.result.power_out_kw[i] if kind == "power" else self.result.cooling_heat_kw[i]

    def inp(self, ident):
        return self.result.power_in_kw[self.net.index[ident][1]]

    def draw(self, ident):
        return self.result.cooling_draw_kw[self.net.index[ident][1]]

    def up(self, rack):
        return self.result.rack_up[self.net.index[rack][1]]

    def kpis(self):
        return kpis(self.net, self.result)


CHAIN = """\
twin: 1
power:
  grid: {kind: utility, capacity_kw: 1000}
  tx: {kind: transformer, capacity_kw: 500, efficiency: 0.98, from: grid}
  ups: {kind: ups, capacity_kw: 500, efficiency: 0.95, from: tx}
  pdu: {kind: pdu, capacity_kw: 300, from: ups}
racks:
  r1: {it_kw: 100, power: pdu}
"""


def test_efficiency_chain_divides_by_each_efficiency_upstream():
    p = run(CHAIN)
    # pdu (efficiency 1.0) carries 100 and draws 100; ups draws 100 / 0.95 = 105.263;
    # tx delivers 105.263 and draws 105.263 / 0.98 = 107.411 from grid.
    assert p.out("pdu") == pytest.approx(100.0)
    assert p.inp("ups") == pytest.approx(105.26316, rel=1e-6)
    assert p.out("tx") == pytest.approx(105.26316, rel=1e-6)
    assert p.out("grid") == pytest.approx(107.41139, rel=1e-6)
    k = p.kpis()
    assert k["losses_kw"] == pytest.approx(7.41139, rel=1e-5)
    assert k["facility_kw"] == pytest.approx(107.41139, rel=1e-6)
    assert k["pue"] == pytest.approx(1.0741139, rel=1e-6)


def test_default_efficiencies_are_the_documented_ones():
    text = """\
    twin: 1
    power:
      grid: {kind: utility, capacity_kw: 1000}
      tx: {kind: transformer, capacity_kw: 500, from: grid}
      ups: {kind: ups, capacity_kw: 500, from: tx}
    racks:
      r1: {it_kw: 96, power: ups}
    """
    p = run(text)
    # ups 0.96: 96 / 0.96 = 100; transformer 0.985: 100 / 0.985 = 101.523
    assert p.inp("ups") == pytest.approx(100.0)
    assert p.out("grid") == pytest.approx(101.52284, rel=1e-6)


TRANSFER = """\
twin: 1
power:
  a: {kind: utility, capacity_kw: 300}
  b: {kind: generator, capacity_kw: 100}
  sw: {kind: switchgear, capacity_kw: 400, from: [a, b], mode: %s}
racks:
  r1: {it_kw: 80, power: sw}
"""


def test_transfer_takes_everything_from_the_first_live_source():
    p = run(TRANSFER % "transfer")
    assert (p.out("a"), p.out("b")) == (pytest.approx(80.0), 0.0)
    p = run(TRANSFER % "transfer", failed=["a"])
    assert (p.out("a"), p.out("b")) == (0.0, pytest.approx(80.0))


def test_share_splits_in_proportion_to_capacity_over_live_sources():
    p = run(TRANSFER % "share")
    # 300 : 100 -> 60 and 20 kW
    assert (p.out("a"), p.out("b")) == (pytest.approx(60.0), pytest.approx(20.0))
    p = run(TRANSFER % "share", failed=["b"])
    assert p.out("a") == pytest.approx(80.0)


def test_transfer_is_the_default_mode():
    p = run((TRANSFER % "transfer").replace(", mode: transfer", ""))
    assert p.out("b") == 0.0


RACK_SPLIT = """\
twin: 1
power:
  u: {kind: utility, capacity_kw: 1000}
  f1: {kind: pdu, capacity_kw: 100, from: u}
  f2: {kind: pdu, capacity_kw: 100, from: u}
  f3: {kind: pdu, capacity_kw: 100, from: u}
racks:
  r1: {it_kw: 90, power: [f1, f2, f3], min_feeds: 2}
"""


def test_rack_load_splits_equally_over_live_feeds():
    p = run(RACK_SPLIT)
    assert [p.out(f) for f in ("f1", "f2", "f3")] == [pytest.approx(30.0)] * 3
    p = run(RACK_SPLIT, failed=["f1"])
    assert [p.out(f) for f in ("f1", "f2", "f3")] == [0.0, pytest.approx(45.0), pytest.approx(45.0)]
    assert p.up("r1")


def test_rack_with_fewer_live_feeds_than_min_feeds_is_down_and_draws_nothing():
    p = run(RACK_SPLIT, failed=["f1", "f2"])
    assert not p.up("r1")
    assert p.out("f3") == 0.0
    assert p.kpis()["it_kw"] == 0.0


COOLING = """\
twin: 1
power:
  u: {kind: utility, capacity_kw: 1000}
  p1: {kind: panel, capacity_kw: 100, from: u}
  p2: {kind: panel, capacity_kw: 100, from: u}
  pdu: {kind: pdu, capacity_kw: 500, from: u}
cooling:
  cdu-1: {kind: cdu, capacity_kw: 300, power_kw: 6, power: [p1, p2], to: loop}
  cdu-2: {kind: cdu, capacity_kw: 100, power_kw: 2, power: p1, to: loop}
  crah: {kind: crah, capacity_kw: 100, power_kw: 5, power: external, to: loop}
  loop: {kind: loop, to: chiller}
  chiller: {kind: chiller, capacity_kw: 500, cop: 4, power: p2, to: tower}
  tower: {kind: cooling-tower, capacity_kw: 1000, power_kw: 15, power: p2}
racks:
  r1: {it_kw: 200, liquid_fraction: 0.8, power: pdu, cooling: [cdu-1, cdu-2, crah]}
"""


def test_liquid_heat_shares_over_cdus_in_proportion_to_capacity():
    p = run(COOLING)
    # 160 kW liquid over 300 : 100 -> 120 and 40; air 40 to the crah
    assert p.out("cdu-1") == pytest.approx(120.0)
    assert p.out("cdu-2") == pytest.approx(40.0)
    assert p.out("crah") == pytest.approx(40.0)


def test_heat_passes_on_with_pump_fan_and_compressor_draw():
    p = run(COOLING)
    # draws: cdu-1 6 x 120/300 = 2.4; cdu-2 2 x 40/100 = 0.8; crah 5 x 40/100 = 2.0
    assert (p.draw("cdu-1"), p.draw("cdu-2"), p.draw("crah")) == (
        pytest.approx(2.4), pytest.approx(0.8), pytest.approx(2.0))
    # loop receives 120 + 2.4 + 40 + 0.8 + 40 + 2.0 = 205.2; chiller without power_kw
    # draws Q / cop = 205.2 / 4 = 51.3 and passes 256.5 to the tower, which draws
    # 15 x 256.5 / 1000 = 3.8475
    assert p.out("loop") == pytest.approx(205.2)
    assert p.draw("chiller") == pytest.approx(51.3)
    assert p.out("tower") == pytest.approx(256.5)
    assert p.draw("tower") == pytest.approx(3.8475)


def test_cooling_draw_splits_equally_over_live_feeds_and_unfed_draw_counts_directly():
    p = run(COOLING)
    # p1: half of cdu-1 (1.2) + cdu-2 (0.8) = 2.0
    # p2: half of cdu-1 (1.2) + chiller 51.3 + tower 3.8475 = 56.3475
    assert p.out("p1") == pytest.approx(2.0)
    assert p.out("p2") == pytest.approx(56.3475)
    k = p.kpis()
    # the crah is fed from outside the chain (`power: external`): its 2.0 kW is added to
    # facility power directly, and is the external_kw KPI
    assert k["cooling_kw"] == pytest.approx(2.4 + 0.8 + 2.0 + 51.3 + 3.8475)
    assert k["facility_kw"] == pytest.approx(200 + 2.0 + 56.3475 + 2.0)
    assert k["external_kw"] == pytest.approx(2.0)
    p = run(COOLING, failed=["p1"])
    # cdu-2 lost its only feed: not effective, cdu-1 takes all 160 kW liquid,
    # draws 6 x 160/300 = 3.2, all on p2
    assert p.out("cdu-2") == 0.0
    assert p.out("cdu-1") == pytest.approx(160.0)
    assert p.draw("cdu-1") == pytest.approx(3.2)


def test_effectiveness_cascades_from_power_into_cooling():
    p = run(COOLING, failed=["p1", "p2"])
    # both CDUs lose every feed, and the chiller (fed by p2) is down, so the loop and
    # with it the crah (whose heat goes to the loop) are not effective either
    eff = dict(zip(p.net.cooling_ids, p.result.cooling_effective))
    assert eff == {"cdu-1": False, "cdu-2": False, "crah": False, "loop": False,
                   "chiller": False, "tower": False}
    assert p.result.rack_lost_media[0] == ("liquid", "air")
    assert p.up("r1")  # cooling loss does not cut the rack's power


def test_heat_to_several_targets_splits_by_capacity_or_equally_without_one():
    text = """\
    twin: 1
    power:
      u: {kind: utility, capacity_kw: 100}
    cooling:
      crah: {kind: crah, capacity_kw: 100, to: [d1, d2]}
      d1: {kind: dry-cooler, capacity_kw: 300}
      d2: {kind: dry-cooler, capacity_kw: 100}
      crah2: {kind: crah, capacity_kw: 100, to: [l1, d3]}
      l1: {kind: loop, to: d4}
      d3: {kind: dry-cooler, capacity_kw: 100}
      d4: {kind: dry-cooler, capacity_kw: 100}
    racks:
      r1: {it_kw: 40, power: u, cooling: [crah]}
      r2: {it_kw: 40, power: u, cooling: [crah2]}
    """
    p = run(text)
    assert (p.out("d1"), p.out("d2")) == (pytest.approx(30.0), pytest.approx(10.0))
    assert (p.out("l1"), p.out("d3")) == (pytest.approx(20.0), pytest.approx(20.0))


def test_capacity_from_kva_and_amps_uses_the_power_factor():
    text = """\
    twin: 1
    policy: {power_factor: 0.9}
    power:
      u: {kind: utility, capacity_kw: 1000}
      tx: {kind: transformer, rating_kva: 500, from: u}
      bw: {kind: busway, rating_a: 800, voltage_v: 415, from: tx}
      p1: {kind: panel, rating_a: 100, voltage_v: 230, phases: 1, from: tx}
      dc: {kind: busway, rating_a: 100, voltage_v: 800, phases: dc, from: tx}
    racks:
      r1: {it_kw: 1, power: [bw, p1, dc]}
    """
    p = run(text)
    caps = dict(zip(p.net.power_ids, p.net.power_capacity_kw))
    assert caps["tx"] == pytest.approx(450.0)  # 500 kVA x 0.9
    assert caps["bw"] == pytest.approx(3 ** 0.5 * 415 * 800 * 0.9 / 1000)  # 517.5 kW
    assert caps["p1"] == pytest.approx(230 * 100 * 0.9 / 1000)  # 20.7 kW
    assert caps["dc"] == pytest.approx(80.0)  # dc ignores the power factor


def test_failed_component_takes_its_subtree_down():
    p = run(CHAIN, failed=["tx"])
    assert p.result.power_live == [True, False, False, False]
    assert not p.up("r1")
    assert p.out("grid") == 0.0


def test_spec_worked_example_every_hand_figure_and_kpi():
    """SPEC section 11, normal operation, figure by figure."""
    from pathlib import Path
    text = (Path(__file__).resolve().parents[1] / "layouts" / "spec-worked-example.yaml").read_text()
    p = run(text)
    # each rack splits 100 kW equally over pdu-a and pdu-b: 100 kW each
    assert (p.out("pdu-a"), p.out("pdu-b")) == (pytest.approx(100.0), pytest.approx(100.0))
    # ups delivers 200 kW and draws 200 / 0.95 = 210.526 kW
    assert p.out("ups") == pytest.approx(200.0)
    assert p.inp("ups") == pytest.approx(210.526, abs=1e-3)
    # 160 kW of liquid heat shared 300 : 100 -> 120 and 40; 40 kW of air heat on crah
    assert (p.out("cdu-1"), p.out("cdu-2"), p.out("crah")) == (
        pytest.approx(120.0), pytest.approx(40.0), pytest.approx(40.0))
    # draws 6 x 120/300, 2 x 40/100, 5 x 40/100
    assert (p.draw("cdu-1"), p.draw("cdu-2"), p.draw("crah")) == (
        pytest.approx(2.4), pytest.approx(0.8), pytest.approx(2.0))
    # fw receives 120 + 2.4 + 40 + 0.8 + 40 + 2.0 = 205.2 and passes it to dry
    assert p.out("fw") == pytest.approx(205.2)
    assert p.out("dry") == pytest.approx(205.2)
    assert p.draw("dry") == pytest.approx(10 * 205.2 / 500)  # 4.104
    assert p.out("mech") == pytest.approx(2.4 + 0.8 + 2.0 + 4.104)  # 9.304
    # ats delivers 210.526 + 9.304 = 219.830, all from tx; tx draws 219.830 / 0.98
    assert p.out("ats") == pytest.approx(219.830, abs=1e-3)
    assert p.out("tx") == pytest.approx(219.830, abs=1e-3)
    assert p.inp("tx") == pytest.approx(224.317, abs=1e-3)
    assert p.out("grid") == pytest.approx(224.317, abs=1e-3)
    assert p.out("gen") == 0.0
    k = p.kpis()
    assert k["it_kw"] == pytest.approx(200.0)
    assert k["facility_kw"] == pytest.approx(224.317, abs=1e-3)
    assert k["pue"] == pytest.approx(1.1216, abs=1e-4)
    assert k["cooling_kw"] == pytest.approx(9.304)
    # 10.526 in the ups + 4.487 in the transformer
    assert k["losses_kw"] == pytest.approx(15.013, abs=1e-3)
    assert k["tokens_per_s"] == pytest.approx(100_000)
    assert k["tokens_per_s_per_mw"] == pytest.approx(445_798, abs=1)
    # 0.224317 MW x 100 USD/MWh / 3600 s/h per 0.1 Mtok/s
    assert k["energy_usd_per_mtok"] == pytest.approx(0.0623, abs=1e-4)
