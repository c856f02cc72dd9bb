"""Heat goes somewhere, power comes from somewhere (SPEC section 12 amendments).

A rack-facing unit or a loop with no `to:` and a unit that draws power with no `power:`
are L003 at the unit's id key, with the fix in the message; `to: external`, `power:
external` and the `crac` kind are the ways a layout says where they go and come from.
"""
from __future__ import annotations

import json
import textwrap

import pytest

import twin
from twin.export.dot import dot
from twin.layout.json_schema import generate

MECH = "power: [mech-a, mech-b]"


def hall(crah_to: str = ", to: fw", dry_power: str = f", {MECH}") -> str:
    """A 16-rack GB200 NVL72 hall (the new-user hall of the issue): two CDUs and two
    CRAHs to a facility-water loop, two dry coolers; the CRAHs are on lines 13-14, the
    first dry cooler on line 16."""
    racks = "".join(f"  r{i:02d}: {{type: gb200-nvl72, power: [ups-a, ups-b], "
                    "cooling: [cdu-1, cdu-2, crah-1, crah-2]}\n" for i in range(1, 17))
    return textwrap.dedent(f"""\
        twin: 1
        site: {{electricity_usd_per_mwh: 80}}
        policy: {{contingency: 1}}
        power:
          grid: {{kind: utility, capacity_kw: 4000, failable: false}}
          ups-a: {{kind: ups, capacity_kw: 2500, from: grid}}
          ups-b: {{kind: ups, capacity_kw: 2500, from: grid}}
          mech-a: {{kind: panel, capacity_kw: 200, from: grid}}
          mech-b: {{kind: panel, capacity_kw: 200, from: grid}}
        cooling:
          cdu-1: {{kind: cdu, capacity_kw: 2000, power_kw: 20, {MECH}, to: fw}}
          cdu-2: {{kind: cdu, capacity_kw: 2000, power_kw: 20, {MECH}, to: fw}}
          crah-1: {{kind: crah, capacity_kw: 400, power_kw: 12, {MECH}{crah_to}}}
          crah-2: {{kind: crah, capacity_kw: 400, power_kw: 12, {MECH}{crah_to}}}
          fw: {{kind: loop, to: [dry-1, dry-2], failable: false}}
          dry-1: {{kind: dry-cooler, capacity_kw: 2400, power_kw: 60{dry_power}}}
          dry-2: {{kind: dry-cooler, capacity_kw: 2400, power_kw: 60, {MECH}}}
        racks:
        """) + racks


def validate(text: str) -> twin.Report:
    return twin.validate(twin.load_bytes(text, "hall.yaml"))


def l003(report: twin.Report) -> list[tuple]:
    return [(f.line, f.column, f.component) for f in report.findings if f.code == "L003"]


# --- item 1: heat goes somewhere ----------------------------------------------------------


def test_the_designed_hall_is_clean():
    report = validate(hall())
    assert report.findings == ()
    assert report.kpis["pue"] == pytest.approx(1.0800, abs=1e-4)
    assert report.kpis["external_kw"] == 0


def test_a_crah_with_no_to_is_an_error_at_its_line_not_a_better_pue():
    # This passed before, and with a PUE of 1.0761 against the 1.0800 of the hall whose
    # CRAHs send their heat to the loop: the heat vanished, and so did the fans' draw.
    report = validate(hall(crah_to=""))
    assert not report.ok and report.kpis is None
    assert l003(report) == [(13, 3, "crah-1"), (14, 3, "crah-2")]
    message = report.findings[0].message
    assert message.startswith("crah-1: ") and "would go nowhere" in message
    assert "add `to:` naming the loop or plant that takes its heat" in message
    assert "or `to: external` if it leaves through equipment outside this layout" in message
    assert "`crac`" in message  # an air unit: the DX kind is named too


def test_to_external_declares_the_sink():
    report = validate(hall(crah_to=", to: external"))
    assert report.findings == ()
    # the CRAHs' heat leaves the layout: the dry coolers carry only the CDUs'
    assert report.kpis["pue"] < validate(hall()).kpis["pue"]


def test_a_crac_rejects_its_own_heat(lint):
    assert lint("""\
        twin: 1
        policy: {contingency: 0}
        power:
          grid: {kind: utility, capacity_kw: 1000}
        cooling:
          crac: {kind: crac, capacity_kw: 100, power_kw: 25, power: grid, supply_c: 24}
        racks:
          r1: {it_kw: 80, power: grid, cooling: crac}
    """) == []


