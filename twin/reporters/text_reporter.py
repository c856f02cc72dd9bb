"""Text reporter: ``FILE:LINE:COL: SEVERITY CODE message`` lines, like compilers and linters."""
from __future__ import annotations

import re

#: Characters no output line carries as they are: C0 and C1 controls and DEL (ESC, CSI
#: U+009B, CR...), line and paragraph separators, surrogates (undecodable bytes of a file
#: name), the bidirectional controls that reorder what a terminal or browser shows
#: (U+061C, U+200E/F, U+202A-U+202E, U+2066-U+2069), and U+FFFE/U+FFFF (not XML).
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029"
                    "\u2066-\u2069\ud800-\udfff\ufffe\uffff]")

_KPI_UNITS = {"it_kw": "kW", "facility_kw": "kW", "cooling_kw": "kW", "losses_kw": "kW",
              "pue": "", "tokens_per_s": "tok/s", "tokens_per_s_per_mw": "tok/s/MW",
              "energy_usd_per_mtok": "USD/Mtok", "external_kw": "kW"}


def _escaped(match: re.Match) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def one_line(text: str) -> str:
    """``text`` with every :data:`UNSAFE` character written as a Python escape.

    ``\\n``, ``\\r``, ``\\t``, ``\\x1b``, ``\\x9b``, ``\\u202e``: the one escaping rule of
    every line twin prints (findings, summaries, tables, headers, messages quoting a
    file name) and of the text of the HTML report and the SVG plot. An id or a file
    name may hold any character; escaped, it can neither split a line, forge another
    one, drive the terminal (colours, cursor, title, screen clearing) nor reorder what
    is shown. Text without such characters is returned as it is.
    """
    if text.isprintable():  # every UNSAFE character is unprintable: the fast path
        return text
    return UNSAFE.sub(_escaped, text)


def finding_line(f) -> str:
    line = f"{f.file}:{f.line}:{f.column}: {f.severity} {f.code} {f.message}"
    if f.via:
        chain = "; ".join(f"{v.instance} (block {v.block}) instantiated at "
                          f"{v.file}:{v.line}:{v.column}" for v in f.via)
        line += f" [in {chain}]"
    return one_line(line)


def _via(via) -> str:
    if not via:
        return ""
    return " [in " + "; ".join(f"{v.instance} (block {v.block}) instantiated at "
                               f"{v.file}:{v.line}:{v.column}" for v in via) + "]"


def related_lines(f) -> list[str]:
    """A finding's related locations as indented ``  FILE:LINE:COL: note: ...`` lines
    after its own line, as compilers print notes (none for most findings)."""
    lines = [f"  {r.file}:{r.line}:{r.column}: note: {r.message}{_via(r.via)}"
             for r in getattr(f, "related", ())]
    if getattr(f, "related_more", 0):
        lines.append(f"  note: and {f.related_more:,} more related location(s)")
    return lines


def assumption_line(a) -> str:
    """``FILE:LINE:COL: note: CODE message``: one default the verdict rests on. ``note:``
    has its colon, as the related locations' lines, so that no reader of
    ``SEVERITY CODE`` finding lines takes it for a finding."""
    return f"{a.file}:{a.line}:{a.column}: note: {a.code} {a.message}{_via(a.via)}"


def validation(reports) -> tuple[str, str]:
    """Findings for stdout, each followed by its related locations (indented), and for
    stderr a summary per layout with the defaults its verdict rests on under it."""
    out = []
    for r in reports:
        for f in r.findings:
            out.append(finding_line(f))
            out += related_lines(f)
    summary = []
    for r in reports:
        errors = sum(f.severity == "error" for f in r.findings)
        warnings = sum(f.severity == "warning" for f in r.findings)
        line = f"{r.file}: {errors} error(s), {warnings} warning(s)"
        if r.kpis is not None:
            line += f", {r.scenarios} failure scenario(s) evaluated"
            also = getattr(r, "stated", ())
            if also:
                line += ", and " + ", ".join(also)
            line += "; " + kpi_brief(r.kpis)
        summary.append(one_line(line))
        found = getattr(r, "assumptions", ())
        if found:
            summary.append(f"{r.file}: assumes {len(found)} default(s) the verdict rests on "
                           "(write them in the layout to make them explicit):")
            summary += [f"  {assumption_line(a)}" for a in found]
    return _lines(out), _lines(summary)


