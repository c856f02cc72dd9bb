"""Flat layouts of any size for benchmarks: the example hall repeated with id prefixes.

``python bench/scale.py MW OUT`` writes a flat v1 layout of about MW megawatts of IT
(whole halls of 5.68 MW, at least one), every hall with its own 2N power and N+1
cooling, so it validates clean at N-1 like the hall itself.
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
HALL = ROOT / "layouts" / "gb300-hall.yaml"
REFS = ("from", "power", "to", "cooling")


def halls_for(mw: float) -> int:
    return max(1, round(mw / 5.68))


def scaled(mw: float) -> str:
    """YAML text of a flat layout with ``halls_for(mw)`` copies of the example hall."""
    doc = yaml.safe_load(HALL.read_text())
    out = {"twin": 1, "site": doc["site"], "policy": doc["policy"],
           "power": {}, "cooling": {}, "space": {}, "racks": {}}
    for n in range(halls_for(mw)):
        prefix = f"h{n:03d}-"
        for section in ("power", "cooling", "space", "racks"):
            for ident, entry in doc[section].items():
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


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    Path(sys.argv[2]).write_text(scaled(float(sys.argv[1])))
