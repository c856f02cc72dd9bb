"""Hostile blocks and includes: expansion bombs refused before anything is built, includes
confined to the layout's folder, FIFOs and devices refused without being opened.

Each regression test is built from the input that showed the problem. Anything that
could hang on a regression (a FIFO, a device, a bomb) runs in a subprocess with a
timeout, so a regression fails instead of stopping the suite.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import twin
import twin.layout.blocks as blocks
from twin.layout.source import MAX_COMPONENTS, MAX_INSTANCES, MAX_RACKS, Limits, parse

ROOT = Path(__file__).resolve().parents[2]
CAMPUS = ROOT / "layouts" / "campus-1gw.yaml"
TIMEOUT = 60  # seconds: every case below takes about one; a hang fails here

# 414 bytes that expand to 600,000 racks: five blocks, each ten instances of the next,
# ten times at the top. Before the tally it took 70 s and 2.2 GB to validate (19 s and
# 815 MB to expand).
BOMB = """\
twin: 1
policy: {contingency: 0}
power:
  g: {kind: utility, capacity_kw: 1}
cooling:
  c: {kind: crac, capacity_kw: 1}
blocks:
  a:
    racks:
      r{1..6}: {it_kw: 1, power: g, cooling: c}
  b:
    instances:
      x{1..10}: {block: a}
  c:
    instances:
      x{1..10}: {block: b}
  d:
    instances:
      x{1..10}: {block: c}
  e:
    instances:
      x{1..10}: {block: d}
instances:
  t{1..10}: {block: e}
"""

# The same bomb with keys that change with every instance (a parameter built from the
# range index at each level), so no count can be reused: the tally must stop early.
DYNAMIC = """\
twin: 1
blocks:
  a:
    params: [p]
    racks: {"r${p}{1..6}": {it_kw: 1}}
  b:
    params: [p]
    instances: {"x{1..10}": {block: a, with: {p: "${p}-${i}"}}}
  c:
    params: [p]
    instances: {"x{1..10}": {block: b, with: {p: "${p}-${i}"}}}
  d:
    params: [p]
    instances: {"x{1..10}": {block: c, with: {p: "${p}-${i}"}}}
  e:
    params: [p]
    instances: {"x{1..10}": {block: d, with: {p: "${p}-${i}"}}}
instances:
  t{1..10}: {block: e, with: {p: "${i}"}}
"""

# Ten million instances of an empty block, each under an id of its own: no rack, no
# component, only instances (it took 77 s before the instance limit).
INSTANCES = """\
twin: 1
blocks:
  z: {}
  a:
    params: [p]
    instances: {"z${p}": {block: z}}
""" + "".join(f"""\
  {b}:
    params: [p]
    instances: {{"x{{1..10}}": {{block: {a}, with: {{p: "${{p}}-${{i}}"}}}}}}
""" for a, b in zip("abcdef", "bcdefg", strict=True)) + """\
instances:
  t{1..10}: {block: g, with: {p: "${i}"}}
"""

# Twelve racks, 16 components (power, cooling, halls) and 6 instances.
SMALL = """\
twin: 1
policy: {contingency: 0}
power:
  grid: {kind: utility, capacity_kw: 5000}
cooling:
  dry: {kind: dry-cooler, capacity_kw: 2000, power: grid}
blocks:
  row:
    params: [feed]
    power:
      pdu-{1..2}: {kind: pdu, capacity_kw: 300, from: $feed}
    racks:
      r{01..03}: {it_kw: 50, power: ["pdu-{1..2}"], cooling: cdu}
  pod:
    power:
      ups: {kind: ups, capacity_kw: 500, from: grid}
    cooling:
      cdu: {kind: cdu, capacity_kw: 400, power: ups, to: dry}
    space:
      hall: {rows: {"r{1..2}": 4}}
    instances:
      r{1..2}: {block: row, with: {feed: ups}}
instances:
  p1: {block: pod}
  p2: {block: pod}
"""


def run(*args, cwd=ROOT, stdin=None, timeout=TIMEOUT):
    """``python -m twin ARGS`` with this checkout first on the path."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "twin", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, input=stdin, timeout=timeout, env=env)