def kpi_brief(k: dict) -> str:
    parts = [f"IT {k['it_kw']:,.1f} kW", f"facility {k['facility_kw']:,.1f} kW"]
    if k.get("pue") is not None:
        parts.append(f"PUE {k['pue']:.3f}")
    if k.get("tokens_per_s_per_mw") is not None:
        parts.append(f"{k['tokens_per_s_per_mw']:,.0f} tok/s/MW")
    return ", ".join(parts)


def kpi_table(k: dict) -> list[str]:
    rows = []
    for name, value in k.items():
        shown = "null" if value is None else (f"{value:,.4f}" if abs(value) < 10 else f"{value:,.1f}")
        rows.append(f"  {name:<22} {shown:>16} {_KPI_UNITS.get(name, '')}".rstrip())
    return rows


def whatif(w) -> str:
    lines = [f"{w.file}: what if {', '.join(w.failed)} {'fails' if len(w.failed) == 1 else 'fail'}"]
    lines += [finding_line(f) for f in w.findings]
    if w.kpis is None:
        return _lines(lines)
    lines.append("down: " + (", ".join(w.down) or "nothing"))
    lines.append("racks down for power: " + (", ".join(w.racks_down) or "none"))
    lines.append("racks without cooling: " + (", ".join(
        f"{r} ({'/'.join(m)})" for r, m in w.racks_without_cooling) or "none"))
    lines.append("overloaded: none" if not w.overloaded else "overloaded:")
    for o in w.overloaded:
        lines.append(f"  {o.component} ({o.kind}) {o.load_kw:,.1f} kW of {o.capacity_kw:,.1f} kW "
                     f"({o.utilization:.1%}, failover limit {o.limit:.0%})")
    lines.append("battery short: none" if not w.battery_short else "battery short:")
    for b in w.battery_short:
        lines.append(f"  {b.component} (ups) {b.runtime_min:.2f} min on battery at "
                     f"{b.load_kw:,.1f} kW (policy.min_battery_min {b.min_battery_min:g} min)")
    lines.append("KPIs after:")
    lines += kpi_table(w.kpis)
    return _lines(lines)


def catalog(types) -> str:
    header = (f"{'type':<14} {'it_kw':>7} {'liquid':>7} {'weight_kg':>10} {'tokens/s':>10}  "
              f"{'status':<9} description")
    lines = [header]
    for t in types:
        tokens = "-" if t.tokens_per_s is None else f"{t.tokens_per_s:,.0f}"
        lines.append(f"{one_line(t.name):<14} {t.it_kw:>7g} {t.liquid_fraction or 0:>7.0%} "
                     f"{t.weight_kg or 0:>10,.0f} {tokens:>10}  {t.status:<9} {t.description}")
    lines.append("")
    lines += [f"{one_line(t.name)}: {one_line(t.source)}" for t in types]
    lines += _catalog_fields(types)
    return _lines(lines)


def _catalog_fields(types) -> list[str]:
    """Every field of every type with its value, tag and citation (docs/sources.md ids);
    ``-`` is a field not given (the default or ``it_kw`` applies)."""
    from twin.layout.model import RACK_TYPE_FIELDS

    lines = []
    for t in types:
        lines += ["", f"{one_line(t.name)} fields:"]
        for f in RACK_TYPE_FIELDS:
            value = getattr(t, f)
            shown = ("-" if value is None else f"{value:,.0f}" if value >= 1000
                     else f"{value:g}")
            cited = t.source_of(f)
            why = "no source" if cited is None else f"[{cited[0]}] {cited[1]}"
            lines.append(f"  {f:<16} {shown:>9}  {one_line(why)}")
    return lines


def catalog_import(racks, notes) -> tuple[str, str]:
    """``twin catalog import``: the ``catalog: rack_types:`` YAML snippet and the notes."""
    import yaml

    from twin.layout.catalog import snippet_fields

    out = ""
    if racks:
        tree = {"catalog": {"rack_types": {r.name: snippet_fields(r) for r in racks}}}
        out = yaml.safe_dump(tree, sort_keys=False, allow_unicode=True, width=88)
        if UNSAFE.search(out):  # a bidi control YAML prints as is: escape all non-ASCII
            out = yaml.safe_dump(tree, sort_keys=False, allow_unicode=False, width=88)
    err = _lines(f"{n.file}:{n.line}:{n.column}: {n.severity} {n.name} {n.message}"
                 for n in notes)
    return out, err


def _lines(lines) -> str:
    """Every text output ends here: each line escaped with :func:`one_line`."""
    return "".join(f"{one_line(line)}\n" for line in lines)


