"""Benchmark: parse, load, build, normal checks, N-1 and peak memory at 1 MW to 1 GW.

Run ``python bench/bench.py`` (``--sizes 1 10 100 1000``, ``--baseline-limit 600``).
Each measurement runs in a fresh process so peak memory (ru_maxrss) is its own. For
every size it times PyYAML's C loader alone on the same flat file (the floor), twin's
stages with the incremental engine, and the straightforward baseline (a full
re-evaluation per failure set, flow.evaluate) up to the size where the baseline's
N-1 sweep is expected to end within ``--baseline-limit`` seconds; above that, the
baseline is timed on a sample of failure sets and its full time extrapolated (marked ~).
Prints a Markdown table; ``--json`` prints the raw figures.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, ROOT)
import yaml
path, mode, sample = sys.argv[1], sys.argv[2], int(sys.argv[3])
out = {}
data = open(path, "rb").read()
if mode == "yaml":
    t = time.perf_counter(); yaml.load(data, Loader=yaml.CSafeLoader)
    out["yaml_load_s"] = time.perf_counter() - t
else:
    import twin
    from twin.api import _run, _PHYSICS_FAMILIES
    from twin.blocks import expand
    from twin.checks import registry
    from twin.contingency import sweep, failure_sets
    from twin.flow import compile_network, evaluate
    from twin.graph import build_graph
    from twin.loader import load_tree
    from twin.snapshot import Snapshot
    from twin.source import parse
    t0 = time.perf_counter()
    tree, _ = parse(data)
    t1 = time.perf_counter()
    tree, _ = expand(tree, path, twin.source.Limits(), size=len(data))
    layout, problems = load_tree(tree, path)
    assert not problems, problems[:3]
    t2 = time.perf_counter()
    graph = build_graph(layout)
    net = compile_network(layout)
    t3 = time.perf_counter()
    normal = evaluate(net)
    snap = Snapshot(layout, graph, net, normal, 1)
    checks = registry()
    found = _run(checks, ("topology", "power", "cooling", "space"), snap, layout)
    t4 = time.perf_counter()
    out.update(parse_s=t1 - t0, load_s=t2 - t1, build_s=t3 - t2, normal_s=t4 - t3,
               racks=len(layout.racks), components=len(layout.power) + len(layout.cooling),
               it_mw=sum(r.it_kw for r in layout.racks) / 1000)
    if mode == "engine":
        t = time.perf_counter(); result = sweep(net, normal, 1)
        out["n1_s"] = time.perf_counter() - t
        out["scenarios"] = result.scenarios
        t = time.perf_counter(); report = twin.validate(path)
        out["validate_s"] = time.perf_counter() - t
        out["ok"] = report.ok
    else:
        sets = list(failure_sets(net, 1))
        if sample and sample < len(sets):
            step = len(sets) / sample
            chosen = [sets[int(i * step)] for i in range(sample)]
            t = time.perf_counter()
            for s in chosen:
                evaluate(net, s)
            out["n1_s"] = (time.perf_counter() - t) * len(sets) / sample
            out["estimated"] = True
        else:
            t = time.perf_counter(); sweep(net, normal, 1, engine="reference")
            out["n1_s"] = time.perf_counter() - t
        out["scenarios"] = len(sets)
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def child(path: str, mode: str, sample: int = 0) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD.replace("ROOT", repr(str(ROOT))),
                           path, mode, str(sample)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child failed ({mode} {path}):\n{proc.stderr}")
    return json.loads(proc.stdout)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numpy
    import yaml
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"PyYAML {yaml.__version__} (libyaml {'yes' if yaml.__with_libyaml__ else 'no'}), "
            f"numpy {numpy.__version__}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[1, 10, 100, 1000])
    ap.add_argument("--baseline-limit", type=float, default=600.0,
                    help="run the baseline N-1 in full only if expected within this (s)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from scale import scaled
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for mw in args.sizes:
            path = os.path.join(tmp, f"flat-{mw:g}mw.yaml")
            Path(path).write_text(scaled(mw))
            size_mb = os.path.getsize(path) / 1e6
            floor = child(path, "yaml")
            engine = child(path, "engine")
            probe = child(path, "baseline", sample=50)
            full = probe["n1_s"] <= args.baseline_limit
            baseline = child(path, "baseline", sample=0 if full else 200)
            rows.append({"mw": engine["it_mw"], "file_mb": size_mb, "floor": floor,
                         "engine": engine, "baseline": baseline})
            print(f"{engine['it_mw']:.0f} MW done", file=sys.stderr)
    if args.json:
        print(json.dumps({"machine": machine(), "rows": rows}, indent=2))
        return
    print(f"Machine: {machine()}\n")
    print("| IT MW | racks | components | YAML MB | yaml.load (C) s | parse s | load s | build s "
          "| normal checks s | N-1 sets | N-1 engine s | N-1 baseline s | ratio | validate s "
          "| validate / yaml.load | peak MB engine | peak MB baseline |")
    print("|" + "---|" * 17)
    for r in rows:
        e, b, f = r["engine"], r["baseline"], r["floor"]
        est = "~" if b.get("estimated") else ""
        print(f"| {r['mw']:,.0f} | {e['racks']:,} | {e['components']:,} | {r['file_mb']:.2f} "
              f"| {f['yaml_load_s']:.2f} | {e['parse_s']:.2f} | {e['load_s']:.2f} "
              f"| {e['build_s']:.2f} | {e['normal_s']:.2f} | {e['scenarios']:,} "
              f"| {e['n1_s']:.3f} | {est}{b['n1_s']:.1f} | {est}{b['n1_s'] / e['n1_s']:,.0f}x "
              f"| {e['validate_s']:.2f} | {e['validate_s'] / f['yaml_load_s']:.2f} "
              f"| {e['peak_mb']:.0f} | {b['peak_mb']:.0f} |")


if __name__ == "__main__":
    main()
