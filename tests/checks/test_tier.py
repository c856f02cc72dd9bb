"""Tiers (docs/format.md, "Tiers"): `twin tier`, R009, and the tier in diff and report.

Each layout of tests/layouts/tiers/ sits exactly at its tier; one changed line drops it
one tier, with the rule that breaks named. Tier III calls R007 (maintenance) and Tier IV
R008 (continuous cooling) through the registry; a registry without them makes the rule
"not evaluated" (tested with a registry that lacks them).
"""
from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import twin
from twin.checks import groups, registry, runner
from twin.checks import tier as tier_module
from twin.checks.groups import Judge
from twin.checks.tier import assess
from twin.physics.incremental import Incremental

ROOT = Path(__file__).resolve().parents[2]
TIERS = ROOT / "tests" / "layouts" / "tiers"


def layout(name: str, old: str | None = None, new: str | None = None):
    """tests/layouts/tiers/NAME.yaml, with the one line holding ``old`` replaced by ``new``."""
    path = TIERS / f"{name}.yaml"
    text = path.read_text()
    if old is not None:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    loaded = runner.load_bytes(text, str(path.relative_to(ROOT)))
    assert loaded.ok, loaded.findings
    return loaded


def edited(name: str, *pairs: tuple[str, str]):
    """tests/layouts/tiers/NAME.yaml with each (old, new) of ``pairs`` replaced once."""
    path = TIERS / f"{name}.yaml"
    text = path.read_text()
    for old, new in pairs:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    loaded = runner.load_bytes(text, str(path.relative_to(ROOT)))
    assert loaded.ok, loaded.findings
    return loaded


def rules(report) -> set[tuple[int, str, str | None]]:
    """(tier, rule, component) of the next tier's unmet rules."""
    return {(u.tier, u.rule, u.component) for u in report.unmet}


@pytest.fixture
def without_r007_r008(monkeypatch):
    """The tier's registry without R007 and R008, as in a twin that has neither."""
    reg = {k: v for k, v in registry().items() if k not in ("R007", "R008")}
    monkeypatch.setattr(tier_module, "registry", lambda: reg)


# -- Tier I ------------------------------------------------------------------------------

def test_tier1_layout_is_tier_1_and_names_what_tier_2_lacks():
    r = twin.tier(layout("tier1"))
    assert r.tier == 1
    assert r.as_dict()["tia_942"] == "Rated-1"
    assert r.as_dict()["en_50600"] == "Availability Class 1"
    assert rules(r) == {(2, "redundant-capacity", "gen"), (2, "redundant-capacity", "ups"),
                        (2, "redundant-capacity", "crac-1")}
    gen = next(u for u in r.unmet if u.component == "gen")
    assert gen.message == ("when gen fails with every utility lost: 2 rack(s) lose power or "
                           "cooling: r1, r2")
    assert (gen.file, gen.line, gen.column) == ("tests/layouts/tiers/tier1.yaml", 8, 3)


def test_a_battery_short_of_min_battery_min_is_below_tier_1():
    loaded = edited("tier4", ("ups-a: {kind: ups, capacity_kw: 300, battery_min: 10,",
                              "ups-a: {kind: ups, capacity_kw: 300, battery_min: 0.2,"))
    assert "P003" in {f.code for f in twin.validate(loaded).findings}
    r = twin.tier(loaded)
    assert r.tier == 0
    assert rules(r) == {(1, "normal-operation", "ups-a")}
    assert r.unmet[0].message.startswith("P003: ups ups-a runs ")


def test_heat_rejection_short_at_the_design_ambient_is_below_tier_1():
    loaded = edited("tier4-liquid", ("policy: {contingency: 0}\n",
                                     "policy: {contingency: 0}\nsite: {design_ambient_c: 42}\n"))
    assert "C005" in {f.code for f in twin.validate(loaded).findings}
    r = twin.tier(loaded)
    assert r.tier == 0
    assert rules(r) == {(1, "normal-operation", "dc-a"), (1, "normal-operation", "dc-b")}
    assert all(u.message.startswith("C005: dry-cooler dc-") for u in r.unmet)


