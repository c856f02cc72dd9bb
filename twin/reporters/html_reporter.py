"""HTML reporter: one self-contained page (inline CSS, SVG and script) from a report model.

It renders :class:`twin.questions.floorplan.HtmlReport` and computes nothing: every position,
margin and band comes from the model. The page fetches nothing (no fonts, images,
scripts or styles from elsewhere) and is well-formed XML after its doctype, so it can
be parsed as well as displayed: every text and attribute value goes through :func:`_e`,
which escapes what no output may carry (control characters, which XML 1.0 forbids even
as ``&#x1b;``, and bidirectional controls) as the text reporter does, then the markup.
"""
from __future__ import annotations

from html import escape

from twin.reporters.text_reporter import one_line, tier_name

BAND_COLOURS = {"lost": "#7f0000", "over": "#e53935", "tight": "#fb8c00",
                "moderate": "#fdd835", "ample": "#43a047", "unknown": "#bdbdbd"}
BAND_TINTS = {"lost": "#f3c6c6", "over": "#fbd3d2", "tight": "#fee3c2",
              "moderate": "#fff6bf", "ample": "#d3ecd4", "unknown": "#eeeeee"}
BAND_TEXT = {"lost": "lost: some failure set takes it down",
             "over": "over: below 0 (over the failover limit)",
             "tight": "tight: 0 to 10 %", "moderate": "moderate: 10 to 25 %",
             "ample": "ample: 25 % or more", "unknown": "unknown: no rated component"}
KPI_LABELS = (("it_kw", "IT power", "kW"), ("facility_kw", "facility power", "kW"),
              ("pue", "PUE", ""), ("cooling_kw", "cooling power", "kW"),
              ("losses_kw", "electrical losses", "kW"), ("tokens_per_s", "tokens", "tok/s"),
              ("tokens_per_s_per_mw", "tokens per MW", "tok/s/MW"),
              ("energy_usd_per_mtok", "energy cost", "USD/Mtok"),
              ("external_kw", "fed from outside", "kW"))
MAX_LABEL = 22
MAX_IDS = 12
MAX_MARKED = 500  # racks a failure-set row outlines on hover (more: none, to keep the page small)
RACK_IDS = 4  # feeds and units named per rack tooltip (the rest are counted)

CSS = """
:root { --ink: #222; --grey: #6b717a; --line: #d8dbe0; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial,
  sans-serif; color: var(--ink); background: #fafbfc; }
header { padding: 18px 28px 8px; background: #fff; border-bottom: 1px solid var(--line); }
h1 { margin: 0 0 4px; font-size: 22px; }
h2 { margin: 28px 0 10px; font-size: 18px; }
h3 { margin: 0 0 6px; font-size: 14px; }
main { padding: 0 28px 40px; }
nav a { margin-right: 14px; color: #1f5fa8; text-decoration: none; }
.meta { color: var(--grey); margin: 0 0 8px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px;
  padding: 8px 12px; min-width: 150px; }
.card .v { font-size: 18px; font-weight: 600; }
.card .k { color: var(--grey); font-size: 12px; }
.card.bad .v { color: #c62828; }
.plans { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }
figure { margin: 0; width: min-content; background: #fff; border: 1px solid var(--line);
  border-radius: 6px; padding: 8px; }
figcaption { font-size: 12px; color: var(--grey); margin-top: 4px; }
.scroll { overflow: auto; max-height: 80vh; background: #fff; border: 1px solid var(--line);
  border-radius: 6px; }
svg text { font-family: inherit; }
.floor { fill: #f4f5f7; }
.row { fill: #fff; stroke: #9aa0a8; stroke-width: 0.03; stroke-dasharray: 0.1 0.08; }
.rowlabel { font-size: 0.36px; fill: var(--grey); }
.rack { stroke: #333; stroke-width: 0.025; cursor: pointer; }
.rack.mark { stroke: #000; stroke-width: 0.12; }
.scalebar { stroke: var(--ink); stroke-width: 0.05; }
.scaletext { font-size: 0.34px; fill: var(--ink); }
.edge { fill: none; stroke: #9aa0a8; stroke-width: 1.2; }
.node rect { stroke-width: 1.4; }
.node text { font-size: 11px; fill: var(--ink); }
.node { cursor: pointer; }
.legend { display: flex; flex-wrap: wrap; gap: 12px; margin: 6px 0 10px; font-size: 12px; }
.legend span::before { content: ""; display: inline-block; width: 12px; height: 12px;
  margin-right: 5px; vertical-align: -2px; border: 1px solid #333; background: var(--c); }
table { border-collapse: collapse; background: #fff; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left;
  vertical-align: top; }
th { background: #f0f2f5; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.error td:first-child { color: #c62828; font-weight: 600; }
tr.warning td:first-child { color: #b26a00; font-weight: 600; }
tr[data-racks]:hover { background: #fff4d6; }
#tip { position: absolute; z-index: 10; max-width: 460px; padding: 6px 9px; background: #222;
  color: #fff; font-size: 12px; border-radius: 4px; white-space: pre-line;
  pointer-events: none; }
"""

