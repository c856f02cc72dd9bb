"""L checks: problems in the layout file itself (L001-L009)."""
from __future__ import annotations

import pytest

import twin
from twin.layout.source import Limits

# The smallest clean layout: one utility.
CLEAN = """\
    twin: 1
    power:
      grid: {kind: utility, capacity_kw: 100}
"""


def test_clean_layout_has_no_l_finding(lint):
    # grid feeds nothing: only the T002 warning.
    assert lint(CLEAN) == [("T002", 3, 3, "grid")]


# --- L001: not YAML, not a mapping -----------------------------------------------------

def test_l001_invalid_yaml_points_at_the_error(lint):
    # The flow sequence opened on line 2 never closes; the parser stops at the end.
    assert lint("""\
        twin: 1
        power: [
    """) == [("L001", 3, 1, None)]


def test_l001_list_at_top_level(lint):
    assert lint("""\
        - twin: 1
        - power: {}
    """) == [("L001", 1, 1, None)]


def test_l001_scalar_at_top_level(lint):
    assert lint("just text\n") == [("L001", 1, 1, None)]


def test_l001_empty_file(lint):
    assert lint("") == [("L001", 1, 1, None)]


def test_l001_several_documents(report):
    r = report("""\
        twin: 1
        ---
        twin: 1
    """)
    assert [(f.code, f.line, f.column) for f in r.findings] == [("L001", 2, 1)]
    assert "several" in r.findings[0].message


def test_l001_python_tag_is_refused_and_never_run(tmp_path, lint):
    marker = tmp_path / "ran"
    assert lint(f"""\
        twin: 1
        site: !!python/object/apply:os.system ["touch {marker}"]
    """) == [("L001", 2, 7, None)]
    assert not marker.exists()


def test_l001_python_object_tag_is_refused(report):
    r = report("""\
        twin: 1
        site: !!python/object:twin.layout.model.Site {name: x}
    """)
    assert [(f.code, f.line, f.column) for f in r.findings] == [("L001", 2, 7)]
    assert "never runs code" in r.findings[0].message


def test_l001_custom_tag_is_refused(lint):
    assert lint("""\
        twin: 1
        site: !secret {name: x}
    """) == [("L001", 2, 7, None)]


def test_l001_alias_bomb_is_refused(report):
    # Nine levels of nine aliases would expand to 9**9 = 387,420,489 strings. Counting
    # nodes as if expanded, a is 1 + 9 = 10, b 1 + 9 x 10 = 91, c 820, d 7,381, e 66,430,
    # f 597,871 and g (line 8, its list at column 4) 5,380,840: the first above the
    # 5,000,000 limit. Nothing is expanded, so the answer comes at once.
    r = report("""\
        twin: 1
        a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
        b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
        c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
        d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
        e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
        f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
        g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
        h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
        i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
    """)
    assert [(f.code, f.line, f.column) for f in r.findings] == [("L001", 8, 4)]
    assert "alias bomb" in r.findings[0].message


def test_l001_alias_bomb_under_a_small_node_limit():
    data = "twin: 1\na: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n"
    # c expands to 1 + 3 * (1 + 3 * (1 + 3)) = 40 nodes; b to 13.
    loaded = twin.load_bytes(data, "t.yaml", limits=Limits(max_nodes=39))
    assert [(f.code, f.line, f.column) for f in loaded.findings] == [("L001", 4, 4)]
    # With room for every node the same file loads (its keys are then unknown).
    loaded = twin.load_bytes(data, "t.yaml", limits=Limits(max_nodes=1000))
    assert {f.code for f in loaded.findings} == {"L002"}


def test_l001_stops_every_other_check(lint):
    assert lint("twin: [1\n") == [("L001", 2, 1, None)]


# --- L002: unknown key ------------------------------------------------------------------

def test_l002_unknown_key_with_hint(report):
    r = report("""\
        twin: 1
        power:
          grid: {kind: utility, capacity_k: 100}
    """)
    got = sorted((f.code, f.line, f.column, f.component) for f in r.findings)
    # The misspelt capacity also leaves grid without one (L003 at the id).
    assert got == [("L002", 3, 25, "grid"), ("L003", 3, 3, "grid")]
    l002 = next(f for f in r.findings if f.code == "L002")
    assert "did you mean 'capacity_kw'?" in l002.message


def test_l002_unknown_key_on_a_rack_is_reported_at_the_key(lint):
    assert lint("""\
        twin: 1
        racks:
          r1: {it_kw: 10, colling: crah}
    """) == [("L002", 3, 19, "r1")]


