"""Benchmark: ``twin export`` of the example hall and the 1 GW campus (USD, NetBox, DOT).

Run ``python bench/export.py`` (``--layouts FILE...``). Each export runs in a fresh
process; the table gives wall time per output and the size written. The USD export
includes validation and the N-1 snapshot its figures come from.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYOUTS = ("layouts/gb300-hall.yaml", "layouts/campus-1gw.yaml")


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layouts", nargs="+", default=list(LAYOUTS))
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    print("| layout | output | wall s | written |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for layout in args.layouts:
            for flag, name in (("--dot", "out.dot"), ("--netbox", "netbox"), ("--usd", "usd")):
                out = Path(tmp) / f"{Path(layout).stem}-{name}"
                start = time.perf_counter()
                proc = subprocess.run([sys.executable, "-m", "twin", "export", layout, flag,
                                       str(out)], cwd=ROOT, env=env, capture_output=True,
                                      text=True)
                wall = time.perf_counter() - start
                if proc.returncode not in (0, 1):
                    print(proc.stderr, file=sys.stderr)
                    return proc.returncode
                print(f"| {layout} | {flag} | {wall:.1f} | {_size(out) / 1e6:.2f} MB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
