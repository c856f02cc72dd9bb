"""How fast twin refuses a 1 GB file of repeated keys and an endless stream (default limits).

    python bench/limits.py            # FIFO streams: 1 GB of `k: v` lines, and endless
    python bench/limits.py --file     # also a real 1 GB file written once to a temp folder

For each input: the exit code, the finding, the wall-clock time of ``twin validate`` in
a fresh process, and how many bytes the writer managed to hand over (a FIFO writer
counts what twin consumed; for a file, twin's own read size is at most max_bytes + 1).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time

LINE = b"k: v\n"
CHUNK = LINE * 13108
GIB = 1 << 30


def _feed(path, total, counted):
    written = 0
    try:
        with open(path, "wb", buffering=0) as out:
            while total is None or written < total:
                written += out.write(CHUNK if total is None else CHUNK[: total - written])
    except BrokenPipeError:
        pass
    counted.append(written)


def run(path: str) -> tuple[int, str, float]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "twin", "validate", path, "--no-progress"],
                          capture_output=True, text=True, timeout=600)
    return proc.returncode, proc.stdout.strip(), time.perf_counter() - t0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--file", action="store_true", help="also write and validate a 1 GB file")
    args = p.parse_args()
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "twin", "--version"], capture_output=True)
    startup = time.perf_counter() - t0
    print(f"python -m twin --version (start-up alone): {startup:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        for label, total in (("1 GB of repeated keys through a FIFO", GIB),
                             ("endless stream through a FIFO", None)):
            fifo = os.path.join(tmp, f"s{total}.yaml")
            os.mkfifo(fifo)
            counted: list[int] = []
            writer = threading.Thread(target=_feed, args=(fifo, total, counted), daemon=True)
            writer.start()
            code, out, seconds = run(fifo)
            writer.join(timeout=60)
            print(f"{label}: exit {code} in {seconds:.2f} s, {counted[0]:,} bytes consumed\n"
                  f"  {out}")
        if args.file:
            path = os.path.join(tmp, "big.yaml")
            t0 = time.perf_counter()
            with open(path, "wb") as out:
                block = CHUNK * 16
                for _ in range(GIB // len(block) + 1):
                    out.write(block)
            size = os.path.getsize(path)
            took = time.perf_counter() - t0
            print(f"wrote a {size:,} byte file of repeated keys in {took:.1f} s")
            code, out, seconds = run(path)
            print(f"1 GB regular file: exit {code} in {seconds:.2f} s\n  {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