def capacity(c) -> str:
    if c.checked == 0:
        scope = "normal operation only: policy.contingency is 0"
    elif c.contingency > c.checked:
        scope = (f"N-{c.checked} included; N-{c.contingency} is not searched, "
                 "`twin validate` the result")
    else:
        scope = f"N-{c.checked} included"
    lines = [f"{c.file}: {c.fits} more {c.rack_type} rack(s) fit ({scope})"]
    if c.requested is not None:
        verdict = "fit" if c.ok else "do not fit"
        lines.append(f"{c.requested} requested: they {verdict}")
        if not c.ok and c.binding is not None and c.binding.increment_kw:
            short = (c.requested - c.fits) * c.binding.increment_kw - (c.binding.margin_kw or 0)
            lines.append(f"to fit {c.requested}: give {c.binding.component} about "
                         f"{max(short, 0):,.0f} kW more ({c.binding.code}), then ask again")
    for h in c.halls:
        line = f"{h.hall}: {h.fits} of {h.free_slots} free position(s)"
        if h.binding is not None:
            line += f"; next rack stopped by {h.binding.code} {h.binding.component}: " \
                    f"{h.binding.message}"
        lines.append(line)
    if c.placed:
        lines.append("placed:")
        for p in c.placed:
            lines.append(f"  {p.id}  {p.hall} {p.row} pos {p.pos}  power {', '.join(p.power)}"
                         f"  cooling {', '.join(p.cooling)}  (like {p.like})")
    return _lines(lines)


def _num(value, fmt=",.1f") -> str:
    return "-" if value is None else format(value, fmt)


def _pct(value) -> str:
    return "-" if value is None else f"{round(value, 9):.1%}"


def headroom(h, tier=None) -> str:
    """``twin report``: per component and per hall; then the tier (``tier``, a
    :class:`twin.questions.tier.TierReport`) and the next tier's unmet rules."""
    k = h.contingency
    worst = ("normal operation only: policy.contingency is 0" if k == 0 else
             "normal operation and worst single failure" if k == 1 else
             f"normal operation and worst failure set of up to {k} components")
    lines = [f"{h.file}: headroom ({worst})", ""]
    head = (f"{'component':<14} {'kind':<13} {'capacity kW':>12} {'load kW':>10} {'util':>7} "
            f"{'margin kW':>10}")
    if k:
        head += (f" {f'N-{k} load kW':>12} {f'N-{k} util':>8} {f'N-{k} margin':>11}  "
                 "worst set")
    lines += [head, "-" * len(head)]
    for c in h.components:
        line = (f"{one_line(c.id):<14} {one_line(c.kind):<13} {_num(c.capacity_kw):>12} "
                f"{_num(c.load_kw):>10} {_pct(c.utilization):>7} {_num(c.margin_kw):>10}")
        if k:
            line += (f" {_num(c.worst_load_kw):>12} {_pct(c.worst_utilization):>8} "
                     f"{_num(c.worst_margin_kw):>11}  {', '.join(c.worst_scenario)}")
        lines.append(line.rstrip())
    searched = (f"; searched with N-{h.searched}, not N-{k}" if k > h.searched else "")
    lines += ["", f"stranded capacity per hall (probe: the hall's most common rack type{searched})",
              ""]
    head = (f"{'hall':<12} {'racks':>5} {'IT kW':>10} {'probe':<14} {'free':>5} {'fit':>4} "
            f"{'power-only':>10} {'cooling-only':>12} {'stranded power kW':>18} "
            f"{'stranded cooling kW':>20}  binding")
    lines += [head, "-" * len(head)]
    for x in h.halls:
        b = x.binding
        binding = f"{b['code']} {b['component']}: {b['message']}" if b else ""
        lines.append(f"{one_line(x.hall):<12} {x.racks:>5} {x.it_kw:>10,.1f} "
                     f"{one_line(x.probe_type or '-'):<14} "
                     f"{x.free_slots:>5} {x.fits:>4} {x.power_racks:>10} {x.cooling_racks:>12} "
                     f"{x.stranded_power_kw:>18,.1f} {x.stranded_cooling_kw:>20,.1f}  {binding}"
                     .rstrip())
    if tier is not None:
        lines += ["", *_tier_block(tier)]
    return _lines(lines)


