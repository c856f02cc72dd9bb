"""R007: concurrent maintainability, any one component out of service with the rest live."""
from __future__ import annotations

import random
import textwrap
from pathlib import Path

import pytest
import reference_evaluator as ref
import yaml
from randomlayouts import random_layout

import twin
from twin.checks import runner
from twin.checks.groups import check_maintenance

ROOT = Path(__file__).resolve().parents[2]


def rows(report) -> list[tuple]:
    """(code, line, column, component, scenario, racks) of every finding, sorted."""
    return sorted((f.code, f.line, f.column, f.component, f.scenario, f.racks)
                  for f in report.findings)


# Two CDUs of 200 kW for 200 kW of liquid heat (N+1), both sending their heat to one
# header that is passive piping (`failable: false`): the contingency sweep never fails
# it, but it is maintained like anything else.
ONE_HEADER = textwrap.dedent("""\
    twin: 1
    policy: {maintenance: true}
    power:
      util-a: {kind: utility, capacity_kw: 1000}
      util-b: {kind: utility, capacity_kw: 1000}
    cooling:
      cdu-1: {kind: cdu, capacity_kw: 200, to: hdr}
      cdu-2: {kind: cdu, capacity_kw: 200, to: hdr}
      hdr: {kind: loop, failable: false, to: external}
    racks:
      r1: {it_kw: 100, liquid_fraction: 1.0, power: [util-a, util-b], cooling: [cdu-1, cdu-2]}
      r2: {it_kw: 100, liquid_fraction: 1.0, power: [util-a, util-b], cooling: [cdu-1, cdu-2]}
    """)

# The same header written as two loops, each CDU on its own.
TWO_LOOPS = (ONE_HEADER
             .replace("cdu-1: {kind: cdu, capacity_kw: 200, to: hdr}",
                      "cdu-1: {kind: cdu, capacity_kw: 200, to: hdr-a}")
             .replace("cdu-2: {kind: cdu, capacity_kw: 200, to: hdr}",
                      "cdu-2: {kind: cdu, capacity_kw: 200, to: hdr-b}")
             .replace("hdr: {kind: loop, failable: false, to: external}",
                      "hdr-a: {kind: loop, failable: false, to: external}\n"
                      "  hdr-b: {kind: loop, failable: false, to: external}"))

# A UPS pair where one UPS alone cannot carry both racks: 160 kW on a 100 kW UPS.
# Tier III style: no failure tolerance asked (contingency 0), maintenance asked.
UPS_PAIR = textwrap.dedent("""\
    twin: 1
    policy: {contingency: 0, maintenance: true}
    power:
      util-a: {kind: utility, capacity_kw: 1000}
      util-b: {kind: utility, capacity_kw: 1000}
      ups-a: {kind: ups, capacity_kw: 100, from: [util-a, util-b]}
      ups-b: {kind: ups, capacity_kw: 100, from: [util-b, util-a]}
    cooling:
      crah-1: {kind: crah, capacity_kw: 200, to: external}
      crah-2: {kind: crah, capacity_kw: 200, to: external}
    racks:
      r1: {it_kw: 80, power: [ups-a, ups-b], cooling: [crah-1, crah-2]}
      r2: {it_kw: 80, power: [ups-a, ups-b], cooling: [crah-1, crah-2]}
    """)


def test_a_single_header_is_r007_at_its_line_naming_the_racks(report):
    r = report(ONE_HEADER)
    assert rows(r) == [("R007", 9, 3, "hdr", ("hdr",), ("r1", "r2"))]
    (f,) = r.findings
    assert f.severity == "error" and f.name == "maintenance-breaks"
    assert f.message.startswith("loop hdr cannot be maintained with the rest live: with it "
                                "out of service, 2 rack(s) lose power or cooling: r1, r2; ")
    assert "a redundant header written as two loops" in f.message


def test_the_header_written_as_two_loops_is_clean(report):
    r = report(TWO_LOOPS)
    assert rows(r) == [] and r.ok


def test_two_loops_each_unit_listing_both_is_clean(report):
    both = TWO_LOOPS.replace("to: hdr-a}", "to: [hdr-a, hdr-b]}").replace(
        "to: hdr-b}", "to: [hdr-a, hdr-b]}")
    assert rows(report(both)) == []


def test_a_ups_that_cannot_carry_its_twin_is_r007_naming_the_overloaded_one(report):
    r = report(UPS_PAIR)
    assert rows(r) == [("R007", 6, 3, "ups-a", ("ups-a",), ()),
                       ("R007", 7, 3, "ups-b", ("ups-b",), ())]
    by = {f.component: f.message for f in r.findings}
    assert ("ups ups-b reaches 160.0% of its 100.0 kW capacity (failover limit 100%)"
            in by["ups-a"])
    assert "ups ups-a reaches 160.0%" in by["ups-b"]
    assert by["ups-a"].endswith("give the rest the capacity to carry its load, or add a "
                                "redundant unit")