def findings(proc) -> list[dict]:
    (layout,) = json.loads(proc.stdout)["layouts"]
    return layout["findings"]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def tally(text: str, file: str = "t.yaml", limits: Limits | None = None):
    """The expander after a run: what its tally counted and what it made."""
    tree, problems = parse(text.encode() if isinstance(text, str) else text)
    assert tree is not None, problems
    expander = blocks._Expander(file, limits or Limits(), 0)
    flat, problems = expander.run(tree)
    made = (expander.count, expander.racks, expander.components, expander.made_instances)
    return expander.tallied, made, problems


# --- 1. expansion bombs --------------------------------------------------------------
def test_the_600000_rack_bomb_is_refused_at_the_range_that_asks_for_it(tmp_path):
    layout = write(tmp_path, "bomb.yaml", BOMB)
    assert len(BOMB.encode()) == 414
    proc = run("validate", layout, "--format", "json", "--no-progress")
    assert proc.returncode == 1, proc.stderr
    (finding,) = findings(proc)
    assert (finding["code"], finding["line"], finding["column"], finding["component"]) == (
        "L001", 24, 3, "t{1..10}")
    assert finding["message"] == (
        "the layout expands to more than 100,000 racks: instance 't{1..10}' of block 'e' "
        "makes 600,000; raise the limit with --max-racks if this is intended")


def test_the_bomb_is_counted_before_a_single_node_is_copied(monkeypatch):
    copies = []
    for name in ("_copy_entry", "_copy_map", "_copy_seq", "_copy_scalar"):
        real = getattr(blocks, name)
        monkeypatch.setattr(blocks, name, lambda *a, _real=real, **k: (copies.append(1),
                                                                        _real(*a, **k))[1])
    loaded = twin.load_bytes(BOMB, "bomb.yaml")
    assert [f.code for f in loaded.findings] == ["L001"]
    assert copies == []
    assert loaded.layout is not None and loaded.layout.racks == ()


def test_twin_expand_writes_nothing_for_the_bomb(tmp_path):
    layout = write(tmp_path, "bomb.yaml", BOMB)
    out = tmp_path / "flat.yaml"
    proc = run("expand", layout, "-o", out)
    assert proc.returncode == 1
    assert f"{layout}:24:3: error L001 the layout expands to more than 100,000 racks" in proc.stderr
    assert not out.exists()


def test_keys_that_change_with_every_instance_stop_the_count_early():
    (finding,) = twin.load_bytes(DYNAMIC, "dyn.yaml").findings
    assert (finding.code, finding.line, finding.column) == ("L001", 19, 3)
    assert finding.message == (
        "the layout expands to more than 100,000 racks: instance 't{1..10}' of block 'e' "
        "makes more than 100,000 by itself; raise the limit with --max-racks if this is "
        "intended")


def test_instances_that_make_nothing_are_limited_too():
    (finding,) = twin.load_bytes(INSTANCES, "inst.yaml").findings
    assert (finding.code, finding.line) == ("L001", INSTANCES.count("\n"))
    assert "more than 100,000 block instances: instance 't{1..10}' of block 'g'" in finding.message
    assert "--max-instances" in finding.message


def test_a_top_level_range_past_the_limit_points_at_itself():
    text = ("twin: 1\ninstances: {}\nracks:\n  a{1..60000}: {it_kw: 1}\n"
            "  b{1..60000}: {it_kw: 1}\n")
    (finding,) = twin.load_bytes(text, "t.yaml").findings
    assert (finding.code, finding.line, finding.column, finding.component) == (
        "L001", 5, 3, "b{1..60000}")
    assert finding.message == (
        "the layout expands to more than 100,000 racks: racks entry 'b{1..60000}' makes "
        "60,000, after 60,000 before it; raise the limit with --max-racks if this is intended")


def test_a_components_bomb_is_refused():
    text = textwrap.dedent("""\
        twin: 1
        blocks:
          a: {power: {"u{1..1000}": {kind: utility, capacity_kw: 1}}}
          b: {instances: {"x{1..300}": {block: a}}}
        instances:
          top: {block: b}
    """)
    (finding,) = twin.load_bytes(text, "t.yaml").findings
    assert (finding.code, finding.line, finding.component) == ("L001", 6, "top")
    assert finding.message.startswith(
        "the layout expands to more than 200,000 components (power, cooling and halls): "
        "instance 'top' of block 'b' makes 300,000;")