def test_every_error_of_normal_operation_caps_tier_1():
    # every P and C check of severity error is one Tier I asks to be clean
    errors = {c for c, k in registry().items() if c[0] in "PC" and k.severity == "error"}
    assert set(tier_module.NORMAL_CODES) == errors


def test_tier1_without_the_ups_on_the_rack_path_is_below_tier_1():
    r = twin.tier(layout("tier1", "from: ups}", "from: ats}"))
    assert r.tier == 0
    assert r.as_dict()["name"] == "below Tier I" and r.as_dict()["tia_942"] is None
    assert rules(r) == {(1, "ups", "r1"), (1, "ups", "r2")}
    assert r.unmet[0].message.startswith("rack r1 has 0 of its 1 power feed(s) behind a UPS")


def test_a_rack_with_a_path_around_the_ups_is_below_tier_1():
    # a bypass: the pdu takes the ats when the ups is out, so a path skips the UPS
    r = twin.tier(layout("tier1", "from: ups}", "from: [ups, ats]}"))
    assert r.tier == 0
    assert rules(r) == {(1, "ups", "r1"), (1, "ups", "r2")}


def test_tier1_with_a_generator_too_small_for_the_site_is_below_tier_1():
    r = twin.tier(layout("tier1", "capacity_kw: 300, fuel_h: 24", "capacity_kw: 100, fuel_h: 24"))
    assert r.tier == 0
    assert rules(r) == {(1, "engine-generator", "util")}
    assert "with every utility lost (util), on engine generation alone: generator gen " \
        "reaches" in r.unmet[0].message


def test_tier1_without_a_generator_is_below_tier_1():
    r = twin.tier(layout("tier1", "from: [util, gen]}", "from: [util]}"))
    assert r.tier == 0
    assert (1, "engine-generator", "util") in rules(r)


def test_tier1_over_a_normal_operation_limit_is_below_tier_1():
    r = twin.tier(layout("tier1", "r2: {it_kw: 50,", "r2: {it_kw: 150,"))
    assert r.tier == 0
    found = {(u.rule, u.component) for u in r.unmet}
    assert ("normal-operation", "pdu") in found  # P001: 200 kW on a 200 kW pdu, limit 80 %
    assert any(u.message.startswith("P001: pdu pdu carries") for u in r.unmet)


# -- Tier II -----------------------------------------------------------------------------

def test_tier2_layout_is_tier_2_and_tier_3_asks_for_dual_cords():
    r = twin.tier(layout("tier2"))
    assert r.tier == 2
    assert {(2, "Rated-2")} == {(r.tier, r.as_dict()["tia_942"])}
    assert {(3, "dual-corded", "r1"), (3, "dual-corded", "r2")} <= rules(r)


def test_tier2_with_one_generator_on_the_bus_drops_to_tier_1():
    r = twin.tier(layout("tier2", "from: [gen-1, gen-2]}", "from: [gen-1]}"))
    assert r.tier == 1
    assert rules(r) == {(2, "redundant-capacity", "gen-1")}
    assert r.unmet[0].message == ("when gen-1 fails with every utility lost: 2 rack(s) lose "
                                  "power or cooling: r1, r2")


def test_a_capacity_component_failed_alone_is_judged_as_well(tmp_path):
    # ups-2 too small to carry the racks alone: ups-1 failed with the utility up breaks it
    r = twin.tier(layout("tier2", "ups-2: {kind: ups, capacity_kw: 200,",
                         "ups-2: {kind: ups, capacity_kw: 60,"))
    assert r.tier == 1
    assert ("redundant-capacity", "ups-1") in {(u.rule, u.component) for u in r.unmet}
    ups1 = next(u for u in r.unmet if u.component == "ups-1")
    assert ups1.message.startswith("when ups-1 fails: ups ups-2 reaches")


# -- Tier III ----------------------------------------------------------------------------

ONE_GENBUS = ("from: [util, genbus-b]}", "from: [util, genbus-a]}")


def test_tier3_layout_is_tier_3():
    r = twin.tier(layout("tier3"))
    assert r.tier == 3
    assert {rule for _, rule, _ in rules(r)} == {"compartmentalisation", "continuous-cooling"}


