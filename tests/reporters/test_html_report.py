"""twin report --html: the page's model, its markup, and the page in a real headless Chromium."""
from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import twin
from twin import api
from twin.questions import floorplan as htmlreport
from twin.questions import oneline
from twin.questions.headroom import headroom
from twin.reporters.html_reporter import html

ROOT = Path(__file__).resolve().parents[2]
HALL = ROOT / "layouts" / "gb300-hall.yaml"
ARTIFACTS = ROOT / "tests" / "artifacts"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _model(path, text=None):
    loaded = twin.load(str(path)) if text is None else api.load_bytes(text, str(path))
    report = api.validate(loaded)
    snap = api.snapshot(loaded.layout)
    return htmlreport.build(snap, report, headroom(snap))


@pytest.fixture(scope="module")
def hall_model():
    return _model(HALL)


@pytest.fixture(scope="module")
def hall_page(hall_model):
    return html(hall_model)


def _tree(page: str) -> ET.Element:
    assert page.startswith("<!DOCTYPE html>\n")
    return ET.fromstring(page.split("\n", 1)[1])  # raises on anything not well-formed


# ---------------------------------------------------------------- the model

def test_floor_plan_geometry_follows_rows_positions_and_footprint(hall_model):
    (plan,) = hall_model.floors
    racks = {r.id: r for r in plan.racks}
    # GB300 NVL72: 0.6408 m2 footprint -> 0.6 m wide, 0.6408 / 0.6 = 1.068 m deep
    r = racks["r1-01"]
    assert (r.x_m, r.y_m, r.width_m) == pytest.approx((1.2, 1.2, 0.6))
    assert r.depth_m == pytest.approx(1.068)
    # position 10 of row r1: 1.2 m margin + 9 x 0.6 m
    assert racks["r1-10"].x_m == pytest.approx(1.2 + 9 * 0.6)
    # row r2 starts one row depth and one 1.2 m aisle below r1
    assert racks["r2-01"].y_m == pytest.approx(1.2 + 1.068 + 1.2)
    # 12 positions x 0.6 m + two margins; 4 rows of 1.068 m, 3 aisles, two margins
    assert plan.width_m == pytest.approx(12 * 0.6 + 2.4)
    assert plan.height_m == pytest.approx(4 * 1.068 + 3 * 1.2 + 2.4)
    assert [row.length_m for row in plan.rows] == pytest.approx([7.2] * 4)


def test_rack_margin_is_the_tightest_component_it_depends_on(hall_model):
    (plan,) = hall_model.floors
    r = next(c for c in plan.racks if c.id == "r1-01")
    # ups-a1 upstream of its busway: 1,500 - 1,420 kW with side B down = 80 kW = 5.33 %;
    # crah-1 ties (150 - 568 / 4 = 8 kW of 150): the power chain is met first
    assert r.margin == pytest.approx(80 / 1500)
    assert (r.binding, r.binding_scenario) == ("ups-a1", ("mv-b",))
    assert r.band == "tight" and r.lost_under is None


def test_default_footprint_and_bands_on_an_inline_layout(tmp_path):
    text = """\
twin: 1
power:
  u: {kind: utility, capacity_kw: 1000, failable: false}
  p1: {kind: pdu, capacity_kw: 100, from: u}
  p2: {kind: pdu, capacity_kw: 100, from: u}
cooling:
  c1: {kind: crac, capacity_kw: 100}
  c2: {kind: crac, capacity_kw: 100}
space:
  h: {rows: {a: 3, b: 2}}
racks:
  r1: {it_kw: 40, power: [p1, p2], cooling: [c1, c2], hall: h, row: a, pos: 2}
  r2: {it_kw: 40, power: [p1, p2], cooling: [c1, c2], hall: h, row: b, pos: 1}
  r3: {it_kw: 10, power: [p1], cooling: [c1, c2]}
"""
    model = _model(tmp_path / "x.yaml", text)
    (plan,) = model.floors
    cells = {r.id: r for r in plan.racks}
    # default 0.72 m2 -> 0.6 x 1.2 m; pos 2 -> x = 1.2 + 0.6; row b below a 1.2 m aisle
    assert (cells["r1"].x_m, cells["r1"].depth_m) == pytest.approx((1.8, 1.2))
    assert cells["r2"].y_m == pytest.approx(1.2 + 1.2 + 1.2)
    # r3 has no floor position: drawn in the unplaced strip, and lost when p1 fails
    assert [r.id for r in model.unplaced.racks] == ["r3"]
    assert model.unplaced.racks[0].band == "lost"
    assert model.unplaced.racks[0].lost_under == ("p1",)
    # p1 or p2 alone: 45 kW of 100 kW, 55 % margin; c1 or c2 alone 90 of 100: 10 %
    assert cells["r1"].margin == pytest.approx(0.10)
    assert cells["r1"].band == "moderate"
    rows = {row.scenario: row for row in model.n1}
    assert rows[("p1",)].racks_down == ("r3",)
    assert rows[("p1",)].it_lost_kw == pytest.approx(10.0)
    assert model.n1[0].scenario == ("p1",)  # the set that takes a rack down comes first