SCRIPT = """
(function () {
  "use strict";
  var tip = document.getElementById("tip");
  function place(ev) {
    tip.style.left = (ev.pageX + 14) + "px";
    tip.style.top = (ev.pageY + 14) + "px";
  }
  function textOf(el) {
    if (!el.hasAttribute("data-tip")) {
      var t = el.querySelector("title");
      el.setAttribute("data-tip", t ? t.textContent : "");
      if (t) { t.parentNode.removeChild(t); }
    }
    return el.getAttribute("data-tip");
  }
  document.addEventListener("mouseover", function (ev) {
    var el = ev.target.closest ? ev.target.closest(".tip") : null;
    if (!el) { tip.hidden = true; return; }
    tip.textContent = textOf(el);
    tip.hidden = false;
    place(ev);
  });
  document.addEventListener("mousemove", function (ev) {
    if (!tip.hidden) { place(ev); }
  });
  function mark(ids, on) {
    ids.forEach(function (id) {
      var sel = "rect[data-rack=\\"" + id.replace(/["\\\\]/g, "\\\\$&") + "\\"]";
      var el = document.querySelector(sel);
      if (el) { el.classList.toggle("mark", on); }
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("tr[data-racks]"), function (tr) {
    var ids = tr.getAttribute("data-racks").split(" ");
    tr.addEventListener("mouseenter", function () { mark(ids, true); });
    tr.addEventListener("mouseleave", function () { mark(ids, false); });
  });
})();
"""


def _e(value) -> str:
    """Text or a double-quoted attribute value: :func:`one_line`, then ``&<>"'`` escaped."""
    return escape(one_line(str(value)), quote=True)


def _tip(lines) -> str:
    """A tooltip: its lines escaped one by one and joined by line breaks."""
    return "\n".join(_e(line) for line in lines)


