"""The utility-outage model of R008 (twin.physics.outage), rule by rule, by hand."""
from __future__ import annotations

import math
import textwrap

import twin
from twin.physics.flow import compile_network
from twin.physics.outage import outage, overheating, power_back, power_live, storage_needs

INF = math.inf


def net_of(text: str):
    loaded = twin.load_bytes(textwrap.dedent(text), "outage.yaml")
    assert loaded.ok, loaded.findings
    return compile_network(loaded.layout)


POWER = """\
    twin: 1
    power:
      grid: {kind: utility, capacity_kw: 1000}
      g1: {kind: generator, capacity_kw: 500}
      g2: {kind: generator, capacity_kw: 500, start_s: 25}
      bus: {kind: switchgear, mode: share, capacity_kw: 1000, from: [g1, g2]}
      first: {kind: switchgear, capacity_kw: 1000, from: [g1, g2]}
      ats: {kind: switchgear, capacity_kw: 1000, from: [grid, bus]}
      ups: {kind: ups, capacity_kw: 500, from: ats}
      ups-grid: {kind: ups, capacity_kw: 500, from: grid}
      pdu: {kind: pdu, capacity_kw: 500, from: ups}
      mixed: {kind: panel, mode: share, capacity_kw: 500, from: [ups, ats]}
      grid-only: {kind: panel, capacity_kw: 500, from: grid}
"""


def test_power_back_rule_by_rule():
    net = net_of(POWER)
    back = dict(zip(net.power_ids, power_back(net)))
    assert back["grid"] == INF  # lost at 0, not back within the outage
    assert back["g1"] == 10.0  # NFPA 110 Type 10 default
    assert back["g2"] == 25.0  # its own start_s
    assert back["bus"] == 25.0  # share: the latest set that returns
    assert back["first"] == 10.0  # transfer: the earliest source
    assert back["ats"] == 25.0  # transfer from the grid (never) to the bus (25 s)
    assert back["ups"] == 0.0 and back["ups-grid"] == 0.0  # live throughout on battery
    assert back["pdu"] == 0.0
    assert back["mixed"] == 25.0  # share over a UPS (0) and the ATS (25 s)
    assert back["grid-only"] == INF


# Two 100 kW liquid racks on the UPS and one 50 kW rack on the ATS only; the CDU on the
# UPS draws 4 kW at full capacity (200 kW): 4 x 200 / 200 = 4 kW at the window heat.
# cdu -> loop-a (storage 20 kWh) -> loop-b (storage 10 kWh) -> ch (restart 100 s).
PLANT = """\
    twin: 1
    power:
      grid: {kind: utility, capacity_kw: 1000}
      gen: {kind: generator, capacity_kw: 1000, start_s: 20}
      ats: {kind: switchgear, capacity_kw: 1000, from: [grid, gen]}
      ups: {kind: ups, capacity_kw: 500, from: ats}
    cooling:
      cdu: {kind: cdu, capacity_kw: 200, power_kw: 4, power: ups, to: loop-a}
      crah: {kind: crah, capacity_kw: 100, power: ats, to: external}
      loop-a: {kind: loop, storage_kwh: 20, to: loop-b}
      loop-b: {kind: loop, storage_kwh: 10, to: ch}
      ch: {kind: chiller, capacity_kw: 400, cop: 4, power: ats, restart_s: 100}
      ch-ups: {kind: chiller, capacity_kw: 400, cop: 4, power: ups, restart_s: 100}
    racks:
      r1: {it_kw: 100, liquid_fraction: 1, power: ups, cooling: cdu}
      r2: {it_kw: 100, liquid_fraction: 1, power: ups, cooling: cdu, ride_through_s: 5}
      r3: {it_kw: 50, liquid_fraction: 0.5, power: ats, cooling: [cdu, crah]}
"""


def test_window_heat_counts_only_the_racks_that_stay_up():
    net = net_of(PLANT)
    o = outage(net)
    assert o.utilities == ("grid",)
    assert o.rack_up == (True, True, False)  # r3 goes down with the grid
    heat = dict(zip(net.cooling_ids, o.cooling_heat_kw))
    # 200 kW of liquid heat on the CDU (r3's 25 kW is gone) + its 4 kW draw passed on
    assert heat["cdu"] == 200.0 and heat["crah"] == 0.0
    assert heat["loop-a"] == 204.0 and heat["loop-b"] == 204.0 and heat["ch"] == 204.0


