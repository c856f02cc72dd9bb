"""Hostile text: no character of a layout, a file name or a weather file drives the terminal.

Every command prints lines escaped by one rule (``twin.reporters.text_reporter.one_line``):
C0 and C1 controls, DEL, line and paragraph separators, surrogates and the bidirectional
controls become Python escapes (``\\x1b``, ``\\r``, ``\\x9b``, ``\\u202e``). The HTML
report and the SVG plot carry the same escapes and stay well-formed XML.

The answers are built in two ways: from layout objects made in Python, which no loader
check stands in front of (ids holding ESC, CR, CSI and right-to-left override), and
through the command line with text that stays free whatever ids the loader accepts: file
names, the site name, weather station names, rack type names, bad values quoted back.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import yaml

from twin import api, cli
from twin.questions import floorplan as htmlreport
from twin.reporters import svg as plot
from twin.questions.capacity import search
from twin.questions.diff import compare
from twin.layout.model import (
    CoolingComponent,
    Hall,
    Layout,
    Policy,
    PowerComponent,
    Rack,
    RackType,
    Site,
)
from twin.layout.profile import Profile
from twin.questions.headroom import headroom
from twin.reporters import html_reporter, junit_reporter, text_reporter
from twin.reporters.text_reporter import one_line
from twin.questions.simulate import simulate
from twin.layout.weather import Weather

ROOT = Path(__file__).resolve().parents[2]

ESC = "\x1b[31m"    # colour red
CR = "\r"           # back to the start of the line: overwrite what came before
CSI = "\x9b2J"      # the 8-bit CSI (C1): clear the screen
RLO = "\u202e"      # right-to-left override: shows "fdp" as "pdf"
HOSTILE = (ESC, CR, CSI, RLO)
SHOWN = (r"\x1b[31m", r"\r", r"\x9b2J", r"\u202e")
#: The bidirectional controls, beside the categories Cc, Cs, Zl and Zp.
BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def unsafe(text: str) -> list[str]:
    """Characters no output may carry raw (line ends apart)."""
    return [c for c in text.replace("\n", "")
            if unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") or c in BIDI
            or c in "\ufffe\uffff"]


def assert_escaped(text: str, shown=SHOWN) -> None:
    assert unsafe(text) == [], text
    for s in shown:
        assert s in text, (s, text)


# ---------------------------------------------------------------- the one rule

@pytest.mark.parametrize("char", [
    "\x00", "\x07", "\t", "\n", "\r", "\x1b", "\x7f", "\x85", "\x9b", "\x9c", "\u061c",
    "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067",
    "\u2068", "\u2069", "\u2028", "\u2029", "\udc9b", "\ufffe", "\uffff"])
def test_one_line_writes_each_unsafe_character_as_a_python_escape(char):
    shown = char.encode("unicode_escape").decode("ascii")
    assert shown.startswith("\\") and shown.isascii()
    assert one_line(f"a{char}b") == f"a{shown}b"


def test_ordinary_text_is_returned_as_it_is():
    for text in ("ups-a1", "b1/h07/r2/ups-a", "C:\\layouts\\hall.yaml", "25 °C all year",
                 "ü 日本語 Ω 🔥 e\u0301 m² – … ×", "zero\u200bwidth", "a\\x1b literal"):
        assert one_line(text) == text


# ---------------------------------------------------------------- answers built in Python

GRID, UPS, PDU, CRAH = f"grid{ESC}", f"ups{CR}{CSI}", f"pdu{RLO}fdp", "crah\u2066\u2028"
HALL, ROW, RACK, SPARE = "hall\x1b]0;title\x07", f"row{RLO}", f"r{ESC}1", f"spare{ESC}"
FILE = f"hall{ESC}{CR}{CSI}{RLO}.yaml"
GPU = RackType(f"gpu{ESC}", it_kw=20)


def hostile_layout(it_kw: float = 60.0, contingency: int = 1, spare: bool = True,
                   file: str = FILE) -> Layout:
    """Two feeds (A hostile, B plain), two CRAHs, one rack in a hall; ids full of escapes."""
    power = [PowerComponent(GRID, "utility", 1000.0, failable=False),
             PowerComponent(UPS, "ups", 100.0, sources=(GRID,)),
             PowerComponent("ups-b", "ups", 100.0, sources=(GRID,)),
             PowerComponent(PDU, "pdu", 100.0, sources=(UPS,)),
             PowerComponent("pdu-b", "pdu", 100.0, sources=("ups-b",))]
    if spare:
        power.append(PowerComponent(SPARE, "pdu", 100.0, sources=(GRID,)))
    cooling = (CoolingComponent(CRAH, "crah", 200.0), CoolingComponent("crah-2", "crah", 200.0))
    rack = Rack(RACK, it_kw, type=GPU.name, power=(PDU, "pdu-b"), cooling=(CRAH, "crah-2"),
                hall=HALL, row=ROW, pos=1)
    return Layout(file, site=Site(name=f"site{ESC}{RLO}"), policy=Policy(contingency=contingency),
                  rack_types=(GPU,), power=tuple(power), cooling=cooling,
                  halls=(Hall(HALL, 100.0, rows=((ROW, 6),)),), racks=(rack,))


def test_validate_escapes_ids_in_findings_and_the_summary():
    report = api.validate(hostile_layout())
    assert [f.code for f in report.findings] == ["T002"]  # the spare PDU feeds nothing
    out, err = text_reporter.validation([report])
    assert_escaped(out, (r"spare\x1b[31m", r"hall\x1b[31m\r\x9b2J\u202e.yaml"))
    assert_escaped(err, (r"hall\x1b[31m\r\x9b2J\u202e.yaml: 0 error(s), 1 warning(s)",))


def test_whatif_escapes_the_failed_ids_what_is_down_and_the_overloads():
    layout = hostile_layout(it_kw=150.0, spare=False)  # one feed left carries 150 of 100 kW
    text = text_reporter.whatif(api.whatif(layout, [UPS]))
    assert_escaped(text)
    lines = text.splitlines()
    assert lines[0] == r"hall\x1b[31m\r\x9b2J\u202e.yaml: what if ups\r\x9b2J fails"
    assert lines[1] == r"down: ups\r\x9b2J, pdu\u202efdp"
    assert r"  pdu-b (pdu) 150.0 kW of 100.0 kW (150.0%, failover limit 100%)" in lines


def test_capacity_escapes_the_type_halls_rows_and_placed_racks():
    result = search(hostile_layout(spare=False), GPU)
    text = text_reporter.capacity(result)
    assert_escaped(text, (*SHOWN, r"gpu\x1b[31m", r"hall\x1b]0;title\x07"))
    assert text.splitlines()[0] == (r"hall\x1b[31m\r\x9b2J\u202e.yaml: 2 more gpu\x1b[31m "
                                    "rack(s) fit (N-1 included)")
    # the new rack's id is made of what the id grammar allows; the row keeps its name
    assert r"  row-02  hall\x1b]0;title\x07 row\u202e pos 2  power pdu\u202efdp, pdu-b" \
        in text


def test_report_escapes_components_and_halls_and_keeps_the_columns_aligned():
    text = text_reporter.headroom(headroom(api.snapshot(hostile_layout(spare=False))))
    assert_escaped(text, (*SHOWN, r"hall\x1b]0;title\x07", r"gpu\x1b[31m"))
    lines = text.splitlines()
    row = next(x for x in lines if x.startswith("ups\\r"))
    head = next(x for x in lines if x.startswith("component"))
    # the escaped id is padded, not the raw one: "capacity kW" ends where the figure ends
    assert row.index("100.0") + len("100.0") == head.index("capacity kW") + len("capacity kW")


def test_diff_escapes_findings_and_margins():
    old = api.Loaded(FILE, hostile_layout(spare=False))
    new = api.Loaded(FILE, hostile_layout(it_kw=80.0))
    text = text_reporter.diff(compare(old, new))
    assert_escaped(text)
    assert text.splitlines()[0] == (r"twin diff hall\x1b[31m\r\x9b2J\u202e.yaml -> "
                                    r"hall\x1b[31m\r\x9b2J\u202e.yaml")
    assert r"  + hall\x1b[31m\r\x9b2J\u202e.yaml:1:1: warning T002 pdu spare\x1b[31m" in text
    assert r"  pdu\u202efdp N-1 margin 40.0% -> 20.0% (worst set: ups-b)" in text


def test_simulate_escapes_the_file_station_profile_and_components(tmp_path):
    layout = hostile_layout(it_kw=250.0, spare=False, contingency=0)  # CRAHs 400 kW of 250
    t = np.full(24, 25.0)
    station = f"Station{ESC}{CR}{CSI}{RLO}"
    sim = simulate(layout, Weather("epw", station, t, t.copy()), Profile(
        f"load{RLO}.csv", "typical", np.ones(24)), hours=24)
    text = text_reporter.simulation(sim)
    assert_escaped(text, (*SHOWN, r"weather Station\x1b[31m\r\x9b2J\u202e (epw)",
                          r"  pdu\u202efdp (pdu): 24 h"))
    svg = plot.svg(sim)
    assert unsafe(svg) == []
    root = ET.fromstring(svg)  # well-formed XML
    texts = "".join(root.itertext())
    assert r"hall\x1b[31m\r\x9b2J\u202e.yaml: hourly PUE" in texts
    assert r"weather Station\x1b[31m\r\x9b2J\u202e, load load\u202e.csv" in texts


def test_junit_attributes_carry_the_same_escapes():
    report = api.validate(hostile_layout())
    xml, _ = junit_reporter.validation([report])
    assert unsafe(xml) == []
    root = ET.fromstring(xml.split("\n", 1)[1])
    suite = root.find("testsuite")
    assert suite.get("name") == r"hall\x1b[31m\r\x9b2J\u202e.yaml"


# ---------------------------------------------------------------- the HTML report

#: What XML 1.0 allows (its Char production).
XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _page(layout: Layout) -> str:
    report = api.validate(layout)
    snap = api.snapshot(layout)
    return html_reporter.html(htmlreport.build(snap, report, headroom(snap)))


class _Strict(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.titles = 0

    def handle_starttag(self, tag, attrs):
        self.titles += tag == "title"

    def handle_data(self, data):
        self.text.append(data)


def test_html_report_with_control_characters_in_ids_is_well_formed():
    page = _page(hostile_layout())
    assert XML_CHAR.search(page) is None  # not even as &#x1b;: XML forbids the character
    assert "&#" not in page
    assert unsafe(page) == []
    root = ET.fromstring(page.split("\n", 1)[1])  # raises on anything not well-formed
    text = "".join(root.itertext())
    for shown in (r"site\x1b[31m\u202e", r"hall\x1b]0;title\x07", r"row\u202e",
                  r"spare\x1b[31m", r"ups\r\x9b2J"):
        assert shown in text, shown
    # the rack's data attribute carries the escaped id, quoted
    rack = next(e for e in root.iter() if e.get("data-rack"))
    assert rack.get("data-rack") == r"r\x1b[31m1"
    # a tooltip keeps its own line breaks, one per line of facts, and no id adds any
    tip = rack.find("title").text.split("\n")
    assert tip[0].startswith(r"r\x1b[31m1 · gpu\x1b[31m · 60.0 kW · row row\u202e pos 1")
    assert tip[-2:] == [r"power: pdu\u202efdp, pdu-b", r"cooling: crah\u2066\u2028, crah-2"]
    parser = _Strict()
    parser.feed(page)
    parser.close()
    assert parser.titles >= 1 and r"site\x1b[31m\u202e" in "".join(parser.text)


def test_html_report_through_the_command_line_with_a_hostile_site_name(tmp_path):
    layout = tmp_path / f"hall{ESC}.yaml"
    layout.write_text('twin: 1\nsite: {name: "site\\e[31m\\r\\x9b2J\\u202e"}\n'
                      "power:\n  grid: {kind: utility, capacity_kw: 100}\n"
                      "  pdu: {kind: pdu, capacity_kw: 50, from: grid}\n"
                      "racks:\n  r1: {it_kw: 10, power: pdu}\n", encoding="utf-8")
    out = tmp_path / f"page{RLO}.html"
    code, stdout, stderr = _main("report", str(layout), "--html", str(out))
    assert code == 1  # R001, C004: a single feed and no air unit
    assert_escaped(stdout + stderr, (r"hall\x1b[31m.yaml",))
    assert one_line(f"twin: wrote {out}") in stderr
    page = out.read_text(encoding="utf-8")
    assert XML_CHAR.search(page) is None and unsafe(page) == []
    root = ET.fromstring(page.split("\n", 1)[1])
    assert root.find("body/header/h1").text == r"site\x1b[31m\r\x9b2J\u202e"


# ---------------------------------------------------------------- the command line

#: A clean layout with a hall and a rack type: every command has something to say.
CLEAN = """\
twin: 1
site: {name: "site\\e[31m\\u202e"}
catalog:
  rack_types:
    "gpu\\e[31m\\u202e": {it_kw: 20, description: "d\\e[2J"}
