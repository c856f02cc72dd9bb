"""The built-in catalog gives, and cites, every rack-type field a check reads.

The fields are found in the code, not listed by hand: every attribute the check modules
(``twin/checks``) and the physics they run on (``twin/physics``) read off a rack that is a
rack-type field, with the rack's derived properties (``liquid_kw``, ``air_kw``) expanded
to the fields they are computed from. ``twin/physics/kpis.py`` is left out: KPIs are
reported, no check reads them (its ``tokens_per_s`` and ``typical_kw`` must still be
cited, below, but may be "not published").
"""
from __future__ import annotations

import ast
import dataclasses
import inspect
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import twin
from twin.layout import catalog
from twin.layout.model import RACK_TYPE_FIELDS, Rack

ROOT = Path(__file__).resolve().parents[2]
#: Physics modules no check reads: KPIs are reported, not checked.
NOT_CHECKED = {"kpis.py"}
TAGS = {"V", "S", "B", "E", "D", "U", "n/a"}


def _reads(tree: ast.AST) -> set[str]:
    return {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
            and isinstance(n.ctx, ast.Load)}


def _property_fields() -> dict[str, set[str]]:
    """Each property of Rack (``liquid_kw``) -> the Rack fields its body reads."""
    out = {}
    for name, member in inspect.getmembers(Rack, lambda m: isinstance(m, property)):
        body = ast.parse(textwrap.dedent(inspect.getsource(member.fget)))
        out[name] = _reads(body) & set(RACK_TYPE_FIELDS)
    return out


def fields_checks_read() -> set[str]:
    props = _property_fields()
    modules = sorted((ROOT / "twin" / "checks").glob("*.py"))
    modules += [p for p in sorted((ROOT / "twin" / "physics").glob("*.py"))
                if p.name not in NOT_CHECKED]
    read = set()
    for path in modules:
        names = _reads(ast.parse(path.read_text(encoding="utf-8")))
        read |= names & set(RACK_TYPE_FIELDS)
        for prop, fields in props.items():
            if prop in names:
                read |= fields
    return read


CHECKED = fields_checks_read()


def test_the_fields_are_found_in_the_code():
    # What C003 (max_supply_c, max_inlet_c), S002 (weight, footprint), C002 (flow) and
    # every load flow (it_kw, liquid_fraction through liquid_kw/air_kw) read.
    assert {"it_kw", "liquid_fraction", "weight_kg", "footprint_m2", "flow_lpm_per_kw",
            "max_supply_c", "max_inlet_c"} <= CHECKED
    assert CHECKED <= set(RACK_TYPE_FIELDS)


def _not_applicable(rack_type, field: str) -> bool:
    """A field no check reads for this type: liquid fields of an air-only rack (C002 needs
    liquid heat, C003 reads max_supply_c only for racks with liquid_kw > 0), the air inlet
    of an all-liquid rack (C003 reads max_inlet_c only for racks with air_kw > 0)."""
    if field in ("flow_lpm_per_kw", "max_supply_c"):
        return rack_type.liquid_fraction == 0
    if field == "max_inlet_c":
        return rack_type.liquid_fraction == 1
    return False


@pytest.mark.parametrize("rack_type", catalog.BUILTIN_RACK_TYPES, ids=lambda t: t.name)
def test_every_builtin_type_gives_and_cites_every_field_a_check_reads(rack_type):
    for field in sorted(CHECKED):
        cited = rack_type.source_of(field)
        assert cited is not None, f"{rack_type.name}: {field} has no source"
        tag, citation = cited
        assert tag in TAGS and citation.strip(), (rack_type.name, field, cited)
        if tag == "n/a":
            assert _not_applicable(rack_type, field), (
                f"{rack_type.name}: {field} marked n/a but a check reads it for this type")
            continue
        assert getattr(rack_type, field) is not None, f"{rack_type.name}: {field} not given"
        assert "[S" in citation or tag == "D" or "Not found" in citation, (
            f"{rack_type.name}: {field} cites no docs/sources.md entry: {citation}")


@pytest.mark.parametrize("rack_type", catalog.BUILTIN_RACK_TYPES, ids=lambda t: t.name)
def test_every_field_of_every_builtin_type_has_exactly_one_source(rack_type):
    named = [field for field, _, _ in rack_type.sources]
    assert sorted(named) == sorted(RACK_TYPE_FIELDS), rack_type.name
    for field, tag, citation in rack_type.sources:
        assert tag in TAGS and citation.strip()
        if getattr(rack_type, field) is None:  # not given: the source says why
            assert tag in ("U", "n/a"), (rack_type.name, field, tag)


