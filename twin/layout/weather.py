"""Hourly weather for ``twin simulate``: EnergyPlus EPW and NREL TMY3 CSV readers, wet-bulb.

Both formats are read by this module rather than by a weather library: the simulation
needs three columns (dry-bulb, dew point, relative humidity) of a fixed, documented
layout, and a reader of a page keeps twin's dependencies at PyYAML, networkx and numpy.

- EPW (EnergyPlus weather): eight header lines (``LOCATION`` to ``DATA PERIODS``), then
  one comma-separated row per hour whose fields are fixed by the EnergyPlus
  "Auxiliary Programs" weather-format reference: field 1 year, 2 month, 3 day, 4 hour,
  7 dry-bulb (°C), 8 dew point (°C), 9 relative humidity (%). Missing values are
  99.9 (temperatures) and 999 (humidity).
- TMY3 CSV (NREL, Wilcox and Marion 2008, NREL/TP-581-43156): line 1 is the station
  (USAF id, name, state, time zone, latitude, longitude, elevation), line 2 the column
  names; the columns read are ``Date (MM/DD/YYYY)``, ``Dry-bulb (C)``, ``Dew-point (C)``
  and ``RHum (%)``. Missing values are -9900.

Missing values are filled by linear interpolation in time. A leap-year file (8,784 rows)
loses 29 February, so every year is 8,760 hours.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np

from twin.core import UsageError

HOURS_PER_YEAR = 8760


@dataclass(frozen=True, slots=True)
class Weather:
    """Hourly ambient conditions, one value per hour of the year (arrays of 8,760).

    Neither format carries a wet-bulb column: it is computed from dry-bulb and humidity
    (:func:`wet_bulb_stull`), or taken equal to the dry-bulb when there is no humidity.
    """

    source: str
    station: str
    dry_bulb_c: np.ndarray
    wet_bulb_c: np.ndarray
    relative_humidity_pct: np.ndarray | None = None

    @property
    def hours(self) -> int:
        return len(self.dry_bulb_c)


def wet_bulb_stull(dry_bulb_c, relative_humidity_pct):
    """Wet-bulb temperature (°C) from dry-bulb (°C) and relative humidity (%).

    Stull, R. (2011), "Wet-bulb temperature from relative humidity and air temperature",
    Journal of Applied Meteorology and Climatology 50(11), 2267-2269, eq. 1:

        Tw = T atan(0.151977 (RH + 8.313659)^½) + atan(T + RH) − atan(RH − 1.676331)
             + 0.00391838 RH^{3/2} atan(0.023101 RH) − 4.686035

    valid at sea-level pressure for RH 5-99 % and T −20 to 50 °C (within about 1 K; less
    than 0.3 K mean error). RH is clipped to 5-99 % and the result to at most the
    dry-bulb, so values outside that range stay physical.
    """
    t = np.asarray(dry_bulb_c, dtype=float)
    rh = np.clip(np.asarray(relative_humidity_pct, dtype=float), 5.0, 99.0)
    tw = (t * np.arctan(0.151977 * np.sqrt(rh + 8.313659)) + np.arctan(t + rh)
          - np.arctan(rh - 1.676331) + 0.00391838 * rh ** 1.5 * np.arctan(0.023101 * rh)
          - 4.686035)
    return np.minimum(tw, t)


def relative_humidity_from_dew_point(dry_bulb_c, dew_point_c):
    """Relative humidity (%) from dry-bulb and dew point, Magnus formula over water.

    ``RH = 100 exp(b Td / (c + Td) − b T / (c + T))`` with b = 17.625 and c = 243.04 °C
    (Alduchov and Eskridge 1996, the coefficients the Stull fit also assumes).
    """
    t = np.asarray(dry_bulb_c, dtype=float)
    td = np.minimum(np.asarray(dew_point_c, dtype=float), t)
    b, c = 17.625, 243.04
    return 100.0 * np.exp(b * td / (c + td) - b * t / (c + t))


def constant(dry_bulb_c: float, hours: int = HOURS_PER_YEAR) -> Weather:
    """The same dry-bulb every hour; with no humidity given, wet-bulb = dry-bulb.

    Saturated air is the conservative bound for a cooling tower: a design dry-bulb
    alone says nothing of the humidity.
    """
    t = np.full(hours, float(dry_bulb_c))
    return Weather("constant", f"{dry_bulb_c:g} °C all year", t, t.copy(), None)


def read(path: str) -> Weather:
    """Read an EPW or TMY3 CSV file; raises :class:`UsageError` on any problem."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(64 * 1024 * 1024 + 1)
    except OSError as exc:
        raise UsageError(f"--weather: {path}: {exc.strerror or exc}") from None
    if len(raw) > 64 * 1024 * 1024:
        raise UsageError(f"--weather: {path}: larger than 64 MiB; not a weather file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # older EPW headers carry Latin-1 station names
    head = text.lstrip()[:200].upper()
    if head.startswith("LOCATION,"):
        return read_epw_text(text, path)
    lines = text.splitlines()
    if len(lines) > 1 and "Dry-bulb (C)" in lines[1]:
        return read_tmy3_text(text, path)
    raise UsageError(f"--weather: {path}: not an EPW file (first line `LOCATION,...`) nor a "
                     "TMY3 CSV (second line naming `Dry-bulb (C)`)")


def _number(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        return math.nan
    return v if math.isfinite(v) else math.nan


def _fill(values: np.ndarray, what: str, path: str) -> np.ndarray:
    """Fill NaNs by linear interpolation in time (ends: the nearest value)."""
    bad = np.isnan(values)
    if not bad.any():
        return values
    if bad.all():
        raise UsageError(f"--weather: {path}: no valid {what} value")
    hours = np.arange(len(values))
    out = values.copy()
    out[bad] = np.interp(hours[bad], hours[~bad], values[~bad])
    return out


def _year(rows: list, months: list[int], days: list[int], path: str) -> list:
    """Drop 29 February of a leap-year file; insist on one value per hour of a year."""
    if len(rows) == HOURS_PER_YEAR + 24:
        dates = zip(rows, months, days, strict=True)
        rows = [r for r, m, d in dates if not (m == 2 and d == 29)]
    if len(rows) != HOURS_PER_YEAR:
        raise UsageError(f"--weather: {path}: {len(rows):,} hourly rows; a typical-year file "
                         f"has {HOURS_PER_YEAR:,} (8,784 in a leap year)")
    return rows


def read_epw_text(text: str, path: str = "<epw>") -> Weather:
    """Parse EPW text: dry-bulb, dew point and RH from fields 7, 8 and 9 of each row."""
    lines = text.splitlines()
    start = next((i + 1 for i, line in enumerate(lines[:40])
                  if line.upper().startswith("DATA PERIODS")), None)
    if start is None:
        raise UsageError(f"--weather: {path}: EPW header has no `DATA PERIODS` line")
    location = next(csv.reader([lines[0]]))
    station = ", ".join(x.strip() for x in location[1:4] if x.strip() and x.strip() != "-")
    rows, months, days = [], [], []
    for n, line in enumerate(lines[start:], start + 1):
        if not line.strip():
            continue
        fields = line.split(",")
        if len(fields) < 9:
            raise UsageError(f"--weather: {path}:{n}: EPW row has {len(fields)} fields; "
                             "dry-bulb, dew point and humidity are fields 7-9")
        months.append(int(_number(fields[1])) if not math.isnan(_number(fields[1])) else 0)
        days.append(int(_number(fields[2])) if not math.isnan(_number(fields[2])) else 0)
        rows.append((_number(fields[6]), _number(fields[7]), _number(fields[8])))
    rows = _year(rows, months, days, path)
    data = np.array(rows, dtype=float)
    db, dp, rh = data[:, 0], data[:, 1], data[:, 2]
    db[db >= 99.9] = np.nan
    dp[dp >= 99.9] = np.nan
    rh[(rh >= 999) | (rh < 0) | (rh > 110)] = np.nan
    return _weather(path, station, db, dp, rh)


def read_tmy3_text(text: str, path: str = "<tmy3>") -> Weather:
    """Parse TMY3 CSV text: the ``Dry-bulb (C)``, ``Dew-point (C)`` and ``RHum (%)`` columns."""
    reader = csv.reader(io.StringIO(text))
    try:
        meta = next(reader)
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise UsageError(f"--weather: {path}: TMY3 file needs a station line and a header "
                         "line") from None
    station = ", ".join(x.strip() for x in meta[1:3] if x.strip())
    try:
        c_date = header.index("Date (MM/DD/YYYY)")
        c_db = header.index("Dry-bulb (C)")
    except ValueError:
        raise UsageError(f"--weather: {path}: TMY3 header lacks `Date (MM/DD/YYYY)` or "
                         "`Dry-bulb (C)`") from None
    c_dp = header.index("Dew-point (C)") if "Dew-point (C)" in header else None
    c_rh = header.index("RHum (%)") if "RHum (%)" in header else None
    rows, months, days = [], [], []
    for n, fields in enumerate(reader, 3):
        if not fields:
            continue
        if len(fields) <= max(c for c in (c_date, c_db, c_dp, c_rh) if c is not None):
            raise UsageError(f"--weather: {path}:{n}: row is shorter than the header")
        date = fields[c_date].split("/")
        months.append(int(date[0]) if date[0].isdigit() else 0)
        days.append(int(date[1]) if len(date) > 1 and date[1].isdigit() else 0)
        rows.append((_number(fields[c_db]),
                     _number(fields[c_dp]) if c_dp is not None else math.nan,
                     _number(fields[c_rh]) if c_rh is not None else math.nan))
    rows = _year(rows, months, days, path)
    data = np.array(rows, dtype=float)
    data[data <= -9900] = np.nan
    rh = data[:, 2]
    rh[(rh < 0) | (rh > 110)] = np.nan
    return _weather(path, station, data[:, 0], data[:, 1], rh)


def _weather(path: str, station: str, db, dp, rh) -> Weather:
    db = _fill(db, "dry-bulb", path)
    if not np.isnan(rh).all():
        rh = _fill(rh, "humidity", path)
    elif not np.isnan(dp).all():
        rh = relative_humidity_from_dew_point(db, _fill(dp, "dew point", path))
    else:
        rh = None
    wb = db.copy() if rh is None else wet_bulb_stull(db, rh)
    return Weather(path, station, db, wb, rh)
