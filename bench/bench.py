"""Benchmark: parse, load, build, checks, N-1 and peak memory from 1 MW to 1 GW.

Run ``python bench/bench.py`` from the repository root (``--sizes 1 10 100 1000``,
``--baseline-limit 600``, ``--repeat 3``, ``--sweeps 7``); it prints Markdown tables,
``--json`` the raw figures, ``--tables FILE`` the tables of such a file. Every
measurement runs in a fresh process, so each peak memory (ru_maxrss) is its own. Four
tables:

1. Stages per size, next to the floor (PyYAML's C loader alone on the same file), for
   the incremental engine and for the straightforward baseline
   (``flow.evaluate`` on the whole layout per failure set) in the same run: parse,
   load, build, normal checks, the full N-1 sweep, the R checks that read it and peak
   memory, with the baseline/engine ratio of the sweep (wall and CPU time). The
   baseline's sweep runs in full where a probe of 50 failure sets says it ends within
   ``--baseline-limit`` seconds; above that it is timed on 200 evenly spaced failure
   sets and extrapolated (marked ``~``). The engine's sweep runs ``--sweeps`` times in
   its process, the baseline's ``--repeat`` times where that takes a minute at most;
   the tables give medians.
2. ``twin validate FILE`` (the command line, interpreter start included, N-1
   included) against PyYAML's C loader alone on the same file (``yaml.load(...,
   Loader=yaml.CSafeLoader)``, the floor), run ``--repeat`` times alternately; medians
   and the ratio of medians.
3. ``twin validate --contingency 2`` on the 100 MW layout.
4. ``twin capacity`` on the 1 GW campus and ``twin simulate`` (a year, hourly, with
   the TMY3 weather file of the tests) on the 5 MW hall and the 1 GW campus.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

HALL = "layouts/gb300-hall.yaml"
CAMPUS = "layouts/campus-1gw.yaml"
WEATHER = "tests/data/723170TYA.CSV"

CHILD = r"""
import json, resource, statistics, sys, time
sys.path.insert(0, ROOT)
import yaml
path, mode, sample, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
out = {}
data = open(path, "rb").read()
if mode == "yaml":
    t = time.perf_counter(); yaml.load(data, Loader=yaml.CSafeLoader)
    out["yaml_load_s"] = time.perf_counter() - t
else:
    from twin.checks.runner import NEEDS, _run
    from twin.layout.blocks import expand
    from twin.checks import registry
    from twin.physics.sweep import failure_sets, sweep
    from twin.physics.flow import compile_network, evaluate
    from twin.physics.graph import build_graph
    from twin.physics.kpis import kpis
    from twin.layout.loader import load_tree
    from twin.physics.snapshot import Snapshot
    from twin.layout.source import Limits, parse
    t0 = time.perf_counter()
    tree, problems = parse(data)
    assert not problems, problems[:3]
    t1 = time.perf_counter()
    tree, problems = expand(tree, path, Limits(), size=len(data))
    layout, more = load_tree(tree, path)
    assert not problems and not more, (problems + more)[:3]
    t2 = time.perf_counter()
    graph = build_graph(layout)
    net = compile_network(layout)
    t3 = time.perf_counter()
    checks = registry()
    normal = evaluate(net)
    snap = Snapshot(layout, graph, net, normal, 1)
    found = _run({c: k for c, k in checks.items() if "sweep" not in k.needs}, set(NEEDS), snap,
                 layout)
    kpis(net, normal)
    t4 = time.perf_counter()
    out.update(parse_s=t1 - t0, load_s=t2 - t1, build_s=t3 - t2, normal_s=t4 - t3,
               racks=len(layout.racks), components=len(layout.power) + len(layout.cooling),
               failable=len(net.failable), it_mw=sum(r.it_kw for r in layout.racks) / 1000,
               findings=len(found))
    sets = list(failure_sets(net, 1))
    out["scenarios"] = len(sets)
    if mode == "baseline" and sample and sample < len(sets):
        step = len(sets) / sample
        chosen = [sets[int(i * step)] for i in range(sample)]
        t, c = time.perf_counter(), time.process_time()
        for s in chosen:
            evaluate(net, s)
        out["n1_s"] = (time.perf_counter() - t) * len(sets) / sample
        out["n1_cpu_s"] = (time.process_time() - c) * len(sets) / sample
        out["sampled"] = sample
    else:
        engine = "incremental" if mode == "engine" else "reference"
        runs, cpus, r_runs = [], [], []
        for _ in range(repeat):
            t, c = time.perf_counter(), time.process_time()
            result = sweep(net, normal, 1, engine=engine)
            runs.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
            t = time.perf_counter()
            snap = Snapshot(layout, graph, net, normal, 1, result)
            r_hits = _run({c: k for c, k in checks.items() if "sweep" in k.needs}, set(NEEDS),
                          snap, layout)
            r_runs.append(time.perf_counter() - t)
        out["n1_s"] = statistics.median(runs)
        out["n1_cpu_s"] = statistics.median(cpus)
        out["r_checks_s"] = statistics.median(r_runs)
        out["n1_runs"] = len(runs)
        out["r_findings"] = len(r_hits)
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