@pytest.mark.parametrize(("flag", "field", "count"), [
    ("--max-racks", "max_racks", 12), ("--max-components", "max_components", 16),
    ("--max-instances", "max_instances", 6)])
def test_each_expansion_limit_has_its_flag(tmp_path, flag, field, count):
    layout = write(tmp_path, "small.yaml", SMALL)
    assert tally(SMALL)[0][1:] == (12, 16, 6)
    proc = run("validate", layout, "--format", "json", flag, count, "--no-progress")
    assert not [f for f in findings(proc) if f["code"] == "L001"], proc.stdout
    proc = run("validate", layout, "--format", "json", flag, count - 1, "--no-progress")
    (finding,) = findings(proc)
    assert (finding["code"], finding["line"], finding["component"]) == ("L001", 25, "p2")
    assert f"raise the limit with {flag}" in finding["message"]
    loaded = twin.load_bytes(SMALL, "small.yaml", limits=Limits(**{field: count - 1}))
    assert [f.code for f in loaded.findings] == ["L001"]
    proc = run("validate", layout, flag, 0)
    assert proc.returncode == 2 and f"{flag} must be a positive number" in proc.stderr


def test_a_flat_layout_counts_against_the_same_limits():
    racks = "".join(f"  r{n}: {{it_kw: 1}}\n" for n in range(4))
    text = f"twin: 1\npower:\n  grid: {{kind: utility, capacity_kw: 10}}\nracks:\n{racks}"
    (finding,) = twin.load_bytes(text, "t.yaml", limits=Limits(max_racks=3)).findings
    assert (finding.code, finding.line, finding.column, finding.component) == (
        "L001", 8, 3, "r3")
    assert finding.message == ("the layout has more than 3 racks; raise the limit with "
                               "--max-racks if this is intended")
    (finding,) = twin.load_bytes(text, "t.yaml", limits=Limits(max_components=0)).findings
    assert (finding.line, finding.component) == (3, "grid")
    assert twin.load_bytes(text, "t.yaml", limits=Limits(max_racks=4)).findings == ()


def test_the_campus_is_counted_exactly_and_passes_with_a_wide_margin():
    counted, made, problems = tally(CAMPUS.read_bytes(), str(CAMPUS))
    assert problems == []
    assert counted == made == (247_448, 7_040, 11_136, 888)
    assert (MAX_RACKS, MAX_COMPONENTS, MAX_INSTANCES) == (100_000, 200_000, 100_000)
    assert MAX_RACKS >= 14 * 7_040 and MAX_COMPONENTS >= 17 * 11_136
    assert MAX_INSTANCES >= 100 * 888


def test_the_defaults_are_documented():
    text = (ROOT / "docs" / "robustness.md").read_text(encoding="utf-8")
    blocks_doc = (ROOT / "docs" / "blocks.md").read_text(encoding="utf-8")
    for figure, flag in ((MAX_RACKS, "--max-racks"), (MAX_COMPONENTS, "--max-components"),
                         (MAX_INSTANCES, "--max-instances")):
        assert f"{figure:,}" in text and flag in text and flag in blocks_doc
    assert "--include-root" in text and "--include-root" in blocks_doc


# The tally must agree with the expansion it stands in for, however keys, ranges,
# parameters, bad ranges, missing blocks and cycles combine.
_KEYS = ["a", "r{1..3}", "r{01..02}", "x${p}", "y${q}{1..2}", "z{1..${p}}", "w{3..1}",
         "v{1..2}{1..2}", "$q"]
_VALUES = ["1", "2", "3", "{1..2}", "${i}", "$p", "${p}${i}", "[1, 2]", "t/u"]