def test_l002_unknown_top_level_key(report):
    r = report("""\
        twin: 1
        polcy: {contingency: 1}
    """)
    assert [(f.code, f.line, f.column, f.component) for f in r.findings] == [
        ("L002", 2, 1, None)]
    assert "did you mean 'policy'?" in r.findings[0].message


def test_l002_without_close_key_has_no_hint(report):
    r = report("""\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: 100, zzz: 1}
    """)
    assert [(f.code, f.line, f.column, f.component) for f in r.findings] == [
        ("L002", 3, 43, "grid")]
    assert "did you mean" not in r.findings[0].message


# --- L003: required field missing -------------------------------------------------------

def test_l003_missing_kind(lint):
    assert lint("""\
        twin: 1
        power:
          grid: {capacity_kw: 100}
    """) == [("L003", 3, 3, "grid")]


def test_l003_missing_capacity_power(lint):
    assert lint("""\
        twin: 1
        power:
          grid: {kind: utility}
    """) == [("L003", 3, 3, "grid")]


def test_l003_missing_capacity_cooling(lint):
    assert lint("""\
        twin: 1
        cooling:
          crah: {kind: crah}
    """) == [("L003", 3, 3, "crah")]


def test_l003_loop_needs_no_capacity(lint):
    # A loop without capacity_kw is uncapped; only the T002 warning (nothing sends it heat).
    assert lint("""\
        twin: 1
        cooling:
          fw: {kind: loop, to: dry}
          dry: {kind: dry-cooler, capacity_kw: 100}
    """) == [("T002", 3, 3, "fw")]


def test_l003_rating_a_without_voltage(lint):
    assert lint("""\
        twin: 1
        power:
          grid: {kind: utility, rating_a: 100}
    """) == [("L003", 3, 3, "grid")]


def test_l003_distribution_without_from(lint):
    assert lint("""\
        twin: 1
        power:
          pdu: {kind: pdu, capacity_kw: 100}
    """) == [("L003", 3, 3, "pdu")]


def test_l003_rack_without_type_or_it_kw(lint):
    assert lint("""\
        twin: 1
        racks:
          r1: {liquid_fraction: 0.5}
    """) == [("L003", 3, 3, "r1")]


@pytest.mark.parametrize("place", ["hall: h1", "hall: h1, row: a", "row: a, pos: 1", "pos: 1"])
def test_l003_partial_hall_row_pos(lint, place):
    assert lint(f"""\
        twin: 1
        space:
          h1: {{rows: {{a: 2}}}}
        racks:
          r1: {{it_kw: 0, {place}}}
    """) == [("L003", 5, 3, "r1")]


# --- L004: bad value --------------------------------------------------------------------

@pytest.mark.parametrize("value", ['"100"', "hundred", "true", "no", ".nan", ".inf", "-.inf",
                                   "-5", "0", "[100]", "{kw: 100}"])
def test_l004_bad_capacity(lint, value):
    # `capacity_kw` starts in column 25 of `  grid: {kind: utility, capacity_kw: ...}`.
    assert lint(f"""\
        twin: 1
        power:
          grid: {{kind: utility, capacity_kw: {value}}}
    """) == [("L004", 3, 25, "grid")]


@pytest.mark.parametrize("efficiency", ["0", "1.5", "-0.5"])
def test_l004_efficiency_outside_0_1(lint, efficiency):
    assert lint(f"""\
        twin: 1
        power:
          grid: {{kind: utility, capacity_kw: 100}}
          tx: {{kind: transformer, capacity_kw: 100, efficiency: {efficiency}, from: grid}}
    """) == [("L004", 4, 45, "tx")]


def test_l004_efficiency_of_exactly_1_is_fine(lint):
    assert lint("""\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: 100}
          tx: {kind: transformer, capacity_kw: 100, efficiency: 1, from: grid}
    """) == [("T002", 4, 3, "tx")]


@pytest.mark.parametrize("fraction, found", [
    ("1.2", [("L004", 3, 18, "r1")]),
    ("-0.1", [("L004", 3, 18, "r1")]),
    ("1", []),
    ("0", []),
])
def test_l004_liquid_fraction_outside_0_1(lint, fraction, found):
    got = lint(f"""\
        twin: 1
        racks:
          r1: {{it_kw: 0, liquid_fraction: {fraction}}}
    """)
    # Without an L004 the rack reaches the physics checks: C004 for its missing feed.
    assert got == (found or [("C004", 3, 3, "r1")])


def test_l004_rack_number_fields(lint):
    assert lint("""\
        twin: 1
        racks:
          r1: {it_kw: 10, weight_kg: -1, footprint_m2: 0}
    """) == [("L004", 3, 19, "r1"), ("L004", 3, 34, "r1")]


