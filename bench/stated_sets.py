"""Groups, events and maintenance on the 1 GW campus against its plain N-1 validate.

    python bench/stated_sets.py                 # 5 alternated pairs; Markdown on stdout
    python bench/stated_sets.py --pairs 9 --json

Expands ``layouts/campus-1gw.yaml`` with ``twin expand`` into a temporary folder (the
flat campus), and writes a second flat file from it with ``policy.maintenance: true``
and, at the top level, the groups and events a designer of this campus would state:

- per hall (176): the five CDUs N+1, the five dry coolers N+1, the five CRAHs N+1, the
  two chillers N+1, and the row UPSs 2N by side (``[[r1/ups-a .. r4/ups-a],
  [r1/ups-b .. r4/ups-b]]``);
- per building side (16): the 33 generators N+1;
- per building (8): a grid outage, both utilities (``fails: [util-a, util-b]``).

Then ``twin validate`` of each, in a fresh process, alternately (plain first), the given
number of pairs: wall and CPU time of each run, medians, and the median of the pairs'
ratios. The budget is 1.5x the plain N-1 validate. In one process it also times the
three checks on the incremental engine and, on a sample of the group sets, the full
evaluation per set they used before (extrapolated to every set), and prints the
findings of the stated file by code.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CAMPUS = ROOT / "layouts" / "campus-1gw.yaml"
BUDGET = 1.5


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


def stated(flat: str) -> tuple[str, dict]:
    """The flat campus text with maintenance on and the groups and events above appended,
    and how many of each it states."""
    ids = re.findall(r"^  (\S+): \{", flat, flags=re.M)
    halls = sorted({m.group(1) for i in ids if (m := re.match(r"(b\d+/h\d+)/cdu-1$", i))})
    buildings = sorted({h.split("/")[0] for h in halls})
    lines = ["groups:"]
    sets = 0
    for h in halls:
        for name, prefix in (("cdus", "cdu-"), ("dry-coolers", "dc-"), ("crahs", "crah-"),
                             ("chillers", "ch-")):
            members = [i for i in ids if i.startswith(f"{h}/{prefix}")]
            lines.append(f"  {h}/{name}: {{members: [{', '.join(members)}], "
                         "redundancy: N+1}")
            sets += len(members)
        side = {s: [i for i in ids if re.fullmatch(rf"{h}/r\d+/ups-{s}", i)] for s in "ab"}
        lines.append(f"  {h}/ups-2n: {{members: [[{', '.join(side['a'])}], "
                     f"[{', '.join(side['b'])}]], redundancy: 2N}}")
        sets += 2
    for b in buildings:
        for s in "ab":
            gens = [i for i in ids if re.fullmatch(rf"{b}/gen-{s}\d+", i)]
            lines.append(f"  {b}/gens-{s}: {{members: [{', '.join(gens)}], redundancy: N+1}}")
            sets += len(gens)
    lines.append("events:")
    for b in buildings:
        lines.append(f"  {b}/grid-outage: {{fails: [{b}/util-a, {b}/util-b]}}")
    text = flat.replace("\npolicy:\n", "\npolicy:\n  maintenance: true\n", 1)
    assert text != flat, "no policy section in the flat campus"
    counts = {"groups": len(lines) - 2 - len(buildings), "group_sets": sets,
              "events": len(buildings), "halls": len(halls)}
    return text + "\n".join(lines) + "\n", counts


def validate(path: str) -> dict:
    """``twin validate`` in a fresh process: wall and CPU seconds, exit code, summary."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "twin", "validate", "--no-progress", path],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                            env=_env())
    out, err = proc.communicate()
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"twin validate {path} exited {proc.returncode}:\n{err.decode()}")
    summary = next((line for line in (out + err).decode().splitlines()
                    if "failure scenario(s) evaluated" in line), "")
    return {"wall_s": wall, "cpu_s": cpu, "rc": proc.returncode,
            "summary": summary.split(": ", 1)[-1].split(";")[0]}


CHILD = r"""
import gc, json, sys, time
sys.path.insert(0, ROOT)
gc.set_threshold(50000, 20, 100)  # as the command line runs
from twin.checks import groups
from twin.checks.runner import load, snapshot
path, sample = sys.argv[1], int(sys.argv[2])
layout = load(path).layout
snap = snapshot(layout)
out = {}
for name, check in (("R005", groups.check_groups), ("R006", groups.check_events),
                    ("R007", groups.check_maintenance)):
    t, c = time.perf_counter(), time.process_time()
    out[name] = {"findings": len(list(check(snap))), "wall_s": time.perf_counter() - t,
                 "cpu_s": time.process_time() - c}
sets = [s for g in layout.groups for s in g.failure_sets()]
full = groups.Judge(snap.net, snap.normal)  # no engine: a full evaluate per set
t = time.perf_counter()
for s in sets[:sample]:
    full.breaks(s)
out["full_per_set_s"] = (time.perf_counter() - t) / sample
out["group_sets"] = len(sets)
print(json.dumps(out))
"""


