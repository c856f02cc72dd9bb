"""The runner: the registry is the only switch, and no check can be skipped without a word."""
from __future__ import annotations

import json
import textwrap

import pytest

import twin
from twin.checks import Check, Hit, power, runner
from twin.reporters import REPORTERS

HALL = textwrap.dedent("""\
    twin: 1
    power:
      grid: {kind: utility, capacity_kw: 100}
      ups-1: {kind: ups, capacity_kw: 50, from: grid, battery_min: 10}
    racks:
      r1: {it_kw: 20, power: [ups-1]}
    """)


# --- a demonstration check: what a check module would hold -------------------------------
def check_small_ups(snapshot):
    """Every UPS under 60 kW (a made-up rule, for the demonstration)."""
    for c in snapshot.layout.power:
        if c.kind == "ups" and c.capacity_kw < 60:
            yield Hit(c.id, f"ups {c.id} is {c.capacity_kw:g} kW", at=f"{c.id}.capacity_kw")


DEMO = Check("X900", "small-ups", "warning", "power", "UPS under 60 kW", check_small_ups,
             needs=("model",))


@pytest.fixture
def with_demo(monkeypatch):
    """The registry row, in the family module's ``CHECKS``: the only place a check is
    switched on (``twin.checks.registry`` reads the families' rows on every call)."""
    monkeypatch.setattr(power, "CHECKS", (*power.CHECKS, DEMO))


def test_a_check_added_to_the_registry_runs_and_reaches_every_reporter(with_demo):
    report = twin.validate(twin.load_bytes(HALL, "hall.yaml"))
    (found,) = [f for f in report.findings if f.code == "X900"]
    # the runner stamped code, severity, name and the location of the key
    assert (found.severity, found.name, found.line, found.column, found.component) == (
        "warning", "small-ups", 4, 22, "ups-1")
    assert found.severity == "warning"  # reported as the registry row says
    for name, reporter in REPORTERS.items():  # no reporter needs to know of it
        out, err = reporter.validation([report])
        assert "X900" in out + err, name


def test_without_its_registry_row_the_check_does_not_exist():
    report = twin.validate(twin.load_bytes(HALL, "hall.yaml"))
    assert [f.code for f in report.findings if f.code == "X900"] == []


@pytest.mark.parametrize("needs", [(), ("weather",)])
def test_the_runner_refuses_to_start_with_a_check_it_cannot_feed(monkeypatch, needs):
    bad = Check("X901", "needs-what", "error", "power", "x", check_small_ups, needs=needs)
    monkeypatch.setattr(power, "CHECKS", (*power.CHECKS, bad))
    with pytest.raises(RuntimeError, match="X901"):
        twin.validate(twin.load_bytes(HALL, "hall.yaml"))


def test_every_registered_check_with_a_function_declares_needs_the_runner_gives():
    checks = runner.plan()
    for check in checks.values():
        if check.run is not None:
            assert check.needs and set(check.needs) <= set(runner.NEEDS), check.code


def test_a_layout_with_a_cycle_runs_only_the_checks_that_need_no_clean_load():
    text = textwrap.dedent("""\
        twin: 1
        power:
          a: {kind: pdu, capacity_kw: 10, from: b}
          b: {kind: pdu, capacity_kw: 10, from: a}
        racks:
          r1: {it_kw: 20, power: [a]}
        """)
    report = twin.validate(twin.load_bytes(text, "cycle.yaml"))
    codes = {f.code for f in report.findings}
    assert "T001" in codes
    assert not codes & {"P001", "R001"}  # physics needs a clean load
    assert json.loads(REPORTERS["json"].validation([report])[0])["layouts"][0]["ok"] is False


def test_the_summary_lists_only_what_a_layout_states_beyond_the_sweep():
    from twin.checks.runner import load_bytes, stated
    from twin.reporters.text_reporter import validation

    plain = "twin: 1\npower:\n  grid: {kind: utility, capacity_kw: 100}\n"
    assert stated(load_bytes(plain).layout) == ()
    _, summary = validation([twin.validate(load_bytes(plain, "plain.yaml"))])
    assert "evaluated; IT" in summary
    asked = load_bytes(plain.replace("twin: 1\n", "twin: 1\npolicy: {continuous_cooling: "
                                     "true, tier: 4}\n"), "asked.yaml")
    assert stated(asked.layout) == ("each component out for maintenance", "a utility outage",
                                    "the rules of Tier 4")
