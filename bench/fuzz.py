"""Long fuzz run: N seeded hostile inputs through the twin command, a summary, the findings.

    python bench/fuzz.py -n 100000 --seed 10 --jobs 2
    python bench/fuzz.py -n 2000 --family yaml11-number --family include-special
    python bench/fuzz.py --seed ci --family ids-c0 --start 3 -n 1 --show   # replay one

Each input is made by ``tests/mutations.py`` (half of them random mutations of the
example layouts, the other half spread over the shape families: long and YAML 1.1
numbers, block and range bombs, includes of special and outside files, ids of every
character class, outputs that are inputs, the new limit flags) and run and checked by
``tests/fuzzrun.py``: the same inputs and invariants as the seeded CI run of
``tests/test_fuzz.py``, there a fixed number per family. Input I of family F in run S
is the same on every machine, so ``--seed S --family F --start I -n 1`` replays it.

Writes ``bench/out/fuzz-SEED.txt`` (the summary and every failing input, with its
problems) and, for the first inputs of each kind of failure, their files under
``bench/out/fuzz-SEED/`` with the command line. Exit 1 when an input failed.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
sys.path.insert(0, os.path.dirname(HERE))

import fuzzrun  # noqa: E402
import mutations  # noqa: E402

#: Half of the inputs are random mutations; the shape families share the other half.
MUTATION_SHARE = 0.5
SAVE_PER_KIND = 5


def pick_family(seed: str, index: int, families: list[str]) -> str:
    """The family of input ``index``: the same for the same seed and family list."""
    rng = random.Random(f"{seed}-family-{index}")
    shapes = [f for f in families if f != "mutation"]
    if "mutation" in families and (not shapes or rng.random() < MUTATION_SHARE):
        return "mutation"
    return rng.choice(shapes)


def _run_chunk(task):
    """Run inputs [start, stop) in this worker: one record per input."""
    seed, start, stop, families, deadline, base, show = task
    records = []
    for index in range(start, stop):
        family = pick_family(seed, index, families)
        try:
            case, result = fuzzrun.run_one(family, seed, index, base, deadline=deadline)
        except Exception as exc:  # noqa: BLE001 - a bug of the fuzzer: record it, go on
            records.append({"index": index, "family": family, "label": "(not made or not "
                            "checked)", "argv": [], "seconds": 0.0, "code": None,
                            "cpu": 0.0, "problems": [f"harness: {exc!r}",
                                                     traceback.format_exc()]})
            continue
        record = {"index": index, "family": family, "label": case.label,
                  "argv": case.argv, "seconds": round(result.seconds, 4),
                  "cpu": round(result.cpu, 4),
                  "code": result.code, "problems": result.problems}
        if result.problems:
            record["files"] = {k: v.decode("utf-8", "surrogateescape") for k, v in
                               case.files.items() if len(v) <= 1 << 20}
            record["links"], record["fifos"] = case.links, list(case.fifos)
        if show:
            record["show"] = _show(case, result)
        records.append(record)
    return records


def _show(case, result) -> str:
    lines = [f"== {case.family}: {case.label}", f"   twin {' '.join(case.argv)}"]
    for rel, data in case.files.items():
        text = data.decode("utf-8", "replace")
        lines.append(f"-- {rel} ({len(data):,} bytes)")
        lines.append(text if len(text) < 4000 else text[:2000] + "\n[...]\n" + text[-500:])
    for rel, target in case.links.items():
        lines.append(f"-- {rel} -> {target}")
    lines += [f"-- fifo {rel}" for rel in case.fifos]
    lines.append(f"-- exit {result.code} in {result.seconds:.3f} s ({result.cpu:.3f} s CPU)")
    lines.append(f"-- stdout\n{result.out[:3000]}\n-- stderr\n{result.err[:3000]}")
    lines += [f"!! {p}" for p in result.problems] or ["ok: every invariant held"]
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, default=10_000, help="inputs to try (default 10,000)")
    p.add_argument("--seed", default="1", help="run seed, any text (default 1)")
    p.add_argument("--start", type=int, default=0, help="first input index (to resume or replay)")
    p.add_argument("--family", action="append", choices=sorted(mutations.SHAPES),
                   help="only this family (repeatable; default all)")
    p.add_argument("--timeout", type=float, default=fuzzrun.DEADLINE_S,
                   help=f"per-input deadline in seconds of CPU time (default "
                   f"{fuzzrun.DEADLINE_S:g}; {fuzzrun.WALL_FACTOR:g} times that of waiting)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--out", default=os.path.join(HERE, "out"),
                   help="folder for the findings (default bench/out)")
    p.add_argument("--every", type=int, default=1000, help="print progress every N inputs")
    p.add_argument("--show", action="store_true",
                   help="print every input, its output and its problems (for replays)")
    args = p.parse_args(argv)
    families = args.family or list(mutations.SHAPES)
    base = tempfile.mkdtemp(prefix="twin-fuzz-", dir=fuzzrun.scratch_base())
    chunk = 25
    tasks = [(args.seed, s, min(s + chunk, args.start + args.n), families, args.timeout, base,
              args.show) for s in range(args.start, args.start + args.n, chunk)]
    started = time.perf_counter()
    records = []
    stopped = False
    try:
        if args.jobs > 1:
            with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
                for batch in pool.imap(_run_chunk, tasks):
                    records += batch
                    _progress(records, args, started)
        else:
            for task in tasks:
                records += _run_chunk(task)
                _progress(records, args, started)
    except KeyboardInterrupt:  # Ctrl-C: the summary of what was tried so far
        stopped = True
    finally:
        shutil.rmtree(base, ignore_errors=True)
    if stopped:
        print(f"stopped after {len(records):,} inputs", flush=True)
    wall = time.perf_counter() - started
    text = summary(records, args, families, wall)
    print(text)
    if args.show:
        for r in records:
            print(r.get("show") or "\n".join(r["problems"]))
    if not args.show:
        _write(records, text, args)
    return 1 if any(r["problems"] for r in records) else 0


def _progress(records, args, started) -> None:
    done = len(records)
    if done and (done % args.every < 25 or done == args.n):
        failing = sum(1 for r in records if r["problems"])
        rate = done / (time.perf_counter() - started)
        slowest = max(r["cpu"] for r in records)
        print(f"tried {done:,}: {failing} failing ({rate:.1f}/s, slowest {slowest:.2f} s CPU)",
              flush=True)


def summary(records, args, families, wall: float) -> str:
    """The run in a few lines: inputs, failing inputs by family and invariant, slowest."""
    failing = [r for r in records if r["problems"]]
    slowest = max(records, key=lambda r: (r["cpu"], r["seconds"])) if records else None
    lines = [f"twin fuzz run: seed {args.seed}, inputs {args.start:,} to "
             f"{args.start + len(records) - 1:,} ({len(records):,}), deadline "
             f"{args.timeout:g} s of CPU time ({args.timeout * fuzzrun.WALL_FACTOR:g} s of "
             f"waiting) per input, {args.jobs} job(s)",
             f"wall time {wall:,.0f} s ({len(records) / max(wall, 1e-9):.1f} inputs/s)",
             f"failing inputs: {len(failing):,}"]
    if slowest:
        lines.append(f"slowest input: {slowest['family']} {slowest['index']} "
                     f"({slowest['label'][:100]}): {slowest['cpu']:.2f} s CPU, "
                     f"{slowest['seconds']:.2f} s wall")
        done = [r for r in records if not any(p.startswith("deadline") for p in r["problems"])]
        if done:
            top = max(done, key=lambda r: r["cpu"])
            lines.append(f"slowest input that finished: {top['family']} {top['index']} "
                         f"({top['label'][:100]}): {top['cpu']:.2f} s CPU, "
                         f"{top['seconds']:.2f} s wall")
    kinds: dict[tuple[str, str], list] = {}
    for r in failing:
        for kind in sorted({fuzzrun.kind_of(p) for p in r["problems"]}):
            kinds.setdefault((r["family"], kind), []).append(r)
    lines.append("")
    lines.append(f"{'family':18} {'inputs':>7} {'failing':>8}  invariants broken (inputs)")
    for family in families:
        mine = [r for r in records if r["family"] == family]
        if not mine:
            continue
        bad = [r for r in mine if r["problems"]]
        broken = ", ".join(f"{kind} {len(rs)}" for (fam, kind), rs in sorted(kinds.items())
                           if fam == family)
        lines.append(f"{family:18} {len(mine):7,} {len(bad):8,}  {broken or '-'}")
    if kinds:
        lines += ["", "kinds of failure, with the first input of each:"]
        for (family, kind), rs in sorted(kinds.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            first = rs[0]
            problem = next(p for p in first["problems"] if fuzzrun.kind_of(p) == kind)
            lines.append(f"  {len(rs):6,}  {family} / {kind}: input {first['index']} "
                         f"({first['label'][:80]}): {problem.splitlines()[0][:240]}")
    return "\n".join(lines)


def _write(records, text: str, args) -> None:
    os.makedirs(args.out, exist_ok=True)
    report = os.path.join(args.out, f"fuzz-{args.seed}.txt")
    failing = [r for r in records if r["problems"]]
    with open(report, "w", encoding="utf-8") as handle:
        handle.write(text + "\n\nfailing inputs (replay: python bench/fuzz.py --seed "
                     f"{args.seed} --family FAMILY --start INDEX -n 1 --show)\n")
        for r in failing:
            handle.write(f"\n{r['family']} {r['index']}: {r['label']} ({r['seconds']:.2f} s, "
                         f"{r['cpu']:.2f} s CPU, exit {r['code']})\n"
                         f"  twin {' '.join(r['argv'])[:300]}\n")
            for problem in r["problems"]:
                handle.write("  " + problem.replace("\n", "\n    ")[:3000] + "\n")
    saved: dict[tuple[str, str], int] = {}
    folder = os.path.join(args.out, f"fuzz-{args.seed}")
    shutil.rmtree(folder, ignore_errors=True)
    for r in failing:
        kind = (r["family"], fuzzrun.kind_of(r["problems"][0]))
        if saved.get(kind, 0) >= SAVE_PER_KIND:
            continue
        saved[kind] = saved.get(kind, 0) + 1
        where = os.path.join(folder, f"{r['family']}-{r['index']}")
        for rel, data in r.get("files", {}).items():
            path = os.path.join(where, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8", errors="surrogateescape") as handle:
                handle.write(data)
        os.makedirs(where, exist_ok=True)
        with open(os.path.join(where, "case.json"), "w", encoding="utf-8") as handle:
            json.dump({k: r[k] for k in ("family", "index", "label", "argv", "problems")}
                      | {"links": r.get("links"), "fifos": r.get("fifos")}, handle, indent=1)
    print(f"findings written to {report}" + (f" and {folder}/" if saved else ""))


if __name__ == "__main__":
    sys.exit(main())