@st.composite
def _block_layouts(draw):
    n = draw(st.integers(1, 4))
    lines = ["twin: 1", "blocks:"]
    for b in range(n):
        lines += [f"  b{b}:", "    params: [p, q]"]
        for section in ("power", "racks"):
            keys = draw(st.lists(st.sampled_from(_KEYS), max_size=3, unique=True))
            if keys:
                lines.append(f"    {section}:")
                body = ("{kind: utility, capacity_kw: 1}" if section == "power"
                        else "{it_kw: 1, notes: [a, b]}")
                lines += [f'      "{section[0]}{k}": {body}' for k in keys]
        subs = draw(st.lists(st.tuples(st.sampled_from(["n", "m{1..3}", "k${q}", "j/{1..2}"]),
                                       st.integers(0, n), st.sampled_from(_VALUES),
                                       st.sampled_from(_VALUES)),
                             max_size=2, unique_by=lambda t: t[0]))
        if subs:
            lines.append("    instances:")
            for key, target, p, q in subs:
                lines.append(f'      "{key}": {{block: b{target}, with: {{p: "{p}", q: "{q}"}}}}')
    lines.append("instances:")
    for t in range(draw(st.integers(1, 3))):
        target, p, q = draw(st.integers(0, n - 1)), draw(st.sampled_from(_VALUES)), draw(
            st.sampled_from(_VALUES))
        lines.append(f'  "t{t}{{1..2}}": {{block: b{target}, with: {{p: "{p}", q: "{q}"}}}}')
    return "\n".join(lines) + "\n"


def test_a_count_is_reused_only_where_the_nesting_limit_cuts_the_same_instances():
    # b is counted first at depth 1 (all of it), then met again at depth 2 through a,
    # where its innermost instance (d) would be nested past --max-depth 3 and is left out
    text = textwrap.dedent("""\
        twin: 1
        blocks:
          c: {racks: {r: {it_kw: 1}}, instances: {deeper: {block: d}}}
          d: {racks: {"s{1..5}": {it_kw: 1}}}
          b: {racks: {q: {it_kw: 1}}, instances: {"n{1..2}": {block: c}}}
          a: {instances: {m: {block: b}}}
        instances:
          first: {block: b}
          second: {block: a}
    """)
    counted, made, problems = tally(text, limits=Limits(max_depth=3))
    assert counted == made == (75, 16, 0, 11)
    assert [p.code for p in problems] == ["L001", "L001"]  # nested deeper than 3 levels
    assert tally(text)[0] == (115, 26, 0, 11)  # all of it within the default depth


@settings(max_examples=150, derandomize=True, deadline=None)
@given(_block_layouts())
def test_the_tally_is_what_the_expansion_makes(text):
    counted, made, _problems = tally(text, limits=Limits(max_depth=6))
    assert counted == made, text


# --- 2. includes stay in the layout's folder -------------------------------------------
SECRET = "aws_secret_access_key: do-not-print-me\n"


@pytest.fixture
def tree(tmp_path):
    """A layout folder ``lay`` with a library, and a secret file next to it."""
    write(tmp_path, "lay/lib/grid.yaml", "power:\n  grid: {kind: utility, capacity_kw: 100}\n")
    write(tmp_path, "secret/keys.yaml", SECRET)
    return tmp_path


def _outside(tree: Path, written: str, *extra) -> None:
    layout = write(tree, "lay/main.yaml", f"twin: 1\ninclude: {written}\n")
    for fmt in ("json", "sarif", "text"):
        proc = run("validate", layout, "--format", fmt, "--no-progress", *extra)
        assert proc.returncode == 1, proc.stderr
        assert "aws_secret" not in proc.stdout + proc.stderr
        assert "do-not-print-me" not in proc.stdout + proc.stderr
    proc = run("validate", layout, "--format", "json", "--no-progress", *extra)
    (finding,) = findings(proc)
    assert (finding["code"], finding["file"], finding["line"], finding["column"]) == (
        "L010", str(layout), 2, 10)
    assert finding["message"].startswith(f"include: {written!r} is outside the layout's folder "
                                         f"({layout.parent})")


def test_an_include_climbing_out_of_the_folder_is_refused_unread(tree):
    _outside(tree, "../secret/keys.yaml")


def test_an_absolute_include_is_refused_unread(tree):
    _outside(tree, str(tree / "secret" / "keys.yaml"))
    _outside(tree, "/etc/passwd")


