"""IT load profiles for ``twin simulate``: a load fraction per hour, and what it is a fraction of.

- ``flat`` (training): every rack at its typical power (``typical_kw``, else ``it_kw``)
  all year.
- ``diurnal`` (inference): a daily cosine between :data:`DIURNAL_LOW` and
  :data:`DIURNAL_HIGH` of typical power, lowest at :data:`DIURNAL_TROUGH_HOUR` and highest
  twelve hours later. The shape is an assumption of this project, not a sourced figure:
  give a CSV for a measured one.
- a CSV file: fractions of the design ``it_kw``, one per line: one column, or a column
  named ``fraction`` with a header line. 24 rows repeat every day; 8,760 rows are a year.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np

from twin.core import UsageError
from twin.layout.weather import HOURS_PER_YEAR

DIURNAL_LOW = 0.6
DIURNAL_HIGH = 1.0
DIURNAL_TROUGH_HOUR = 4
#: Largest fraction a CSV may give: design it_kw is the rack's peak, so a value far
#: above 1 is almost certainly kW written where a fraction belongs.
MAX_FRACTION = 2.0
#: Largest CSV read: 8,760 fractions take well under 1 MiB.
MAX_BYTES = 16 * 1024 * 1024

PROFILES = ("flat", "diurnal")


@dataclass(frozen=True, slots=True)
class Profile:
    """A load fraction per hour and its basis: ``typical`` (typical_kw) or ``design`` (it_kw)."""

    name: str
    basis: str
    fraction: np.ndarray


def flat(hours: int = HOURS_PER_YEAR) -> Profile:
    return Profile("flat", "typical", np.ones(hours))


def diurnal(hours: int = HOURS_PER_YEAR) -> Profile:
    """``low + (high − low) (1 − cos(2π (h − trough) / 24)) / 2`` for hour of day h."""
    hour_of_day = np.arange(hours) % 24
    shape = (1.0 - np.cos(2.0 * math.pi * (hour_of_day - DIURNAL_TROUGH_HOUR) / 24.0)) / 2.0
    return Profile("diurnal", "typical", DIURNAL_LOW + (DIURNAL_HIGH - DIURNAL_LOW) * shape)


def read(spec: str, hours: int = HOURS_PER_YEAR) -> Profile:
    """``flat``, ``diurnal`` or the path of a CSV of fractions; :class:`UsageError` if bad."""
    if spec == "flat":
        return flat(hours)
    if spec == "diurnal":
        return diurnal(hours)
    try:
        with open(spec, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"--load: {spec!r} is not flat, diurnal or a readable CSV file "
                         f"({exc.strerror or exc})") from None
    if len(raw) > MAX_BYTES:
        raise UsageError(f"--load: {spec}: larger than {MAX_BYTES // 1024 ** 2} MiB; not a "
                         "profile of 8,760 fractions")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"--load: {spec}: not a text (UTF-8) CSV file") from None
    return Profile(spec, "design", np.resize(read_csv_text(text, spec), hours))


def read_csv_text(text: str, where: str = "<csv>") -> np.ndarray:
    """Fractions from CSV text: 24 values (repeated daily) or 8,760; returns 8,760 values."""
    rows = [r for r in csv.reader(io.StringIO(text)) if r and any(c.strip() for c in r)]
    if not rows:
        raise UsageError(f"--load: {where}: no values")
    first = [c.strip().lower() for c in rows[0]]
    column, start = 0, 0
    if not any(_is_number(c) for c in first):  # a header line
        start = 1
        if "fraction" in first:
            column = first.index("fraction")
        elif len(first) > 1:
            raise UsageError(f"--load: {where}: several columns and none named `fraction`")
    elif len(first) > 1:
        raise UsageError(f"--load: {where}: several columns: give one, or a header line naming "
                         "the `fraction` column")
    values = []
    for n, row in enumerate(rows[start:], start + 1):
        cell = row[column].strip() if column < len(row) else ""
        if not _is_number(cell):
            raise UsageError(f"--load: {where}: line {n}: {cell!r} is not a number")
        v = float(cell)
        if not 0.0 <= v <= MAX_FRACTION:
            raise UsageError(f"--load: {where}: line {n}: {cell} is not a fraction of design "
                             f"it_kw from 0 to {MAX_FRACTION:g} (kW given by mistake?)")
        values.append(v)
    if len(values) == 24:
        return np.tile(np.array(values), HOURS_PER_YEAR // 24)
    if len(values) == HOURS_PER_YEAR:
        return np.array(values)
    raise UsageError(f"--load: {where}: {len(values):,} values; give 24 (one day, repeated) or "
                     f"{HOURS_PER_YEAR:,} (a year)")


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False