def test_a_missing_field_or_source_fails_the_test():
    gb200 = catalog.builtin_rack_types()["gb200-nvl72"]
    no_limit = dataclasses.replace(gb200, max_supply_c=None)
    with pytest.raises(AssertionError, match="max_supply_c not given"):
        test_every_builtin_type_gives_and_cites_every_field_a_check_reads(no_limit)
    uncited = dataclasses.replace(
        gb200, sources=tuple(s for s in gb200.sources if s[0] != "weight_kg"))
    with pytest.raises(AssertionError, match="weight_kg has no source"):
        test_every_builtin_type_gives_and_cites_every_field_a_check_reads(uncited)


# Four GB200 NVL72 racks written from the docs: a 50 °C CDU supply (too warm for the
# racks' W45 cold plates) used to pass because gb200-nvl72 had no max_supply_c.
GB200_ON_50C = """\
    twin: 1
    policy: {contingency: 0}
    power:
      grid: {kind: utility, capacity_kw: 2000}
    cooling:
      cdu-1: {kind: cdu, capacity_kw: 600, flow_lpm: 900, supply_c: 50, to: external}
      crah-1: {kind: crah, capacity_kw: 150, supply_c: 24, to: external}
    racks:
      r1: {type: gb200-nvl72, power: grid, cooling: [cdu-1, crah-1]}
      r2: {type: gb200-nvl72, power: grid, cooling: [cdu-1, crah-1]}
      r3: {type: gb200-nvl72, power: grid, cooling: [cdu-1, crah-1]}
      r4: {type: gb200-nvl72, power: grid, cooling: [cdu-1, crah-1]}
"""


def _validate(text: str):
    return twin.validate(twin.load_bytes(textwrap.dedent(text), "hall.yaml"))


def test_gb200_on_a_50c_cdu_passed_without_the_limit(monkeypatch):
    old = {name: dataclasses.replace(t, max_supply_c=None) if name == "gb200-nvl72" else t
           for name, t in catalog.builtin_rack_types().items()}
    monkeypatch.setattr("twin.layout.loader.builtin_rack_types", lambda: old)
    assert list(_validate(GB200_ON_50C).findings) == []


def test_gb200_on_a_50c_cdu_fails_c003_at_the_cdu():
    findings = _validate(GB200_ON_50C).findings
    assert [(f.code, f.line, f.column, f.component) for f in findings] == [
        ("C003", 6, 55, "cdu-1")]
    message = findings[0].message
    assert "supplies liquid at 50 °C" in message and "4 rack(s)" in message
    assert "max_supply_c 45 °C" in message
    assert "lower supply_c to 45 °C or less" in message  # the fix
    assert list(_validate(GB200_ON_50C.replace("supply_c: 50", "supply_c: 45")).findings) == []


def _twin(*args):
    return subprocess.run([sys.executable, "-m", "twin", *args], cwd=ROOT,
                          capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_twin_catalog_shows_every_field_with_its_source():
    proc = _twin("catalog", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    types = {t["name"]: t for t in json.loads(proc.stdout)["rack_types"]}
    assert set(types) == set(catalog.builtin_rack_types())
    for name, entry in types.items():
        assert set(RACK_TYPE_FIELDS) <= set(entry)
        assert set(entry["sources"]) == set(RACK_TYPE_FIELDS), name
        for field in CHECKED:
            cited = entry["sources"][field]
            assert cited["tag"] in TAGS and cited["citation"]
    gb200 = types["gb200-nvl72"]
    assert gb200["max_supply_c"] == 45.0 and gb200["sources"]["max_supply_c"]["tag"] == "E"

    text = _twin("catalog").stdout
    block = text.split("gb200-nvl72 fields:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert [line.split()[0] for line in block] == list(RACK_TYPE_FIELDS)
    assert any(line.split()[:3] == ["max_supply_c", "45", "[E]"] for line in block)
    vr = text.split("vr-nvl72 fields:\n", 1)[1].splitlines()
    assert any(line.split()[:3] == ["max_inlet_c", "-", "[n/a]"] for line in vr)