def run(argv: list[str]) -> dict:
    """Run a command to its end: wall time (s), peak memory (MB), exit code, output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, cwd=ROOT, env=_env())
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {"wall_s": wall, "peak_mb": usage.ru_maxrss / 1024, "rc": proc.returncode,
                "stdout": out.read().decode("utf-8", "replace"),
                "stderr": err.read().decode("utf-8", "replace")}


def child(path: str, mode: str, sample: int = 0, repeat: int = 1) -> dict:
    code = CHILD.replace("ROOT", repr(str(ROOT)))
    got = run([sys.executable, "-c", code, path, mode, str(sample), str(repeat)])
    if got["rc"] != 0:
        raise SystemExit(f"benchmark child failed ({mode} {path}):\n{got['stderr']}")
    return json.loads(got["stdout"])


def twin(*args: str, ok=(0, 1)) -> dict:
    got = run([sys.executable, "-m", "twin", *args])
    if got["rc"] not in ok:
        raise SystemExit(f"twin {' '.join(args)} exited {got['rc']}:\n{got['stderr']}")
    err = got["stderr"].strip().splitlines()
    out = got["stdout"].strip().splitlines()
    summary = err[-1] if err else (out[0] if out else "")
    head, sep, tail = summary.partition(": ")
    summary = tail if sep and head.endswith(".yaml") else summary  # no temporary paths
    if args and args[0] == "validate":
        summary = summary.split(";")[0]
    elif args and args[0] == "simulate":
        summary = "; ".join([summary.split(", weather")[0], *(
            " ".join(line.split()) for line in out if "PUE over the year" in line)])
    got["summary"] = summary
    del got["stdout"], got["stderr"]
    return got


def floor_vs_validate(path: str, repeat: int) -> dict:
    """yaml.load (C) alone and ``twin validate`` on one file, alternately, ``repeat`` times."""
    floors, walls, peaks, summary = [], [], [], ""
    for _ in range(repeat):
        floors.append(child(path, "yaml")["yaml_load_s"])
        got = twin("validate", "--no-progress", path)
        walls.append(got["wall_s"])
        peaks.append(got["peak_mb"])
        summary = got["summary"]
    floor, wall = statistics.median(floors), statistics.median(walls)
    return {"floor_s": floor, "floor_runs": floors, "validate_s": wall, "validate_runs": walls,
            "ratio": wall / floor, "peak_mb": max(peaks), "summary": summary,
            "file_mb": os.path.getsize(path) / 1e6}


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import networkx
    import numpy
    import yaml
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "pyyaml": yaml.__version__, "libyaml": bool(yaml.__with_libyaml__),
            "numpy": numpy.__version__, "networkx": networkx.__version__,
            "os": f"{platform.system()} {platform.release()}",
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None}


def measure(args) -> dict:
    from scale import scaled

    results = {"machine": machine(), "sizes": [], "validate": [], "commands": []}
    with tempfile.TemporaryDirectory() as tmp:
        for mw in args.sizes:
            path = os.path.join(tmp, f"flat-{mw:g}mw.yaml")
            Path(path).write_text(scaled(mw), encoding="utf-8")
            engine = child(path, "engine", repeat=args.sweeps)
            probe = child(path, "baseline", sample=50)
            full = probe["n1_s"] <= args.baseline_limit
            again = args.repeat if probe["n1_s"] * args.repeat <= 60 else 1
            baseline = child(path, "baseline", sample=0 if full else 200, repeat=again)
            results["sizes"].append({"mw": mw, "file_mb": os.path.getsize(path) / 1e6,
                                     "engine": engine, "baseline": baseline,
                                     "probe_n1_s": probe["n1_s"]})
            results["validate"].append({"layout": f"flat {engine['it_mw']:,.0f} MW",
                                        **floor_vs_validate(path, args.repeat)})
            if mw == 100:
                results["commands"].append({"command": "twin validate --contingency 2 "
                                            "flat-100mw.yaml", **twin(
                                                "validate", "--no-progress",
                                                "--contingency", "2", path)})
            print(f"{mw:g} MW done", file=sys.stderr)
        if not args.no_campus:
            flat = os.path.join(tmp, "campus-1gw-flat.yaml")
            twin("expand", CAMPUS, "-o", flat, ok=(0,))
            results["validate"].append({"layout": "campus-1gw, expanded",
                                        **floor_vs_validate(flat, args.repeat)})
            for label, argv in (
                    ("python -c 'import twin.cli'",
                     ("-c", "import twin.cli")),
                    (f"twin validate {CAMPUS}",
                     ("validate", "--no-progress", CAMPUS)),
                    ("twin capacity layouts/campus-1gw.yaml --rack-type gb300-nvl72",
                     ("capacity", CAMPUS, "--rack-type", "gb300-nvl72")),
                    (f"twin simulate {HALL} --weather {Path(WEATHER).name}",
                     ("simulate", "--no-progress", HALL, "--weather", WEATHER)),
                    (f"twin simulate {CAMPUS} --weather {Path(WEATHER).name}",
                     ("simulate", "--no-progress", CAMPUS, "--weather", WEATHER))):
                runs = [twin(*argv) if argv[0] != "-c" else run([sys.executable, *argv])
                        for _ in range(args.repeat)]
                for r in runs:
                    r.pop("stdout", None), r.pop("stderr", None)
                    r.setdefault("summary", "interpreter start and imports only")
                walls = [r["wall_s"] for r in runs]
                results["commands"].append({"command": label, "wall_s": statistics.median(walls),
                                            "runs": walls,
                                            "peak_mb": max(r["peak_mb"] for r in runs),
                                            "rc": runs[-1]["rc"], "summary": runs[-1]["summary"]})
            print("campus done", file=sys.stderr)
    return results


def markdown(res: dict) -> str:
    """The tables of one run, in Markdown."""
    m = res["machine"]
    out = [f"Machine: {m['cpu']}, {m['cores']} cores ({m['os']}); Python {m['python']}, "
           f"PyYAML {m['pyyaml']} (libyaml {'yes' if m['libyaml'] else 'no'}), "
           f"numpy {m['numpy']}, networkx {m.get('networkx', '?')}."]
    if m.get("load_average"):
        out.append("Load average (1, 5, 15 min) when the run started: "
                   + ", ".join(f"{x:.2f}" for x in m["load_average"]) + ".")
    out.append("")
    out += ["Stages, seconds of wall time (engine sweep: median of the runs; ~ = baseline "
            "extrapolated from a sample of failure sets; ratio of wall times, of CPU times in "
            "brackets):", "",
            "| IT MW | racks | components | N-1 sets | yaml.load (C) alone | engine | parse "
            "| load | build | normal checks | full N-1 sweep | R checks | total | peak MB "
            "| N-1 baseline / engine |",
            "|" + "---|" * 15]
    for k, r in enumerate(res["sizes"]):
        e, b = r["engine"], r["baseline"]
        floor = _s(res["validate"][k]["floor_s"])  # one validate row per size, same order
        est = "~" if b.get("sampled") else ""
        for name, x in (("incremental", e), ("baseline", b)):
            n1 = f"{est if x is b else ''}{_s(x['n1_s'])}"
            ratio = (f"{est}{b['n1_s'] / e['n1_s']:,.0f}x ({b['n1_cpu_s'] / e['n1_cpu_s']:,.0f}x)"
                     if x is b else "")
            r_checks = _s(x["r_checks_s"]) if "r_checks_s" in x else "-"
            total = sum(x[f] for f in ("parse_s", "load_s", "build_s", "normal_s", "n1_s",
                                       "r_checks_s") if f in x)
            out.append(f"| {e['it_mw']:,.1f} | {e['racks']:,} | {e['components']:,} "
                       f"| {e['scenarios']:,} | {floor if x is e else ''} | {name} "
                       f"| {_s(x['parse_s'])} | {_s(x['load_s'])} "
                       f"| {_s(x['build_s'])} | {_s(x['normal_s'])} | {n1} | {r_checks} "
                       f"| {est if x is b else ''}{_s(total)} "
                       f"| {x['peak_mb']:.0f} | {ratio} |")
    out += ["", "`twin validate FILE` (command line, N-1 included) against `yaml.load(..., "
            "Loader=yaml.CSafeLoader)` alone on the same file, run alternately (medians):", "",
            "| layout | YAML MB | yaml.load (C) s | twin validate s | validate / yaml.load "
            "| each run | validate peak MB | result |",
            "|" + "---|" * 8]
    for v in res["validate"]:
        each = ", ".join(f"{w / f:.2f}" for w, f in zip(v["validate_runs"], v["floor_runs"],
                                                                 strict=True))
        out.append(f"| {v['layout']} | {v['file_mb']:.2f} | {_s(v['floor_s'])} "
                   f"| {_s(v['validate_s'])} | {v['ratio']:.2f} | {each} | {v['peak_mb']:.0f} "
                   f"| {v['summary']} |")
    if res["commands"]:
        out += ["", "Other commands (wall time, median of the runs; interpreter start "
                "included):", "",
                "| command | runs | s | peak MB | exit | result |", "|---|---|---|---|---|---|"]
        for c in res["commands"]:
            out.append(f"| `{c['command']}` | {len(c.get('runs', [c['wall_s']]))} "
                       f"| {_s(c['wall_s'])} | {c['peak_mb']:.0f} | {c['rc']} "
                       f"| {c['summary']} |")
    return "\n".join(out) + "\n"


def _s(seconds: float) -> str:
    return f"{seconds:.3f}" if seconds < 10 else f"{seconds:,.1f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[1, 10, 100, 1000],
                    help="IT megawatts of the flat layouts (whole halls of 5.68 MW)")
    ap.add_argument("--baseline-limit", type=float, default=600.0,
                    help="run the baseline N-1 in full only if expected within this (s)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each command, and of the baseline's sweep where they "
                         "take a minute at most (median)")
    ap.add_argument("--sweeps", type=int, default=7,
                    help="runs of the engine's sweep in its process (median)")
    ap.add_argument("--no-campus", action="store_true",
                    help="skip the campus, capacity and simulate measurements")
    ap.add_argument("--json", action="store_true", help="print the raw figures as JSON")
    ap.add_argument("--tables", metavar="JSON", help="print the tables of an earlier --json run")
    args = ap.parse_args()
    if args.tables:
        print(markdown(json.loads(Path(args.tables).read_text())), end="")
        return
    res = measure(args)
    print(json.dumps(res, indent=2) if args.json else markdown(res), end="")


if __name__ == "__main__":
    main()