def test_a_crac_is_an_air_unit_for_every_other_rule(lint):
    text = """\
        twin: 1
        policy: {contingency: 0}
        power:
          grid: {kind: utility, capacity_kw: 1000}
        cooling:
          crac: {kind: crac, capacity_kw: 100, supply_c: 30}
        racks:
          r1: {it_kw: 120, liquid_fraction: 0.5, power: grid, cooling: crac}
    """
    # hotter than the 27 °C inlet limit (C003), and liquid heat with no CDU (C004)
    assert lint(text) == [("C003", 6, 40, "crac"), ("C004", 8, 3, "r1")]
    # 101 kW of air heat on 100 kW: over capacity (C001)
    assert lint(text.replace("0.5", "0").replace("120", "101")) == [
        ("C001", 6, 3, "crac"), ("C003", 6, 40, "crac")]


def test_a_loop_with_no_to_is_the_dead_end(lint):
    text = """\
        twin: 1
        policy: {contingency: 0}
        power:
          grid: {kind: utility, capacity_kw: 1000}
        cooling:
          cdu: {kind: cdu, capacity_kw: 100, to: fw}
          fw: {kind: loop}
        racks:
          r1: {it_kw: 50, liquid_fraction: 1, power: grid, cooling: cdu}
    """
    assert lint(text) == [("L003", 7, 3, "fw")]  # at the loop, not at the CDU
    report = twin.validate(twin.load_bytes(textwrap.dedent(text), "t.yaml"))
    message = report.findings[0].message
    assert message.startswith("fw: a loop with no `to:`") and "go nowhere" in message
    assert "add `to:` naming the plant" in message and "`to: external`" in message
    assert lint(text.replace("{kind: loop}", "{kind: loop, to: []}")) == [("L003", 7, 3, "fw")]
    assert lint(text.replace("{kind: loop}", "{kind: loop, to: external}")) == []


def test_every_path_ends_at_a_sink(lint):
    # cdu -> fw -> chiller -> cw (condenser water) -> nothing: the dead end is cw
    text = """\
        twin: 1
        policy: {contingency: 0}
        power:
          grid: {kind: utility, capacity_kw: 1000}
        cooling:
          cdu: {kind: cdu, capacity_kw: 100, to: fw}
          fw: {kind: loop, to: [chiller]}
          chiller: {kind: chiller, capacity_kw: 200, power_kw: 0, to: cw}
          cw: {kind: loop}
        racks:
          r1: {it_kw: 50, liquid_fraction: 1, power: grid, cooling: cdu}
    """
    assert lint(text) == [("L003", 9, 3, "cw")]
    tower = "  tower: {kind: cooling-tower, capacity_kw: 300}\n"
    fixed = text.replace("cw: {kind: loop}", "cw: {kind: loop, to: tower}\n" + " " * 8 + tower)
    assert lint(fixed) == []


@pytest.mark.parametrize("kind", ["cdu", "crah", "fan-wall", "in-row", "rdhx"])
def test_every_rack_facing_kind_but_crac_needs_to(lint, kind):
    text = f"""\
        twin: 1
        policy: {{contingency: 0}}
        power:
          grid: {{kind: utility, capacity_kw: 1000}}
        cooling:
          u: {{kind: {kind}, capacity_kw: 100}}
        racks:
          r1: {{it_kw: 50, liquid_fraction: {1 if kind == 'cdu' else 0}, power: grid, cooling: u}}
    """
    assert lint(text) == [("L003", 6, 3, "u")]
    assert lint(text.replace("capacity_kw: 100}", "capacity_kw: 100, to: external}")) == []


# --- item 2: power comes from somewhere -----------------------------------------------------


def test_a_unit_with_power_kw_and_no_power_is_an_error_at_its_line():
    # This passed before: dry-1 was fed from outside the chain, so no failure stopped it.
    report = validate(hall(dry_power=""))
    assert not report.ok and report.kpis is None
    assert l003(report) == [(16, 3, "dry-1")]
    message = report.findings[0].message
    assert message.startswith("dry-1: no `power:`") and "power_kw is 60" in message
    assert "add `power:` naming its feeds, or `power: external`" in message


def test_power_external_is_counted_in_the_kpis():
    fed = validate(hall())
    report = validate(hall(dry_power=", power: external"))
    assert report.findings == ()
    k = report.kpis
    snap = report.snapshot
    draw = snap.normal.cooling_draw_kw[snap.net.cooling_ids.index("dry-1")]
    assert draw > 0 and k["external_kw"] == pytest.approx(draw, rel=1e-12)
    # the mechanical panels lose nothing, so the facility power and the PUE are those of
    # the fed hall: the external draw is counted, not hidden
    assert k["facility_kw"] == pytest.approx(fed.kpis["facility_kw"], rel=1e-12)
    assert k["pue"] == pytest.approx(fed.kpis["pue"], rel=1e-12)
    assert fed.kpis["external_kw"] == 0


