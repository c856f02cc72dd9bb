"""S checks: where racks stand (S001 clash, S002 floor loading, S003 position)."""
from __future__ import annotations

import pytest


def hall(*racks: str, floor: str = "floor_kg_m2: 1000") -> str:
    """Hall h1 (line 8) with rows a (4 positions) and b (2); racks from line 10 on."""
    body = "".join(f"          {r}\n" for r in racks)
    return f"""\
        twin: 1
        policy: {{contingency: 0}}
        power:
          grid: {{kind: utility, capacity_kw: 1000}}
        cooling:
          crah: {{kind: crac, capacity_kw: 1000}}
        space:
          h1: {{area_m2: 100, {floor}, rows: {{a: 4, b: 2}}}}
        racks:
{body}    """


def rack(ident: str, place: str, extra: str = "") -> str:
    return f"{ident}: {{it_kw: 10, power: grid, cooling: crah, hall: h1, {place}{extra}}}"


# --- S001: two racks in one slot --------------------------------------------------------

def test_s001_second_rack_in_a_slot(report):
    r = report(hall(rack("r1", "row: a, pos: 2"), rack("r2", "row: a, pos: 2")))
    # Reported on the later rack, at its pos key: `  r2: {it_kw: 10, power: grid,
    # cooling: crah, hall: h1, row: a, ` is 64 characters.
    assert [(f.code, f.line, f.column, f.component) for f in r.findings] == [
        ("S001", 11, 65, "r2")]
    assert "already taken by r1" in r.findings[0].message


def test_s001_every_later_rack_in_a_slot(lint):
    assert lint(hall(rack("r1", "row: a, pos: 2"), rack("r2", "row: a, pos: 2"),
                     rack("r3", "row: a, pos: 2"))) == [
        ("S001", 11, 65, "r2"), ("S001", 12, 65, "r3")]


def test_s001_same_position_in_other_rows_is_fine(lint):
    assert lint(hall(rack("r1", "row: a, pos: 2"), rack("r2", "row: b, pos: 2"),
                     rack("r3", "row: a, pos: 1"))) == []


# --- S002: floor loading ----------------------------------------------------------------

def test_s002_exactly_at_the_floor_limit_passes(lint):
    # 720 kg on the default 0.72 m2 footprint = 1000 kg/m2 = floor_kg_m2.
    assert lint(hall(rack("r1", "row: a, pos: 1", ", weight_kg: 720"))) == []


def test_s002_above_the_floor_limit(report):
    # 721 / 0.72 = 1001.4 kg/m2 > 1000. Reported at the rack's id.
    r = report(hall(rack("r1", "row: a, pos: 1", ", weight_kg: 721")))
    assert [(f.code, f.line, f.column, f.component) for f in r.findings] == [
        ("S002", 10, 3, "r1")]
    assert "1,001 kg/m²" in r.findings[0].message


def test_s002_uses_the_racks_footprint(lint):
    # 1000 kg on 1.0 m2 = 1000 kg/m2 passes; on 0.9 m2 = 1111 kg/m2 fails.
    assert lint(hall(rack("r1", "row: a, pos: 1", ", weight_kg: 1000, footprint_m2: 1.0"))) == []
    assert lint(hall(rack("r1", "row: a, pos: 1", ", weight_kg: 1000, footprint_m2: 0.9"))) == [
        ("S002", 10, 3, "r1")]


def test_s002_uses_the_rack_types_weight(lint):
    # gb300-nvl72: 1,450 kg on 0.6408 m2 = 2,262.8 kg/m2, over a 2,000 kg/m2 floor.
    # (Its heat is all put on air here so the crah alone serves it.)
    layout = hall(
        "r1: {type: gb300-nvl72, liquid_fraction: 0, power: grid, cooling: crah, hall: h1, "
        "row: a, pos: 1}",
        floor="floor_kg_m2: 2000")
    assert lint(layout) == [("S002", 10, 3, "r1")]
    assert lint(layout.replace("floor_kg_m2: 2000", "floor_kg_m2: 2263")) == []


def test_s002_not_checked_without_floor_rating_or_weight(lint):
    no_rating = hall(rack("r1", "row: a, pos: 1", ", weight_kg: 5000"), floor="notes: no rating")
    assert lint(no_rating) == []
    assert lint(hall(rack("r1", "row: a, pos: 1"), floor="floor_kg_m2: 1")) == []


# --- S003: position outside its row ------------------------------------------------------

def test_s003_last_position_passes(lint):
    assert lint(hall(rack("r1", "row: a, pos: 4"), rack("r2", "row: b, pos: 2"))) == []


@pytest.mark.parametrize("place", ["row: a, pos: 5", "row: b, pos: 3", "row: a, pos: 0",
                                   "row: a, pos: -1"])
def test_s003_position_outside_its_row(report, place):
    r = report(hall(rack("r1", place)))
    assert [(f.code, f.line, f.column, f.component) for f in r.findings] == [
        ("S003", 10, 65, "r1")]
    assert "positions 1 to" in r.findings[0].message


def test_s_checks_ignore_racks_without_a_place(lint):
    assert lint(hall("r1: {it_kw: 10, power: grid, cooling: crah, weight_kg: 9000}")) == []
