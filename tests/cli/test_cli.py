"""The command line: exit codes 0/1/2, output shapes, several files, what-if, catalog."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HALL = "layouts/gb300-hall.yaml"
POD = "layouts/edge-pod.yaml"
WORKED = "tests/layouts/spec-worked-example.yaml"
LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning|info) "
                  r"(?P<code>[LTPCRS]\d{3}) (?P<msg>.+)$")
#: A related location under a finding: indented, ``note:`` (docs/format.md, Output).
NOTE = re.compile(r"^  (?:(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): )?note: (?P<msg>.+)$")


def diagnostics(out: str) -> list[str]:
    """The finding lines of a text output, without the related-location lines under them."""
    return [line for line in out.splitlines() if not line.startswith("  ")]


def twin(*args):
    return subprocess.run([sys.executable, "-m", "twin", *args], capture_output=True, text=True,
                          cwd=ROOT)


def test_clean_layouts_exit_0_with_nothing_on_stdout():
    proc = twin("validate", HALL, POD)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout == ""
    assert f"{HALL}: 0 error(s), 0 warning(s)" in proc.stderr


def test_errors_exit_1_and_every_line_reads_like_a_compiler_diagnostic():
    proc = twin("validate", WORKED)
    assert proc.returncode == 1
    lines = diagnostics(proc.stdout)
    assert len(lines) == 7
    notes = [line for line in proc.stdout.splitlines() if line not in lines]
    assert notes and all(NOTE.match(line) for line in notes), notes
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), lines
    assert [(m["line"], m["code"]) for m in parsed] == [
        ("8", "R001"), ("9", "R001"), ("12", "R003"), ("15", "R004"), ("16", "R003"),
        ("17", "R003"), ("18", "R003")]
    assert {m["file"] for m in parsed} == {WORKED}


def test_several_files_at_once_exit_1_when_any_has_an_error():
    proc = twin("validate", HALL, WORKED)
    assert proc.returncode == 1
    assert {LINE.match(x)["file"] for x in diagnostics(proc.stdout)} == {WORKED}


def test_missing_file_exits_2_and_still_reports_the_others():
    proc = twin("validate", "no-such.yaml", WORKED)
    assert proc.returncode == 2
    assert "twin: error: no-such.yaml: no such file" in proc.stderr
    assert len(diagnostics(proc.stdout)) == 7


@pytest.mark.parametrize("args", [
    ["validate", HALL, "--bogus"],
    ["validate"],
    ["validate", HALL, "--format", "xml"],
    ["validate", HALL, "--contingency", "3"],
    ["validate", HALL, "--max-bytes", "0"],
    ["frobnicate"],
    [],
])
def test_usage_problems_exit_2(args):
    proc = twin(*args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_json_has_the_spec_shape():
    proc = twin("validate", WORKED, HALL, "--format", "json")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert list(doc) == ["layouts"]
    worked, hall = doc["layouts"]
    assert {"file", "ok", "findings", "kpis"} <= set(worked)
    assert (worked["file"], worked["ok"], hall["ok"]) == (WORKED, False, True)
    first = worked["findings"][0]
    assert {k: first[k] for k in ("code", "severity", "component", "scenario", "file", "line",
                                  "column")} == {
        "code": "R001", "severity": "error", "component": "ats", "scenario": ["ats"],
        "file": WORKED, "line": 8, "column": 3}
    assert first["racks"] == ["r1", "r2"]
    assert worked["kpis"]["pue"] == pytest.approx(1.1216, abs=1e-4)
    assert set(worked["kpis"]) == {"it_kw", "facility_kw", "pue", "cooling_kw", "losses_kw",
                                   "tokens_per_s", "tokens_per_s_per_mw", "energy_usd_per_mtok",
                                   "external_kw", "typical_it_kw", "typical_facility_kw",
                                   "typical_pue"}
    assert worked["kpis"]["external_kw"] == 0  # every unit of the worked example is fed


def test_contingency_flag_overrides_the_policy():
    # with contingency 0 no failure set is evaluated, so the worked example is clean
    proc = twin("validate", WORKED, "--contingency", "0", "--format", "json")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["layouts"][0]["findings"] == []


def test_whatif_shows_down_overloaded_and_kpis_after():
    proc = twin("whatif", WORKED, "--fail", "cdu-1", "--format", "json")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["failed"] == ["cdu-1"]
    assert doc["down"] == ["cdu-1"]
    (overload,) = doc["overloaded"]
    assert (overload["component"], overload["load_kw"], overload["capacity_kw"]) == (
        "cdu-2", pytest.approx(160.0), 100.0)
    assert doc["kpis"]["it_kw"] == 200.0


def test_whatif_of_a_side_of_the_2n_hall_keeps_every_rack():
    proc = twin("whatif", HALL, "--fail", "mv-a")
    assert proc.returncode == 0, proc.stdout
    assert "racks down for power: none" in proc.stdout
    assert "overloaded: none" in proc.stdout


def test_whatif_double_failure_takes_racks_down():
    proc = twin("whatif", HALL, "--fail", "ups-a1,ups-b1", "--format", "json")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["racks_down"] == [f"r1-{n:02d}" for n in range(1, 11)]


def test_whatif_unknown_id_is_a_usage_error_with_a_hint():
    proc = twin("whatif", HALL, "--fail", "ups-a9")
    assert proc.returncode == 2
    assert "did you mean" in proc.stderr


def test_catalog_lists_the_builtin_rack_types_with_sources():
    proc = twin("catalog", "--format", "json")
    assert proc.returncode == 0
    types = {t["name"]: t for t in json.loads(proc.stdout)["rack_types"]}
    assert {"gb200-nvl72", "gb300-nvl72", "hgx-b200-x2", "hgx-h100-x4", "vr-nvl72"} <= set(types)
    assert types["vr-nvl72"]["status"] == "announced"
    assert all(t["source"] for t in types.values())
    text = twin("catalog").stdout
    assert "gb300-nvl72" in text and "announced" in text


def test_help_shows_examples():
    for args in (["--help"], ["validate", "--help"], ["whatif", "--help"]):
        proc = twin(*args)
        assert proc.returncode == 0
        assert "example" in proc.stdout


UNICODE_IDS = """\
twin: 1
power:
  "ü": {kind: utility, capacity_kw: 1}
  p: {kind: pdu, capacity_kw: 100, from: "ü"}