def simulation(sim) -> str:
    """``twin simulate``: the annual figures, what ran out of capacity, the plant's hours."""
    def num(v, fmt, unit=""):
        if v is None:  # as wide as the number would be
            width = fmt[1:].split(",")[0].split(".")[0] if fmt.startswith(">") else ""
            return f"{'-':>{width or 1}}{unit}"
        return f"{v:{fmt}}{unit}"
    period = "year" if sim.hours == 8760 else f"{sim.hours:,} h"
    capex = sim.capex
    d = sim.design
    lines = [
        f"{sim.file}: {sim.hours:,} h simulated, weather {sim.weather['station']} "
        f"({sim.weather['source']}), load {sim.profile}",
        f"  IT energy             {sim.annual_it_mwh:>16,.1f} MWh  (typical {sim.typical_it_kw:,.1f} kW,"
        f" design {num(d['it_kw'], ',.1f')} kW)",
        f"  facility energy       {sim.annual_facility_mwh:>16,.1f} MWh",
        f"  PUE over the {period:<8} {num(sim.annual_pue, '>14.4f')}      "
        f"(design load, validate: {num(d['pue'], '.4f')})",
        f"  peak facility power   {sim.peak_facility_kw:>16,.1f} kW",
        f"  cooling energy        {sim.annual_cooling_mwh:>16,.1f} MWh",
        f"  electrical losses     {sim.annual_losses_mwh:>16,.1f} MWh",
        f"  economiser hours      {num(sim.economiser_hours, '>16,d')}      "
        "(every loaded chiller in full free cooling)",
        f"  hours above setpoint  {sim.hours_above_setpoint:>16,d}      "
        "(heat rejection short of its setpoint, within what the racks accept)",
        f"  hours over capacity   {sim.hours_over_capacity:>16,d}",
        f"  hours over at N-1     {sim.hours_over_capacity_n1:>16,d}      "
        "(a dry cooler or tower short with one unit of its group failed)",
        f"  tokens                {num(sim.tokens, '>16,.4g')}",
        f"  energy cost           {num(sim.energy_usd, '>16,.0f')} USD",
        f"  capital cost          {capex['building_usd'] + capex['it_usd']:>16,.0f} USD  "
        f"(building {capex['building_usd']:,.0f} over {capex['capex_life_years']:g} years, "
        f"IT {capex['it_usd']:,.0f} over {capex['rack_life_years']:g} years"
        + (f"; {capex['racks_unpriced']} rack(s) without price_usd" if capex["racks_unpriced"]
           else "") + ")",
        f"  USD per million tokens{num(sim.usd_per_mtok, '>16.4f')}      (energy and capital)",
    ]
    shown = 20  # the JSON lists every component
    if sim.over_capacity:
        lines.append("over capacity:")
        for o in sim.over_capacity[:shown]:
            lines.append(f"  {o.component} ({o.kind}): {o.hours:,} h, short by up to "
                         f"{o.worst_shortfall_kw:,.1f} kW")
        if len(sim.over_capacity) > shown:
            lines.append(f"  ... and {len(sim.over_capacity) - shown:,} more (--format json)")
    if sim.over_capacity_n1:
        lines.append("over capacity with one unit failed:")
        for o in sim.over_capacity_n1[:shown]:
            lines.append(f"  {o.component} ({o.kind}) when {', '.join(o.scenario)} fails: "
                         f"{o.hours:,} h, short by up to {o.worst_shortfall_kw:,.1f} kW")
        if len(sim.over_capacity_n1) > shown:
            lines.append(f"  ... and {len(sim.over_capacity_n1) - shown:,} more (--format json)")
    if sim.heat_rejection:
        lines.append("heat rejection:")
        if len(sim.heat_rejection) > shown:
            lines.append(f"  (first {shown} of {len(sim.heat_rejection):,}; --format json "
                         "lists every unit)")
        for r in sim.heat_rejection[:shown]:
            line = (f"  {r.component} ({r.kind}, {r.ambient}): supply {r.supply_c:.1f} °C "
                    f"(up to {r.max_supply_c:.1f}), heat {r.heat_mwh:,.1f} MWh, "
                    f"draw {r.draw_mwh:,.1f} MWh")
            if r.kind == "chiller":
                line += (f", economiser {r.economiser_hours:,} h, mean COP "
                         f"{num(r.mean_cop, '.2f')}")
            else:
                line += f", {r.hours_above_setpoint:,} h above setpoint"
            lines.append(line)
    return _lines(lines)


def _margin(value) -> str:
    return "-" if value is None else f"{round(value * 100, 6):.1f}%"