def test_tier3_is_maintained_with_the_utility_lost_too():
    # one generator bus for both paths: with the utility up it can be maintained (each
    # ATS keeps the utility), but on the generators it is the single path of the site
    r = twin.tier(layout("tier3", *ONE_GENBUS))
    assert r.tier == 2
    assert rules(r) == {(3, "concurrent-maintenance", "genbus-a")}
    assert r.unmet[0].message.startswith(
        "R007: switchgear genbus-a cannot be maintained with every utility lost (on its "
        "generators): with it out of service, 2 rack(s) lose power or cooling: r1, r2;")


# tier2 with a second pdu on the same UPSs, dual-corded racks that say `contingency: 0`
TIER2_TWO_PDUS = (
    ("  mech:", "  pdu2: {kind: pdu, mode: share, capacity_kw: 200, from: [ups-1, ups-2]}\n"
     "  mech:"),
    ("r1: {it_kw: 50, power: pdu,", "r1: {it_kw: 50, power: [pdu, pdu2], contingency: 0,"),
    ("r2: {it_kw: 50, power: pdu,", "r2: {it_kw: 50, power: [pdu, pdu2], contingency: 0,"))


def test_racks_with_contingency_0_still_count_for_the_tier():
    # R007 in validate lets a `contingency: 0` rack go down; the tier counts every rack,
    # so the single ats and mech panel keep the design at Tier II
    loaded = edited("tier2", *TIER2_TWO_PDUS)
    r = twin.tier(loaded)
    assert r.tier == 2
    assert rules(r) == {(3, "concurrent-maintenance", "genbus"),
                        (3, "concurrent-maintenance", "ats"),
                        (3, "concurrent-maintenance", "mech")}
    assert [f.code for f in twin.validate(loaded).findings if f.severity == "error"] == []


def test_tier3_with_a_single_corded_rack_drops_to_tier_2():
    r = twin.tier(layout("tier3", "r1: {it_kw: 50, power: [pdu-a, pdu-b]",
                         "r1: {it_kw: 50, power: [pdu-a]"))
    assert r.tier == 2
    assert (3, "dual-corded", "r1") in rules(r)
    assert (3, "dual-corded", "r2") not in rules(r)


def test_a_rack_that_needs_both_its_feeds_is_not_dual_corded():
    r = twin.tier(layout("tier3", "r2: {it_kw: 50, power: [pdu-a, pdu-b]",
                         "r2: {it_kw: 50, min_feeds: 2, power: [pdu-a, pdu-b]"))
    assert r.tier == 2
    assert (3, "dual-corded", "r2") in rules(r)


def test_without_r007_tier_3_is_not_evaluated(without_r007_r008):
    r = twin.tier(layout("tier3"))
    assert r.tier == 2
    assert [(u.rule, u.component, u.message) for u in r.unmet] == [
        ("concurrent-maintenance", None, "not evaluated: this version of twin has no R007 "
         "check, so Tier III cannot be shown")]
    assert (r.unmet[0].line, r.unmet[0].column) == (7, 1)  # no policy.tier: at `policy:`


# -- Tier IV -----------------------------------------------------------------------------

def test_tier4_layout_is_tier_4():
    r = twin.tier(layout("tier4"))
    assert r.tier == 4
    assert r.unmet == () and r.as_dict()["next_tier"] is None
    assert r.as_dict()["en_50600"] == "Availability Class 4"


def test_tier4_layout_meets_every_rule_twin_judges_itself(without_r007_r008):
    a = assess(runner.snapshot(layout("tier4").layout), every=True)
    assert [(u.tier, u.rule) for u in a.unmet] == [(3, "concurrent-maintenance"),
                                                  (4, "continuous-cooling")]
    assert all(u.message.startswith("not evaluated") for u in a.unmet)


def test_tier4_with_both_cracs_in_one_zone_is_not_compartmentalised():
    loaded = layout("tier4", "power: mech-b, zone: b}", "power: mech-b, zone: a}")
    a = assess(runner.snapshot(loaded.layout), every=True)
    broken = [u for u in a.unmet if u.rule == "compartmentalisation"]
    assert [(u.tier, u.component) for u in broken] == [(4, "util-a")]
    assert broken[0].message == ("losing zone a (10 component(s), 0 rack(s) lost with it): "
                                 "2 rack(s) lose power or cooling: r1, r2")
    assert twin.tier(loaded).tier == 3