@pytest.mark.parametrize("margin, lost, band", [
    (None, True, "lost"), (0.5, True, "lost"), (None, False, "unknown"), (-0.01, False, "over"),
    (0.0, False, "tight"), (0.0999, False, "tight"), (0.10, False, "moderate"),
    (0.25, False, "ample")])
def test_bands_at_their_boundaries(margin, lost, band):
    assert htmlreport.band_of(margin, lost) == band


def test_n1_table_lists_the_sets_that_matter_and_counts_the_rest(hall_model):
    s = hall_model.n1_summary
    assert (s.k, s.scenarios, s.with_outages, s.overload_sets) == (1, 69, 0, 0)
    assert s.listed == len(hall_model.n1) == s.worst_sets
    rows = {row.scenario: row for row in hall_model.n1}
    # mv-b down: every side-A UPS carries its whole row, 1,420 of 1,500 kW
    assert rows[("mv-b",)].tightest_margin == pytest.approx(80 / 1500)
    assert rows[("mv-b",)].racks_down == () and rows[("mv-b",)].overloaded == ()


@pytest.mark.parametrize("layout", ["tests/layouts/broken/hall-power-overload.yaml",
                                    "tests/layouts/broken/hall-single-path.yaml",
                                    "layouts/edge-pod.yaml"])
def test_n1_rows_agree_with_whatif(layout):
    model = _model(ROOT / layout)
    assert model.n1
    for row in model.n1:
        w = api.whatif(str(ROOT / layout), row.scenario)
        assert row.racks_down == w.racks_down
        assert row.racks_without_cooling == tuple(r for r, _ in w.racks_without_cooling)
        assert [(c, pytest.approx(u)) for c, u, _ in row.overloaded] == [
            (o.component, o.utilization) for o in w.overloaded]


def test_power_diagram_is_layered_from_the_sources(hall_model):
    d = hall_model.power
    assert d.level is None and d.components == 52
    nodes = {n.key: n for n in d.nodes}
    depth = {k: n.depth for k, n in nodes.items()}
    assert depth["util-a"] == depth["gen-a1"] == 0
    assert depth["genbus-a"] == 1 and depth["mv-a"] == 2 and depth["ups-a1"] == 4
    racks = [n for n in d.nodes if n.kind == "racks"]
    # eight busway pairs, five racks each, in the last column
    assert sorted(n.count for n in racks) == [5] * 8
    assert all(n.depth == max(depth.values()) for n in racks)
    for e in d.edges:  # every link runs left to right
        assert nodes[e.source].depth < nodes[e.target].depth


def test_cooling_diagram_runs_from_the_racks_to_the_plant(hall_model):
    nodes = {n.key: n for n in hall_model.cooling.nodes}
    racks = [n for n in nodes.values() if n.kind == "racks"]
    assert len(racks) == 1 and racks[0].count == 40 and racks[0].depth == 0
    assert nodes["cdu-1"].depth == 1 and nodes["fws"].depth == 2 and nodes["dc-1"].depth == 3


def test_block_ids_are_grouped_by_prefix_when_the_diagram_is_large():
    key, label = oneline._grouper(1)("b3/h07/r2/ups-a", 4, "ups")
    assert label == "b3/…/ups-a" and key == "b3|4|ups|ups-a"
    key, label = oneline._grouper(1)("b1/gen-a17", 0, "generator")
    assert label == "b1/gen-a#"
    assert oneline._grouper(None)("b1/gen-a17", 0, "generator") == ("b1/gen-a17",) * 2