def test_cooling_back_with_restart_and_storage_in_series():
    net = net_of(PLANT)
    o = outage(net)
    j = {ident: n for n, ident in enumerate(net.cooling_ids)}
    assert o.cooling_power_s[j["cdu"]] == 0.0 and o.cooling_power_s[j["ch"]] == 20.0
    assert o.cooling_restart_s[j["ch"]] == 100.0
    assert o.cooling_restart_s[j["ch-ups"]] == 0.0  # on UPS it never stops
    assert o.cooling_back_s[j["ch"]] == 120.0
    # storage bridges 3600 x kWh / 204 kW: loop-b 176.5 s, loop-a 352.9 s
    assert math.isclose(o.storage_s[j["loop-b"]], 3600 * 10 / 204)
    assert math.isclose(o.storage_s[j["loop-a"]], 3600 * 20 / 204)
    assert o.cooling_back_s[j["loop-b"]] == 0.0  # max(0, 120 - 176.5)
    assert o.cooling_back_s[j["loop-a"]] == 0.0
    assert o.cooling_back_s[j["cdu"]] == 0.0
    assert overheating(net, o) == []


def test_the_second_loop_takes_over_what_the_first_cannot_bridge():
    net = net_of(PLANT.replace("storage_kwh: 10", "storage_kwh: 2").replace(
        "storage_kwh: 20", "storage_kwh: 4"))
    o = outage(net)
    j = {ident: n for n, ident in enumerate(net.cooling_ids)}
    # loop-b bridges 3600 x 2 / 204 = 35.29 s of the chiller's 120 s, loop-a 70.59 s more
    assert math.isclose(o.cooling_back_s[j["loop-b"]], 120 - 3600 * 2 / 204)
    assert math.isclose(o.cooling_back_s[j["loop-a"]], 120 - 3600 * 6 / 204)
    assert math.isclose(o.cooling_back_s[j["cdu"]], 14.117647058823536)
    causes = overheating(net, o)
    # r1 (0 s) and r2 (5 s) both overheat; the cause is the chiller, reached through
    # loop-b, whose storage had to bridge to the 0 s + 70.59 s loop-a gives
    assert [(net.cooling_ids[c.j], net.rack_ids[c.rack], c.medium) for c in causes] == [
        ("ch", "r1", "liquid"), ("ch", "r2", "liquid")]
    assert net.cooling_ids[causes[0].via] == "loop-b"
    assert math.isclose(causes[0].via_limit_s, 3600 * 4 / 204)
    assert math.isclose(causes[1].via_limit_s, 5 + 3600 * 4 / 204)
    # a ride-through of 15 s covers what is left (14.1 s); r2 keeps its 5 s
    covered = net_of(PLANT.replace("storage_kwh: 10", "storage_kwh: 2").replace(
        "storage_kwh: 20", "storage_kwh: 4").replace("cooling: cdu}", "cooling: cdu, "
                                                     "ride_through_s: 15}"))
    left = overheating(covered, outage(covered))
    assert [covered.rack_ids[c.rack] for c in left] == ["r2"]
    # the limit at the chiller: r2's 5 s + the 70.6 s and 35.3 s the loops bridge
    assert math.isclose(left[0].limit_s, 5 + 3600 * 6 / 204)


def test_a_unit_behind_no_ups_is_its_own_cause():
    net = net_of(PLANT.replace("power_kw: 4, power: ups", "power_kw: 4, power: ats"))
    o = outage(net)
    causes = overheating(net, o)
    # the CDU is back at 20 s: longer than r1's 0 s and r2's 5 s
    assert [(net.cooling_ids[c.j], net.rack_ids[c.rack], c.limit_s) for c in causes] == [
        ("cdu", "r1", 0.0), ("cdu", "r2", 5.0)]
    assert all(c.via is None for c in causes)
    # 20 s of ride-through is enough (the plant is bridged by storage)
    ok = net_of(PLANT.replace("power_kw: 4, power: ups", "power_kw: 4, power: ats")
                .replace("cooling: cdu}", "cooling: cdu, ride_through_s: 20}")
                .replace("ride_through_s: 5}", "ride_through_s: 20}"))
    assert overheating(ok, outage(ok)) == []


EXTERNAL = """\
    twin: 1
    power:
      grid: {kind: utility, capacity_kw: 1000}
      ups: {kind: ups, capacity_kw: 500, from: grid}
    cooling:
      cdu: {kind: cdu, capacity_kw: 200, power_kw: 4, power: external, to: external}
      rdhx: {kind: rdhx, capacity_kw: 50, to: external}
      crac: {kind: crac, capacity_kw: 50, power_kw: 5, power: external}
    racks:
      r1: {it_kw: 100, liquid_fraction: 0.8, power: ups, cooling: [cdu, rdhx]}
"""


def test_external_power_and_external_heat_stop_with_the_utility():
    # without generators what is outside the layout is not known to return: never
    net = net_of(EXTERNAL)
    o = outage(net)
    assert o.outside_back_s == INF
    assert o.cooling_power_s == (INF, 0.0, INF)  # the rdhx draws nothing: no power to lose
    assert o.cooling_back_s == (INF, INF, INF)  # its heat goes outside, lost too
    assert {net.cooling_ids[c.j] for c in overheating(net, o)} == {"cdu", "rdhx"}