def test_tier4_without_zones_cannot_show_compartmentalisation():
    a = assess(runner.snapshot(layout("tier3").layout), every=True)
    zones = [u for u in a.unmet if u.rule == "compartmentalisation"]
    assert [(u.component, u.message) for u in zones] == [
        ("util", "17 of 17 component(s) have no zone: util, gen-1, gen-2, genbus-a, genbus-b "
         "and 12 more; compartmentalisation cannot be shown for what has no zone: give every "
         "power and cooling component a zone (complementary systems and paths in different "
         "zones)")]


def test_tier4_with_only_the_upss_zoned_is_not_compartmentalised():
    # every component must carry a zone: two zoned UPSs say nothing of the rest
    path = TIERS / "tier4.yaml"
    text = path.read_text()
    kept = []
    for line in text.splitlines(keepends=True):
        if not line.startswith(("  ups-a:", "  ups-b:")):
            line = line.replace(", zone: a}", "}").replace(", zone: b}", "}")
        kept.append(line)
    loaded = runner.load_bytes("".join(kept), "tests/layouts/tiers/tier4.yaml")
    assert loaded.ok, loaded.findings
    r = twin.tier(loaded)
    assert r.tier == 3
    assert rules(r) == {(4, "compartmentalisation", "util-a")}
    assert (r.unmet[0].line, r.unmet[0].column) == (7, 3)
    assert r.unmet[0].message.startswith(
        "16 of 18 component(s) have no zone: util-a, gen-a1, gen-a2, genbus-a, ats-a and 11 "
        "more;")


def test_fault_tolerance_covers_distribution_and_failable_false_components():
    # one generator bus, lost with the utility, takes both paths
    a = assess(runner.snapshot(layout("tier3", *ONE_GENBUS).layout), every=True)
    assert ("fault-tolerance", "genbus-a") in {(u.rule, u.component) for u in a.unmet}
    # gb300-hall's passive loops are `failable: false`: still a single point for Tier IV
    hall = assess(runner.snapshot(twin.load("layouts/gb300-hall.yaml").layout), every=True)
    assert {"fws", "chw"} <= {u.component for u in hall.unmet if u.rule == "fault-tolerance"}


# -- one judgement -----------------------------------------------------------------------

@pytest.mark.parametrize("path", ["layouts/gb300-hall.yaml", "layouts/edge-pod.yaml",
                                  "tests/layouts/spec-worked-example.yaml",
                                  *sorted(f"tests/layouts/tiers/{p.name}"
                                          for p in TIERS.glob("*.yaml"))])
def test_the_tier_sets_judge_the_same_on_both_engines(path):
    snap = runner.snapshot(twin.load(str(ROOT / path)).layout, with_sweep=False)
    grid = tuple(c.id for c in snap.layout.power if c.kind == "utility")
    ids = [c.id for c in (*snap.layout.power, *snap.layout.cooling)]
    sets = [(i,) for i in ids] + [tuple(dict.fromkeys((i, *grid))) for i in ids]
    fast = Judge(snap.net, snap.normal, Incremental(snap.net, snap.normal))
    full = Judge(snap.net, snap.normal)
    for failed in sets:
        assert fast.breaks(failed) == full.breaks(failed), failed


def test_the_tier_reuses_r006_for_zones():
    assert tier_module.event_breaks is groups.event_breaks


# -- R009 --------------------------------------------------------------------------------

def test_r009_lists_every_unmet_rule_up_to_policy_tier_at_its_line(without_r007_r008):
    loaded = layout("tier2", "policy: {contingency: 0}", "policy: {contingency: 0, tier: 3}")
    found = [(f.code, f.line, f.column, f.component, f.message) for f in
             runner.validate(loaded).findings if f.code == "R009"]
    assert found == [
        ("R009", 4, 26, None, "Tier III concurrent-maintenance (policy.tier 3): not evaluated: "
         "this version of twin has no R007 check, so Tier III cannot be shown"),
        ("R009", 19, 3, "r1", "Tier III dual-corded (policy.tier 3): rack r1 has 1 power "
         "feed(s) and needs 1 (min_feeds): give it two feeds from independent paths, needing "
         "one fewer than it has"),
        ("R009", 20, 3, "r2", "Tier III dual-corded (policy.tier 3): rack r2 has 1 power "
         "feed(s) and needs 1 (min_feeds): give it two feeds from independent paths, needing "
         "one fewer than it has")]