def test_a_block_written_site_is_grouped_by_prefix_and_loses_no_component(tmp_path):
    # two buildings of six example halls: 488 power components and their loads, past 400
    # boxes; 228 cooling components and 12 rack groups, within 400
    shutil.copy(ROOT / "layouts" / "blocks" / "gb300-hall.yaml", tmp_path / "hall.yaml")
    text = """\
twin: 1
include: hall.yaml
blocks:
  building:
    power:
      util-a: {kind: utility, capacity_kw: 100000}
      util-b: {kind: utility, capacity_kw: 100000}
      mv-a: {kind: switchgear, capacity_kw: 100000, from: util-a}
      mv-b: {kind: switchgear, capacity_kw: 100000, from: util-b}
    instances:
      h{1..6}: {block: hall, with: {mv_a: mv-a, mv_b: mv-b}}
instances:
  b{1..2}: {block: building}
"""
    layout = tmp_path / "site.yaml"
    layout.write_text(text)
    model = _model(layout)
    assert model.counts["racks"] == 480 and len(model.floors) == 12
    assert (model.power.level, model.cooling.level) == (2, None)
    for d, total in ((model.power, model.counts["power components"]),
                     (model.cooling, model.counts["cooling components"])):
        assert len(d.nodes) <= oneline.MAX_DIAGRAM_NODES
        # every component in exactly one box, every rack in one load box
        assert sum(n.count for n in d.nodes if not n.key.startswith("load|")) == total
        assert sum(n.count for n in d.nodes if n.kind == "racks") == 480
        depth = {n.key: n.depth for n in d.nodes}
        assert all(depth[e.source] < depth[e.target] for e in d.edges)
    labels = {n.label: n.count for n in model.power.nodes}
    assert labels["b1/h1/…/ups-a"] == 4  # the hall's four rows, side A
    assert labels["b2/util-a"] == 1
    page = html(model)
    assert len([e for e in _tree(page).iter("rect") if e.get("data-rack")]) == 480


# ---------------------------------------------------------------- the markup

def test_one_rack_rect_per_rack_and_well_formed(hall_page):
    root = _tree(hall_page)
    racks = [e.get("data-rack") for e in root.iter("rect") if e.get("data-rack") is not None]
    assert len(racks) == 40 and len(set(racks)) == 40
    assert sorted(racks) == sorted(f"r{r}-{p:02d}" for r in range(1, 5) for p in range(1, 11))
    rect = next(e for e in root.iter("rect") if e.get("data-rack") == "r1-01")
    title = rect.find("title").text
    assert "r1-01" in title and "N-1 margin 5.3%" in title and "ups-a1" in title


def test_page_is_self_contained(hall_page):
    root = _tree(hall_page)
    for e in root.iter():
        for attr in ("src", "href", "xlink:href", "{http://www.w3.org/1999/xlink}href"):
            value = e.get(attr)
            assert value is None or value.startswith("#"), (e.tag, attr, value)
        assert e.tag not in ("link", "img", "iframe", "object", "embed")
    assert not re.search(r"https?://", hall_page)
    assert "@import" not in hall_page and "url(" not in hall_page


def test_page_has_every_section(hall_page):
    root = _tree(hall_page)
    ids = {e.get("id") for e in root.iter() if e.get("id")}
    assert {"kpis", "floor", "power", "cooling", "findings", "n1", "tip"} <= ids
    assert "5,680.0 kW" in hall_page and "1.122" in hall_page  # IT power and PUE at 36 °C


def test_findings_and_failure_sets_of_a_broken_layout_are_tabled():
    page = html(_model(ROOT / "tests" / "layouts" / "broken" / "hall-power-overload.yaml"))
    root = _tree(page)
    rows = [tr for tr in root.iter("tr") if tr.get("class") == "error"]
    assert len(rows) == 5  # P001, P003 twice (normal, and with mv-b failed), P004, R002
    assert any("P001" in "".join(tr.itertext()) for tr in rows)
    n1 = next(e for e in root.iter("section") if e.get("id") == "n1")
    text = "".join(n1.itertext())
    assert "bw-a-r1-1 173.3% (limit 100%)" in text  # R002: mv-b down
    # a rack that overloads is coloured over, not ample
    bands = {e.get("data-rack"): e.get("data-band") for e in root.iter("rect")
             if e.get("data-rack")}
    assert bands["r1-01"] == "over"


