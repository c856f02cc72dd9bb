"""How fast twin refuses block bombs and hostile includes (default limits).

    python bench/hostile_blocks.py [--source DIR] [--timeout S]

Each input of tests/layout/test_hostile_blocks.py (and the 1 GW campus, as the large layout
that must pass) is validated by ``twin validate`` in a fresh process: the exit code,
the first line of output, the wall-clock time and the process's peak resident memory.
``--source DIR`` runs the twin of another checkout (to measure before a change); a run
past ``--timeout`` seconds (default 300) is stopped and reported as such.
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
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from test_hostile_blocks import BOMB, DYNAMIC, INSTANCES  # noqa: E402

# Runs twin in a fresh interpreter and reports that process's peak resident memory
# (VmHWM belongs to the process's own memory map: not inherited from this one, unlike
# ru_maxrss, which a forked child starts with).
WRAPPER = """\
import sys
from twin.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
with open("/proc/self/status") as status:
    peak = [line.split()[1] for line in status if line.startswith("VmHWM:")]
print(f"peak_kb={peak[0] if peak else 'nan'}", file=sys.stderr)
sys.exit(code)
"""


def run(source: Path, timeout: float, *args: str) -> tuple[int | str, str, float, float]:
    """Exit code, first line of output, seconds and peak memory (MB) of one fresh twin."""
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", WRAPPER, *args], capture_output=True,
                              text=True, timeout=timeout, cwd=source,
                              env={**os.environ, "PYTHONPATH": str(source)})
    except subprocess.TimeoutExpired:
        return "-", f"stopped after {timeout:.0f} s", time.perf_counter() - t0, float("nan")
    seconds = time.perf_counter() - t0
    kb = [line.split("=")[1] for line in proc.stderr.splitlines() if line.startswith("peak_kb=")]
    first = (proc.stdout.strip().splitlines() or ["(no findings)"])[0]
    return proc.returncode, first, seconds, (float(kb[0]) / 1024 if kb else float("nan"))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--source", type=Path, default=ROOT, help="the checkout whose twin runs")
    p.add_argument("--timeout", type=float, default=300, help="seconds per run")
    args = p.parse_args()
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "twin", "--version"], capture_output=True, cwd=ROOT)
    print(f"python -m twin --version (start-up alone): {time.perf_counter() - t0:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cases = []
        for name, text in (("bomb", BOMB), ("dynamic", DYNAMIC), ("instances", INSTANCES)):
            path = folder / f"{name}.yaml"
            path.write_text(text)
            cases.append((f"{name}: {len(text.encode())} bytes", str(path)))
        os.mkfifo(folder / "pipe.yaml")
        (folder / "fifo.yaml").write_text("twin: 1\ninclude: pipe.yaml\n")
        cases.append(("include of a FIFO nobody writes", str(folder / "fifo.yaml")))
        (folder / "escape.yaml").write_text("twin: 1\ninclude: /etc/passwd\n")
        cases.append(("include of /etc/passwd", str(folder / "escape.yaml")))
        cases.append(("the 1 GW campus (N-1)", str(ROOT / "layouts" / "campus-1gw.yaml")))
        print("| input | exit | output | wall time | peak memory |")
        print("|---|---|---|---|---|")
        for label, path in cases:
            code, first, seconds, mb = run(args.source.resolve(), args.timeout, "validate", path,
                                           "--no-progress")
            shown = first.replace(str(folder) + os.sep, "")
            print(f"| {label} | {code} | {shown[:110]} | {seconds:.2f} s | {mb:.0f} MB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