def test_r009_does_not_repeat_r007():
    # tier2 at policy.tier 3: R007 reports ats, pdu and mech; R009 adds only what no
    # other finding says (genbus on the generators, the single cords)
    loaded = layout("tier2", "policy: {contingency: 0}", "policy: {contingency: 0, tier: 3}")
    found = [(f.code, f.component) for f in runner.validate(loaded).findings
             if f.code in ("R007", "R009")]
    assert sorted(found) == [("R007", "ats"), ("R007", "mech"), ("R007", "pdu"),
                             ("R009", "genbus"), ("R009", "r1"), ("R009", "r2")]
    genbus = next(f for f in runner.validate(loaded).findings if f.component == "genbus")
    assert "with every utility lost" in genbus.message


def test_r009_does_not_repeat_r008():
    # tier3 at policy.tier 4: R008 reports both CRACs; R009 adds only the missing zones
    loaded = layout("tier3", "policy: {contingency: 0}", "policy: {contingency: 0, tier: 4}")
    found = [(f.code, f.component) for f in runner.validate(loaded).findings
             if f.code in ("R007", "R008", "R009")]
    assert sorted(found) == [("R008", "crac-1"), ("R008", "crac-2"), ("R009", "util")]


def test_r009_takes_lower_tiers_too_and_nothing_without_policy_tier():
    low = layout("tier1", "policy: {contingency: 0}", "policy: {contingency: 0, tier: 2}")
    r009 = [f for f in runner.validate(low).findings if f.code == "R009"]
    assert {(f.component, f.line) for f in r009} == {("gen", 8), ("ups", 10), ("crac-1", 14)}
    assert all(f.message.startswith("Tier II redundant-capacity (policy.tier 2): ")
               for f in r009)
    met = layout("tier1", "policy: {contingency: 0}", "policy: {contingency: 0, tier: 1}")
    assert [f for f in runner.validate(met).findings if f.code == "R009"] == []
    assert [f for f in runner.validate(layout("tier1")).findings if f.severity == "error"] == []


# -- command line, SARIF, JUnit, diff, report ---------------------------------------------

def twin_cli(*args):
    return subprocess.run([sys.executable, "-m", "twin", *args], capture_output=True,
                          text=True, cwd=ROOT)