racks:
  "rø": {it_kw: 5, power: p}
"""


def test_an_ascii_terminal_gets_escapes_not_a_traceback(tmp_path):
    # utility ü carries 5 kW of 1 kW: P001 names it; the console cannot encode ü or ø
    layout = tmp_path / "ids.yaml"
    layout.write_text(UNICODE_IDS, encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    proc = subprocess.run([sys.executable, "-m", "twin", "validate", str(layout)],
                          capture_output=True, text=True, cwd=ROOT, env=env, encoding="ascii")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert r"error P001 utility \xfc carries 5.0 kW of 1.0 kW" in proc.stdout
    assert r"rack r\xf8 has 5.0 kW of air heat but no air unit" in proc.stdout


def test_an_id_with_a_line_break_is_l004_quoted_on_one_finding_line(tmp_path):
    # a quoted id may hold "\n": it is outside the id grammar, and the finding that says so
    # quotes it escaped, so it can neither split the finding nor forge a second one
    layout = tmp_path / "nl.yaml"
    layout.write_text('twin: 1\npower:\n  "a\\nb.yaml:9:9: error L001 x": '
                      '{kind: utility, capacity_kw: 10}\n', encoding="utf-8")
    proc = twin("validate", str(layout))
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert len(lines) == 1
    assert LINE.match(lines[0])["code"] == "L004"
    assert r"power id 'a\nb.yaml:9:9: error L001 x' has '\n' (U+000A) at character 2" in lines[0]


def test_a_row_name_with_a_line_break_stays_on_one_finding_line(tmp_path):
    # row names are not ids: S003 prints one as written, and the text output escapes it
    layout = tmp_path / "nl.yaml"
    layout.write_text('twin: 1\nspace:\n  h: {area_m2: 100, rows: {"a\\nb.yaml:9:9: error L001 x": '
                      '2}}\nracks:\n  r: {it_kw: 1, hall: h, row: "a\\nb.yaml:9:9: error L001 x", '
                      'pos: 3}\n', encoding="utf-8")
    proc = twin("validate", str(layout))
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert all(LINE.match(line) for line in lines), lines
    s003 = [line for line in lines if LINE.match(line)["code"] == "S003"]
    assert len(s003) == 1 and r"of h row a\nb.yaml:9:9: error L001 x," in s003[0]


NOT_FAILABLE = """\
twin: 1
cooling:
  crah: {kind: crac, capacity_kw: 100, power: c, failable: false}
power:
  grid: {kind: utility, capacity_kw: 100, failable: false}
  a: {kind: pdu, capacity_kw: 100, from: grid, failable: false}
  b: {kind: pdu, capacity_kw: 100, from: grid}
  c: {kind: pdu, capacity_kw: 100, from: grid, failable: false}
racks:
  r: {it_kw: 10, power: [a, b, c], cooling: crah}
"""


def test_whatif_lists_the_failed_ids_in_file_order_failable_or_not(tmp_path):
    # crah is written first, then a, b, c; a, c and crah are failable: false. The order
    # used to put failable ids first and the others in set order, which changed with
    # the interpreter's string hashing from one run to the next.
    layout = tmp_path / "nf.yaml"
    layout.write_text(NOT_FAILABLE)
    for seed in ("1", "2", "3", "4"):
        proc = subprocess.run([sys.executable, "-m", "twin", "whatif", str(layout), "--fail",
                               "c,b,a,crah", "--format", "json"], capture_output=True, text=True,
                              cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": seed})
        result = json.loads(proc.stdout)
        assert result["failed"] == ["crah", "a", "b", "c"], seed
        assert result["racks_down"] == ["r"]


def test_main_raises_the_collector_thresholds_for_a_command_and_restores_them(monkeypatch):
    import gc

    import twin.cli
    from twin.cli import GC_THRESHOLDS, main
    before = gc.get_threshold()
    assert before != GC_THRESHOLDS
    seen = []
    modules = {name: twin.cli._command(name) for name in twin.cli.COMMANDS}

    class Validate:  # the real parser, a run that only looks at the collector
        add_parser = staticmethod(modules["validate"].add_parser)

        @staticmethod
        def run(args):
            seen.append(gc.get_threshold())
            return 0

    monkeypatch.setattr(twin.cli, "_command",
                        lambda name: Validate if name == "validate" else modules[name])
    assert main(["validate", str(ROOT / "layouts" / "edge-pod.yaml")]) == 0
    assert seen == [GC_THRESHOLDS]
    assert gc.get_threshold() == before