def _m(value: float) -> str:
    """A length in metres for an SVG attribute: millimetre precision, no trailing zeros."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _kw(value) -> str:
    return "–" if value is None else f"{value:,.1f}"


def _pct(value) -> str:
    return "–" if value is None else f"{value:.1%}"


def _set(scenario) -> str:
    return " + ".join(scenario) if scenario else "normal operation"


def _ids(ids, limit: int = MAX_IDS) -> str:
    ids = list(ids)
    if len(ids) <= limit:
        return ", ".join(ids)
    return ", ".join(ids[:limit]) + f" … and {len(ids) - limit:,} more"


def html(model) -> str:
    """The page for ``model`` (a :class:`twin.questions.floorplan.HtmlReport`)."""
    from twin.core import VERSION as __version__

    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8"/>',
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
        f"<title>twin report: {_e(model.name)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{_e(model.name)}</h1>",
        f'<p class="meta">{_e(model.file)} · worst case over {_e(model.basis)} '
        f"· twin {_e(__version__)}</p>",
        '<nav><a href="#kpis">KPIs</a><a href="#tier">tier</a><a href="#floor">floor plans</a>'
        '<a href="#power">power</a><a href="#cooling">cooling</a>'
        '<a href="#findings">findings</a><a href="#n1">failure sets</a></nav>',
        "</header>",
        "<main>",
    ]
    parts += _kpis(model)
    parts += _tier(model)
    parts += _floors(model)
    parts += _diagram(model.power, "power", model.basis)
    parts += _diagram(model.cooling, "cooling", model.basis)
    parts += _findings(model)
    parts += _n1(model)
    parts += ["</main>", '<div id="tip" role="tooltip" hidden="hidden"></div>',
              f"<script>//<![CDATA[{SCRIPT}//]]></script>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _kpis(model) -> list[str]:
    out = ['<section id="kpis">', "<h2>KPIs (normal operation)</h2>", '<div class="cards">']
    for key, label, unit in KPI_LABELS:
        value = model.kpis.get(key)
        if value is None:
            shown = "–"
        elif key == "pue":
            shown = f"{value:.3f}"
        elif key == "energy_usd_per_mtok":
            shown = f"{value:,.4f} {unit}"
        else:
            shown = f"{value:,.1f} {unit}" if value < 1e6 else f"{value:,.0f} {unit}"
        out.append(f'<div class="card"><div class="v">{_e(shown)}</div>'
                   f'<div class="k">{_e(label)}</div></div>')
    bad = " bad" if model.errors else ""
    out.append(f'<div class="card{bad}"><div class="v">{model.errors:,} / {model.warnings:,}'
               '</div><div class="k">errors / warnings</div></div>')
    for label, value in model.counts.items():
        bad = " bad" if label.startswith("racks lost") and value else ""
        out.append(f'<div class="card{bad}"><div class="v">{value:,}</div>'
                   f'<div class="k">{_e(label)}</div></div>')
    out.append("</div>")
    if model.halls:
        out += ["<h3 style=\"margin-top:16px\">Headroom per hall (as twin report prints it)</h3>",
                "<table><thead><tr><th>hall</th><th>racks</th><th>IT kW</th><th>probe type</th>"
                "<th>free positions</th><th>more racks fit</th><th>power alone</th>"
                "<th>cooling alone</th><th>stranded power kW</th><th>stranded cooling kW</th>"
                "<th>binds first</th></tr></thead><tbody>"]
        for h in model.halls:
            binding = h.binding or {}
            what = (f"{binding.get('code', '')} {binding.get('component') or ''}".strip()
                    if binding else "–")
            out.append(f"<tr><td>{_e(h.hall)}</td><td class=\"n\">{h.racks:,}</td>"
                       f"<td class=\"n\">{_kw(h.it_kw)}</td><td>{_e(h.probe_type or '–')}</td>"
                       f"<td class=\"n\">{h.free_slots:,}</td><td class=\"n\">{h.fits:,}</td>"
                       f"<td class=\"n\">{h.power_racks:,}</td>"
                       f"<td class=\"n\">{h.cooling_racks:,}</td>"
                       f"<td class=\"n\">{_kw(h.stranded_power_kw)}</td>"
                       f"<td class=\"n\">{_kw(h.stranded_cooling_kw)}</td>"
                       f"<td>{_e(what)}</td></tr>")
        out.append("</tbody></table>")
    out.append("</section>")
    return out


def _legend(basis: str) -> str:
    items = "".join(f'<span style="--c:{BAND_COLOURS[b]}">{_e(text)}</span>'
                    for b, text in BAND_TEXT.items())
    return (f'<div class="legend"><b>{_e(basis)} margin:</b>{items}</div>')


def _floors(model) -> list[str]:
    out = ['<section id="floor">', f"<h2>Floor plans, racks by worst-case {_e(model.basis)} "
           "margin</h2>",
           '<p class="meta">Drawn to scale: positions along each row at 0.6 m, rows stacked '
           "with 1.2 m aisles; a rack is 0.6 m wide and footprint / 0.6 m deep. Its margin is "
           "the smallest failover margin over every component it depends on (feeds and "
           "upstream, cooling units and downstream). Hover a rack for details.</p>",
           _legend(model.basis), '<div class="plans">']
    for plan in model.floors:
        out += _plan(plan, model.basis)
    if model.unplaced is not None:
        out += _plan(model.unplaced, model.basis)
    out += ["</div>", "</section>"]
    return out


def _plan(plan, basis) -> list[str]:
    title = plan.hall if plan.hall is not None else "racks without a floor position"
    out = ["<figure>", f"<h3>{_e(title)}</h3>",
           f'<svg class="plan" width="{plan.width_m * plan.px_per_m:.0f}" '
           f'height="{plan.height_m * plan.px_per_m:.0f}" '
           f'viewBox="0 0 {plan.width_m:.3f} {plan.height_m:.3f}" role="img" '
           f'aria-label="{_e(title)} floor plan">',
           f'<rect class="floor" x="0" y="0" width="{plan.width_m:.3f}" '
           f'height="{plan.height_m:.3f}"/>']
    for row in plan.rows:
        out.append(f'<rect class="row" x="{row.x_m:.3f}" y="{row.y_m:.3f}" '
                   f'width="{row.length_m:.3f}" height="{row.depth_m:.3f}"/>')
        out.append(f'<text class="rowlabel" x="0.25" y="{row.y_m + row.depth_m / 2 + 0.12:.3f}">'
                   f"{_e(row.name)}</text>")
    for r in plan.racks:
        out.append(f'<rect class="rack tip" data-rack="{_e(r.id)}" data-band="{r.band}" '
                   f'x="{_m(r.x_m)}" y="{_m(r.y_m)}" width="{_m(r.width_m)}" '
                   f'height="{_m(r.depth_m)}" fill="{BAND_COLOURS[r.band]}">'
                   f"<title>{_tip(_rack_tip(r, basis))}</title></rect>")
    y = _m(plan.height_m - 0.3)
    out.append(f'<line class="scalebar" x1="0.3" x2="{_m(0.3 + plan.scale_bar_m)}" y1="{y}" '
               f'y2="{y}"/>')
    out.append(f'<text class="scaletext" x="{_m(0.4 + plan.scale_bar_m)}" '
               f'y="{_m(plan.height_m - 0.2)}">{plan.scale_bar_m:g} m</text>')
    out.append("</svg>")
    area = f", hall {plan.area_m2:,.0f} m²" if plan.area_m2 is not None else ""
    out.append(f"<figcaption>{len(plan.racks):,} racks, {_kw(plan.it_kw)} kW IT; drawn "
               f"{plan.width_m:.1f} × {plan.height_m:.1f} m{area}</figcaption>")
    out.append("</figure>")
    return out


def _rack_tip(r, basis) -> list[str]:
    where = f"row {r.row} pos {r.pos}" if r.row is not None else "no floor position"
    lines = [f"{r.id} · {r.type or 'untyped'} · {r.it_kw:,.1f} kW · {where}"]
    if r.lost_under is not None:
        lines.append("LOST " + ("in normal operation" if not r.lost_under
                                else f"when {_set(r.lost_under)} fails"))
    if r.margin is not None:
        lines.append(f"{basis} margin {r.margin:.1%}: {r.binding} when "
                     f"{_set(r.binding_scenario)}" + (" fails" if r.binding_scenario else ""))
    lines.append(f"power: {_ids(r.power, RACK_IDS)}")
    lines.append(f"cooling: {_ids(r.cooling, RACK_IDS)}")
    return lines


def _diagram(d, anchor, basis) -> list[str]:
    if d.level is None:
        how = "one box per component"
    else:
        how = (f"{d.components:,} components grouped by the first {d.level} id segment(s), "
               "kind and depth (digits read as #)")
    out = [f'<section id="{anchor}">',
           f"<h2>{_e(d.title)} one-line diagram</h2>",
           f'<p class="meta">Layered by depth from the sources, left to right; {_e(how)}; '
           f"{len(d.nodes):,} boxes. Coloured by worst-case {_e(basis)} margin.</p>",
           '<div class="scroll">',
           f'<svg class="diagram" width="{d.width:.0f}" height="{d.height:.0f}" '
           f'viewBox="0 0 {d.width:.0f} {d.height:.0f}" role="img" '
           f'aria-label="{_e(d.title)} one-line diagram">']
    for e in d.edges:
        out.append(f'<path class="edge" d="M{e.x1:.1f},{e.y1:.1f} C{e.xm:.1f},{e.y1:.1f} '
                   f'{e.xm:.1f},{e.y2:.1f} {e.x2:.1f},{e.y2:.1f}"/>')
    for n in d.nodes:
        label = n.label if n.count == 1 else f"{n.count:,} × {n.label}"
        if len(label) > MAX_LABEL:
            label = label[:MAX_LABEL - 1] + "…"
        out.append(f'<g class="node tip" data-node="{_e(n.key)}" data-band="{n.band}">'
                   f'<rect x="{n.x:.1f}" y="{n.y:.1f}" width="{n.width:.1f}" '
                   f'height="{n.height:.1f}" rx="3" fill="{BAND_TINTS[n.band]}" '
                   f'stroke="{BAND_COLOURS[n.band]}"/>'
                   f'<text x="{n.x + 6:.1f}" y="{n.y + 15:.1f}">{_e(label)}</text>'
                   f"<title>{_tip(_node_tip(n, basis))}</title></g>")
    out += ["</svg>", "</div>", "</section>"]
    return out


def _node_tip(n, basis) -> list[str]:
    what = n.kind if n.count == 1 else f"{n.count:,} × {n.kind}"
    lines = [f"{n.label} · {what}"]
    if n.capacity_kw is not None:
        lines.append(f"capacity {_kw(n.capacity_kw)} kW · load {_kw(n.load_kw)} kW"
                     + (f" · worst {_kw(n.worst_load_kw)} kW" if n.worst_load_kw is not None
                        else ""))
    else:
        lines.append(f"load {_kw(n.load_kw)} kW")
    if n.margin is not None:
        lines.append(f"tightest {basis} margin {n.margin:.1%}: {n.binding} when "
                     f"{_set(n.binding_scenario)}" + (" fails" if n.binding_scenario else ""))
    if n.band == "lost":
        lines.append("some of these racks are lost under a failure set")
    if n.count > 1:
        more = f" … and {n.count - len(n.members):,} more" if n.count > len(n.members) else ""
        lines.append("members: " + ", ".join(n.members) + more)
    return lines


def _tier(model) -> list[str]:
    """The Uptime Tier the topology reaches and the next tier's unmet rules (twin tier)."""
    t = getattr(model, "tier", None)
    if t is None or t.assessment is None:
        return []
    d = t.as_dict()
    head = (f"{d['name']} (TIA-942 {d['tia_942']}, EN 50600 {d['en_50600']})" if d["tier"]
            else d["name"])
    out = ['<section id="tier">', "<h2>Tier (topology)</h2>",
           f"<p><strong>{_e(head)}</strong>: a topology check against the rules of "
           "docs/format.md (Tiers), not an Uptime certification.</p>"]
    if t.unmet:
        out.append(f'<p class="meta">to reach {_e(tier_name(d["next_tier"]))}: '
                   f"{len(t.unmet):,} unmet</p>")
        out.append("<table><thead><tr><th>rule</th><th>where</th><th>component</th>"
                   "<th>message</th></tr></thead><tbody>")
        for u in t.unmet:
            out.append(f'<tr class="warning"><td>{_e(u.rule)}</td>'
                       f"<td>{_e(u.file)}:{u.line}:{u.column}</td>"
                       f"<td>{_e(u.component or '')}</td><td>{_e(u.message)}</td></tr>")
        out.append("</tbody></table>")
    out.append("</section>")
    return out