def test_twin_tier_text_and_min_tier_exit_codes():
    path = "tests/layouts/tiers/tier2.yaml"
    proc = twin_cli("tier", path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"{path}: Tier II (TIA-942 Rated-2, EN 50600 Availability Class 2)"
    # dual cords and R007: ats, pdu, mech, and genbus with the utility lost
    assert lines[1] == "  to reach Tier III: 6 unmet"
    assert (f"{path}:19:3: info TIER3 dual-corded: rack r1 has 1 power feed(s) and needs 1 "
            "(min_feeds): give it two feeds from independent paths, needing one fewer than it "
            "has") in lines
    assert twin_cli("tier", path, "--min-tier", "2").returncode == 0
    below = twin_cli("tier", path, "--min-tier", "3")
    assert below.returncode == 1 and below.stdout == proc.stdout
    assert twin_cli("tier", path, "--min-tier", "5").returncode == 2
    assert twin_cli("tier", "no-such-file.yaml").returncode == 2


def test_twin_tier_json_and_a_layout_it_cannot_evaluate(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("twin: 1\npower:\n  u: {kind: utility}\n")
    proc = twin_cli("tier", "tests/layouts/tiers/tier1.yaml", str(bad), "--format", "json")
    assert proc.returncode == 1  # one layout not evaluated
    first, second = json.loads(proc.stdout)["layouts"]
    assert (first["tier"], first["name"], first["tia_942"], first["en_50600"],
            first["next_tier"]) == (1, "Tier I", "Rated-1", "Availability Class 1", 2)
    assert {u["rule"] for u in first["unmet"]} == {"redundant-capacity"}
    assert set(first["unmet"][0]) == {"tier", "rule", "component", "file", "line", "column",
                                      "message"}
    assert second["tier"] is None and second["findings"][0]["code"] == "L003"


def test_twin_tier_help_has_examples():
    proc = twin_cli("tier", "--help")
    assert proc.returncode == 0
    assert "twin tier hall.yaml --min-tier 3" in proc.stdout
    assert "not an Uptime certification" in proc.stdout


def test_sarif_and_junit_report_r009(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text((TIERS / "tier1.yaml").read_text().replace(
        "policy: {contingency: 0}", "policy: {contingency: 0, tier: 2}"))
    sarif = json.loads(twin_cli("validate", str(path), "--format", "sarif").stdout)
    run = sarif["runs"][0]
    hits = [r for r in run["results"] if r["ruleId"] == "R009"]
    assert len(hits) == 3
    assert all(run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == "R009" for r in hits)
    junit = ET.fromstring(twin_cli("validate", str(path), "--format", "junit").stdout)
    case = next(c for c in junit.iter("testcase") if c.get("name") == "R009 tier-rule-unmet")
    assert case.find("failure") is not None


def test_twin_diff_reports_a_tier_drop(tmp_path):
    new = tmp_path / "tier2-one-gen.yaml"
    new.write_text((TIERS / "tier2.yaml").read_text().replace("from: [gen-1, gen-2]}",
                                                                "from: [gen-1]}"))
    proc = twin_cli("diff", "tests/layouts/tiers/tier2.yaml", str(new))
    assert "tier lowered: Tier II -> Tier I" in proc.stdout
    data = json.loads(twin_cli("diff", "tests/layouts/tiers/tier2.yaml", str(new),
                               "--format", "json").stdout)
    assert (data["old_tier"], data["new_tier"], data["tier_change"]) == (2, 1, "lowered")
    back = twin_cli("diff", str(new), "tests/layouts/tiers/tier2.yaml")
    assert "tier raised: Tier I -> Tier II" in back.stdout


def test_twin_report_shows_the_tier(tmp_path):
    out = tmp_path / "r.html"
    proc = twin_cli("report", "tests/layouts/tiers/tier2.yaml", "--html", str(out))
    assert "tests/layouts/tiers/tier2.yaml: Tier II (TIA-942 Rated-2" in proc.stdout
    page = out.read_text()
    assert '<section id="tier">' in page and "Tier II (TIA-942 Rated-2" in page
    assert "<td>dual-corded</td>" in page
    assert "to reach Tier III: 6 unmet" in page
    data = json.loads(twin_cli("report", "tests/layouts/tiers/tier2.yaml", "--format",
                               "json").stdout)
    assert data["tier"]["tier"] == 2


def test_the_tier_names_are_written_once():
    from twin.reporters import html_reporter, text_reporter

    for t in range(5):
        assert text_reporter.tier_name(t) == tier_module.name(t)
    assert tier_module.name(3) == "Tier III" and tier_module.name(0) == "below Tier I"
    for module in (text_reporter, html_reporter):
        source = Path(module.__file__).read_text()
        assert '"III"' not in source and "'III'" not in source


def test_the_tier_calls_r008_through_the_registry_with_its_policy_on(monkeypatch):
    from twin.checks import Check, Hit

    seen = []

    def fake(code):
        def run(s):
            seen.append((code, s.layout.policy.maintenance,
                         s.layout.policy.continuous_cooling, s.policy_contingency))
            yield Hit("ups-a", f"{code} says no")
        return Check(code, code.lower(), "error", "resilience", "fake", run, needs=("normal",))

    reg = {**registry(), "R008": fake("R008")}
    monkeypatch.setattr(tier_module, "registry", lambda: reg)
    a = assess(runner.snapshot(layout("tier4").layout), every=True)
    assert seen == [("R008", False, True, 0)]
    assert [(u.tier, u.rule, u.component, u.message) for u in a.unmet] == [
        (4, "continuous-cooling", "ups-a", "R008: R008 says no")]
    assert a.tier == 3


def test_the_tier_judges_maintenance_by_r007s_own_code():
    # one implementation: R007 and the tier's concurrent maintenance share it
    assert tier_module.maintenance_breaks is groups.maintenance_breaks
    assert tier_module.maintenance_message is groups.maintenance_message


@pytest.mark.parametrize("seed", range(0, 150, 5))
def test_r009_is_the_same_on_both_engines(seed):
    from tests.checks.test_maintenance import stated_layout

    loaded = twin.load_bytes(stated_layout(seed), f"stated-{seed}.yaml")
    fast, slow = (twin.validate(loaded, engine=e) for e in ("incremental", "reference"))
    rows = [[(f.component, f.message, f.line) for f in r.findings if f.code == "R009"]
            for r in (fast, slow)]
    assert rows[0] == rows[1]


def test_tier4_with_its_cracs_off_ups_drops_to_tier_3_on_continuous_cooling():
    # one CRAC off UPS is not enough to fail: the other, on UPS, carries the racks
    one = layout("tier4", "from: ups-a, zone: a}\n  util-b", "from: ats-a, zone: a}\n  util-b")
    assert twin.tier(one).tier == 4
    text = (TIERS / "tier4.yaml").read_text()
    for side in "ab":
        text = text.replace(f"capacity_kw: 100, from: ups-{side},",
                            f"capacity_kw: 100, from: ats-{side},")
    r = twin.tier(runner.load_bytes(text, "tests/layouts/tiers/tier4.yaml"))
    assert r.tier == 3
    assert rules(r) == {(4, "continuous-cooling", "crac-a"), (4, "continuous-cooling", "crac-b")}
    assert r.unmet[0].message.startswith("R008: crac crac-a is not powered for the first")


def test_a_layout_with_a_cycle_is_not_evaluated():
    text = ("twin: 1\npower:\n  a: {kind: pdu, capacity_kw: 10, from: b}\n"
            "  b: {kind: pdu, capacity_kw: 10, from: a}\n")
    r = twin.tier(twin.load_bytes(text, "cycle.yaml"))
    assert r.tier is None and not r.evaluated
    assert {f.code for f in r.findings} == {"T001"}
    assert r.as_dict()["name"] is None and r.as_dict()["unmet"] == []


def test_liquid_hall_with_its_cdus_moved_off_ups_gets_r008_at_a_cdu_and_drops_below_tier_4():
    # issue 14's must-show: the same hall, its CDUs moved from the UPS-backed mechanical
    # panel of their side to a panel fed ahead of the UPS
    path = TIERS / "tier4-liquid.yaml"
    text = path.read_text()
    assert twin.tier(runner.load_bytes(text, str(path))).tier == 4
    for side in "ab":
        text = text.replace(f"  mech-{side}: {{kind: panel, capacity_kw: 40, from: ups-{side}, "
                            f"zone: {side}}}\n",
                            f"  mech-{side}: {{kind: panel, capacity_kw: 40, from: ups-{side}, "
                            f"zone: {side}}}\n  raw-{side}: {{kind: panel, capacity_kw: 20, "
                            f"from: ats-{side}, zone: {side}}}\n")
        text = text.replace(f"power: mech-{side}, to: loop-{side}",
                            f"power: raw-{side}, to: loop-{side}")
    assert text.count("raw-") == 4
    moved = runner.load_bytes(text, str(path))
    r = twin.tier(moved)
    assert r.tier == 3
    assert rules(r) == {(4, "continuous-cooling", "cdu-a"), (4, "continuous-cooling", "cdu-b")}
    on = runner.load_bytes(text.replace("contingency: 0}", "contingency: 0, "
                                        "continuous_cooling: true}"), str(path))
    found = [(f.code, f.component) for f in twin.validate(on).findings if f.severity == "error"]
    assert found == [("R008", "cdu-a"), ("R008", "cdu-b")]
    assert twin.validate(runner.load_bytes(path.read_text().replace(
        "contingency: 0}", "contingency: 0, continuous_cooling: true}"), str(path))).ok
