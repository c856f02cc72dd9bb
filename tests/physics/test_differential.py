"""twin against a second implementation (tests/reference_evaluator.py) on random layouts.

Findings are compared as (code, component, scenario, racks) and KPIs to a relative
1e-9; every disagreement is a bug in one of the two. The layouts are those of
``randomlayouts.random_layout`` with more of the format switched on at random:
batteries, fuel, supply temperatures, tokens, halls with rows, floor loading, kVA and
amp ratings, per-kind limits, and sometimes the cooling section written first.
"""
from __future__ import annotations

import glob
import math
import os
import random

import pytest
import reference_evaluator as ref
import yaml
from randomlayouts import random_layout

import twin

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGRESS = sorted(glob.glob(os.path.join(HERE, "layouts", "regress", "diff-*.yaml")))


def extended_layout(seed: int, *, contingency: int | None = None) -> str:
    rng = random.Random(f"extended-{seed}")
    doc = yaml.safe_load(random_layout(seed, contingency=contingency))
    power, cooling, racks, policy = doc["power"], doc["cooling"], doc["racks"], doc["policy"]
    for c in power.values():
        if c["kind"] == "ups" and rng.random() < 0.5:
            c["battery_min"] = rng.choice([2, 5, 10])
        if c["kind"] == "generator" and rng.random() < 0.5:
            c["fuel_h"] = rng.choice([8, 12, 24])
        if rng.random() < 0.15:
            cap = c.pop("capacity_kw")
            c["rating_kva"] = cap
        elif rng.random() < 0.1:
            cap = c.pop("capacity_kw")
            c.update(rating_a=round(cap * 1000 / 480 / math.sqrt(3)), voltage_v=480,
                     phases=rng.choice([3, 1, "dc"]))
    if rng.random() < 0.3:
        policy["power_factor"] = rng.choice([0.9, 0.95])
    if rng.random() < 0.3:
        policy["max_utilization"] = {rng.choice(["ups", "pdu", "crah", "cdu"]):
                                     rng.choice([0.7, 0.9])}
    if rng.random() < 0.2:
        policy["failover_utilization"] = {rng.choice(["ups", "pdu", "cdu", "switchgear"]): 0.95}
    for u in cooling.values():
        if u["kind"] in ("cdu", "crah", "in-row", "rdhx", "fan-wall", "crac") \
                and rng.random() < 0.3:
            u["supply_c"] = rng.choice([20, 25, 30, 40])
        if u["kind"] == "chiller" and rng.random() < 0.2:
            u["power_kw"] = 0
    rows = {"a": rng.choice([2, 4, 6])}
    with_space = rng.random() < 0.5
    for r in racks.values():
        if rng.random() < 0.4:
            r["tokens_per_s"] = rng.choice([1000, 50000])
        if rng.random() < 0.3:
            r["max_supply_c"] = rng.choice([25, 35, 45])
        if rng.random() < 0.2:
            r["max_inlet_c"] = rng.choice([22, 27, 32])
        if with_space:
            r.update(hall="h1", row="a", pos=rng.randint(0, rows["a"] + 1))
            if rng.random() < 0.5:
                r["weight_kg"] = rng.choice([800, 1500, 3000])
    if with_space:
        doc["space"] = {"h1": {"area_m2": 100, "floor_kg_m2": rng.choice([1200, 2500]),
                               "rows": rows}}
    if rng.random() < 0.2:  # cooling written before power
        order = ["twin", "site", "policy", "cooling", "power", "space", "racks"]
        doc = {k: doc[k] for k in order if k in doc}
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, width=200)


def twin_side(text: str, name: str, contingency=None):
    loaded = twin.load_bytes(text, name)
    assert not loaded.findings, loaded.findings
    report = twin.validate(loaded, contingency=contingency)
    found = sorted((f.code, f.component, tuple(f.scenario), tuple(f.racks))
                   for f in report.findings)
    return found, report.kpis


def mismatches(text: str, name: str, contingency=None) -> list[str]:
    found, kpis = twin_side(text, name, contingency)
    expected = ref.findings(text, contingency)
    out = []
    for f in sorted(set(found) - set(expected)):
        out.append(f"twin only: {f}")
    for f in sorted(set(expected) - set(found)):
        out.append(f"reference only: {f}")
    if len(found) != len(expected) and not out:
        out.append(f"same findings, different counts: {len(found)} vs {len(expected)}")
    want = ref.kpis(text)
    for key, value in want.items():
        got = kpis[key]
        if (value is None) != (got is None) or (
                value is not None and not math.isclose(value, got, rel_tol=1e-9, abs_tol=1e-9)):
            out.append(f"kpi {key}: twin {got} reference {value}")
    return out


@pytest.mark.parametrize("seed", range(300))
def test_twin_and_the_reference_agree_on_random_layouts(seed):
    text = extended_layout(seed)
    assert mismatches(text, f"random-{seed}.yaml") == []


@pytest.mark.parametrize("seed", range(1000, 1040))
def test_twin_and_the_reference_agree_under_n2(seed):
    text = extended_layout(seed, contingency=2)
    assert mismatches(text, f"random-{seed}.yaml") == []


@pytest.mark.parametrize("path", REGRESS, ids=os.path.basename)
def test_regression_layouts_agree(path):
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    assert mismatches(text, path) == []


def test_the_reference_reproduces_the_spec_worked_example():
    with open(os.path.join(HERE, "layouts", "spec-worked-example.yaml"), encoding="utf-8") as h:
        text = h.read()
    k = ref.kpis(text)
    assert math.isclose(k["facility_kw"], 224.317, rel_tol=1e-5)
    assert math.isclose(k["losses_kw"], 15.013, rel_tol=1e-4)
    assert math.isclose(k["cooling_kw"], 9.304, rel_tol=1e-9)
    codes = sorted((code, comp) for code, comp, _, _ in ref.findings(text))
    assert codes == [("R001", "ats"), ("R001", "ups"), ("R003", "crah"), ("R003", "dry"),
                     ("R003", "fw"), ("R003", "mech"), ("R004", "cdu-2")]


def test_the_differential_layouts_exercise_every_physics_code():
    codes = set()
    for seed in range(300):
        codes |= {f[0] for f in ref.findings(extended_layout(seed))}
    assert {"P001", "P003", "P004", "C001", "C002", "C003", "R001", "R002", "R003", "R004",
            "S001", "S002", "S003", "T002"} <= codes