def _findings(model) -> list[str]:
    shown = len(model.findings)
    note = (f"{model.findings_total:,} finding(s)" if shown == model.findings_total
            else f"{model.findings_total:,} findings, the first {shown:,} listed; "
            "`twin validate` prints them all")
    out = ['<section id="findings">', "<h2>Findings</h2>", f'<p class="meta">{_e(note)}</p>']
    if not shown:
        out.append("<p>No findings: every check passes.</p>")
        out.append("</section>")
        return out
    out.append("<table><thead><tr><th>severity</th><th>code</th><th>where</th>"
               "<th>component</th><th>message</th></tr></thead><tbody>")
    for f in model.findings:
        out.append(f'<tr class="{_e(f.severity)}"><td>{_e(f.severity)}</td>'
                   f"<td>{_e(f.code)} {_e(f.name)}</td>"
                   f"<td>{_e(f.file)}:{f.line}:{f.column}</td>"
                   f"<td>{_e(f.component or '')}</td><td>{_e(f.message)}</td></tr>")
    out += ["</tbody></table>", "</section>"]
    return out


def _n1(model) -> list[str]:
    s = model.n1_summary
    out = ['<section id="n1">', f"<h2>Failure sets ({_e(model.basis)})</h2>"]
    if s.k == 0:
        out += ["<p>policy.contingency is 0: no failure sets are evaluated.</p>", "</section>"]
        return out
    out.append(f'<p class="meta">{s.scenarios:,} failure sets of up to {s.k} component(s) '
               f"evaluated; {s.with_outages:,} take racks down; {s.overload_sets:,} overload "
               f"a component; {s.worst_sets:,} are the worst case of some component. Listed: "
               f"{s.listed:,} (racks lost first, then overloads, then the tightest worst cases). "
               + ("Every set not listed takes no rack down. " if s.with_outages <= s.listed
                  else f"{s.with_outages - s.listed:,} more sets take racks down: twin "
                  "validate lists them (R001, R003). ")
               + "Hover a row to mark its racks.</p>")
    if not model.n1:
        out.append("</section>")
        return out
    out.append("<table><thead><tr><th>failed</th><th>racks down (power)</th>"
               "<th>racks without cooling</th><th>IT lost kW</th><th>over failover limit</th>"
               "<th>tightest after</th><th>worst case of</th></tr></thead><tbody>")
    for row in model.n1:
        racks = [*row.racks_down, *row.racks_without_cooling]
        marked = racks if len(racks) <= MAX_MARKED else []
        attr = f' data-racks="{_e(" ".join(marked))}"' if marked else ""
        overloads = "; ".join(f"{c} {u:.1%} (limit {lim:.0%})" for c, u, lim in row.overloaded)
        tight = (f"{row.tightest} {row.tightest_margin:.1%}" if row.tightest is not None
                 else "–")
        out.append(f"<tr{attr}><td>{_e(_set(row.scenario))}</td>"
                   f"<td>{_e(_ids(row.racks_down) or 'none')}</td>"
                   f"<td>{_e(_ids(row.racks_without_cooling) or 'none')}</td>"
                   f'<td class="n">{_kw(row.it_lost_kw)}</td>'
                   f"<td>{_e(overloads or 'none')}</td><td>{_e(tight)}</td>"
                   f'<td class="n">{row.worst_of:,} component(s)</td></tr>')
    out += ["</tbody></table>", "</section>"]
    return out
