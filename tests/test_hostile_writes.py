"""What twin writes, against hostile places to write and hostile names to write.

Each test is built from the input that showed a problem: an export folder that was not
twin's, a marker that points outside, an output that is the input, a symbolic link at
the destination, a rack name outside the Basic Multilingual Plane, CRLF line ends, a
cell that a spreadsheet would evaluate, a backslash in a DOT id.
"""
from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path

import mutations
import pytest

import twin
from twin.edit import add_racks, line_end
from twin.export.dot import dot
from twin.export.netbox import cell, netbox_csvs

ROOT = Path(__file__).resolve().parent.parent
HALL = str(ROOT / "tests" / "layouts" / "capacity-pdu.yaml")
BLOCKS = str(ROOT / "layouts" / "blocks" / "gb300-hall.yaml")
CSVS = ["locations.csv", "power-feeds.csv", "power-panels.csv", "racks.csv", "sites.csv"]


def run(*argv):
    return mutations.run_cli([str(a) for a in argv])


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
    assert f"a{EMOJI}-04: {{type: air-10, hall: hall-1, row: a{EMOJI}, pos: 4," in text
    loaded = twin.load(str(out))
    assert loaded.ok
    assert [r.id for r in loaded.layout.racks][3:] == [f"a{EMOJI}-{p:02d}" for p in range(4, 11)]
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


def test_netbox_export_neutralises_hostile_names_everywhere(tmp_path):
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


def test_dot_ids_round_trip_through_a_dot_parser():
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
def test_a_dot_id_no_dot_file_can_hold_is_refused_before_anything_is_written(tmp_path, ident):
    power = f"  {json.dumps(ident)}: {{kind: utility, capacity_kw: 10}}\n"
    layout = tmp_path / "odd.yaml"
    layout.write_text(f"twin: 1\npower:\n{power}")
    code, _, err = run("export", layout, "--dot", tmp_path / "o.dot", "--netbox", tmp_path / "nb")
    assert code == 2 and "which a DOT file cannot hold as a node name" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["odd.yaml"]