def test_cli_writes_the_page_atomically(tmp_path):
    out = tmp_path / "hall.html"
    proc = subprocess.run([sys.executable, "-m", "twin", "report", str(HALL), "--html", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "N-1 margin" in proc.stdout and f"wrote {out}" in proc.stderr
    assert len(re.findall(r"<rect [^>]*data-rack=", out.read_text(encoding="utf-8"))) == 40
    assert [p.name for p in tmp_path.iterdir()] == ["hall.html"]  # no temporary file left


def test_cli_html_usage_errors(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "twin", "report", str(HALL), "--html",
                           str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and "is a directory" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "twin", "report", str(HALL), "--html",
                           str(tmp_path / "missing" / "x.html")], capture_output=True, text=True,
                          cwd=ROOT)
    assert proc.returncode == 2 and "cannot write" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_does_not_write_a_page_for_a_layout_that_does_not_load(tmp_path):
    out = tmp_path / "x.html"
    bad = ROOT / "tests" / "layouts" / "broken" / "pod-invalid-yaml.yaml"
    proc = subprocess.run([sys.executable, "-m", "twin", "report", str(bad), "--html", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 1 and "not written" in proc.stderr and not out.exists()


# ---------------------------------------------------------------- in a real browser

def _browser() -> str | None:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


class _DevTools:
    """A minimal Chrome DevTools Protocol client over one page's websocket."""

    def __init__(self, url: str):
        import websocket

        self.ws = websocket.create_connection(url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_for(self, method: str, limit_s: float = 30.0) -> dict:
        deadline = time.monotonic() + limit_s
        for e in self.events:
            if e.get("method") == method:
                return e
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            self.events.append(msg)
            if msg.get("method") == method:
                return msg
        raise TimeoutError(method)

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")


@pytest.fixture()
def chromium(tmp_path):
    """A headless Chromium started for this test, with its DevTools page socket."""
    pytest.importorskip("websocket", reason="websocket-client is in the test extra: "
                        "pip install '.[test]'")
    exe = _browser()
    if exe is None:
        pytest.skip("no Chromium on this machine: install it with `apt-get install chromium` "
                    "(.ci/run does when apt-get is available)")
    profile = tempfile.mkdtemp(prefix="twin-chromium-")
    proc = subprocess.Popen(
        [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--remote-debugging-port=0", f"--user-data-dir={profile}",
         "--window-size=1280,900", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = Path(profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{exe} did not start its DevTools endpoint")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as r:
            pages = [t for t in json.load(r) if t.get("type") == "page"]
        tools = _DevTools(pages[0]["webSocketDebuggerUrl"])
        yield tools
        tools.ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


def test_the_hall_report_renders_in_headless_chromium(chromium, tmp_path):
    out = tmp_path / "gb300-hall.html"
    proc = subprocess.run([sys.executable, "-m", "twin", "report", str(HALL), "--html", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    for domain in ("Runtime", "Log", "Page", "Network"):
        chromium.call(f"{domain}.enable")
    chromium.call("Emulation.setDeviceMetricsOverride", width=1280, height=900,
                  deviceScaleFactor=1, mobile=False)
    chromium.call("Page.navigate", url=out.as_uri())
    chromium.wait_for("Page.loadEventFired")
    racks = chromium.evaluate("document.querySelectorAll('svg rect[data-rack]').length")
    assert racks == 40
    # the tooltip: move the mouse over rack r2-05 and read what shows
    box = chromium.evaluate(
        "(function(){var e=document.querySelector('rect[data-rack=\"r2-05\"]');"
        "e.scrollIntoView({block:'center'});var b=e.getBoundingClientRect();"
        "return [b.x+b.width/2,b.y+b.height/2,b.width,b.height];})()")
    assert box[2] == pytest.approx(0.6 * 40, abs=0.5)  # to scale: 0.6 m at 40 px/m
    assert box[3] == pytest.approx(1.068 * 40, abs=0.5)
    chromium.call("Input.dispatchMouseEvent", type="mouseMoved", x=box[0], y=box[1])
    tip = chromium.evaluate("(function(){var t=document.getElementById('tip');"
                            "return t.hidden ? null : t.textContent;})()")
    assert tip is not None and tip.startswith("r2-05 · gb300-nvl72 · 142.0 kW")
    # the whole page, with the tooltip of rack r2-05 showing
    chromium.evaluate("window.scrollTo(0,0)")
    box = chromium.evaluate(
        "(function(){var b=document.querySelector('rect[data-rack=\"r2-05\"]')"
        ".getBoundingClientRect();return [b.x+b.width/2,b.y+b.height/2];})()")
    chromium.call("Input.dispatchMouseEvent", type="mouseMoved", x=box[0], y=box[1])
    height = chromium.evaluate("document.documentElement.scrollHeight")
    shot = chromium.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": 1280, "height": height, "scale": 1})
    ARTIFACTS.mkdir(exist_ok=True)
    png = ARTIFACTS / "gb300-hall-report.png"
    png.write_bytes(base64.b64decode(shot["data"]))
    print(f"screenshot: {png}")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # a last round trip so every console message of the page has arrived
    chromium.evaluate("1")
    errors = [e for e in chromium.events if e.get("method") == "Runtime.exceptionThrown"
              or (e.get("method") == "Runtime.consoleAPICalled"
                  and e["params"]["type"] in ("error", "assert"))
              or (e.get("method") == "Log.entryAdded"
                  and e["params"]["entry"]["level"] == "error")]
    assert errors == []
    requests = [e["params"]["request"]["url"] for e in chromium.events
                if e.get("method") == "Network.requestWillBeSent"]
    assert requests == [out.as_uri()]  # nothing fetched but the page itself
