"""The docs stay true to the code: generated check table, every code, every key."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from twin.checks import docs
from twin.layout import fields as schema
from twin.checks import registry

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
FORMAT = ROOT / "docs" / "format.md"

QUICKSTART = (
    "pip install . && twin validate layouts/gb300-hall.yaml",
    "pip install '.[test]' && python -m pytest",
)


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _field_tables() -> list[tuple[str, dict]]:
    tables = [("site", schema.SITE_FIELDS), ("policy", schema.POLICY_FIELDS),
              ("rack", schema.RACK_FIELDS), ("hall", schema.HALL_FIELDS),
              ("catalog entry", schema.CATALOG_ENTRY_FIELDS)]
    tables += [(f"power {kind}", t) for kind, t in schema.POWER_FIELDS.items()]
    tables += [(f"cooling {kind}", t) for kind, t in schema.COOLING_FIELDS.items()]
    return tables


FIELD_KEYS = sorted({(where, key) for where, table in _field_tables() for key in table})


@pytest.mark.parametrize("path", [README, FORMAT], ids=["README.md", "docs/format.md"])
def test_embedded_check_table_is_the_generated_one(path):
    embedded = docs.embedded(_text(path))
    assert embedded is not None, f"{path.name}: check-table markers missing"
    assert embedded == docs.check_table(), (
        f"{path.name}: check table is stale; run `python -m twin.checks.docs --write`")


@pytest.mark.parametrize("code", list(registry()))
def test_every_code_is_documented_in_the_format_reference(code):
    assert code in _text(FORMAT)


@pytest.mark.parametrize(("where", "key"), FIELD_KEYS, ids=[f"{w}.{k}" for w, k in FIELD_KEYS])
def test_every_schema_key_is_documented_in_the_format_reference(where, key):
    assert f"`{key}`" in _text(FORMAT), f"{where} key `{key}` is not in docs/format.md"


def test_readme_opens_with_the_two_quickstart_commands():
    first_block = re.search(r"^```[^\n]*\n(.*?)^```", _text(README), re.S | re.M)
    assert first_block is not None, "README.md has no code block"
    lines = [line.strip() for line in first_block.group(1).splitlines() if line.strip()]
    assert lines == list(QUICKSTART)