@pytest.mark.parametrize("pos", ["1.5", "first", "true", ".nan"])
def test_l004_bad_position(lint, pos):
    assert lint(f"""\
        twin: 1
        space:
          h: {{rows: {{a: 2}}}}
        racks:
          r1: {{it_kw: 0, hall: h, row: a, pos: {pos}}}
    """) == [("L004", 5, 35, "r1")]


def test_l004_choice_field(report):
    r = report("""\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: 100}
          sw: {kind: switchgear, capacity_kw: 100, mode: shared, from: grid}
    """)
    assert [(f.code, f.line, f.column, f.component) for f in r.findings] == [
        ("L004", 4, 44, "sw")]
    assert "did you mean 'share'?" in r.findings[0].message


def test_l004_policy_values(lint):
    # policy entries have no component.
    assert lint("""\
        twin: 1
        policy:
          contingency: 3
          max_utilization: {pdu: 0}
          failover_utilization: 1.2
          power_factor: 0
          inlet_c: [27, 18]
    """) == [("L004", 3, 3, None), ("L004", 4, 21, None), ("L004", 5, 3, None),
             ("L004", 6, 3, None), ("L004", 7, 3, None)]


def test_l004_failover_utilization_number_names_its_key(report):
    r = report("""\
        twin: 1
        policy: {failover_utilization: 1.2}
    """)
    assert [(f.code, f.line, f.column) for f in r.findings] == [("L004", 2, 10)]
    assert "failover_utilization is 1.2" in r.findings[0].message


def test_l004_section_must_be_a_mapping(lint):
    assert lint("""\
        twin: 1
        power: [grid]
    """) == [("L004", 2, 1, None)]


def test_l004_min_feeds_above_feeds(lint):
    assert lint("""\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: 100}
        racks:
          r1: {it_kw: 0, power: grid, min_feeds: 2}
    """) == [("L004", 5, 31, "r1")]


# --- L005: duplicates -------------------------------------------------------------------

def test_l005_duplicate_key_in_a_component(report):
    r = report("""\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: 100, capacity_kw: 200}
    """)
    # Reported at the second key; its component is the repeated key.
    assert [(f.code, f.line, f.column, f.component) for f in r.findings] == [
        ("L005", 3, 43, "capacity_kw")]
    assert "first at line 3" in r.findings[0].message


def test_l005_duplicate_id_in_one_section(lint):
    assert lint("""\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: 100}
          grid: {kind: utility, capacity_kw: 200}
    """) == [("L005", 4, 3, "grid")]


def test_l005_power_id_reused_as_rack_id(report):
    r = report("""\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: 100}
        racks:
          grid: {it_kw: 10, power: grid}
    """)
    assert [(f.code, f.line, f.column, f.component) for f in r.findings] == [
        ("L005", 5, 3, "grid")]
    assert "line 3" in r.findings[0].message


def test_l005_cooling_id_reused_as_hall_id(lint):
    assert lint("""\
        twin: 1
        cooling:
          h1: {kind: dry-cooler, capacity_kw: 100}
        space:
          h1: {rows: {a: 1}}
    """) == [("L005", 5, 3, "h1")]


# --- L006: unknown reference ------------------------------------------------------------

def test_l006_unknown_from_with_hint(report):
    r = report("""\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: 100}
          pdu-a1: {kind: pdu, capacity_kw: 100, from: grid}
          pdu-b1: {kind: pdu, capacity_kw: 100, from: pdu-a2}
    """)
    # Reported at the reference itself (column of `pdu-a2`).
    assert [(f.code, f.line, f.column, f.component) for f in r.findings] == [
        ("L006", 5, 47, "pdu-b1")]
    assert "did you mean 'pdu-a1'?" in r.findings[0].message


def test_l006_unknown_id_in_a_list(lint):
    assert lint("""\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: 100}
        racks:
          r1: {it_kw: 1, power: [grid, nope]}
    """) == [("L006", 5, 32, "r1")]


def test_l006_unknown_cooling_target(lint):
    assert lint("""\
        twin: 1
        cooling:
          crah: {kind: crah, capacity_kw: 10, to: chw}
    """) == [("L006", 3, 43, "crah")]


def test_l006_unknown_hall(report):
    r = report("""\
        twin: 1
        space:
          hall-1: {rows: {a: 2}}
        racks:
          r1: {it_kw: 0, hall: hall-2, row: a, pos: 1}
    """)
    assert [(f.code, f.line, f.column, f.component) for f in r.findings] == [
        ("L006", 5, 24, "r1")]
    assert "did you mean 'hall-1'?" in r.findings[0].message


