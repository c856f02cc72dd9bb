"""The findings cap: at most --max-findings findings per layout, then one L001 that counts
the rest.

A 13 MB file of a million unknown keys made a million findings, an 805 MB SARIF file and
7.35 GB of memory. Now a file lists the first N findings in position order (default
10,000) and one more that says how many were left out; it is an error, so the exit code is
1, and it shows in every output format. The loader keeps at most about 2N problems however
many it finds.
"""
from __future__ import annotations

import json

import mutations
import pytest

import twin
from twin.layout.loader import load_tree
from twin.layout.source import MAX_FINDINGS, Limits, Problem, Problems, parse


def unknown_keys(n: int) -> str:
    """A layout whose site holds ``n`` unknown keys, one per line from line 3."""
    return "twin: 1\nsite:\n" + "".join(f"  x{i:06d}: 1\n" for i in range(n))


def test_5000_unknown_keys_give_the_first_1000_and_one_that_counts_the_rest():
    loaded = twin.load_bytes(unknown_keys(5000), "t.yaml", limits=Limits(max_findings=1000))
    assert len(loaded.findings) == 1001
    assert [(f.code, f.line) for f in loaded.findings[:1000]] == [
        ("L002", n) for n in range(3, 1003)]
    last = loaded.findings[-1]
    assert (last.code, last.severity, last.line, last.column) == ("L001", "error", 1003, 3)
    assert last.message == ("4,000 more findings are not listed, from this one on: twin lists "
                            "the first 1,000 of a file in position order; fix those, or raise "
                            "the limit with --max-findings")
    assert not loaded.ok


def test_the_default_cap_is_10000():
    assert MAX_FINDINGS == 10_000 and Limits().max_findings == 10_000
    loaded = twin.load_bytes(unknown_keys(10_050), "t.yaml")
    assert len(loaded.findings) == 10_001
    assert loaded.findings[-1].message.startswith("50 more findings are not listed")
    exact = twin.load_bytes(unknown_keys(10_000), "t.yaml")
    assert len(exact.findings) == 10_000 and exact.findings[-1].code == "L002"


def test_the_loader_keeps_a_bounded_number_of_problems_and_counts_them_all():
    tree, problems = parse(unknown_keys(5000))
    assert problems == []
    layout, problems = load_tree(tree, "t.yaml", max_findings=100)
    assert isinstance(problems, Problems)
    assert problems.total == 5000
    assert len(problems) <= 200
    assert sorted(p.line for p in problems)[:100] == list(range(3, 103))


def test_problems_keep_the_ones_that_sort_first_whatever_the_order_they_come_in():
    problems = Problems(3, "t.yaml")
    for line in (9, 8, 7, 6, 5, 4, 3, 2, 1):
        problems.append(Problem("L002", "x", line, 1))
    assert problems.total == 9
    assert sorted(p.line for p in problems)[:3] == [1, 2, 3]
    few = Problems(3, "t.yaml")
    for line in (3, 1, 2):
        few.append(Problem("L002", "x", line, 1))
    assert [p.line for p in few] == [3, 1, 2]  # below twice the cap: as added


def test_physics_findings_are_capped_too():
    racks = "".join(f"  r{i:02d}: {{it_kw: 1}}\n" for i in range(30))  # C004 each: no feed
    loaded = twin.load_bytes(f"twin: 1\nracks:\n{racks}", "t.yaml", limits=Limits(max_findings=10))
    report = twin.validate(loaded)
    assert [f.code for f in report.findings] == ["C004"] * 10 + ["L001"]
    assert report.findings[-1].message.startswith("20 more findings are not listed")
    assert report.findings[-1].line == 13  # r10, the first left out
    assert len(twin.validate(loaded, max_findings=100).findings) == 30


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_the_cap_shows_in_every_format_and_exits_1(tmp_path, fmt):
    path = tmp_path / "keys.yaml"
    path.write_text(unknown_keys(5000))
    code, out, err = mutations.run_cli(["validate", str(path), "--max-findings", "100",
                                        "--format", fmt, "--no-progress"])
    assert code == 1
    if fmt == "text":
        lines = out.splitlines()
        assert len(lines) == 101
        assert " error L001 4,900 more findings are not listed" in lines[-1]
    elif fmt == "json":
        found = json.loads(out)["layouts"][0]["findings"]
        assert len(found) == 101 and found[-1]["code"] == "L001"
        assert found[-1]["message"].startswith("4,900 more findings are not listed")
    elif fmt == "sarif":
        results = json.loads(out)["runs"][0]["results"]
        assert len(results) == 101 and results[-1]["ruleId"] == "L001"
        assert results[-1]["level"] == "error"
        assert results[-1]["message"]["text"].startswith("4,900 more findings are not listed")
    else:
        assert "4,900 more findings are not listed" in out


def test_every_command_that_reads_a_layout_takes_the_flag(tmp_path):
    instances = tmp_path / "instances.yaml"  # an unknown key in each instance: expand finds them
    instances.write_text("twin: 1\nblocks: {b: {power: {}}}\ninstances:\n" + "".join(
        f"  i{i:02d}: {{block: b, zz: 1}}\n" for i in range(50)))
    code, out, err = mutations.run_cli(["expand", str(instances), "--max-findings", "10"])
    assert code == 1 and err.count("\n") == 12  # 10, the count, and "not expanded"
    assert "40 more findings are not listed" in err
    path = tmp_path / "keys.yaml"
    path.write_text(unknown_keys(50))
    code, out, err = mutations.run_cli(["whatif", str(path), "--fail", "x", "--max-findings",
                                        "10", "--format", "json"])
    assert code == 1 and len(json.loads(out)["findings"]) == 11
    for command in (["capacity", str(path), "--rack-type", "gb300-nvl72"], ["report", str(path)],
                    ["simulate", str(path)]):
        code, out, err = mutations.run_cli([*command, "--max-findings", "10"])
        assert code == 1, command
        assert "40 more findings are not listed" in out + err, command


@pytest.mark.parametrize("value", ["0", "-5"])
def test_a_cap_below_1_is_a_usage_error(tmp_path, value):
    path = tmp_path / "keys.yaml"
    path.write_text(unknown_keys(5))
    code, out, err = mutations.run_cli(["validate", str(path), "--max-findings", value])
    assert code == 2 and "--max-findings must be a positive number" in err