def test_a_symlink_out_of_the_folder_is_refused_unread(tree):
    os.symlink(tree / "secret" / "keys.yaml", tree / "lay" / "keys.yaml")
    os.symlink(tree / "secret", tree / "lay" / "more")
    _outside(tree, "keys.yaml")
    _outside(tree, "more/keys.yaml")


def test_a_missing_file_outside_is_refused_like_an_existing_one(tree):
    # whether a file exists outside the folder is not told either
    _outside(tree, "../secret/none.yaml")


def test_includes_inside_the_folder_and_symlinks_inside_it_still_work(tree):
    os.symlink(tree / "lay" / "lib" / "grid.yaml", tree / "lay" / "grid.yaml")
    for written in ("lib/grid.yaml", "./lib/../lib/grid.yaml", "grid.yaml",
                    str(tree / "lay" / "lib" / "grid.yaml")):
        layout = write(tree, "lay/main.yaml", f"twin: 1\ninclude: {written}\n")
        loaded = twin.load(str(layout))
        assert loaded.findings == () and [c.id for c in loaded.layout.power] == ["grid"]


def test_nested_includes_are_confined_to_the_top_layouts_folder(tree):
    # lib/one.yaml may reach back into lay/ (the top layout's folder), not out of it
    write(tree, "lay/common.yaml", "cooling:\n  crah: {kind: crac, capacity_kw: 10}\n")
    write(tree, "lay/lib/one.yaml", "include: [../common.yaml, ../../secret/keys.yaml]\n")
    layout = write(tree, "lay/main.yaml", "twin: 1\ninclude: lib/one.yaml\n")
    loaded = twin.load(str(layout))
    (finding,) = loaded.findings
    assert (finding.code, finding.file, finding.line, finding.column) == (
        "L010", str(tree / "lay" / "lib" / "one.yaml"), 1, 27)
    assert "'../../secret/keys.yaml' is outside the layout's folder" in finding.message


def test_include_root_opens_one_more_folder(tree):
    layout = write(tree, "lay/main.yaml", "twin: 1\ninclude: ../secret/keys.yaml\n")
    proc = run("validate", layout, "--format", "json", "--include-root", tree / "secret")
    (finding,) = findings(proc)  # read now: its key is unknown
    assert (finding["code"], finding["file"]) == ("L002", str(tree / "secret" / "keys.yaml"))
    loaded = twin.load(str(layout), limits=Limits(include_roots=(str(tree / "secret"),)))
    assert [f.code for f in loaded.findings] == ["L002"]
    # another folder does not help, and says so
    _outside(tree, "../secret/keys.yaml", "--include-root", tree / "lay" / "lib")
    proc = run("validate", layout, "--include-root", tree / "nowhere")
    assert proc.returncode == 2 and "--include-root: " in proc.stderr
    assert "not a directory" in proc.stderr


def test_a_layout_on_standard_input_includes_only_from_include_roots(tree):
    text = "twin: 1\ninclude: lay/lib/grid.yaml\n"
    proc = run("validate", "-", "--format", "json", cwd=tree, stdin=text)
    (finding,) = findings(proc)
    assert (finding["code"], finding["line"], finding["column"]) == ("L010", 2, 10)
    assert finding["message"] == (
        "include: 'lay/lib/grid.yaml': a layout read from standard input has no folder to "
        "include from; name the included file's folder with --include-root")
    # relative to the current directory, inside an --include-root folder
    proc = run("validate", "-", "--format", "json", "--include-root", "lay", cwd=tree,
               stdin=text)
    assert [f["code"] for f in findings(proc)] == ["T002"]  # read: the grid feeds nothing
    proc = run("validate", "-", "--format", "json", "--include-root", "lay/lib", cwd=tree,
               stdin="twin: 1\ninclude: secret/keys.yaml\n")
    (finding,) = findings(proc)
    assert finding["code"] == "L010" and "outside the --include-root folders" in finding["message"]


# --- 3. only regular files are read ----------------------------------------------------
def test_a_fifo_in_the_layout_folder_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")  # nobody writes: opening it to read would block
    layout = write(tmp_path, "main.yaml", "twin: 1\ninclude: [pipe.yaml]\n")
    proc = run("validate", layout, "--format", "json")
    (finding,) = findings(proc)
    assert (finding["code"], finding["line"], finding["column"]) == ("L010", 2, 11)
    assert finding["message"] == ("include: 'pipe.yaml' is a FIFO, not a regular file; an "
                                  "include must be a layout file")


