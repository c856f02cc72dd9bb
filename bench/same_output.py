"""Prove a change kept twin's behaviour: the same JSON, byte for byte, before and after.

    python bench/same_output.py REV        # REV: the commit to compare the work tree with

Runs ``twin validate --format json`` (and ``--contingency 2`` and ``report --format
json`` on the layouts under 50 MW of IT) on
every shipped layout and every test layout, once in a pristine copy of REV and once
in this work tree, from the same relative path, and compares stdout and the exit code.
Exit 0 when every output is identical; 1 with the list of differences otherwise.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMALL_IT_KW = 50_000.0  # deeper sweeps and reports only on layouts under 50 MW of IT


def layouts(root: Path) -> list[str]:
    """Every layout file twin ships or tests with, relative to ``root``, in a stable order."""
    found = []
    for folder in ("layouts", "tests/layouts"):
        for path in sorted((root / folder).rglob("*.yaml")):
            found.append(str(path.relative_to(root)))
    return found


def deeper(validate_json: bytes, path: str) -> list[list[str]]:
    """The further runs for a layout small enough (by its IT load) to sweep pairs quickly."""
    try:
        kpis = json.loads(validate_json)["layouts"][0].get("kpis") or {}
    except (ValueError, KeyError, IndexError):
        return []
    out = []
    if (kpis.get("it_kw") or 0.0) < SMALL_IT_KW:
        out.append(["validate", "--format", "json", "--no-progress", "--contingency", "2", path])
        out.append(["report", "--format", "json", path])
    return out


def run(root: Path, args: list[str]) -> tuple[int, bytes]:
    proc = subprocess.run([sys.executable, "-m", "twin", *args], cwd=root,
                          capture_output=True, timeout=600)
    return proc.returncode, proc.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="the commit to compare with (e.g. HEAD~1, main)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="twin-same-") as tmp:
        base = Path(tmp) / "base"
        base.mkdir()
        archive = subprocess.run(["git", "archive", args.rev], cwd=ROOT, capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        paths = [p for p in layouts(base) if (ROOT / p).exists()]
        differences, compared = [], 0
        for path in paths:
            first = ["validate", "--format", "json", "--no-progress", path]
            before = run(base, first)
            for cmd in [first] + deeper(before[1], path):
                before, after = (before if cmd is first else run(base, cmd)), run(ROOT, cmd)
                compared += 1
                if before != after:
                    differences.append(f"twin {' '.join(cmd)}: exit {before[0]} -> {after[0]}, "
                                       f"{len(before[1])} -> {len(after[1])} bytes")
        for line in differences:
            print(line)
        print(f"{compared} outputs on {len(paths)} layouts compared with {args.rev}: "
              f"{compared - len(differences)} identical, {len(differences)} different")
        return 1 if differences else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
