"""What twin writes, against hostile places to write and hostile names to write.

Each test is built from the input that showed a problem: an export folder that was not
twin's, a marker that points outside, an output that is the input, a symbolic link at
the destination, a rack name outside the Basic Multilingual Plane, CRLF line ends, a
cell that a spreadsheet would evaluate, a backslash in a DOT id.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import mutations
import pytest

import twin
from twin.layout.edit import add_racks, line_end
from twin.export.dot import dot
from twin.export.folder import MARKER, valid_name
from twin.export.netbox import cell, netbox_csvs

ROOT = Path(__file__).resolve().parents[2]
HALL = str(ROOT / "tests" / "layouts" / "capacity-pdu.yaml")
BLOCKS = str(ROOT / "layouts" / "blocks" / "gb300-hall.yaml")
CSVS = ["locations.csv", "power-feeds.csv", "power-panels.csv", "racks.csv", "sites.csv"]


def run(*argv):
    return mutations.run_cli([str(a) for a in argv])


@pytest.fixture
def no_id_grammar(monkeypatch):
    """Defence in depth: the id grammar (L004) refuses these ids at load, but a model made
    through the Python API need not pass the loader, so every writer must stay safe
    without it. The grammar is switched off for the test."""
    import twin.layout.blocks as blocks
    import twin.layout.loader as loader
    import twin.layout.tally as tally

    for module in (loader, blocks, tally):
        if hasattr(module, "id_problem"):
            monkeypatch.setattr(module, "id_problem", lambda ident: None)


def mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def tree_of(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative name → bytes), links as their target."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            out[str(path.relative_to(folder))] = b"-> " + os.readlink(path).encode()
        elif path.is_file():
            out[str(path.relative_to(folder))] = path.read_bytes()
    return out


@pytest.fixture
def umask022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def _usd():
    return pytest.importorskip("pxr", reason="usd-core is not installed: pip install 'twin[usd]'")


# ---------------------------------------------------------------- export folders: USD

def test_usd_refuses_a_folder_with_a_scene_usda_it_did_not_write(tmp_path):
    _usd()
    out = tmp_path / "out"
    out.mkdir()
    (out / "scene.usda").write_text("#usda 1.0\n(my own scene)\n")
    (out / "notes.txt").write_text("mine")
    out.chmod(0o755)
    code, _, err = run("export", HALL, "--usd", out)
    assert code == 2
    assert "scene.usda" in err and "notes.txt" in err and "choose a new or empty folder" in err
    assert tree_of(out) == {"notes.txt": b"mine", "scene.usda": b"#usda 1.0\n(my own scene)\n"}
    assert mode(out) == 0o755
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary folder left


def test_usd_dot_in_a_folder_of_user_files_deletes_nothing(tmp_path, monkeypatch):
    _usd()
    work = tmp_path / "work"
    work.mkdir()
    (work / "hall.yaml").write_text(Path(HALL).read_text())
    (work / "scene.usda").write_text("mine")
    monkeypatch.chdir(work)
    code, _, err = run("export", "hall.yaml", "--usd", ".")
    assert code == 2 and "--usd .: the folder is not empty" in err
    assert sorted(p.name for p in work.iterdir()) == ["hall.yaml", "scene.usda"]
    assert work.is_dir() and sorted(p.name for p in tmp_path.iterdir()) == ["work"]


def test_usd_re_export_replaces_only_its_own_files_and_keeps_the_folder_mode(tmp_path):
    _usd()
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o755)
    assert run("export", HALL, "--usd", out)[0] == 0          # into an empty folder
    marker = json.loads((out / MARKER).read_text())
    assert (marker["format"], marker["version"], marker["kind"], marker["complete"]) == \
        ("twin-export", 1, "usd", True)
    assert "scene.usda" in marker["files"] and "packages.txt" in marker["files"]
    listed = set(marker["files"]) | {MARKER}
    assert {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()} == listed
    (out / "my-notes.txt").write_text("added after the first export")
    (out / "scene.usda").write_text("edited by hand")      # twin's own file: replaced
    (out / "scene.usda").chmod(0o640)                      # its mode is kept
    code, _, err = run("export", HALL, "--usd", out)
    assert code == 0, err
    assert (out / "my-notes.txt").read_text() == "added after the first export"
    assert (out / "scene.usda").read_text().startswith("#usda 1.0")
    assert mode(out) == 0o755 and mode(out / "scene.usda") == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_usd_into_a_new_folder_gets_the_umask_mode(tmp_path, umask022):
    _usd()
    code, _, err = run("export", HALL, "--usd", tmp_path / "new")
    assert code == 0, err
    assert mode(tmp_path / "new") == 0o755 and mode(tmp_path / "new" / "scene.usda") == 0o644


def test_usd_to_a_symbolic_link_is_refused(tmp_path):
    _usd()
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    code, _, err = run("export", HALL, "--usd", tmp_path / "link")
    assert code == 2 and "is a symbolic link" in err and str(tmp_path / "link") in err
    assert list(real.iterdir()) == [] and (tmp_path / "link").is_symlink()


# ---------------------------------------------------------------- export folders: the marker

def _netbox(out, layout=HALL):
    return run("export", layout, "--netbox", out)


def _with_marker(out: Path, **changes) -> None:
    marker = json.loads((out / MARKER).read_text())
    marker.update(changes)
    (out / MARKER).write_text(json.dumps(marker))


@pytest.mark.parametrize("name", ["../victim.csv", "/ABS/victim.csv", "a/../../victim.csv",
                                  "./victim.csv", "a//b", "victim.csv\n", ""])
def test_a_marker_listing_paths_outside_the_folder_deletes_nothing(tmp_path, name):
    out = tmp_path / "out"
    assert _netbox(out)[0] == 0
    victim = tmp_path / "victim.csv"
    victim.write_text("not twin's")
    name = name.replace("/ABS", str(tmp_path))
    marker = json.loads((out / MARKER).read_text())
    marker["files"][name] = {}
    marker["folders"].append(name)
    (out / MARKER).write_text(json.dumps(marker))
    before = tree_of(out)
    code, _, err = _netbox(out)
    assert code == 2 and "it is not a marker twin wrote" in err, err
    assert victim.read_text() == "not twin's"
    assert tree_of(out) == before


def test_a_marker_cannot_lead_through_a_symbolic_link(tmp_path):
    out = tmp_path / "out"
    assert _netbox(out)[0] == 0
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.csv").write_text("not twin's")
    (out / "sub").symlink_to(outside)
    _with_marker(out, files={**json.loads((out / MARKER).read_text())["files"],
                             "sub/victim.csv": {}}, folders=["sub"])
    code, _, err = _netbox(out)
    assert code == 0, err                          # the link is no longer twin's: left alone
    assert (outside / "victim.csv").read_text() == "not twin's"
    assert (out / "sub").is_symlink()
    # a listed file replaced by a link to a file outside: refused, the file outside intact
    (out / "sites.csv").unlink()
    (out / "sites.csv").symlink_to(outside / "victim.csv")
    code, _, err = _netbox(out)
    assert code == 2 and "sites.csv: is a symbolic link" in err
    assert (outside / "victim.csv").read_text() == "not twin's"


@pytest.mark.parametrize("marker", ["not json", '{"format": "other"}', "[]",
                                    '{"format": "twin-export", "version": 99, "kind": "netbox",'
                                    ' "folders": [], "files": {}}'])
def test_a_foreign_marker_is_refused(tmp_path, marker):
    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).write_text(marker)
    (out / "sites.csv").write_text("mine")
    code, _, err = _netbox(out)
    assert code == 2 and MARKER in err
    assert tree_of(out) == {MARKER: marker.encode(), "sites.csv": b"mine"}


def test_an_export_of_another_kind_is_not_replaced(tmp_path):
    out = tmp_path / "out"
    assert _netbox(out)[0] == 0
    _with_marker(out, kind="usd")
    before = tree_of(out)
    code, _, err = _netbox(out)
    assert code == 2 and "holds a twin 'usd' export" in err
    assert tree_of(out) == before


def test_netbox_refuses_a_folder_of_user_files_and_a_user_file_in_the_way(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "racks.csv").write_text("my racks")
    code, _, err = _netbox(out)
    assert code == 2 and "racks.csv" in err
    assert tree_of(out) == {"racks.csv": b"my racks"}
    # in twin's own export, a file it would write but did not list is not replaced
    (out / "racks.csv").unlink()
    assert _netbox(out)[0] == 0
    marker = json.loads((out / MARKER).read_text())
    del marker["files"]["racks.csv"]
    (out / MARKER).write_text(json.dumps(marker))
    (out / "racks.csv").write_text("my racks")
    code, _, err = _netbox(out)
    assert code == 2 and "racks.csv exists and twin did not write it" in err
    assert (out / "racks.csv").read_text() == "my racks"


def test_files_twin_listed_but_no_longer_writes_are_removed_and_nothing_else(tmp_path):
    out = tmp_path / "out"
    assert _netbox(out)[0] == 0
    (out / "old.csv").write_text("from an earlier twin")
    (out / "mine.csv").write_text("mine")
    marker = json.loads((out / MARKER).read_text())
    marker["files"]["old.csv"] = {}
    (out / MARKER).write_text(json.dumps(marker))
    assert _netbox(out)[0] == 0
    assert sorted(p.name for p in out.iterdir()) == sorted([MARKER, "mine.csv", *CSVS])


def test_the_marker_lets_a_reader_check_it_has_the_whole_set(tmp_path):
    out = tmp_path / "out"
    assert _netbox(out)[0] == 0
    marker = json.loads((out / MARKER).read_text())
    assert marker["complete"] is True and sorted(marker["files"]) == CSVS
    for name, facts in marker["files"].items():
        data = (out / name).read_bytes()
        assert facts == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def test_an_export_stopped_midway_is_marked_incomplete_and_the_next_one_completes(
        tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert _netbox(out)[0] == 0
    (out / "mine.txt").write_text("mine")
    old = tree_of(out)
    real, calls = os.replace, []

    def dies_on_the_third(src, dst):
        if os.path.dirname(dst) == str(out):  # not the CSVs written in the temporary folder
            calls.append(dst)
            if len(calls) == 3:  # the interim marker, one CSV moved in, then this
                raise OSError(5, "Input/output error")
        real(src, dst)
    monkeypatch.setattr(os, "replace", dies_on_the_third)
    hot = Path(HALL).read_text().replace("capacity_kw: 100,", "capacity_kw: 120,")
    (tmp_path / "hot.yaml").write_text(hot)
    code, _, err = _netbox(out, tmp_path / "hot.yaml")
    monkeypatch.undo()
    assert code == 2 and "Input/output error" in err
    marker = json.loads((out / MARKER).read_text())
    assert marker["complete"] is False and sorted(marker["files"]) == CSVS
    assert (out / "mine.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hot.yaml", "out"]  # no temp left
    changed = [n for n in CSVS if (out / n).read_bytes() != old[n]]
    assert changed == ["locations.csv"]                      # the one moved in
    assert _netbox(out, tmp_path / "hot.yaml")[0] == 0
    marker = json.loads((out / MARKER).read_text())
    assert marker["complete"] is True and (out / "mine.txt").read_text() == "mine"
    assert "120.0 kW" in (out / "power-panels.csv").read_text()


def test_netbox_into_a_new_folder_appears_whole(tmp_path, monkeypatch):
    # the new folder is built beside and renamed in: a failure leaves no folder at all
    real = os.rename

    def fail(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "rename", fail)
    code, _, err = _netbox(tmp_path / "nb")
    monkeypatch.setattr(os, "rename", real)
    assert code == 2 and "No space left on device" in err
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- modes

def test_outputs_are_never_more_readable_than_a_0600_input(tmp_path, umask022):
    layout = tmp_path / "secret.yaml"
    layout.write_text(Path(HALL).read_text())
    layout.chmod(0o600)
    assert run("export", layout, "--netbox", tmp_path / "nb", "--dot", tmp_path / "h.dot")[0] == 0
    assert mode(tmp_path / "nb") == 0o700
    assert {mode(p) for p in (tmp_path / "nb").iterdir()} == {0o600}
    assert mode(tmp_path / "h.dot") == 0o600
    assert run("expand", layout, "-o", tmp_path / "flat.yaml")[0] == 0
    assert mode(tmp_path / "flat.yaml") == 0o600
    plus = tmp_path / "plus.yaml"
    assert run("capacity", layout, "--rack-type", "air-10", "--write", plus)[0] == 0
    assert mode(plus) == 0o600
    assert run("report", layout, "--html", tmp_path / "r.html")[0] == 0
    assert mode(tmp_path / "r.html") == 0o600
    # an existing output loses the bits the input does not have, and gains none
    (tmp_path / "h.dot").chmod(0o644)
    assert run("export", layout, "--dot", tmp_path / "h.dot")[0] == 0
    assert mode(tmp_path / "h.dot") == 0o600
    layout.chmod(0o644)
    (tmp_path / "h.dot").chmod(0o640)
    assert run("export", layout, "--dot", tmp_path / "h.dot")[0] == 0
    assert mode(tmp_path / "h.dot") == 0o640


def test_usd_outputs_follow_a_0600_input(tmp_path, umask022):
    _usd()
    layout = tmp_path / "secret.yaml"
    layout.write_text(Path(HALL).read_text())
    layout.chmod(0o600)
    assert run("export", layout, "--usd", tmp_path / "usd")[0] == 0
    paths = list((tmp_path / "usd").rglob("*"))
    assert {mode(p) for p in paths if p.is_file()} == {0o600}
    assert {mode(p) for p in paths if p.is_dir()} | {mode(tmp_path / "usd")} == {0o700}


# ---------------------------------------------------------------- output is the input

def _same_as_input_cases(layout: Path):
    return [("expand", layout, "-o"), ("capacity", layout, "--rack-type", "air-10", "--write"),
            ("report", layout, "--html"), ("export", layout, "--dot"),
            ("simulate", layout, "--hours", "24", "--no-progress", "--plot")]


@pytest.mark.parametrize("how", ["same", "symlink", "hardlink", "dotted"])
@pytest.mark.parametrize("case", range(5))
def test_an_output_that_is_the_input_is_refused(tmp_path, how, case, monkeypatch):
    layout = tmp_path / "hall.yaml"
    text = Path(HALL).read_text()
    layout.write_text(text)
    out = {"same": layout, "dotted": tmp_path / "." / "x" / ".." / "hall.yaml",
           "symlink": tmp_path / "link.yaml", "hardlink": tmp_path / "hard.yaml"}[how]
    if how == "symlink":
        out.symlink_to(layout)
    elif how == "hardlink":
        os.link(layout, out)
    elif how == "dotted":
        (tmp_path / "x").mkdir()
    argv = [*_same_as_input_cases(layout)[case], out]
    code, _, err = run(*argv)
    assert code == 2, err
    assert f"{argv[-2]} {out}: is the input {layout}" in err and "Traceback" not in err
    assert layout.read_text() == text


def test_an_output_that_is_an_included_file_is_refused(tmp_path):
    block = Path(BLOCKS).read_text()
    (tmp_path / "blocks").mkdir()
    (tmp_path / "blocks" / "gb300-hall.yaml").write_text(block)
    campus = (ROOT / "layouts" / "campus-1gw.yaml").read_text()
    (tmp_path / "campus.yaml").write_text(campus)
    included = tmp_path / "blocks" / "gb300-hall.yaml"
    code, _, err = run("expand", tmp_path / "campus.yaml", "-o", included)
    assert code == 2 and "is the input" in err
    assert included.read_text() == block


def test_an_export_folder_never_replaces_an_input_inside_it(tmp_path):
    out = tmp_path / "out"
    assert _netbox(out)[0] == 0
    # a layout kept under a name twin's marker lists (it was twin's CSV once)
    (out / "racks.csv").write_text(Path(HALL).read_text())
    code, _, err = _netbox(out, out / "racks.csv")
    assert code == 2 and "racks.csv is an input of this run" in err
    assert (out / "racks.csv").read_text() == Path(HALL).read_text()


# ---------------------------------------------------------------- links at the destination

@pytest.mark.parametrize("argv", [("export", HALL, "--dot"), ("expand", HALL, "-o"),
                                  ("schema", "-o")])
def test_a_symbolic_link_at_the_destination_is_refused(tmp_path, argv):
    target = tmp_path / "target.txt"
    target.write_text("kept")
    link = tmp_path / "out"
    link.symlink_to(target)
    code, _, err = run(*argv, link)
    assert code == 2 and f"{link}: is a symbolic link (to {target})" in err
    assert link.is_symlink() and target.read_text() == "kept"


def test_a_dangling_symbolic_link_at_the_destination_is_refused(tmp_path):
    link = tmp_path / "out.dot"
    link.symlink_to(tmp_path / "nowhere.dot")
    code, _, err = run("export", HALL, "--dot", link)
    assert code == 2 and "is a symbolic link" in err
    assert link.is_symlink() and not (tmp_path / "nowhere.dot").exists()


# ---------------------------------------------------------------- capacity --write

EMOJI = "\U0001F600"  # outside the Basic Multilingual Plane


def _hall_with(row: str) -> str:
    text = Path(HALL).read_text()
    return text.replace("rows: {a: 12}", f'rows: {{"{row}": 12}}').replace(
        "row: a,", f'row: "{row}",')


def test_capacity_write_with_a_name_outside_the_bmp_reads_back(tmp_path):
    layout = tmp_path / "hall.yaml"
    layout.write_text(_hall_with(f"a{EMOJI}"), encoding="utf-8")
    out = tmp_path / "plus.yaml"
    code, _, err = run("capacity", layout, "--rack-type", "air-10", "--write", out)
    assert code == 0, err
    text = out.read_text(encoding="utf-8")
    assert "\\ud83d" not in text
    # the row keeps its name; the new racks' ids are made of what the id grammar allows
    assert f"a-04: {{type: air-10, hall: hall-1, row: a{EMOJI}, pos: 4," in text
    loaded = twin.load(str(out))
    assert loaded.ok
    assert [r.id for r in loaded.layout.racks][3:] == [f"a-{p:02d}" for p in range(4, 11)]
    assert {r.row for r in loaded.layout.racks} == {f"a{EMOJI}"}
    assert run("validate", out)[0] == 0


@pytest.mark.parametrize("name", ["a\u2028b", "a\x85b", "tab\there", "q\"uote", "back\\slash",
                                  "null", "yes", "-x", "x: y", "#x", "\ufeffbom", "\ue000pua"])
def test_capacity_write_quotes_what_yaml_would_change(tmp_path, name):
    text = _hall_with(name.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
                      .replace("\u2028", "\\L").replace("\x85", "\\N").replace("\ufeff", "\\uFEFF"))
    layout = tmp_path / "hall.yaml"
    layout.write_text(text, encoding="utf-8")
    assert {r.row for r in twin.load(str(layout)).layout.racks} == {name}
    out = tmp_path / "plus.yaml"
    code, _, err = run("capacity", layout, "--rack-type", "air-10", "--write", out)
    assert code == 0, err
    racks = twin.load(str(out)).layout.racks
    assert len(racks) == 10 and {r.row for r in racks} == {name}


def test_capacity_write_keeps_crlf_line_ends_and_a_bom(tmp_path):
    data = b"\xef\xbb\xbf" + Path(HALL).read_bytes().replace(b"\n", b"\r\n")
    layout = tmp_path / "hall.yaml"
    layout.write_bytes(data)
    out = tmp_path / "plus.yaml"
    code, _, err = run("capacity", layout, "--rack-type", "air-10", "--write", out)
    assert code == 0, err
    new = out.read_bytes()
    assert new.startswith(b"\xef\xbb\xbf")
    assert new.count(b"\n") == new.count(b"\r\n") == data.count(b"\r\n") + 8  # note + 7 racks
    assert new.startswith(data) and new.endswith(b"\r\n")
    assert len(twin.load(str(out)).layout.racks) == 10


def test_capacity_write_keeps_lf_and_lone_cr_files_as_they_are():
    racks = [("r9", {"type": "air-10", "pos": 9})]
    lf = "twin: 1\nracks:\n  r1: {pos: 1}\n"
    assert add_racks(lf.encode(), racks, "n") == \
        b"twin: 1\nracks:\n  r1: {pos: 1}\n  # n\n  r9: {type: air-10, pos: 9}\n"
    cr = lf.replace("\n", "\r")
    assert line_end(cr) == "\r"
    assert add_racks(cr.encode(), racks, "n") == \
        b"twin: 1\rracks:\r  r1: {pos: 1}\r  # n\r  r9: {type: air-10, pos: 9}\r"
    # line separators inside a quoted scalar are kept, and are no line ends to the edit
    odd = 'twin: 1\nsite: {notes: "a\u2028b\x85c"}\nracks:\n  r1: {pos: 1}\npolicy: {}\n'
    assert add_racks(odd.encode(), racks, "n").decode() == odd.replace(
        "policy:", "  # n\n  r9: {type: air-10, pos: 9}\npolicy:")
    # a note with a line break stays one comment line
    assert add_racks(lf.encode(), racks, "two\nlines").decode().count("\n") == 5


def test_capacity_write_from_standard_input(tmp_path):
    out = tmp_path / "plus.yaml"
    proc = subprocess.run([sys.executable, "-m", "twin", "capacity", "-", "--rack-type",
                           "air-10", "--write", str(out)], input=Path(HALL).read_bytes(),
                          capture_output=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr.decode()
    assert out.read_bytes().startswith(Path(HALL).read_bytes())
    assert len(twin.load(str(out)).layout.racks) == 10
    assert mode(out) == 0o666 & ~_umask()


def _umask() -> int:
    old = os.umask(0)
    os.umask(old)
    return old


def test_capacity_write_that_would_not_read_back_is_not_written(tmp_path, monkeypatch):
    # the writer of before, JSON escapes (surrogate pairs YAML refuses): the read-back
    # catches it and the old output stays as it was
    import twin.layout.edit as edit

    real = edit.yaml_text
    monkeypatch.setattr(edit, "yaml_text",
                        lambda v: json.dumps(v) if isinstance(v, str) else real(v))
    layout = tmp_path / "hall.yaml"
    layout.write_text(_hall_with(f"a{EMOJI}"), encoding="utf-8")
    out = tmp_path / "plus.yaml"
    out.write_text("old output")
    code, _, err = run("capacity", layout, "--rack-type", "air-10", "--write", out)
    assert code == 2 and f"--write {out}: not written: the edited layout does not parse" in err
    assert out.read_text() == "old output"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hall.yaml", "plus.yaml"]


def test_capacity_write_into_racks_written_as_a_flow_mapping_is_a_usage_error(tmp_path):
    text = Path(HALL).read_text()
    head, _, racks = text.partition("racks:\n")
    flow = "racks: {" + ", ".join(line.strip() for line in racks.splitlines()) + "}\n"
    layout = tmp_path / "flow.yaml"
    layout.write_text(head + flow)
    code, _, err = run("capacity", layout, "--rack-type", "air-10", "--write",
                       tmp_path / "plus.yaml")
    assert code == 2 and "racks: is written as one flow mapping" in err
    assert not (tmp_path / "plus.yaml").exists()


# ---------------------------------------------------------------- expand -o

def test_expand_o_of_a_file_named_with_a_line_break_reads_back(tmp_path):
    layout = tmp_path / "a\nracks: {}\n.yaml"
    layout.write_text(Path(HALL).read_text())
    out = tmp_path / "flat.yaml"
    code, _, err = run("expand", layout, "-o", out)
    assert code == 0, err
    assert out.read_text().splitlines()[0].startswith('# Flat layout expanded by `twin expand` '
                                                       'from a\\nracks: {}\\n.yaml;')
    assert len(twin.load(str(out)).layout.racks) == 3


# ---------------------------------------------------------------- NetBox CSV cells

@pytest.mark.parametrize("text", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "\0x",
                                  '=HYPERLINK("http://x","y")'])
def test_a_cell_that_starts_like_a_formula_is_neutralised(text):
    got = cell(text)
    assert got.startswith("\"'")
    assert next(csv.reader(io.StringIO(got + "\n"))) == ["'" + text]


@pytest.mark.parametrize("value, shown", [(-5, "-5"), (2.5, "2.5"), ("a-1", "a-1"),
                                          ("x,y", '"x,y"'), ("'=x", "'=x")])
def test_numbers_and_plain_text_are_written_as_they_are(value, shown):
    assert cell(value) == shown


def test_netbox_export_neutralises_hostile_names_everywhere(tmp_path, no_id_grammar):
    text = (Path(HALL).read_text().replace("r1:", '"=cmd|\' /C calc\'!A0":')
            .replace("hall-1", '"@hall"').replace("pdu-a", '"-pdu"')
            + "site: {name: \"+site\", notes: \"=1+1\"}\n")
    files = netbox_csvs(twin.load_bytes(text, "h.yaml").layout)
    for name, body in files.items():
        for row in csv.reader(io.StringIO(body)):
            for value in row:
                assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (name, value)
    racks = list(csv.DictReader(io.StringIO(files["racks.csv"])))
    assert racks[0]["name"] == "'=cmd|' /C calc'!A0" and racks[0]["location"] == "'@hall a"
    feeds = list(csv.DictReader(io.StringIO(files["power-feeds.csv"])))
    assert feeds[0]["power_panel"] == "'-pdu" and feeds[0]["site"] == "'+site"
    sites = list(csv.DictReader(io.StringIO(files["sites.csv"])))
    assert (sites[0]["name"], sites[0]["comments"]) == ("'+site", "'=1+1")


# ---------------------------------------------------------------- DOT ids

def _dot_unquote(name: str) -> str:
    """What the Graphviz lexer makes of a quoted ID: ``\\"`` is ``"``, a backslash before
    a line break joins lines, every other character stays."""
    assert name[0] == name[-1] == '"'
    body, out, i = name[1:-1], [], 0
    while i < len(body):
        pair = body[i:i + 2]
        if pair == '\\"':
            out.append('"')
            i += 2
        elif pair == "\\\\":
            out.append("\\\\")
            i += 2
        elif pair == "\\\n":
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


ODD_IDS = ["a\\b", "a\\\\b", "\\N", "x\\l", 'q"uote', 'a\\\\"b', "back\\\\", "two\nlines",
           "ends\\\\\\\\"]


def test_dot_ids_round_trip_through_a_dot_parser(no_id_grammar):
    pydot = pytest.importorskip("pydot", reason="pydot is not installed: pip install '.[test]'")
    power = "".join(f"  {json.dumps(i)}: {{kind: utility, capacity_kw: 10}}\n" for i in ODD_IDS)
    layout = twin.load_bytes(f"twin: 1\npower:\n{power}", "odd.yaml").layout
    assert [c.id for c in layout.power] == ODD_IDS
    (graph,) = pydot.graph_from_dot_data(dot(layout))
    (power_cluster,) = [g for g in graph.get_subgraphs() if g.get_name() == "cluster_power"]
    nodes = power_cluster.get_nodes()
    assert [_dot_unquote(n.get_name()) for n in nodes] == ODD_IDS
    # labels are escStrings: \\ shows one backslash, \n breaks the line
    label = nodes[0].get_attributes()["label"]
    assert label == '"a\\\\b\\nutility, 10 kW"'


@pytest.mark.parametrize("ident", ["ends\\", 'a\\"b', "x\\\nb", "nul\0"])
def test_a_dot_id_no_dot_file_can_hold_is_refused_before_anything_is_written(tmp_path, ident, no_id_grammar):
    power = f"  {json.dumps(ident)}: {{kind: utility, capacity_kw: 10}}\n"
    layout = tmp_path / "odd.yaml"
    layout.write_text(f"twin: 1\npower:\n{power}")
    code, _, err = run("export", layout, "--dot", tmp_path / "o.dot", "--netbox", tmp_path / "nb")
    assert code == 2 and "which a DOT file cannot hold as a node name" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["odd.yaml"]


# ---------------------------------------------------------------- USD names

HOSTILE = r'''twin: 1
policy: {contingency: 0}
power:
  "../../etc/passwd": {kind: utility, capacity_kw: 1000}
  "/abs\"q\nline\\": {kind: ups, capacity_kw: 500, from: "../../etc/passwd"}
cooling:
  "c\U0001F600": {kind: crah, capacity_kw: 300, supply_c: 22, power: ["/abs\"q\nline\\"],
                  to: external}
space:
  "h/..": {rows: {"r\t1": 3}}
racks:
  "=cmd|x": {it_kw: 20, hall: "h/..", row: "r\t1", pos: 1, power: ["/abs\"q\nline\\"],
             cooling: ["c\U0001F600"]}
'''


def test_usd_files_stay_inside_the_folder_whatever_the_ids(tmp_path, no_id_grammar):
    _usd()
    from pxr import Usd

    layout = tmp_path / "hostile.yaml"
    layout.write_text(HOSTILE, encoding="utf-8")
    code, _, err = run("export", layout, "--usd", tmp_path / "u")
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hostile.yaml", "u"]
    marker = json.loads((tmp_path / "u" / MARKER).read_text())
    written = {str(p.relative_to(tmp_path / "u")) for p in (tmp_path / "u").rglob("*")
               if p.is_file()}
    assert written == set(marker["files"]) | {MARKER}
    assert all(valid_name(name) for name in written - {MARKER})  # no "..", no odd character
    stage = Usd.Stage.Open(str(tmp_path / "u" / "scene.usda"))
    ids = sorted(p.GetAttribute("twin:id").Get() for p in stage.Traverse()
                 if p.GetAttribute("twin:id"))
    assert ids == sorted(["../../etc/passwd", '/abs"q\nline\\', "=cmd|x", "c\U0001F600",
                          "h/.."])


def test_an_export_killed_while_moving_in_is_recognisable_and_finished_next_time(tmp_path):
    import signal
    import textwrap
    import time

    out = tmp_path / "out"
    assert _netbox(out)[0] == 0
    (out / "mine.txt").write_text("mine")
    ready = tmp_path / "ready"
    # the child stops for good on its second move into the folder (the first CSV is in):
    # then it is SIGKILLed, so no cleanup of any kind runs
    child = textwrap.dedent(f"""
        import os, sys, time
        real, moves = os.replace, []
        def replace(src, dst):
            if os.path.dirname(dst) == {str(out)!r}:
                moves.append(dst)
                if len(moves) == 3:
                    open({str(ready)!r}, "w").close()
                    time.sleep(600)
            real(src, dst)
        os.replace = replace
        from twin.cli import main
        sys.exit(main(["export", {HALL!r}, "--netbox", {str(out)!r}]))
    """)
    proc = subprocess.Popen([sys.executable, "-c", child], cwd=ROOT)
    try:
        for _ in range(1200):  # up to 120 s on a loaded machine
            if ready.exists() or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert ready.exists(), "the child never reached the third move"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    marker = json.loads((out / MARKER).read_text())
    assert marker["complete"] is False and sorted(marker["files"]) == CSVS
    assert (out / "mine.txt").read_text() == "mine"
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")]
    assert len(leftovers) == 1 and leftovers[0].endswith(".tmp")  # documented: by hand
    assert _netbox(out)[0] == 0
    marker = json.loads((out / MARKER).read_text())
    assert marker["complete"] is True and (out / "mine.txt").read_text() == "mine"
    for name, facts in marker["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == facts["sha256"]
