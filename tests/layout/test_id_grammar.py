"""The id grammar: which ids twin accepts, and the L004 that names the character it refuses.

Ids accepted ``/``, ``..`` and control characters, which then turned up in USD paths,
file names and terminals. An id is now one or more parts joined by ``/``; each part
starts with a letter, a digit or ``_`` and goes on with those and ``- . : +``; letters
and digits are Unicode ones; no ``..``. The ids the shipped layouts, the test layouts and
the blocks make all stay valid.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import twin
from twin.layout.loader import id_problem
from twin.layout.source import parse

ROOT = Path(__file__).resolve().parents[2]
LAYOUTS = sorted([*ROOT.glob("layouts/*.yaml"), *ROOT.glob("tests/layouts/*.yaml"),
                  *ROOT.glob("tests/layouts/*/*.yaml")])


def load(text: str) -> twin.Loaded:
    return twin.load_bytes(textwrap.dedent(text), "t.yaml")


def utility(ident: str) -> twin.Loaded:
    """A layout with one utility of id ``ident`` (written double-quoted, escapes allowed)."""
    return twin.load_bytes(f'twin: 1\npower:\n  "{ident}": {{kind: utility, capacity_kw: 1}}\n',
                           "t.yaml")


@pytest.mark.parametrize("ident", [
    "grid", "rack-01", "r1-07", "b3/h07/r2/ups-a", "ups.a:1+2", "_spare", "0120", "1:20",
    "no", "2024-01-01", "é", "Zürich-1", "日本-1", "e\u0301x", "hall_1/row.2",
])
def test_ids_of_the_grammar_are_accepted(ident):
    assert id_problem(ident) is None
    loaded = utility(ident)
    assert loaded.findings == ()
    assert [c.id for c in loaded.layout.power] == [ident]


@pytest.mark.parametrize(("ident", "why"), [
    ("a b", "has a space at character 2, which an id may not contain"),
    ("a\\x1b[31mred", "has '\\x1b' (U+001B) at character 2, which an id may not contain"),
    ("a\\nb", "has '\\n' (U+000A) at character 2, which an id may not contain"),
    ("a\\u202eb", "has '\\u202e' (U+202E RIGHT-TO-LEFT OVERRIDE) at character 2"),
    ("a\\u200bb", "has '\\u200b' (U+200B ZERO WIDTH SPACE) at character 2"),
    ("a\\\\b", "has '\\\\' at character 2, which an id may not contain"),
    ("/etc/passwd", "starts with '/'"),
    ("a/", "ends with '/'"),
    ("a//b", "has an empty part between '/' at character 3"),
    ("../x", "starts the id with '.' at character 1"),
    ("a/../b", "starts a part after '/' with '.' at character 3"),
    ("a..b", "has `..` at character 2"),
    ("-x", "starts the id with '-' at character 1"),
    ("\\u0301e", "starts the id with '\\u0301' (U+0301 COMBINING ACUTE ACCENT) at character 1"),
    ("x$y", "has '$' at character 2, which an id may not contain"),
    ("🙂", "has '🙂' at character 1, which an id may not contain"),
    ("", "is empty"),
])
def test_an_id_outside_the_grammar_is_l004_at_the_id_quoted_escaped(ident, why):
    loaded = utility(ident)
    assert [(f.code, f.line, f.column) for f in loaded.findings] == [("L004", 3, 3)]
    written = ident.encode("ascii").decode("unicode_escape") if "\\" in ident else ident
    message = loaded.findings[0].message
    assert message.startswith(f"power id {written!r} {why}")
    assert ("an id is letters, digits and `_`, then also `-` `.` `:` `+`, with `/` only "
            "between such parts (as blocks join an instance and its ids), and no `..`") in message
    assert message.isprintable()  # the raw id is quoted escaped
    assert loaded.layout.power == ()  # the entry is skipped


def test_a_reference_to_a_refused_id_is_an_unknown_reference():
    loaded = load("""\
        twin: 1
        power:
          "a b": {kind: utility, capacity_kw: 10}
        racks:
          r1: {it_kw: 1, power: "a b"}
        """)
    assert [(f.code, f.line) for f in loaded.findings] == [("L004", 3), ("L006", 5)]


def test_every_kind_of_id_is_checked():
    loaded = load("""\
        twin: 1
        power:
          "p 1": {kind: utility, capacity_kw: 10}
        cooling:
          "c 1": {kind: crah, capacity_kw: 10}
        space:
          "h 1": {area_m2: 10}
        racks:
          "r 1": {it_kw: 1}
        """)
    assert [(f.code, f.component) for f in loaded.findings] == [
        ("L004", "p 1"), ("L004", "c 1"), ("L004", "h 1"), ("L004", "r 1")]
    assert [f.message.split(" has ")[0] for f in loaded.findings] == [
        "power id 'p 1'", "cooling id 'c 1'", "hall id 'h 1'", "rack id 'r 1'"]


def test_a_bad_instance_name_is_l004_at_the_instance_key_and_makes_nothing():
    # the bad character is written in the instance's key: the finding points there (the
    # edit), not at every id of the block it would have made
    loaded = load("""\
        twin: 1
        blocks:
          pod:
            power:
              ups: {kind: utility, capacity_kw: 10}
        instances:
          "pod 1": {block: pod}
          pod-2: {block: pod}
        """)
    assert [(f.code, f.line, f.column, f.component) for f in loaded.findings] == [
        ("L004", 7, 3, "pod 1")]
    assert loaded.findings[0].message.startswith("instance id 'pod 1' has a space at character 4")
    assert [c.id for c in loaded.layout.power] == ["pod-2/ups"]


def test_the_ids_blocks_make_are_checked_and_point_at_the_block():
    loaded = load("""\
        twin: 1
        blocks:
          pod:
            power:
              "u ps": {kind: utility, capacity_kw: 10}
        instances:
          pod-1: {block: pod}
        """)
    assert [(f.code, f.line, f.column, f.component) for f in loaded.findings] == [
        ("L004", 5, 7, "pod-1/u ps")]
    finding = loaded.findings[0]
    assert finding.message.startswith("power id 'pod-1/u ps' has a space at character 8")
    assert [v.instance for v in finding.via] == ["pod-1"]


def test_a_range_in_a_layout_without_blocks_is_l004_with_a_hint():
    loaded = load("twin: 1\npower:\n  u{1..3}: {kind: utility, capacity_kw: 10}\n")
    assert [(f.code, f.line) for f in loaded.findings] == [("L004", 3)]
    assert loaded.findings[0].message.endswith(
        "; `$name` and ranges (`{1..3}`) are expanded only in a layout that uses blocks "
        "(docs/blocks.md)")


def test_the_length_limit_is_checked_first():
    loaded = utility("a b" * 100)
    assert "over the 256 limit" in loaded.findings[0].message


@pytest.mark.parametrize("path", LAYOUTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_id_of_the_shipped_and_test_layouts_is_valid(path):
    # the broken layouts too: each is broken in one other way
    loaded = twin.load(str(path))
    assert [f.message for f in loaded.findings if "an id is letters" in f.message] == []
    tree, _ = parse(path.read_bytes())
    for section in ("power", "cooling", "space", "racks"):
        entry = tree.entries.get(section) if tree is not None else None
        for ident in getattr(entry.value, "entries", {}) if entry is not None else ():
            assert "{" in ident or id_problem(ident) is None, ident  # ranges expand first


def test_an_instance_name_over_the_id_limit_is_l004_at_its_key():
    # a fuzz find: the L004 pointed at the ids the block would make, not at the name
    name = "r" * 300
    loaded = load(f"""\
        twin: 1
        blocks:
          pod:
            power:
              ups: {{kind: utility, capacity_kw: 10}}
        instances:
          {name}: {{block: pod}}
          pod-2: {{block: pod}}
        """)
    assert [(f.code, f.line, f.column) for f in loaded.findings] == [("L004", 7, 3)]
    assert "is 300 characters long, over the 256 limit" in loaded.findings[0].message
    assert [c.id for c in loaded.layout.power] == ["pod-2/ups"]