def test_what_the_sweep_reports_for_a_single_is_not_repeated(report):
    # Under N-1 the same pair is R002 at each UPS (its worst single); R007 adds nothing.
    r = report(UPS_PAIR.replace("contingency: 0, ", ""))
    assert [f.code for f in r.findings] == ["R002", "R002"]


def test_a_rack_with_contingency_0_is_exempt(report):
    r = report(ONE_HEADER.replace("r2: {it_kw: 100,", "r2: {contingency: 0, it_kw: 100,"))
    assert rows(r) == [("R007", 9, 3, "hdr", ("hdr",), ("r1",))]


def test_racks_inheriting_contingency_0_from_the_policy_are_not_exempt(report):
    # Tier III: concurrently maintainable without fault tolerance. The failable CDUs are
    # not swept at N, so their maintenance is judged here too (and holds).
    r = report(ONE_HEADER.replace("{maintenance: true}", "{contingency: 0, maintenance: true}"))
    assert rows(r) == [("R007", 9, 3, "hdr", ("hdr",), ("r1", "r2"))]


def test_failable_components_are_judged_at_n(report):
    one_cdu = ONE_HEADER.replace("{maintenance: true}", "{contingency: 0, maintenance: true}")
    one_cdu = one_cdu.replace("cooling: [cdu-1, cdu-2]}", "cooling: [cdu-1]}")
    one_cdu = one_cdu.replace("  cdu-2: {kind: cdu, capacity_kw: 200, to: hdr}\n", "")
    assert [(f.code, f.component, f.racks) for f in report(one_cdu).findings] == [
        ("R007", "cdu-1", ("r1", "r2")), ("R007", "hdr", ("r1", "r2"))]


def test_a_busbar_that_is_not_failable_is_maintained(report):
    busbar = UPS_PAIR.replace("contingency: 0, ", "").replace(
        "ups-b: {kind: ups, capacity_kw: 100, from: [util-b, util-a]}",
        "ups-b: {kind: ups, capacity_kw: 100, from: [util-b, util-a]}\n"
        "  bus: {kind: busway, capacity_kw: 400, from: [ups-a, ups-b], mode: share, "
        "failable: false}").replace("power: [ups-a, ups-b]", "power: [bus]").replace(
        "capacity_kw: 100", "capacity_kw: 200")
    r = report(busbar)
    assert rows(r) == [("R007", 8, 3, "bus", ("bus",), ("r1", "r2"))]
    assert "a second feed or busway from another source" in r.findings[0].message


@pytest.mark.parametrize("policy, runs", [
    ("{}", False), ("{maintenance: false}", False), ("{tier: 2}", False),
    ("{tier: 3}", True), ("{tier: 4}", True), ("{maintenance: true}", True)])
def test_r007_runs_only_with_maintenance_or_tier_3(report, policy, runs):
    r = report(ONE_HEADER.replace("{maintenance: true}", policy))
    # a tier adds its own R009 findings (tests/checks/test_tier.py)
    assert [f.code for f in r.findings if f.code != "R009"] == (["R007"] if runs else [])


def test_without_maintenance_the_findings_are_those_of_the_registry_before(
        report, monkeypatch):
    text = UPS_PAIR.replace("contingency: 0, maintenance: true", "contingency: 1")
    found = [f.as_dict() for f in report(text).findings]
    before = {code: c for code, c in runner.registry().items() if code != "R007"}
    monkeypatch.setattr(runner, "registry", lambda: before)
    assert [f.as_dict() for f in report(text).findings] == found
    assert found  # the layout does fail (R002): the comparison means something


SHIPPED = sorted([*ROOT.glob("layouts/*.yaml"), *ROOT.glob("tests/layouts/**/*.yaml")])


#: Shipped layouts that ask for maintenance (``policy.tier: 3``) and meet it.
ASK = {"se-rd111-gb300.yaml"}


@pytest.mark.parametrize("path", [p for p in SHIPPED if p.name != "campus-1gw.yaml"],
                         ids=lambda p: p.name)
def test_shipped_layouts_get_no_r007_whether_they_ask_for_maintenance_or_not(path):
    loaded = twin.load(str(path))
    if loaded.layout is not None:
        assert loaded.layout.policy.checks_maintenance == (path.name in ASK)
    report = twin.validate(loaded)
    assert not [f for f in report.findings if f.code == "R007"]
    if report.snapshot is not None:
        assert list(check_maintenance(report.snapshot)) == []