def diff(d) -> str:
    """``twin diff``: findings added and removed, margins that moved, KPIs that changed."""
    n = f"N-{d.contingency}" if d.contingency else "failover"
    lines = [f"twin diff {d.old_file} -> {d.new_file}"]
    lines.append(f"findings added: {len(d.added)}")
    lines += [f"  + {finding_line(f)}" for f in d.added]
    lines.append(f"findings removed: {len(d.removed)}")
    lines += [f"  - {finding_line(f)}" for f in d.removed]
    if d.tier_change in ("lowered", "raised"):  # an unchanged tier is not news
        lines.append(f"tier {d.tier_change}: {tier_name(d.old_tier)} -> {tier_name(d.new_tier)} "
                     "(`twin tier NEW` lists the next tier's unmet rules)")
    if not (d.old_clean and d.new_clean):
        side = ("old and new layouts have" if not (d.old_clean or d.new_clean)
                else f"{'new' if d.old_clean else 'old'} layout has")
        lines.append(f"margins: not compared (the {side} load errors or a cycle)")
    else:
        lines.append(f"margins changed: {len(d.margins)} (percent of capacity, limit - "
                     "utilization)")
        for m in d.margins:
            if m.status == "added":
                lines.append(f"  {m.component} added: margin {_margin(m.new_margin)}, {n} margin "
                             f"{_margin(m.new_worst_margin)}")
            elif m.status == "removed":
                lines.append(f"  {m.component} removed (margin was {_margin(m.old_margin)}, {n} "
                             f"margin {_margin(m.old_worst_margin)})")
            else:
                if m.margin_changed:
                    lines.append(f"  {m.component} margin {_margin(m.old_margin)} -> "
                                 f"{_margin(m.new_margin)}")
                if m.worst_margin_changed:
                    worst = (f" (worst set: {', '.join(m.new_worst_scenario)})"
                             if m.new_worst_scenario else "")
                    lines.append(f"  {m.component} {n} margin {_margin(m.old_worst_margin)} -> "
                                 f"{_margin(m.new_worst_margin)}{worst}")
    changed = [k for k in d.kpis if k.changed]
    lines.append(f"KPIs changed: {len(changed)}" + ("" if changed or not d.kpis else
                                                    " (all equal)"))
    for k in changed:
        unit = f" {_KPI_UNITS[k.name]}" if _KPI_UNITS.get(k.name) else ""
        delta = "" if k.delta is None else f" ({_kpi_figure(k.delta, '+')})"
        lines.append(f"  {k.name} {_kpi_figure(k.old)} -> {_kpi_figure(k.new)}{unit}{delta}")
    return _lines(lines)


def tier_name(tier: int) -> str:
    """``Tier III``, or ``below Tier I`` for 0 (:func:`twin.checks.tier.name`, the one
    table of the names)."""
    from twin.checks.tier import name

    return name(tier)


def tier_heading(r) -> str:
    """``FILE: Tier II (TIA-942 Rated-2, EN 50600 Availability Class 2)``."""
    d = r.as_dict()
    if d["tier"] is None:
        return one_line(f"{r.file}: not evaluated (fix the findings below)")
    if not d["tier"]:
        return one_line(f"{r.file}: below Tier I")
    return one_line(f"{r.file}: {d['name']} (TIA-942 {d['tia_942']}, EN 50600 {d['en_50600']})")


def tier_lines(r) -> list[str]:
    """Each unmet rule of the next tier up: ``FILE:LINE:COL: info TIER3 RULE: MESSAGE``
    (severity ``info``, as a finding line: the layout is not wrong, it is below a tier)."""
    return [one_line(f"{u.file}:{u.line}:{u.column}: info TIER{u.tier} {u.rule}: "
                     f"{u.message}{_via(u.via)}") for u in r.unmet]


def tier(reports) -> str:
    """``twin tier``: per layout its tier, then the next tier's unmet rules, or its findings
    when it could not be evaluated."""
    return _lines([line for r in reports for line in _tier_block(r)])


def _tier_block(r) -> list[str]:
    lines = [tier_heading(r)]
    if r.assessment is None:
        return lines + [finding_line(f) for f in r.findings]
    nxt = r.assessment.next_tier
    if nxt is not None:
        lines.append(f"  to reach {tier_name(nxt)}: {len(r.unmet)} unmet")
    return lines + tier_lines(r)


def _kpi_figure(value, sign: str = "") -> str:
    """Four decimals below 10 (PUE, USD/Mtok), two above (kW, tok/s), thousands grouped."""
    if value is None:
        return "null"
    return f"{value:{sign},.4f}" if abs(value) < 10 else f"{value:{sign},.2f}"