def in_process(path: str, sample: int) -> dict:
    code = CHILD.replace("ROOT", repr(str(ROOT)))
    proc = subprocess.run([sys.executable, "-c", code, path, str(sample)], capture_output=True,
                          text=True, cwd=ROOT, env=_env())
    if proc.returncode != 0:
        raise SystemExit(f"in-process run failed:\n{proc.stderr}")
    return json.loads(proc.stdout)


def measure(pairs: int, sample: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="twin-stated-") as tmp:
        flat = Path(tmp) / "campus-flat.yaml"
        subprocess.run([sys.executable, "-m", "twin", "expand", str(CAMPUS), "-o", str(flat)],
                       check=True, cwd=ROOT, env=_env(), capture_output=True)
        text, counts = stated(flat.read_text(encoding="utf-8"))
        more = Path(tmp) / "campus-stated.yaml"
        more.write_text(text, encoding="utf-8")
        validate(str(flat))  # warm the file cache for both
        plain, with_sets = [], []
        for _ in range(pairs):
            plain.append(validate(str(flat)))
            with_sets.append(validate(str(more)))
        checks = in_process(str(more), sample)
        codes = subprocess.run([sys.executable, "-m", "twin", "validate", "--no-progress",
                                "--format", "json", str(more)], capture_output=True, cwd=ROOT,
                               env=_env()).stdout
        found: dict[str, int] = {}
        for f in json.loads(codes)["layouts"][0]["findings"]:
            found[f["code"]] = found.get(f["code"], 0) + 1
        return {"bytes": {"plain": flat.stat().st_size, "stated": more.stat().st_size},
                "counts": counts, "plain": plain, "stated": with_sets, "checks": checks,
                "stated_findings": found, "load": os.getloadavg()}


def markdown(res: dict) -> str:
    p = [r["wall_s"] for r in res["plain"]]
    s = [r["wall_s"] for r in res["stated"]]
    pc = [r["cpu_s"] for r in res["plain"]]
    sc = [r["cpu_s"] for r in res["stated"]]
    ratios = [b / a for a, b in zip(p, s, strict=True)]
    c, n = res["checks"], res["counts"]
    full = c["full_per_set_s"] * c["group_sets"]
    rows = [
        f"Flat 1 GW campus: plain {res['bytes']['plain']:,} bytes; with {n['groups']} groups "
        f"({n['group_sets']:,} sets), {n['events']} events and `maintenance: true`: "
        f"{res['bytes']['stated']:,} bytes. Load average at the end: "
        + ", ".join(f"{x:.2f}" for x in res["load"]) + ".",
        "",
        "| | pairs | median wall | range | median CPU | verdict |",
        "|---|---|---|---|---|---|",
        f"| `twin validate`, plain N-1 | {len(p)} | {statistics.median(p):.2f} s | "
        f"{min(p):.2f} to {max(p):.2f} s | {statistics.median(pc):.2f} s | "
        f"{res['plain'][0]['summary']} |",
        f"| `twin validate`, groups + events + maintenance | {len(s)} | "
        f"{statistics.median(s):.2f} s | {min(s):.2f} to {max(s):.2f} s | "
        f"{statistics.median(sc):.2f} s | {res['stated'][0]['summary']} |",
        "",
        f"Ratio: medians {statistics.median(s) / statistics.median(p):.2f}x, median of the "
        f"pairs {statistics.median(ratios):.2f}x ({min(ratios):.2f}x to {max(ratios):.2f}x); "
        f"CPU medians {statistics.median(sc) / statistics.median(pc):.2f}x; budget {BUDGET}x.",
        "",
        "In one process, on the incremental engine: "
        + "; ".join(f"{k} {c[k]['wall_s']:.3f} s ({c[k]['findings']} findings)"
                    for k in ("R005", "R006", "R007"))
        + f". A full evaluation per set, as before: {c['full_per_set_s'] * 1000:.1f} ms a set "
        f"on a sample, about {full:,.0f} s for the {c['group_sets']:,} group sets.",
        "",
        "Findings of the stated file: "
        + (", ".join(f"{k} {v}" for k, v in sorted(res["stated_findings"].items())) or "none")
        + ".",
    ]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--sample", type=int, default=20,
                        help="group sets evaluated in full to estimate the old way")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    res = measure(args.pairs, args.sample)
    print(json.dumps(res, indent=1) if args.json else markdown(res))


if __name__ == "__main__":
    main()