# --- the incremental path against a full evaluation per set, and against the reference ---

def stated_layout(seed: int) -> str:
    """A random layout (tests/randomlayouts.py) with groups, events, zones and maintenance."""
    rng = random.Random(f"stated-{seed}")
    doc = yaml.safe_load(random_layout(seed))
    doc["policy"]["contingency"] = rng.choice([0, 1])
    doc["policy"].update(rng.choice([{"maintenance": True}, {"maintenance": True},
                                     {"tier": 3}, {"tier": 2}, {}]))
    comps = [*doc["power"], *doc["cooling"]]
    for section in ("power", "cooling", "racks"):
        for entry in doc[section].values():
            if rng.random() < 0.3:
                entry["zone"] = rng.choice(["z1", "z2"])
    groups = {}
    for n in range(rng.randint(0, 3)):
        members = rng.sample(comps, k=min(len(comps), rng.randint(2, 4)))
        if rng.random() < 0.3 and len(members) >= 2:
            cut = rng.randint(1, len(members) - 1)
            groups[f"g{n}"] = {"members": [members[:cut], members[cut:]], "redundancy": "2N"}
        else:
            k = rng.randint(1, min(2, len(members) - 1))
            groups[f"g{n}"] = {"members": members, "redundancy": f"N+{k}"}
    events = {}
    zones = sorted({e["zone"] for s in ("power", "cooling", "racks")
                    for e in doc[s].values() if "zone" in e})
    for n in range(rng.randint(0, 3)):
        if zones and rng.random() < 0.4:
            events[f"e{n}"] = {"zone": rng.choice(zones)}
        else:
            events[f"e{n}"] = {"fails": rng.sample(comps, k=min(len(comps), rng.randint(1, 3)))}
    if groups:
        doc["groups"] = groups
    if events:
        doc["events"] = events
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, width=200)


STATED = ("R005", "R006", "R007")


def _stated_rows(report) -> list[tuple]:
    return [(f.code, f.component, f.scenario, f.racks, f.message, f.line)
            for f in report.findings if f.code in STATED]


@pytest.mark.parametrize("seed", range(150))
def test_incremental_sets_give_what_a_full_evaluation_and_the_reference_give(seed):
    text = stated_layout(seed)
    loaded = twin.load_bytes(text, f"stated-{seed}.yaml")
    assert not loaded.findings, loaded.findings
    fast = twin.validate(loaded, engine="incremental")
    slow = twin.validate(loaded, engine="reference")
    assert _stated_rows(fast) == _stated_rows(slow)
    # R009 (policy.tier) is the tier's, which the reference evaluator does not model;
    # tests/checks/test_tier.py checks it on both engines
    found = sorted((f.code, f.component, tuple(f.scenario), tuple(f.racks))
                   for f in fast.findings if f.code != "R009")
    assert found == ref.findings(text)


def test_the_stated_layouts_exercise_every_stated_code():
    # the comparison above means something only if the sets really break things
    codes = set()
    for seed in range(150):
        codes |= {f[0] for f in ref.findings(stated_layout(seed))}
    assert set(STATED) <= codes


def test_r007_names_a_fix_that_fits_the_kind():
    # every component a single point of maintenance
    text = """\
twin: 1
policy: {contingency: 0, maintenance: true}
power:
  grid: {kind: utility, capacity_kw: 1000}
  ups: {kind: ups, capacity_kw: 500, from: grid}
  pdu-a: {kind: pdu, capacity_kw: 400, from: ups}
  pdu-b: {kind: pdu, capacity_kw: 400, from: ups}
cooling:
  cdu: {kind: cdu, capacity_kw: 300, power: [pdu-a, pdu-b], to: fw}
  fw: {kind: loop, to: [dc]}
  dc: {kind: dry-cooler, capacity_kw: 400, power: [pdu-a, pdu-b]}
racks:
  r1: {it_kw: 100, liquid_fraction: 1.0, power: [pdu-a, pdu-b], cooling: [cdu]}
"""
    fixes = {f.component: f.message.split("; ")[-1]
             for f in twin.validate(twin.load_bytes(text, "fixes.yaml")).findings
             if f.code == "R007"}
    assert set(fixes) == {"grid", "ups", "cdu", "fw", "dc"}
    assert fixes["ups"].startswith("give a second path around it: a second feed or busway")
    assert fixes["cdu"].startswith("add a redundant unit: a second unit in the `cooling:` of its")
    assert fixes["fw"].startswith("give a second path around it: a redundant header written as "
                                  "two loops")
    assert fixes["dc"].startswith("add a redundant unit: a second one in the `to:` of what "
                                  "sends heat to it")