def test_a_device_is_refused_without_being_read(tmp_path):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    layout = write(tmp_path, "main.yaml", "twin: 1\ninclude: /dev/zero\n")
    proc = run("validate", layout, "--format", "json", "--include-root", "/dev")
    (finding,) = findings(proc)
    assert (finding["code"], finding["line"]) == ("L010", 2)
    assert "'/dev/zero' is a character device, not a regular file" in finding["message"]


def test_a_socket_is_refused(tmp_path):
    path = tmp_path / "sock.yaml"
    if len(str(path)) > 100:
        pytest.skip("path too long for a unix socket")
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        layout = write(tmp_path, "main.yaml", "twin: 1\ninclude: sock.yaml\n")
        proc = run("validate", layout, "--format", "json")
        (finding,) = findings(proc)
        assert finding["code"] == "L010" and "is a socket" in finding["message"]
    finally:
        server.close()


def test_a_file_swapped_between_stat_and_open_is_refused(tmp_path, monkeypatch):
    write(tmp_path, "lib.yaml", "power: {}\n")
    layout = write(tmp_path, "main.yaml", "twin: 1\ninclude: lib.yaml\n")
    other = os.stat(layout)  # another regular file: another inode
    monkeypatch.setattr(blocks.os, "fstat", lambda fd: other)
    (finding,) = twin.load(str(layout)).findings
    assert (finding.code, finding.line, finding.column) == ("L010", 2, 10)
    assert finding.message == ("include: 'lib.yaml' was replaced while it was being opened "
                               "(by another file, or a link out of the folders includes may "
                               "read); nothing was read from it")


def test_a_folder_swapped_for_a_symlink_out_is_refused_after_opening(tmp_path, monkeypatch):
    # the path checked was inside; the file the kernel opened is elsewhere
    write(tmp_path, "lay/lib.yaml", "power: {}\n")
    layout = write(tmp_path, "lay/main.yaml", "twin: 1\ninclude: lib.yaml\n")
    monkeypatch.setattr(blocks.os, "readlink", lambda path: str(tmp_path / "secret.yaml"))
    (finding,) = twin.load(str(layout)).findings
    assert (finding.code, finding.line) == ("L010", 2)
    assert "was replaced while it was being opened" in finding.message


# --- the per-file limits apply to included files ----------------------------------------
def test_an_alias_bomb_in_an_included_file_is_refused_there(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefg", "bcdefgh", strict=True))
    lib = write(tmp_path, "lib.yaml", bomb)
    layout = write(tmp_path, "main.yaml", "twin: 1\ninclude: lib.yaml\n")
    (finding,) = twin.load(str(layout)).findings
    assert (finding.code, finding.file) == ("L001", str(lib))
    assert "expands to more than 5,000,000 nodes" in finding.message


def test_deep_nesting_in_an_included_file_is_refused_there(tmp_path):
    lib = write(tmp_path, "lib.yaml", "notes: " + "[" * 70 + "]" * 70 + "\n")
    layout = write(tmp_path, "main.yaml", "twin: 1\ninclude: lib.yaml\n")
    (finding,) = twin.load(str(layout)).findings
    assert (finding.code, finding.file) == ("L001", str(lib))
    assert "nesting deeper than 64 levels" in finding.message
    (finding,) = twin.load(str(layout), limits=Limits(max_depth=100)).findings
    assert finding.code == "L002"  # read now: `notes` is no top-level key


def test_included_bytes_count_against_what_is_left_of_the_size_limit(tmp_path):
    lib = write(tmp_path, "lib.yaml", "power: {}\n" + "#" * 100 + "\n")
    layout = write(tmp_path, "main.yaml", "twin: 1\ninclude: lib.yaml\n")
    size = layout.stat().st_size + lib.stat().st_size
    assert twin.load(str(layout), limits=Limits(max_bytes=size)).findings == ()
    (finding,) = twin.load(str(layout), limits=Limits(max_bytes=size - 1)).findings
    assert (finding.code, finding.line, finding.column) == ("L001", 2, 10)
