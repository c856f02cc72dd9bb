"""C checks: cooling in normal operation (capacity, CDU flow, supply temperature, service)."""
from __future__ import annotations

from collections.abc import Iterator

from twin.checks import Check, Hit, in_file_order, when_failing
from twin.layout.model import AIR_UNIT_KINDS
from twin.physics.limits import cooling_limit_kw, failover_limit, normal_limit, over


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


_AIR = {"dry-bulb": "the air", "wet-bulb": "the wet-bulb"}


def _design_fix(r, load: float, limit: float, then: tuple[float, str] | None = None) -> str:
    """What would make a dry cooler or tower ``r`` carry ``load`` at the design ambient.

    ``then``: the rated capacity its worst failure set needs and that set's words, named
    too when it needs more than ``load`` does, so that following the fix for normal
    operation does not only uncover the failover shortfall.
    """
    share = r.at_hottest_kw / r.capacity_kw
    fix = []
    if share > 0.0:
        need = load / (limit * share)
        also = (f" ({then[0]:,.1f} kW to carry its heat {then[1]})"
                if then is not None and over(then[0], need) else "")
        fix.append(f"give it at least {need:,.1f} kW of rated capacity{also} (or add units)")
    else:
        fix.append("add heat rejection that works at this ambient")
    fix.append("lower the approach (adiabatic assist)" if r.kind == "dry-cooler"
               else "a tower with a closer approach")
    fix.append("or let the racks accept warmer water")
    return ", ".join(fix)


def check_design_rejection(s) -> Iterator[Hit]:
    """C005: a dry cooler or tower short of the heat it takes at the design ambient.

    Its capacity there is simulate's (:func:`twin.physics.thermal.rejector_hours`) at the
    hottest water its racks accept; compared with ``max_utilization`` in normal operation
    and with ``failover_utilization`` under its worst failure set (R004's), so the two
    commands agree at ``site.design_ambient_c``.
    """
    design = s.design
    if design is None:
        return
    policy, worst = s.layout.policy, (s.sweep.cooling_worst if s.sweep is not None else {})
    for r in design.rejectors:
        if not over(r.capacity_kw, r.at_hottest_kw):
            continue  # full capacity at this ambient: C001 and R004 say it all
        u = s.layout.cooling[r.index]
        load, limit, when = r.heat_kw, normal_limit(policy, u.kind), "in normal operation"
        scenario: tuple[str, ...] = ()
        w = worst.get(r.index)
        fail_limit = failover_limit(policy, u.kind)
        worst_set = in_file_order(s.layout, w.scenario) if w is not None else ()
        then = None
        if w is not None and r.at_hottest_kw > 0.0:
            share = r.at_hottest_kw / r.capacity_kw
            then = (w.utilization * r.capacity_kw / (fail_limit * share), when_failing(worst_set))
        if not over(load, limit * r.at_hottest_kw):
            limit = fail_limit
            if w is None or not over(w.utilization * r.capacity_kw, limit * r.at_hottest_kw):
                continue
            load = w.utilization * r.capacity_kw
            scenario, when, then = worst_set, when_failing(worst_set), None
        word = "limit" if not scenario else "failover limit"
        t_a, t_w, a = r.ambient_c, r.max_supply_c, r.approach_k
        got = (f"at {t_w:g} °C it rejects {r.capacity_kw:,.1f} × ({t_w:g} − {t_a:g}) / {a:g} = "
               f"{r.at_hottest_kw:,.1f} kW of its rated {r.capacity_kw:,.1f} kW"
               if r.at_hottest_kw > 0.0 else "so it rejects nothing at all")
        setpoint = (f" (its setpoint is {r.supply_c:g} °C)"
                    if over(t_a + a, r.supply_c) and r.supply_c < t_w else "")
        kind = u.kind.replace("-", " ")
        yield Hit(u.id, f"{u.kind} {u.id} is short at the design ambient, {r.ambient} "
                  f"{t_a:g} °C: a {kind} cannot deliver water colder than {_AIR[r.ambient]} "
                  f"plus its approach ({t_a:g} + {a:g} = {t_a + a:g} °C), and its racks accept "
                  f"water at most {t_w:g} °C{setpoint}: {got}; it takes {load:,.1f} kW "
                  f"{when}, over its {limit:.0%} {word}: {_design_fix(r, load, limit, then)}",
                  scenario=scenario,
                  data=(("load_kw", load), ("capacity_kw", r.capacity_kw),
                        ("design_capacity_kw", r.at_hottest_kw), ("limit", limit),
                        ("ambient_c", t_a), ("approach_k", a), ("max_supply_c", t_w)))


def check_design_wet_bulb(s) -> Iterator[Hit]:
    """C006: towers checked at the design dry-bulb because no design wet-bulb is given."""
    design = s.design
    if design is None or design.wet_bulb_given:
        return
    for r in design.rejectors:
        if r.kind == "cooling-tower":
            u = s.layout.cooling[r.index]
            yield Hit(u.id, f"cooling-tower {u.id} is checked at a wet-bulb equal to the "
                      f"{design.dry_bulb_c:g} °C design dry-bulb (saturated air, the "
                      "conservative bound), since the site gives no design wet-bulb: give "
                      "site.design_wet_bulb_c",
                      data=(("wet_bulb_c", design.wet_bulb_c),))


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
    Check("C005", "heat-rejection-short-at-design", "error", _F,
          "dry cooler or tower short of its heat at `site.design_ambient_c` (normal operation "
          "or its worst failure set)", check_design_rejection, needs=("normal", "sweep")),
    Check("C006", "design-wet-bulb-assumed", "warning", _F,
          "cooling tower checked at wet-bulb = design dry-bulb: no `site.design_wet_bulb_c`",
          check_design_wet_bulb, needs=_NEEDS),
)
