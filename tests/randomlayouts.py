"""Seeded random layouts for differential tests: valid v1 files of every shape the engine meets.

Power is a random DAG (transfer and share, efficiencies, several sources), cooling a
random heat DAG (rack-facing units, loops without capacity, chillers, dry coolers and
towers, with power feeds or ``power: external``; CRACs and ``to: external``), racks with 1-3 feeds, ``min_feeds``, liquid and
air heat, some with a per-rack contingency; some components are not failable.
"""
from __future__ import annotations

import random

import yaml


def random_layout(seed: int, *, contingency: int | None = None) -> str:
    rng = random.Random(seed)
    power: dict = {}
    sources = []
    for n in range(rng.randint(1, 3)):
        ident = f"src{n}"
        power[ident] = {"kind": rng.choice(["utility", "generator"]),
                        "capacity_kw": rng.choice([200, 500, 1000, 2000])}
        sources.append(ident)
    dist = []
    kinds = ["transformer", "switchgear", "ups", "pdu", "busway", "panel", "rpp"]
    for n in range(rng.randint(2, 9)):
        ident = f"p{n}"
        ups = sources + dist
        entry = {"kind": rng.choice(kinds), "capacity_kw": rng.choice([50, 100, 150, 300, 600]),
                 "from": rng.sample(ups, k=min(len(ups), rng.choice([1, 1, 2, 3])))}
        if rng.random() < 0.4:
            entry["mode"] = "share"
        if rng.random() < 0.5:
            entry["efficiency"] = rng.choice([0.9, 0.95, 0.97, 0.99])
        if rng.random() < 0.1:
            entry["failable"] = False
        power[ident] = entry
        dist.append(ident)
    cooling: dict = {}
    sinks = []
    for n in range(rng.randint(1, 3)):
        ident = f"rej{n}"
        kind = rng.choice(["chiller", "dry-cooler", "cooling-tower"])
        entry = {"kind": kind, "capacity_kw": rng.choice([100, 300, 800])}
        if kind == "chiller" and rng.random() < 0.5:
            entry["cop"] = rng.choice([3, 5, 6])
        elif rng.random() < 0.6:
            entry["power_kw"] = rng.choice([5, 10, 30])
        if rng.random() < 0.7:
            entry["power"] = rng.sample(dist, k=min(len(dist), rng.choice([1, 2])))
        elif entry.get("power_kw") or kind == "chiller" and "power_kw" not in entry:
            entry["power"] = "external"  # it draws: fed from outside the chain
        cooling[ident] = entry
        sinks.append(ident)
    loops = []
    for n in range(rng.randint(0, 2)):
        ident = f"loop{n}"
        entry = {"kind": "loop", "to": rng.sample(sinks, k=min(len(sinks), rng.choice([1, 2])))}
        if rng.random() < 0.4:
            entry["capacity_kw"] = rng.choice([200, 600])
        if rng.random() < 0.3:
            entry["failable"] = False
        cooling[ident] = entry
        loops.append(ident)
    units = []
    for n in range(rng.randint(1, 5)):
        ident = f"u{n}"
        kind = rng.choice(["cdu", "cdu", "crah", "in-row", "rdhx", "fan-wall"])
        entry = {"kind": kind, "capacity_kw": rng.choice([20, 50, 100, 200])}
        if rng.random() < 0.7:
            entry["power_kw"] = rng.choice([1, 2, 5])
        if rng.random() < 0.7:
            entry["power"] = rng.sample(dist, k=min(len(dist), rng.choice([1, 2])))
        elif "power_kw" in entry:
            entry["power"] = "external"
        targets = loops + sinks
        if rng.random() < 0.8:
            entry["to"] = rng.sample(targets, k=min(len(targets), rng.choice([1, 2])))
        elif kind == "cdu":
            entry["to"] = "external"  # heat leaves through plant outside the layout
        else:
            entry["kind"] = "crac"  # an air unit with its own condenser
        if kind == "cdu" and rng.random() < 0.5:
            entry["flow_lpm"] = rng.choice([50, 150, 400])
        cooling[ident] = entry
        units.append(ident)
    racks: dict = {}
    for n in range(rng.randint(1, 6)):
        feeds = rng.sample(dist, k=min(len(dist), rng.choice([1, 2, 2, 3])))
        entry = {"it_kw": rng.choice([10, 30, 60, 120]),
                 "liquid_fraction": rng.choice([0.0, 0.5, 0.9, 1.0]),
                 "power": feeds, "cooling": rng.sample(units, k=rng.randint(1, len(units)))}
        if len(feeds) > 1 and rng.random() < 0.3:
            entry["min_feeds"] = rng.randint(1, len(feeds))
        if rng.random() < 0.2:
            entry["contingency"] = rng.choice([0, 1, 2])
        racks[f"r{n}"] = entry
    policy = {"contingency": contingency if contingency is not None else rng.choice([1, 1, 2])}
    if rng.random() < 0.3:
        policy["failover_utilization"] = rng.choice([0.9, 1.0])
    doc = {"twin": 1, "site": {"electricity_usd_per_mwh": 80}, "policy": policy,
           "power": power, "cooling": cooling, "racks": racks}
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, width=200)
