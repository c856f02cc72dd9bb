"""Long fuzz run: N mutated layouts through the twin command in-process; prints tried and crashes.

    python bench/fuzz.py -n 100000 --seed 1 --crashes fuzz-crashes/

Each input is a valid example layout mutated by ``tests/mutations.py`` (the same
mutations the seeded CI run in ``tests/test_fuzz.py`` uses), written to a temporary
file and run through ``twin.cli.main`` with its output captured. A crash is an
exception escaping ``main``, a traceback in the output, an exit code other than 0/1/2,
a finding without a code, message or a line inside its file, or an input running
longer than ``--timeout`` seconds; each crashing input is saved for a regression test.
"""
from __future__ import annotations

import argparse
import os
import random
import signal
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
sys.path.insert(0, os.path.dirname(HERE))

import mutations  # noqa: E402


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, default=10_000, help="inputs to try (default 10,000)")
    p.add_argument("--seed", type=int, default=1, help="run seed (default 1)")
    p.add_argument("--start", type=int, default=0, help="first input index (to resume)")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds before an input is a hang")
    p.add_argument("--crashes", default=None, help="folder to save crashing inputs in")
    p.add_argument("--every", type=int, default=1000, help="print progress every N inputs")
    args = p.parse_args(argv)
    files = mutations.seed_files()
    signal.signal(signal.SIGALRM, _alarm)
    crashes = 0
    slowest = 0.0
    kinds: dict[str, int] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "fuzzed.yaml")
        for i in range(args.start, args.start + args.n):
            rng = random.Random(f"{args.seed}-{i}")
            _, text = mutations.mutate(rng, files)
            data = mutations.as_bytes(rng, text)
            with open(path, "wb") as handle:
                handle.write(data)
            cmd = mutations.argv_for(rng, path, text)
            t0 = time.perf_counter()
            signal.setitimer(signal.ITIMER_REAL, args.timeout)
            try:
                code, out, err = mutations.run_cli(cmd)
                bad = mutations.problems_in(code, out, err, cmd)
            except Hang:
                bad = [f"no answer within {args.timeout} s"]
            except Exception as exc:  # noqa: BLE001 - this is what we look for
                bad = ["exception: " + "".join(traceback.format_exception_only(exc)).strip(),
                       traceback.format_exc()]
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            slowest = max(slowest, time.perf_counter() - t0)
            if bad:
                crashes += 1
                kinds[bad[0][:120]] = kinds.get(bad[0][:120], 0) + 1
                print(f"CRASH input {i}: {' '.join(cmd[:1] + cmd[2:])}: {bad[0][:300]}",
                      flush=True)
                if args.crashes:
                    os.makedirs(args.crashes, exist_ok=True)
                    base = os.path.join(args.crashes, f"crash-{args.seed}-{i}")
                    with open(base + ".yaml", "wb") as handle:
                        handle.write(data)
                    with open(base + ".txt", "w", encoding="utf-8") as handle:
                        handle.write(" ".join(cmd) + "\n" + "\n".join(bad) + "\n")
            done = i - args.start + 1
            if done % args.every == 0:
                rate = done / (time.perf_counter() - started)
                print(f"tried {done:,} crashes {crashes} ({rate:.0f}/s, slowest {slowest:.2f} s)",
                      flush=True)
    elapsed = time.perf_counter() - started
    print(f"tried {args.n:,} crashes {crashes} in {elapsed:.0f} s, slowest input "
          f"{slowest:.2f} s")
    for kind, count in sorted(kinds.items(), key=lambda kv: -kv[1]):
        print(f"  {count:6d}  {kind}")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
