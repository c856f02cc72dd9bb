"""Write tests/data/723170TYA.epw: the TMY3 file of the same station in EnergyPlus EPW form.

Run from the repository root: ``python tests/data/tmy3_to_epw.py``. Every value comes from
tests/data/723170TYA.CSV (NREL TMY3, Greensboro Piedmont Triad Intl, NC, USAF 723170),
converted to EPW units; fields TMY3 does not carry get the EPW missing-value code. Field
order, units and missing codes follow the EPW data dictionary ("Auxiliary Programs",
Weather Converter Program, EnergyPlus documentation).
"""
from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "723170TYA.CSV"
TARGET = HERE / "723170TYA.epw"
#: EPW's usual "data source and uncertainty" flags of a converted TMY3 file.
FLAGS = "?9?9?9?9E0?9?9?9?9?9?9?9?9?9?9?9?9?9?9?9*9*9?9?9?9"


def _value(row: dict, column: str, missing, scale: float = 1.0, digits: int = 1) -> str:
    """A TMY3 column in EPW units, or the EPW missing code for a TMY3 -9900."""
    raw = float(row[column])
    if raw <= -9900:
        return str(missing)
    value = raw * scale
    return f"{value:.{digits}f}" if digits else str(int(round(value)))


def convert() -> str:
    with open(SOURCE, encoding="utf-8", newline="") as handle:
        station = next(csv.reader(handle))
        rows = list(csv.DictReader(handle))
    usaf, name, state, tz, lat, lon, elev = station[:7]
    header = [
        f"LOCATION,{name},{state},USA,TMY3,{usaf},{float(lat):.2f},{float(lon):.2f},"
        f"{float(tz):.1f},{float(elev):.1f}",
        "DESIGN CONDITIONS,0",
        "TYPICAL/EXTREME PERIODS,0",
        "GROUND TEMPERATURES,0",
        "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0",
        "COMMENTS 1,Converted from NREL TMY3 723170TYA.CSV by tests/data/tmy3_to_epw.py",
        "COMMENTS 2,Fields TMY3 does not give carry the EPW missing-value codes",
        "DATA PERIODS,1,1,Data,Sunday, 1/ 1,12/31",
    ]
    lines = []
    for row in rows:
        month, day, year = row["Date (MM/DD/YYYY)"].split("/")
        hour = int(row["Time (HH:MM)"].split(":")[0])
        fields = [
            year, str(int(month)), str(int(day)), str(hour), "0", FLAGS,
            _value(row, "Dry-bulb (C)", 99.9),
            _value(row, "Dew-point (C)", 99.9),
            _value(row, "RHum (%)", 999, digits=0),
            _value(row, "Pressure (mbar)", 999999, scale=100.0, digits=0),
            _value(row, "ETR (W/m^2)", 9999, digits=0),
            _value(row, "ETRN (W/m^2)", 9999, digits=0),
            "9999",  # horizontal infrared radiation: not in TMY3
            _value(row, "GHI (W/m^2)", 9999, digits=0),
            _value(row, "DNI (W/m^2)", 9999, digits=0),
            _value(row, "DHI (W/m^2)", 9999, digits=0),
            _value(row, "GH illum (lx)", 999900, digits=0),
            _value(row, "DN illum (lx)", 999900, digits=0),
            _value(row, "DH illum (lx)", 999900, digits=0),
            _value(row, "Zenith lum (cd/m^2)", 9999, digits=0),
            _value(row, "Wdir (degrees)", 999, digits=0),
            _value(row, "Wspd (m/s)", 999),
            _value(row, "TotCld (tenths)", 99, digits=0),
            _value(row, "OpqCld (tenths)", 99, digits=0),
            _value(row, "Hvis (m)", 9999, scale=0.001),
            _value(row, "CeilHgt (m)", 99999, digits=0),
            "9", "999999999",  # present weather observation and codes: not used
            _value(row, "Pwat (cm)", 999, scale=10.0, digits=0),
            _value(row, "AOD (unitless)", 0.999, digits=4),
            "999", "99",  # snow depth, days since last snowfall: not in TMY3
            _value(row, "Alb (unitless)", 999, digits=2),
            _value(row, "Lprecip depth (mm)", 999),
            _value(row, "Lprecip quantity (hr)", 99, digits=0),
        ]
        assert len(fields) == 35
        lines.append(",".join(fields))
    return "\r\n".join(header + lines) + "\r\n"


if __name__ == "__main__":
    TARGET.write_bytes(convert().encode("ascii"))