def test_l006_unknown_row(lint):
    assert lint("""\
        twin: 1
        space:
          hall-1: {rows: {a: 2}}
        racks:
          r1: {it_kw: 0, hall: hall-1, row: b, pos: 1}
    """) == [("L006", 5, 37, "r1")]


# --- L007: unknown kind or rack type ----------------------------------------------------

def test_l007_unknown_kind_with_hint(report):
    r = report("""\
        twin: 1
        power:
          grid: {kind: utilty, capacity_kw: 100}
    """)
    assert [(f.code, f.line, f.column, f.component) for f in r.findings] == [
        ("L007", 3, 10, "grid")]
    assert "did you mean 'utility'?" in r.findings[0].message


def test_l007_cooling_kind_in_the_power_section(report):
    r = report("""\
        twin: 1
        power:
          ch: {kind: chiller, capacity_kw: 100}
    """)
    assert [(f.code, f.line, f.column, f.component) for f in r.findings] == [
        ("L007", 3, 8, "ch")]
    assert "other section" in r.findings[0].message


def test_l007_unknown_rack_type(report):
    r = report("""\
        twin: 1
        racks:
          r1: {type: gb300-nvl27}
    """)
    assert [(f.code, f.line, f.column, f.component) for f in r.findings] == [
        ("L007", 3, 8, "r1")]
    assert "did you mean 'gb300-nvl72'?" in r.findings[0].message


def test_l007_local_rack_type_is_known(lint):
    # The type resolves, so the rack reaches the physics checks (C004: no power feed).
    assert lint("""\
        twin: 1
        catalog:
          rack_types:
            mine: {it_kw: 0}
        racks:
          r1: {type: mine}
    """) == [("C004", 6, 3, "r1")]


# --- L008: wrong sort of reference ------------------------------------------------------

WRONG_SORT = """\
    twin: 1
    power:
      grid: {kind: utility, capacity_kw: 100}
      pdu: {kind: pdu, capacity_kw: 100, from: [grid, crah]}
    cooling:
      crah: {kind: crah, capacity_kw: 100, to: fw, power: grid}
      fw: {kind: loop, to: ch}
      ch: {kind: chiller, capacity_kw: 100, power: grid}
    racks:
      r1: {it_kw: 1, power: [pdu, ch], cooling: [crah, fw]}
"""


def test_l008_wrong_sort_of_reference(lint):
    assert lint(WRONG_SORT) == [
        ("L008", 4, 51, "pdu"),    # from: naming a cooling unit
        ("L008", 10, 31, "r1"),    # a rack fed by a chiller
        ("L008", 10, 52, "r1"),    # a rack `cooling:` naming a loop
    ]


def test_l008_cooling_to_naming_a_power_component(lint):
    assert lint("""\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: 100}
        cooling:
          crah: {kind: crah, capacity_kw: 100, to: grid, power: grid}
    """) == [("L008", 5, 44, "crah")]


def test_l008_unit_power_naming_a_cooling_unit(lint):
    assert lint("""\
        twin: 1
        cooling:
          crah: {kind: crah, capacity_kw: 100, to: fw}
          fw: {kind: loop, power: crah, to: dry}
          dry: {kind: dry-cooler, capacity_kw: 100}
    """) == [("L008", 4, 27, "fw")]


# --- L009: format version ---------------------------------------------------------------

def test_l009_twin_missing(lint):
    assert lint("""\
        power:
          grid: {kind: utility, capacity_kw: 100}
    """) == [("L009", 1, 1, None)]


@pytest.mark.parametrize("version", ["2", "0", "1.0", '"1"', "v1", "[1]"])
def test_l009_unsupported_version(lint, version):
    # Reported at the `twin` key, here on line 2 after a comment.
    assert lint(f"""\
        # my hall
        twin: {version}
    """) == [("L009", 2, 1, None)]


def test_l009_version_1_is_supported(lint):
    assert lint("twin: 1\n") == []


# --- L findings stop the physics --------------------------------------------------------

def test_l_finding_stops_physics_and_topology(lint):
    # r1 would overload pdu (P001), lack cooling (C004) and hang on a single path (R001),
    # but the L002 stops every other check.
    assert lint("""\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: 100, colour: red}
          pdu: {kind: pdu, capacity_kw: 100, from: grid}
        racks:
          r1: {it_kw: 500, power: pdu}
    """) == [("L002", 3, 43, "grid")]


def test_findings_carry_file_and_severity(report):
    r = report("twin: 2\n")
    (f,) = r.findings
    assert (f.file, f.severity, f.scenario, r.ok) == ("t.yaml", "error", (), False)
