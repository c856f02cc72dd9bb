"""C checks: cooling in normal operation (capacity, CDU flow, supply temperature, service)."""
from __future__ import annotations

from collections.abc import Iterator

from twin.checks import Check, Hit
from twin.layout.model import AIR_UNIT_KINDS
from twin.physics.limits import cooling_limit_kw, normal_limit, over


def check_over_limit(s) -> Iterator[Hit]:
    """C001: heat load above ``max_utilization`` × capacity in normal operation."""
    policy = s.layout.policy
    for j, u in enumerate(s.layout.cooling):
        if u.capacity_kw is None:
            continue
        load, limit = s.normal.cooling_heat_kw[j], normal_limit(policy, u.kind)
        if over(load, cooling_limit_kw(s.net, j)):
            yield Hit(u.id, f"{u.kind} {u.id} takes {load:,.1f} kW of heat, capacity "
                      f"{u.capacity_kw:,.1f} kW ({load / u.capacity_kw:.1%}), over its {limit:.0%} "
                      "limit in normal operation",
                      data=(("load_kw", load), ("capacity_kw", u.capacity_kw), ("limit", limit)))


def check_flow(s) -> Iterator[Hit]:
    """C002: coolant the racks need from a CDU (Σ liquid share × flow_lpm_per_kw) above flow_lpm."""
    for j, u in enumerate(s.layout.cooling):
        need = s.normal.cooling_flow_lpm[j]
        if u.kind == "cdu" and u.flow_lpm is not None and over(need, u.flow_lpm):
            yield Hit(u.id, f"cdu {u.id} must deliver {need:,.1f} L/min for its racks' liquid heat, "
                      f"above its {u.flow_lpm:,.1f} L/min", at=f"{u.id}.flow_lpm",
                      data=(("need_lpm", need), ("flow_lpm", u.flow_lpm)))


def check_supply(s) -> Iterator[Hit]:
    """C003: a unit supplies hotter than a rack it serves accepts."""
    served: dict[str, list] = {}
    for r in s.layout.racks:
        for unit in r.cooling:
            served.setdefault(unit, []).append(r)
    inlet_high = s.layout.policy.inlet_c[1]
    for u in s.layout.cooling:
        if u.supply_c is None or u.medium is None:
            continue
        too_hot = []
        for r in served.get(u.id, ()):
            if u.medium == "liquid" and r.liquid_kw > 0 and r.max_supply_c is not None:
                limit = r.max_supply_c
            elif u.medium == "air" and r.air_kw > 0:
                limit = r.max_inlet_c if r.max_inlet_c is not None else inlet_high
            else:
                continue
            if over(u.supply_c, limit):
                too_hot.append((limit, r.id))
        if too_hot:
            limit, first = min(too_hot)
            what = "max_supply_c" if u.medium == "liquid" else "max inlet"
            yield Hit(u.id, f"{u.kind} {u.id} supplies {u.medium} at {u.supply_c:g} °C, hotter than "
                      f"{len(too_hot)} rack(s) accept ({first}: {what} {limit:g} °C); lower "
                      f"supply_c to {limit:g} °C or less, or serve those racks from another unit",
                      racks=tuple(r for _, r in too_hot), at=f"{u.id}.supply_c")


def check_unserved(s) -> Iterator[Hit]:
    """C004: a rack with liquid heat but no CDU, air heat but no air unit, or no power feed."""
    kinds = {u.id: u.kind for u in s.layout.cooling}
    for r in s.layout.racks:
        missing = []
        if r.liquid_kw > 0 and not any(kinds.get(u) == "cdu" for u in r.cooling):
            missing.append(f"{r.liquid_kw:,.1f} kW of liquid heat but no cdu")
        if r.air_kw > 0 and not any(kinds.get(u) in AIR_UNIT_KINDS for u in r.cooling):
            missing.append(f"{r.air_kw:,.1f} kW of air heat but no air unit")
        if not r.power:
            missing.append("no power feed")
        if missing:
            yield Hit(r.id, f"rack {r.id} has " + "; ".join(missing))


_F = "cooling"
_NEEDS = ("normal",)  # what the runner must give these checks (checks/runner.py)
CHECKS = (
    Check("C001", "cooling-over-limit", "error", _F,
          "cooling component over its limit in normal operation", check_over_limit, needs=_NEEDS),
    Check("C002", "cdu-flow-short", "error", _F,
          "CDU flow needed (Σ liquid heat share × `flow_lpm_per_kw`) above its `flow_lpm`",
          check_flow, needs=_NEEDS),
    Check("C003", "supply-too-hot", "error", _F,
          "unit supplies hotter than a rack it serves accepts", check_supply, needs=_NEEDS),
    Check("C004", "rack-unserved", "error", _F,
          "rack with liquid heat but no cdu, air heat but no air unit, or no power feed",
          check_unserved, needs=_NEEDS),
)
