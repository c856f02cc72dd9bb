"""Text reporter: ``FILE:LINE:COL: SEVERITY CODE message`` lines, like compilers and linters."""
from __future__ import annotations

_KPI_UNITS = {"it_kw": "kW", "facility_kw": "kW", "cooling_kw": "kW", "losses_kw": "kW",
              "pue": "", "tokens_per_s": "tok/s", "tokens_per_s_per_mw": "tok/s/MW",
              "energy_usd_per_mtok": "USD/Mtok"}


def finding_line(f) -> str:
    line = f"{f.file}:{f.line}:{f.column}: {f.severity} {f.code} {f.message}"
    if f.via:
        chain = "; ".join(f"{v.instance} (block {v.block}) instantiated at "
                          f"{v.file}:{v.line}:{v.column}" for v in f.via)
        line += f" [in {chain}]"
    return line


def validation(reports) -> tuple[str, str]:
    """Findings for stdout, and a summary per layout for stderr."""
    out = [finding_line(f) for r in reports for f in r.findings]
    summary = []
    for r in reports:
        errors = sum(f.severity == "error" for f in r.findings)
        warnings = sum(f.severity == "warning" for f in r.findings)
        line = f"{r.file}: {errors} error(s), {warnings} warning(s)"
        if r.kpis is not None:
            line += f", {r.scenarios} failure scenario(s) evaluated; " + kpi_brief(r.kpis)
        summary.append(line)
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
    lines.append("overloaded: " + ("none" if not w.overloaded else ""))
    for o in w.overloaded:
        lines.append(f"  {o.component} ({o.kind}) {o.load_kw:,.1f} kW of {o.capacity_kw:,.1f} kW "
                     f"({o.utilization:.1%}, failover limit {o.limit:.0%})")
    lines.append("KPIs after:")
    lines += kpi_table(w.kpis)
    return _lines(lines)


def catalog(types) -> str:
    header = (f"{'type':<14} {'it_kw':>7} {'liquid':>7} {'weight_kg':>10} {'tokens/s':>10}  "
              f"{'status':<9} description")
    lines = [header]
    for t in types:
        tokens = "-" if t.tokens_per_s is None else f"{t.tokens_per_s:,.0f}"
        lines.append(f"{t.name:<14} {t.it_kw:>7g} {t.liquid_fraction or 0:>7.0%} "
                     f"{t.weight_kg or 0:>10,.0f} {tokens:>10}  {t.status:<9} {t.description}")
    lines.append("")
    lines += [f"{t.name}: {t.source}" for t in types]
    return _lines(lines)


def _lines(lines) -> str:
    return "".join(f"{line}\n" for line in lines)


def capacity(c) -> str:
    scope = "N-1 included"
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


def headroom(h) -> str:
    lines = [f"{h.file}: headroom (normal operation and worst single failure)", ""]
    head = (f"{'component':<14} {'kind':<13} {'capacity kW':>12} {'load kW':>10} {'util':>7} "
            f"{'margin kW':>10} {'N-1 load kW':>12} {'N-1 util':>8} {'N-1 margin':>11}  worst set")
    lines += [head, "-" * len(head)]
    for c in h.components:
        lines.append(f"{c.id:<14} {c.kind:<13} {_num(c.capacity_kw):>12} {_num(c.load_kw):>10} "
                     f"{_pct(c.utilization):>7} {_num(c.margin_kw):>10} "
                     f"{_num(c.worst_load_kw):>12} {_pct(c.worst_utilization):>8} "
                     f"{_num(c.worst_margin_kw):>11}  {', '.join(c.worst_scenario)}".rstrip())
    lines += ["", "stranded capacity per hall (probe: the hall's most common rack type)", ""]
    head = (f"{'hall':<12} {'racks':>5} {'IT kW':>10} {'probe':<14} {'free':>5} {'fit':>4} "
            f"{'power-only':>10} {'cooling-only':>12} {'stranded power kW':>18} "
            f"{'stranded cooling kW':>20}  binding")
    lines += [head, "-" * len(head)]
    for x in h.halls:
        b = x.binding
        binding = f"{b['code']} {b['component']}: {b['message']}" if b else ""
        lines.append(f"{x.hall:<12} {x.racks:>5} {x.it_kw:>10,.1f} {x.probe_type or '-':<14} "
                     f"{x.free_slots:>5} {x.fits:>4} {x.power_racks:>10} {x.cooling_racks:>12} "
                     f"{x.stranded_power_kw:>18,.1f} {x.stranded_cooling_kw:>20,.1f}  {binding}"
                     .rstrip())
    return _lines(lines)