def test_a_chiller_draws_power_without_power_kw(lint):
    text = """\
        twin: 1
        policy: {contingency: 0}
        power:
          grid: {kind: utility, capacity_kw: 1000}
        cooling:
          cdu: {kind: cdu, capacity_kw: 100, to: chiller}
          chiller: {kind: chiller, capacity_kw: 200}
        racks:
          r1: {it_kw: 50, liquid_fraction: 1, power: grid, cooling: cdu}
    """
    assert lint(text) == [("L003", 7, 3, "chiller")]  # it draws Q / cop
    assert lint(text.replace("200}", "200, power_kw: 0}")) == []  # draws nothing
    assert lint(text.replace("200}", "200, power: grid}")) == []
    assert lint(text.replace("200}", "200, power: []}")) == [("L003", 7, 3, "chiller")]


def test_power_external_is_never_stopped_by_a_failure(report):
    text = """\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: 1000, failable: false}
          pdu-a: {kind: pdu, capacity_kw: 500, from: grid}
          pdu-b: {kind: pdu, capacity_kw: 500, from: grid}
        cooling:
          crac: {kind: crac, capacity_kw: 100, power_kw: 25, power: external, failable: false}
        racks:
          r1: {it_kw: 80, power: [pdu-a, pdu-b], cooling: crac}
    """
    r = report(text)
    assert r.findings == ()
    assert r.kpis["external_kw"] == pytest.approx(25 * 80 / 100)
    assert r.kpis["facility_kw"] == pytest.approx(80 + 20)


# --- `external` is a word, not an id --------------------------------------------------------


def test_external_stands_alone(lint):
    text = """\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: 1000}
        cooling:
          crac: {kind: crac, capacity_kw: 100, power_kw: 5, power: [grid, external]}
        racks:
          r1: {it_kw: 50, power: grid, cooling: crac, contingency: 0}
    """
    assert lint(text) == [("L004", 5, 53, "crac")]  # at the `power` key


@pytest.mark.parametrize("ident", ["external", "pod-1/external"])
def test_an_id_named_external_is_refused(lint, ident):
    text = f"""\
        twin: 1
        power:
          {ident}: {{kind: utility, capacity_kw: 1000}}
    """
    assert lint(text) == [("L004", 3, 3, ident)]
    report = twin.validate(twin.load_bytes(textwrap.dedent(text), "t.yaml"))
    assert "reserved word" in report.findings[0].message


def test_external_elsewhere_is_not_an_id(report):
    text = """\
        twin: 1
        power:
          pdu: {kind: pdu, capacity_kw: 100, from: external}
    """
    [finding] = report(text).findings
    assert finding.code == "L006" and "`external` is not an id" in finding.message


def test_the_json_schema_takes_external_and_refuses_it_as_an_id():
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(generate())
    ok = {"twin": 1, "cooling": {"c": {"kind": "crac", "capacity_kw": 10,
                                       "power": "external", "to": "external"}}}
    assert list(validator.iter_errors(ok)) == []
    mixed = json.loads(json.dumps(ok))
    mixed["cooling"]["c"]["to"] = ["a", "external"]
    assert list(validator.iter_errors(mixed))
    named = {"twin": 1, "power": {"external": {"kind": "utility", "capacity_kw": 1}}}
    assert list(validator.iter_errors(named))


def test_the_dot_export_labels_what_is_outside_the_layout():
    text = hall(crah_to=", to: external", dry_power=", power: external")
    out = dot(twin.load_bytes(text, "hall.yaml").layout)
    assert '"crah-1" [shape=ellipse, label="crah-1\\ncrah, 400 kW\\nto: external"];' in out
    assert '"dry-1" [shape=ellipse, label="dry-1\\ndry-cooler, 2,400 kW\\npower: external"];' \
        in out
    assert '"cdu-1" [shape=ellipse, label="cdu-1\\ncdu, 2,000 kW"];' in out


@pytest.mark.parametrize("field, written", [("to", "EXTERNAL"), ("to", "Extrenal"),
                                            ("power", "External")])
def test_a_misspelt_external_is_pointed_at_the_word(field, written):
    # `to: EXTERNAL` was "does not exist" with no hint, as if an id were missing: the fix
    # is the lower-case word, which the message now names.
    if field == "to":
        text = hall(crah_to=f", to: {written}")
    else:
        text = hall(dry_power=f", power: {written}")
    report = validate(text)
    codes = [(f.code, f.component) for f in report.findings]
    assert codes[0][0] == "L006"
    assert f"{field}: '{written}' does not exist (did you mean 'external'?)" in \
        report.findings[0].message