power:
  grid: {kind: utility, capacity_kw: 1000, failable: false}
  ups-a: {kind: ups, capacity_kw: 100, from: grid}
  ups-b: {kind: ups, capacity_kw: 100, from: grid}
cooling:
  crah-1: {kind: crac, capacity_kw: 200}
  crah-2: {kind: crac, capacity_kw: 200}
space:
  h1: {area_m2: 100, rows: {r1: 6}}
racks:
  r1-01: {type: "gpu\\e[31m\\u202e", power: [ups-a, ups-b], cooling: [crah-1, crah-2],
          hall: h1, row: r1, pos: 1}
"""
NAME = f"hall{ESC}{CR}{CSI}{RLO}.yaml"
NAME_SHOWN = r"hall\x1b[31m\r\x9b2J\u202e.yaml"


def _main(*argv):
    """``twin.cli.main`` with stdout and stderr captured as text."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(list(argv))
        except SystemExit as exc:  # argparse
            code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.fixture()
def clean(tmp_path):
    path = tmp_path / NAME
    path.write_text(CLEAN, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("argv, code, shown", [
    (["validate", "{}"], 0, ("{path}: 0 error(s), 0 warning(s)",)),
    (["whatif", "{}", "--fail", "ups-a"], 0, ("{path}: what if ups-a fails",)),
    (["capacity", "{}", "--rack-type", f"gpu{ESC}{RLO}"], 0,
     (r"{path}: 4 more gpu\x1b[31m\u202e rack(s) fit (N-1 included)",)),
    (["report", "{}"], 0, ("{path}: headroom", r"gpu\x1b[31m\u202e")),
    (["diff", "{}", "{}"], 0, ("twin diff {path} -> {path}",)),
    (["simulate", "{}", "--hours", "24", "--no-progress"], 0, ("{path}: 24 h simulated",)),
    (["expand", "{}"], 0, (f"# Flat layout expanded by `twin expand` from {NAME_SHOWN}; ",)),
    (["export", "{}", "--dot", "{}.dot"], 0, ("wrote {path}.dot",)),
    (["capacity", "{}", "--rack-type", f"x{ESC}"], 2,
     (r"twin: error: --rack-type: unknown rack type 'x\x1b[31m'",)),
    (["capacity", "{}", "--rack-type", f"gpu{ESC}{RLO}", "--hall", f"h{CSI}"], 2,
     (r"twin: error: --hall: 'h\x9b2J' is not a hall of {path}",)),
    (["whatif", "{}", "--fail", f"ups{RLO}"], 2,
     (r"'ups\u202e' is not a power or cooling component of {path}",)),
    (["report", "{}", "--html", "{}.d"], 2, ("twin: error: --html: {path}.d is a directory",)),
    (["schema", f"{ESC}{CR}"], 2, (r"twin: error: unrecognized arguments: \x1b[31m\r",)),
    (["validate", f"{{}}{CSI}"], 2, (r"twin: error: {path}\x9b2J: no such file",)),
])
def test_every_command_escapes_file_names_types_and_quoted_values(clean, argv, code, shown):
    if "{}.d" in argv:
        os.mkdir(clean + ".d")
    got, out, err = _main(*(a.replace("{}", clean) for a in argv))
    assert got == code, (out, err)
    text = out + err
    assert unsafe(text) == [], text
    for s in shown:
        assert s.replace("{path}", one_line(clean)) in text, (s, text)
    for raw in HOSTILE:
        assert raw not in text


def test_expand_keeps_one_comment_line_and_escapes_bidi_controls_in_yaml(tmp_path):
    # a file name with a line break could add YAML to the output; a bidi control in a
    # plain scalar would reorder the line on screen: both are escaped, the text re-reads
    path = tmp_path / "a\nevil: 1\n#.yaml"
    path.write_text(CLEAN.replace('"site\\e[31m\\u202e"', "site\u202e\u2066"), encoding="utf-8")
    code, out, err = _main("expand", str(path))
    assert code == 0, err
    assert unsafe(out) == [] and out.startswith("# Flat layout expanded by `twin expand` from "
                                                r"a\nevil: 1\n#.yaml; ")
    assert out.splitlines()[2] == "site:"
    tree = yaml.safe_load(out)
    assert "evil" not in tree and tree["site"]["name"] == "site\u202e\u2066"
    assert tree["racks"]["r1-01"]["type"] == "gpu\x1b[31m\u202e"


def test_a_layout_with_control_characters_in_ids_never_reaches_the_terminal_raw(tmp_path):
    # whether the loader takes such ids or refuses them with a finding quoting them,
    # what it prints is escaped
    path = tmp_path / "ids.yaml"
    path.write_text('twin: 1\npower:\n  g: {kind: utility, capacity_kw: 10}\n'
                    '  "p\\e[31m\\r\\x9b2J\\u202e": {kind: pdu, capacity_kw: 10, from: g}\n',
                    encoding="utf-8")
    for argv in (["validate", str(path)], ["report", str(path)], ["capacity", str(path),
                 "--rack-type", "gb300-nvl72"], ["diff", str(path), str(path)],
                 ["whatif", str(path), "--fail", "g"], ["expand", str(path)],
                 ["validate", str(path), "--format", "junit"]):
        _, out, err = _main(*argv)
        assert unsafe(out + err) == [], (argv, out, err)
        assert not any(raw in out + err for raw in HOSTILE)
    _, out, err = _main("validate", str(path))
    assert r"p\x1b[31m\r\x9b2J\u202e" in out + err


def test_undecodable_bytes_of_a_file_name_are_shown_as_escapes(tmp_path):
    # a lone 0x9b byte is not UTF-8: Python reads it as a surrogate, which the C locale
    # would write back as the raw byte, an 8-bit CSI
    name = os.fsencode(tmp_path) + b"/hall\x9b\x1b.yaml"
    with open(name, "w", encoding="utf-8") as handle:
        handle.write("twin: 1\npower:\n  grid: {kind: utility, capacity_kw: 10}\n")
    env = {**os.environ, "LC_ALL": "C", "PYTHONIOENCODING": ""}
    proc = subprocess.run([sys.executable, "-m", "twin", "validate", name], capture_output=True,
                          cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stderr
    assert b"\x9b" not in proc.stdout + proc.stderr and b"\x1b" not in proc.stdout + proc.stderr
    assert b"hall\\udc9b\\x1b.yaml:3:3: warning T002 utility grid feeds nothing" in proc.stdout


def test_catalog_import_escapes_rack_names_and_notes(tmp_path):
    device = tmp_path / f"dev{ESC}.yaml"
    device.write_text("manufacturer: Acme\nmodel: M1\nslug: m1\nu_height: 1\n"
                      "power-ports:\n  - name: p1\n    type: iec-60320-c14\n"
                      "    maximum_draw: 500\n", encoding="utf-8")
    code, out, err = _main("catalog", "import", str(device), "--rack", f"r{RLO}{CSI}=M1*2")
    assert code == 0, err
    assert unsafe(out + err) == []
    # the snippet is YAML: YAML's own escapes, and the same name read back
    assert '    "r\\u202E\\x9B2J":\n' in out
    assert list(yaml.safe_load(out)["catalog"]["rack_types"]) == [f"r{RLO}{CSI}"]
    assert r"dev\x1b[31m.yaml:1:1: warning weight-unknown rack type 'r\u202e\x9b2J'" in err
    _, out, err = _main("catalog", "import", str(device), "--rack", f"r{RLO}=M1*2",
                        "--format", "json")
    assert unsafe(out + err) == [] and f"r{RLO}" in json.loads(out)["rack_types"]


# ---------------------------------------------------------------- what capacity checked

THREE_FEEDS = """\
twin: 1
policy: {{contingency: {k}}}
catalog:
  rack_types:
    t: {{it_kw: 20}}
power:
  a: {{kind: utility, capacity_kw: 100}}
  b: {{kind: utility, capacity_kw: 100}}
  c: {{kind: utility, capacity_kw: 100}}
cooling:
  crah: {{kind: crac, capacity_kw: 1000, failable: false}}
space:
  h: {{area_m2: 100, rows: {{r: 10}}}}
racks:
  r1: {{type: t, power: [a, b, c], cooling: crah, hall: h, row: r, pos: 1}}
"""


@pytest.mark.parametrize("k, scope", [
    (0, "normal operation only: policy.contingency is 0"),
    (1, "N-1 included"),
    (2, "N-1 included; N-2 is not searched, `twin validate` the result"),
])
def test_capacity_says_which_failures_it_checked(tmp_path, k, scope):
    path = tmp_path / "three.yaml"
    path.write_text(THREE_FEEDS.format(k=k), encoding="utf-8")
    code, out, err = _main("capacity", str(path), "--rack-type", "t")
    assert code == 0, err
    # 9 free positions; 3 x 100 kW in normal operation and 2 x 100 kW with one feed down
    # both take 9 more 20 kW racks (200 kW in all); two feeds down would take 4
    assert out.splitlines()[0] == f"{path}: 9 more t rack(s) fit ({scope})"
    _, out, _ = _main("capacity", str(path), "--rack-type", "t", "--format", "json")
    assert set(json.loads(out)) == {"file", "rack_type", "fits", "requested", "placed",
                                    "binding", "halls", "notes"}


@pytest.mark.parametrize("k, title, columns", [
    (0, "headroom (normal operation only: policy.contingency is 0)", "margin kW"),
    (1, "headroom (normal operation and worst single failure)",
     "N-1 load kW N-1 util  N-1 margin  worst set"),
    (2, "headroom (normal operation and worst failure set of up to 2 components)",
     "N-2 load kW N-2 util  N-2 margin  worst set"),
])
def test_report_says_which_failure_sets_its_worst_case_is_read_over(tmp_path, k, title,
                                                                    columns):
    path = tmp_path / "three.yaml"
    path.write_text(THREE_FEEDS.format(k=k), encoding="utf-8")
    code, out, err = _main("report", str(path))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"{path}: {title}"
    assert lines[2].endswith(columns)
    a = next(x for x in lines if x.startswith("a "))
    # a carries 20 / 3 kW; 10 kW with b down; 20 kW with b and c down
    worst = {0: None, 1: "10.0    10.0%        90.0  b", 2: "20.0    20.0%        80.0  b, c"}[k]
    assert a.endswith("93.3") if worst is None else a.endswith(worst)
    hall = lines.index(next(x for x in lines if x.startswith("stranded capacity per hall")))
    assert lines[hall].endswith("; searched with N-1, not N-2)" if k == 2 else "type)")
