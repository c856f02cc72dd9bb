"""layouts/se-rd111-gb300.yaml, a published design (Schneider Electric RD111) written with
its redundancy scheme as groups and its grid outage as events: clean exactly because it
meets what it states, and the README's N-2 comparison is the one twin gives."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import twin

ROOT = Path(__file__).resolve().parents[2]
NAME = "layouts/se-rd111-gb300.yaml"
DESIGN = ROOT / NAME


def _validate(path, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "twin", "validate", str(path), "--format", "json",
                           *args], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    (report,) = json.loads(proc.stdout)["layouts"]
    return report


TIER_LINE = re.compile(r"\n  tier: 3 [^\n]*")


def _variant(tmp_path: Path, text: str, *, tier: bool = False) -> Path:
    """The design changed to ``text``; without its ``policy.tier`` unless ``tier``, so
    that only what its groups and events state is checked (R009 would repeat it)."""
    out = tmp_path / "variant.yaml"
    if not tier:
        assert len(TIER_LINE.findall(text)) == 1
        text = TIER_LINE.sub("\n  # tier left out: the groups and events only", text)  # same lines
    out.write_text(text, encoding="utf-8")
    return out


def _line_of(text: str, key: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(f"  {key}:"))


def test_the_design_as_published_has_no_finding():
    report = _validate(DESIGN)
    assert report["ok"] is True and report["findings"] == []
    kpis = report["kpis"]
    # 48 x 142 + 48 x 15 kW, the published IT load
    assert kpis["it_kw"] == pytest.approx(7536.0, abs=1e-9)
    assert kpis["facility_kw"] == pytest.approx(9153.41, abs=0.01)
    assert kpis["pue"] == pytest.approx(1.2146, abs=1e-4)
    assert kpis["cooling_kw"] == pytest.approx(1291.68, abs=0.01)


def test_the_scheme_is_stated_by_groups_and_events_and_the_policy_promises_nothing_more():
    layout = twin.load(str(DESIGN)).layout
    assert layout.policy.contingency == 0
    assert layout.policy.tier == 3  # its stated target: validate checks it (R009, R007)
    groups = {g.id: (g.redundancy, len(g.sides) or len(g.members)) for g in layout.groups}
    assert groups == {
        "it-power": ("N+1", 24), "it-generators": ("N+1", 4), "cooling-power": ("2N", 2),
        "ht-chillers": ("N+1", 4), "cdus-p1": ("N+1", 3), "cdus-p2": ("N+1", 3),
        "cdus-p3": ("N+1", 3), "fan-walls": ("N+1", 6), "lt-chillers": ("N+1", 3),
        "water-headers": ("N+1", 4)}
    events = {e.id: set(e.fails) for e in layout.events}
    assert len(events) == 7
    assert all("util" in failed for failed in events.values())
    assert {g for failed in events.values() for g in failed if g != "util"} == {
        "gen-1", "gen-2", "gen-3", "gen-4", "gen-ma", "gen-mb"}
    # 3+1 distributed redundancy: each rack on two of the four blocks, the six pairs
    # carrying the same load, so each block has 1,884 kW, 2,512 kW with one lost
    pairs: dict[tuple[str, str], float] = {}
    for rack in layout.racks:
        blocks = tuple(sorted(feed.split("-")[1] for feed in rack.power))
        assert len(blocks) == 2 and blocks[0] != blocks[1]
        pairs[blocks] = pairs.get(blocks, 0.0) + rack.it_kw
    assert sorted(pairs) == [("1", "2"), ("1", "3"), ("1", "4"), ("2", "3"), ("2", "4"), ("3", "4")]
    assert set(pairs.values()) == {8 * 142 + 8 * 15}


def _n2_readme_counts() -> tuple[int, int, dict[str, int]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"`--contingency 2` reports (\d[\d,]*) findings over (\d[\d,]*) failure sets:"
                      r" ([^.]*)\.", text)
    assert found, "README.md: the N-2 count of layouts/se-rd111-gb300.yaml is missing"
    by_code = {code: int(n) for n, code in re.findall(r"(\d+) (R00\d|P00\d)", found.group(3))}
    return int(found.group(1).replace(",", "")), int(found.group(2).replace(",", "")), by_code


def test_contingency_1_and_2_give_what_the_readme_says():
    single = _validate(DESIGN, "--contingency", "1")
    assert single["findings"] == [] and single["scenarios"] == 63
    double = _validate(DESIGN, "--contingency", "2")
    count, scenarios, by_code = _n2_readme_counts()
    assert len(double["findings"]) == count
    assert double["scenarios"] == scenarios
    codes: dict[str, int] = {}
    for f in double["findings"]:
        codes[f["code"]] = codes.get(f["code"], 0) + 1
    assert codes == by_code


def test_every_n2_finding_is_a_combination_the_design_never_promised():
    layout = twin.load(str(DESIGN)).layout
    double = _validate(DESIGN, "--contingency", "2")
    assert double["findings"]

    def beyond(scenario: list[str]) -> str | None:
        for g in layout.groups:
            if g.sides:
                if set(scenario) & set(g.sides[0]) and set(scenario) & set(g.sides[1]):
                    return g.id
            elif len(set(scenario) & set(g.members)) > g.k:
                return g.id
        return None

    for f in double["findings"]:
        assert len(f["scenario"]) == 2, f["message"]
        assert beyond(f["scenario"]) is not None, f["message"]


def test_removing_a_chiller_breaks_the_stated_n_plus_1_at_the_group(tmp_path):
    text = DESIGN.read_text(encoding="utf-8")
    fewer = re.sub(r"\n  ch-ht-4: [^\n]*", "", text).replace(", ch-ht-4", "")
    assert "ch-ht-4" not in fewer
    report = _validate(_variant(tmp_path, fewer))
    (finding,) = report["findings"]
    assert finding["code"] == "R005" and finding["component"] == "ht-chillers"
    assert finding["line"] == _line_of(fewer, "ht-chillers")
    assert "3 of 3 failure set(s)" in finding["message"]
    # with its stated tier, R009 says which Tier rule the change breaks as well
    tiered = _validate(_variant(tmp_path, fewer, tier=True))
    codes = {(f["code"], f["component"]) for f in tiered["findings"]}
    assert ("R005", "ht-chillers") in codes and ("R009", "ch-ht-1") in codes


def test_a_mechanical_generator_too_small_fails_the_grid_outage_at_the_event(tmp_path):
    text = DESIGN.read_text(encoding="utf-8")
    small = text.replace("gen-ma: {kind: generator, capacity_kw: 1364}",
                         "gen-ma: {kind: generator, capacity_kw: 600}")
    assert small != text
    report = _validate(_variant(tmp_path, small))
    assert {f["code"] for f in report["findings"]} == {"R006"}
    by_event = {f["component"]: f for f in report["findings"]}
    # every outage leaves side A of the cooling power on gen-ma, except the one where
    # gen-ma itself fails to start (side B then carries the plant)
    assert sorted(by_event) == ["grid-outage", "grid-outage-gen-1", "grid-outage-gen-2",
                                "grid-outage-gen-3", "grid-outage-gen-4", "grid-outage-gen-mb"]
    outage = by_event["grid-outage"]
    assert outage["line"] == _line_of(small, "grid-outage")
    assert outage["scenario"] == ["util"]
    assert "generator gen-ma reaches" in outage["message"]


def test_the_published_supply_air_is_hotter_than_the_racks_are_written_to_accept(tmp_path):
    # docs/reference-designs.md: the publication's 28 C supply air is written 27 C
    text = DESIGN.read_text(encoding="utf-8")
    hotter = text.replace("supply_c: 27, power: [swb-ma", "supply_c: 28, power: [swb-ma")
    report = _validate(_variant(tmp_path, hotter))
    assert {(f["code"], f["component"]) for f in report["findings"]} == {
        ("C003", f"fwl-{n}") for n in range(1, 7)}


def test_the_comparison_page_gives_the_figures_twin_computes():
    page = (ROOT / "docs" / "reference-designs.md").read_text(encoding="utf-8")
    report = _validate(DESIGN)
    kpis = report["kpis"]
    assert f"{kpis['facility_kw']:,.1f} kW, PUE {kpis['pue']:.3f}" in page
    count, scenarios, _ = _n2_readme_counts()
    assert f"{count} findings over {scenarios:,} failure sets" in page
    assert "(docs/reference-designs.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_design_reaches_its_stated_tier_and_names_what_tier_4_needs():
    report = twin.tier(twin.load(str(DESIGN)))
    assert report.tier == 3
    assert {u.rule for u in report.unmet} == {"compartmentalisation", "continuous-cooling"}
    assert sum(u.rule == "continuous-cooling" for u in report.unmet) == 13
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "13 R008 lines" in readme and "none of its 63 has one" in readme
    (zones,) = [u for u in report.unmet if u.rule == "compartmentalisation"]
    assert zones.message.startswith("63 of 63 component(s) have no zone")


def test_the_summary_says_what_the_design_states_beyond_the_sweep():
    out = subprocess.run([sys.executable, "-m", "twin", "validate", "--no-progress",
                          str(DESIGN.relative_to(ROOT))], capture_output=True, text=True,
                         cwd=ROOT)
    summary = out.stderr.splitlines()[0]
    assert summary in (ROOT / "README.md").read_text(encoding="utf-8")
    assert ("0 failure scenario(s) evaluated, and 56 set(s) of 10 group(s), 7 event(s), "
            "each component out for maintenance, the rules of Tier 3; ") in summary
    layout = twin.load(str(DESIGN)).layout
    assert sum(len(g.failure_sets()) for g in layout.groups) == 56
