"""A self-contained SVG of a simulation: hourly PUE and facility power over the year.

No plotting library: the chart is two panels of plain SVG (paths, lines, text), so the
file opens in any browser and diffs as text. A year is drawn per day: a band from the
day's lowest to its highest hour and a line through the daily mean; up to a month of
hours is drawn hour by hour. Hours over capacity are marked in red under the power
panel, and hours over capacity with one heat-rejection unit failed in orange.
"""
from __future__ import annotations

import math
import warnings
from xml.sax.saxutils import escape as _escape

import numpy as np

from twin.reporters.text_reporter import one_line

WIDTH, HEIGHT = 960, 600
LEFT, RIGHT = 78, 24
PANELS = ((64, 210), (300, 210))  # (top, height) of the PUE and power panels
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_START_DAY = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)
HOURLY_UP_TO = 744  # hours drawn one by one (a 31-day month); longer runs are drawn per day
BLUE, BLUE_BAND, GREY, RED, INK = "#1f5fa8", "#c9dbf0", "#8a8f98", "#c62828", "#222222"
ORANGE = "#ef6c00"


def svg(sim) -> str:
    """The SVG text of ``sim`` (a :class:`twin.questions.simulate.Simulation`)."""
    hours = sim.hours
    pue = sim.pue
    fac = sim.facility_kw
    it = sim.it_kw
    unit, div = ("MW", 1000.0) if np.nanmax(fac) >= 1000.0 else ("kW", 1.0)
    step = 1 if hours <= HOURLY_UP_TO else 24
    x_of = _x_scale(hours)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="Helvetica, Arial, sans-serif" '
        f'font-size="12" fill="{INK}">',
        f'<title>{escape(sim.file)}: hourly PUE and facility power</title>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text x="{LEFT}" y="24" font-size="15" font-weight="bold">'
        f'{escape(_name(sim.file))}: hourly PUE and facility power</text>',
        f'<text x="{LEFT}" y="44" fill="{GREY}">{escape(_subtitle(sim))}</text>',
    ]
    period = "annual PUE" if hours == 8760 else f"PUE over {hours:,} h"
    annual = f"{period} {sim.annual_pue:.3f}" if sim.annual_pue is not None else "no IT load"
    parts += _x_axis(x_of, hours, PANELS[1][0] + PANELS[1][1])  # under the curves
    parts += _panel(PANELS[0], "PUE", pue, None, x_of, hours, step, annual, digits=3)
    peak = f"peak {sim.peak_facility_kw / div:,.2f} {unit}"
    parts += _panel(PANELS[1], f"power ({unit})", fac / div, it / div, x_of, hours, step, peak,
                    digits=2)
    parts += _over_marks(sim.over_hours, x_of, PANELS[1][0] + PANELS[1][1] + 30)
    parts += _over_marks(sim.over_hours_n1, x_of, PANELS[1][0] + PANELS[1][1] + 42, ORANGE)
    legend_y = HEIGHT - 16
    if step > 1:
        parts += [f'<rect x="{LEFT}" y="{legend_y - 9}" width="18" height="10" '
                  f'fill="{BLUE_BAND}"/>',
                  f'<text x="{LEFT + 24}" y="{legend_y}">daily range (lowest to highest hour)'
                  '</text>']
    parts += [
        f'<line x1="{LEFT + 250}" x2="{LEFT + 268}" y1="{legend_y - 4}" y2="{legend_y - 4}" '
        f'stroke="{BLUE}" stroke-width="2"/>',
        f'<text x="{LEFT + 274}" y="{legend_y}">{"facility" if step == 1 else "daily mean"}</text>',
        f'<line x1="{LEFT + 370}" x2="{LEFT + 388}" y1="{legend_y - 4}" y2="{legend_y - 4}" '
        f'stroke="{GREY}" stroke-width="1.5" stroke-dasharray="4 3"/>',
        f'<text x="{LEFT + 394}" y="{legend_y}">IT power</text>',
        f'<rect x="{LEFT + 470}" y="{legend_y - 9}" width="4" height="10" fill="{RED}"/>',
        f'<text x="{LEFT + 480}" y="{legend_y}">over capacity '
        f'({sim.hours_over_capacity:,} h)</text>',
        f'<rect x="{LEFT + 650}" y="{legend_y - 9}" width="4" height="10" fill="{ORANGE}"/>',
        f'<text x="{LEFT + 660}" y="{legend_y}">over at N-1 '
        f'({sim.hours_over_capacity_n1:,} h)</text>',
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


def escape(text: str) -> str:
    """SVG text: escaped as every line twin prints (:func:`one_line`), then ``&<>``."""
    return _escape(one_line(text))


def _name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _subtitle(sim) -> str:
    weather = sim.weather.get("station") or sim.weather.get("source")
    return (f"{sim.hours:,} h, weather {weather}, load {_name(sim.profile)}; "
            f"IT {sim.annual_it_mwh:,.0f} MWh, facility {sim.annual_facility_mwh:,.0f} MWh")


def _x_scale(hours: int):
    span = WIDTH - LEFT - RIGHT

    def x_of(hour: float) -> float:
        return LEFT + span * hour / max(hours, 1)
    return x_of


def _daily(values: np.ndarray, step: int):
    """(hour at the middle of each step, low, mean, high), NaN-aware."""
    n = len(values) // step * step
    if step == 1 or n == 0:
        v = values.astype(float)
        return np.arange(len(v)) + 0.5, v, v, v
    blocks = values[:n].reshape(-1, step)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN day stays NaN
        low, mean, high = np.nanmin(blocks, 1), np.nanmean(blocks, 1), np.nanmax(blocks, 1)
    return np.arange(len(blocks)) * step + step / 2.0, low, mean, high


def _nice_range(low: float, high: float, digits: int) -> tuple[float, float, float]:
    """Axis bounds and tick step around [low, high], about five ticks."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return 0.0, 1.0, 0.2
    if high - low < 10 ** -digits:
        pad = max(abs(high) * 0.01, 10 ** -digits)
        low, high = low - pad, high + pad
    raw = (high - low) / 5.0
    magnitude = 10 ** math.floor(math.log10(raw))
    tick = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return math.floor(low / tick) * tick, math.ceil(high / tick) * tick, tick


def _path(xs, ys, y_of) -> str:
    """An SVG path through the points, broken where a value is NaN."""
    out, pen = [], "M"
    for x, y in zip(xs, ys, strict=True):
        if not math.isfinite(y):
            pen = "M"
            continue
        out.append(f"{pen}{x:.1f},{y_of(y):.1f}")
        pen = "L"
    return " ".join(out)


def _panel(box, label, values, second, x_of, hours, step, note, *, digits):
    top, height = box
    mid, low, mean, high = _daily(values, step)
    pool = [v for v in (low, high) if len(v)]
    if second is not None:
        pool.append(second)
    finite = np.concatenate([p[np.isfinite(p)] for p in pool]) if pool else np.array([])
    lo, hi, tick = _nice_range(float(finite.min()) if finite.size else 0.0,
                               float(finite.max()) if finite.size else 1.0, digits)

    def y_of(v: float) -> float:
        return top + height - height * (v - lo) / (hi - lo)
    xs = [x_of(h) for h in mid]
    parts = [f'<rect x="{LEFT}" y="{top}" width="{WIDTH - LEFT - RIGHT}" height="{height}" '
             f'fill="none" stroke="#d0d4da"/>']
    n_ticks = int(round((hi - lo) / tick))
    for k in range(n_ticks + 1):
        v = lo + k * tick
        y = y_of(v)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#eceef1"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{v:,.{_decimals(tick)}f}</text>')
    parts.append(f'<text x="18" y="{top + height / 2:.0f}" text-anchor="middle" '
                 f'transform="rotate(-90 18 {top + height / 2:.0f})">{escape(label)}</text>')
    if step > 1:
        upper = _path(xs, high, y_of)
        lower = _path(xs[::-1], low[::-1], y_of).replace("M", "L", 1)
        if upper and lower and np.isfinite(low).all() and np.isfinite(high).all():
            parts.append(f'<path d="{upper} {lower} Z" fill="{BLUE_BAND}" stroke="none"/>')
    if second is not None:
        smid, _, smean, _ = _daily(second, step)
        parts.append(f'<path d="{_path([x_of(h) for h in smid], smean, y_of)}" fill="none" '
                     f'stroke="{GREY}" stroke-width="1.5" stroke-dasharray="4 3"/>')
    parts.append(f'<path d="{_path(xs, mean, y_of)}" fill="none" stroke="{BLUE}" '
                 f'stroke-width="{1.5 if step > 1 else 1.2}" stroke-linejoin="round"/>')
    parts.append(f'<text x="{WIDTH - RIGHT - 6}" y="{top + 16}" text-anchor="end" '
                 f'font-weight="bold" stroke="#ffffff" stroke-width="4" paint-order="stroke">'
                 f'{escape(note)}</text>')
    return parts


def _decimals(tick: float) -> int:
    """Decimals that show every tick exactly: 0.05 → 2, 0.025 → 3, 2.5 → 1, 200 → 0."""
    exponent = math.floor(math.log10(tick) + 1e-9)
    mantissa = round(tick / 10 ** exponent, 6)
    return max(0, -exponent + (1 if mantissa == 2.5 else 0))


def _x_axis(x_of, hours: int, y: float) -> list[str]:
    parts = []
    if hours > HOURLY_UP_TO:
        ticks = [(d * 24, MONTHS[m]) for m, d in enumerate(MONTH_START_DAY) if d * 24 < hours]
    else:
        every = 24 if hours <= 24 * 7 else 24 * 7
        ticks = [(h, f"day {h // 24 + 1}") for h in range(0, hours, every)]
        if hours <= 48:
            ticks = [(h, f"{h:02d}:00" if h < 24 else f"+{h - 24:02d}:00")
                     for h in range(0, hours, 6)]
    for hour, text in ticks:
        x = x_of(hour)
        for top, height in PANELS:
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + height}" '
                         f'stroke="#eceef1"/>')
        parts.append(f'<text x="{x + 3:.1f}" y="{y + 16}">{text}</text>')
    return parts


def _over_marks(over: np.ndarray, x_of, y: float, colour: str = RED) -> list[str]:
    """A tick per hour (or per day, for a year) with some component over capacity."""
    if not over.any():
        return []
    step = 1 if len(over) <= HOURLY_UP_TO else 24
    n = len(over) // step * step
    marks = over[:n].reshape(-1, step).any(1) if step > 1 else over
    if n < len(over) and over[n:].any():
        marks = np.append(marks, True)
    parts = []
    width = max(x_of(step) - x_of(0), 1.0)
    for k in np.flatnonzero(marks):
        parts.append(f'<rect x="{x_of(k * step):.1f}" y="{y}" width="{width:.1f}" height="8" '
                     f'fill="{colour}"/>')
    return parts
