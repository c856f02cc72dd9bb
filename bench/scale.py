"""Flat layouts of any size for benchmarks: the example hall repeated with id prefixes.

``python bench/scale.py MW OUT`` writes a flat v1 layout of MW megawatts of IT, to the
nearest rack of 142 kW: whole copies of the 40-rack example hall, and a last copy
holding only the first racks that remain (so 1 MW is one hall with 7 racks). Every
copy has its own 2N power and N+1 cooling, so it validates clean at N-1 like the hall.
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
HALL = ROOT / "layouts" / "gb300-hall.yaml"
REFS = ("from", "power", "to", "cooling")
SOURCES = ("utility", "generator")


RACK_KW = 142.0  # gb300-nvl72, the only rack type of the hall


def racks_for(mw: float) -> int:
    """Racks of the flat layout of ``mw`` megawatts of IT (at least one)."""
    return max(1, round(mw * 1000 / RACK_KW))


def scaled(mw: float) -> str:
    """YAML text of a flat layout of ``racks_for(mw)`` racks in copies of the example hall."""
    doc = yaml.safe_load(HALL.read_text())
    out = {"twin": 1, "site": doc["site"], "policy": doc["policy"],
           "power": {}, "cooling": {}, "space": {}, "racks": {}}
    per_hall = len(doc["racks"])
    total = racks_for(mw)
    for n in range(math.ceil(total / per_hall)):
        prefix = f"h{n:03d}-"
        hall = _partial(doc, min(per_hall, total - n * per_hall))
        for section in ("power", "cooling", "space", "racks"):
            for ident, entry in hall[section].items():
                entry = dict(entry)
                for ref in REFS:
                    if ref in entry:
                        value = entry[ref]
                        entry[ref] = ([prefix + v for v in value] if isinstance(value, list)
                                      else prefix + value)
                if "hall" in entry:
                    entry["hall"] = prefix + entry["hall"]
                out[section][prefix + ident] = entry
    lines = ["twin: 1", yaml.safe_dump({"site": out["site"]}, default_flow_style=None).strip(),
             yaml.safe_dump({"policy": out["policy"]}, default_flow_style=None).strip()]
    for section in ("power", "cooling", "space", "racks"):
        lines.append(f"{section}:")
        for ident, entry in out[section].items():
            body = yaml.safe_dump(entry, default_flow_style=True, width=10**6).strip()
            lines.append(f"  {ident}: {body}")
    return "\n".join(lines) + "\n"


def _partial(doc: dict, racks: int) -> dict:
    """The hall with only its first ``racks`` racks and the power that still feeds something."""
    if racks == len(doc["racks"]):
        return doc
    kept = dict(list(doc["racks"].items())[:racks])
    power = dict(doc["power"])
    while True:
        used = set()
        for entry in (*kept.values(), *doc["cooling"].values(), *power.values()):
            for ref in ("power", "from"):
                value = entry.get(ref, [])
                used.update(value if isinstance(value, list) else [value])
        unused = [p for p in power if p not in used and power[p]["kind"] not in SOURCES]
        if not unused:
            return {**doc, "power": power, "racks": kept}
        for p in unused:
            del power[p]


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    Path(sys.argv[2]).write_text(scaled(float(sys.argv[1])))