def test_external_returns_when_the_latest_generator_carries_load():
    net = net_of(EXTERNAL.replace(
        "      ups:", "      g1: {kind: generator, capacity_kw: 500, start_s: 15}\n"
        "      g2: {kind: generator, capacity_kw: 500}\n"
        "      ats: {kind: switchgear, capacity_kw: 1000, from: [grid, g1, g2]}\n"
        "      ups:").replace("from: grid}\ncooling", "from: ats}\ncooling"))
    o = outage(net)
    assert o.outside_back_s == 15.0  # the latest start_s (g2 takes the default 10 s)
    # the crac, a DX unit on external power, restarts its compressors: 15 + 480 s
    assert o.cooling_power_s == (15.0, 0.0, 15.0)
    assert o.cooling_restart_s == (0.0, 0.0, 480.0)
    assert o.cooling_back_s == (15.0, 15.0, 495.0)
    ok = net_of(EXTERNAL.replace("power: ups, cooling", "power: ups, ride_through_s: 15, "
                                 "cooling").replace(
        "      ups:", "      g1: {kind: generator, capacity_kw: 500, start_s: 15}\n"
        "      ats: {kind: switchgear, capacity_kw: 1000, from: [grid, g1]}\n"
        "      ups:").replace("from: grid}\ncooling", "from: ats}\ncooling"))
    assert overheating(ok, outage(ok)) == []


def test_storage_bridges_the_plant_outside():
    net = net_of(EXTERNAL.replace("power: external, to: external}", "power: ups, to: fws}\n"
                                  "      fws: {kind: loop, storage_kwh: 1, to: external}")
                 .replace("      ups:", "      g: {kind: generator, capacity_kw: 500, "
                          "start_s: 40}\n      ats: {kind: switchgear, capacity_kw: 1000, "
                          "from: [grid, g]}\n      ups:")
                 .replace("from: grid}\ncooling", "from: ats}\ncooling"))
    o = outage(net)
    j = net.cooling_ids.index("fws")
    # 80 kW liquid + 4 x 80 / 200 = 1.6 kW of pump: 1 kWh bridges 3600 / 81.6 = 44.1 s of
    # the 40 s until the generator runs the plant outside
    assert math.isclose(o.cooling_heat_kw[j], 81.6)
    assert o.cooling_back_s[j] == 0.0 and o.cooling_back_s[net.cooling_ids.index("cdu")] == 0.0


def test_storage_needs_counts_from_the_strictest_rack_at_the_loop():
    net = net_of(PLANT.replace("storage_kwh: 10", "storage_kwh: 2").replace(
        "storage_kwh: 20", "storage_kwh: 4"))
    o = outage(net)
    (loop, need, gap), = storage_needs(net, o, overheating(net, o))
    assert net.cooling_ids[loop] == "loop-b"
    # r1 rides 0 s and loop-a bridges 70.6 s: loop-b must bridge to the chiller's 120 s
    assert math.isclose(gap, 120 - 3600 * 4 / 204)
    assert math.isclose(need, 204 * gap / 3600)  # 2.8 kWh: 0.8 kWh more than its 2


def test_a_ups_holds_for_its_runtime_at_its_load():
    net = net_of(POWER.replace("ups: {kind: ups, capacity_kw: 500, from: ats}",
                               "ups: {kind: ups, capacity_kw: 500, battery_min: 0.1, from: ats}")
                 .replace("ups-grid: {kind: ups, capacity_kw: 500,",
                          "ups-grid: {kind: ups, capacity_kw: 500, battery_min: 1,"))
    load = [0.0] * len(net.power_ids)
    live = dict(zip(net.power_ids, zip(*power_live(net, load))))
    assert live["ups"] == (INF, 0.0)  # no load: its battery lasts
    i, k = net.power_ids.index("ups"), net.power_ids.index("ups-grid")
    load[i] = load[k] = 250.0
    until, back = power_live(net, load)
    # 0.1 min x 500 / 250 = 12 s: short of the 25 s until the bus runs
    assert (until[i], back[i]) == (12.0, 25.0)
    assert (until[net.power_ids.index("pdu")], back[net.power_ids.index("pdu")]) == (12.0, 25.0)
    # the grid never returns: 1 min x 500 / 250 = 120 s, then dark
    assert (until[k], back[k]) == (120.0, INF)
    # 0.2 min: 24 s, still short; 0.25 min: 30 s, holds
    for minutes, held in ((0.2, False), (0.25, True)):
        n2 = net_of(POWER.replace("ups: {kind: ups, capacity_kw: 500, from: ats}",
                                  f"ups: {{kind: ups, capacity_kw: 500, battery_min: {minutes}, "
                                  "from: ats}"))
        u, b = power_live(n2, load)
        assert (b[i] == 0.0) is held
