"""Where the next racks fit: a capacity search over free slots, N-1 included, incremental.

Racks are offered slot by slot by the placement rule of :mod:`twin.questions.placement`
(free positions in file order, links copied from the nearest rack of the row).
Every check must still pass with the racks added. Loads are linear in the racks added
once liveness is fixed, so each candidate is checked from increments, never by a
full validation:

- normal operation: for every component on the new rack's paths, its load plus what
  earlier placements added plus the new rack's increment, against ``max_utilization``
  (P001, C001), the UPS battery runtime (P003) and the CDU flow (C002);
- N-1: the new rack's increment is the normal one under every failure set whose
  footprint misses the rack's paths; under the others (found from the single-failure
  sweep's footprints) it is computed with the incremental engine
  (:class:`twin.physics.incremental.Incremental`). Each component's worst load over
  the failure sets is kept per set where placements changed it and as a top list
  otherwise (R002, R004, and P003 for a UPS whose battery limit is the lower); the new
  rack must keep power and cooling under every single
  failure it must survive (R001, R003);
- static: floor loading (S002), supply temperatures (C003) and the right units and a
  feed (C004) for the rack type with its pattern's links.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from twin.physics.sweep import Worst  # noqa: F401 - re-exported for report users
from twin.physics.flow import Network, compile_network, evaluate
from twin.physics.incremental import Incremental
from twin.questions.placement import free_slots, new_id
from twin.layout.catalog import builtin_rack_types
from twin.layout.model import AIR_UNIT_KINDS, Layout, Rack, RackType
from twin.physics.limits import (battery_limit_kw, cooling_limit_kw, cooling_limits_kw, over,
                                 power_limit_kw, power_limits_kw)

#: The largest failure set the search checks (single failures, also under a policy of 2).
LARGEST_SET = 1
TOP = 32  # per component, the highest N-1 loads kept for "every other failure set"
FAMILIES = ("power", "cooling", "floor", "space")


@dataclass(frozen=True, slots=True)
class Binding:
    """The constraint that stops the next rack: component, check code, margin left."""

    hall: str
    component: str | None
    code: str
    margin_kw: float | None
    increment_kw: float | None
    message: str
    scenario: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"hall": self.hall, "component": self.component, "code": self.code,
                "margin_kw": self.margin_kw, "increment_kw": self.increment_kw,
                "scenario": list(self.scenario), "message": self.message}


@dataclass(frozen=True, slots=True)
class Placement:
    """A rack the search adds: where it stands and what it takes."""

    id: str
    type: str
    hall: str
    row: str
    pos: int
    power: tuple[str, ...]
    cooling: tuple[str, ...]
    it_kw: float
    heat_kw: float
    like: str  # the existing rack whose links it copies
    min_feeds: int = 1
    contingency: int | None = None

    def as_dict(self) -> dict:
        return {"id": self.id, "type": self.type, "hall": self.hall, "row": self.row,
                "pos": self.pos, "power": list(self.power), "cooling": list(self.cooling),
                "it_kw": self.it_kw, "like": self.like}

    def entry(self) -> tuple[str, dict]:
        """The rack as a layout entry: its id and the fields ``racks:`` gives it."""
        fields = {"type": self.type, "hall": self.hall, "row": self.row, "pos": self.pos,
                  "power": list(self.power), "cooling": list(self.cooling)}
        if self.min_feeds != 1:
            fields["min_feeds"] = self.min_feeds
        if self.contingency is not None:
            fields["contingency"] = self.contingency
        return self.id, fields


@dataclass(frozen=True, slots=True)
class HallCapacity:
    hall: str
    free_slots: int
    fits: int
    binding: Binding | None


@dataclass(frozen=True, slots=True)
class CapacityResult:
    """How many racks of one type still fit, where, and what binds first."""

    file: str
    rack_type: str
    fits: int
    placed: tuple[Placement, ...]
    binding: Binding | None
    halls: tuple[HallCapacity, ...]
    requested: int | None = None
    notes: tuple[str, ...] = field(default=())
    #: ``policy.contingency``, and the largest failure set the search checked.
    contingency: int = 1
    checked: int = 1

    @property
    def ok(self) -> bool:
        return self.requested is None or self.fits >= self.requested

    def as_dict(self) -> dict:
        return {"file": self.file, "rack_type": self.rack_type, "fits": self.fits,
                "requested": self.requested,
                "placed": [p.as_dict() for p in self.placed],
                "binding": self.binding.as_dict() if self.binding else None,
                "halls": [{"hall": h.hall, "free_slots": h.free_slots, "fits": h.fits,
                           "binding": h.binding.as_dict() if h.binding else None}
                          for h in self.halls],
                "notes": list(self.notes)}


@dataclass(slots=True)
class _Pattern:
    """Links copied from one existing rack, with the increments of one more such rack."""

    like: Rack
    spec: object  # the new rack, as twin.physics.incremental.Incremental.rack links it
    runs: bool = True  # does one such rack run at all in normal operation
    normal_p: dict = field(default_factory=dict)
    normal_c: dict = field(default_factory=dict)
    normal_flow: dict = field(default_factory=dict)
    affecting: dict = field(default_factory=dict)  # single index -> (up, lost, dp, dc)


class CapacitySearch:
    """The state of a search: loads so far, per component and per failure set."""

    def __init__(self, layout: Layout, rack_type: RackType, *, families=FAMILIES,
                 snapshot=None):
        """``snapshot``: the layout's evaluated snapshot, when the caller has one (its
        compiled network and normal operation are reused rather than computed again)."""
        self.layout = layout
        self.type = rack_type
        self.families = set(families)
        if snapshot is not None:
            self.net: Network = snapshot.net
            self.normal = snapshot.normal
        else:
            self.net = compile_network(layout)
            self.normal = evaluate(self.net)
        self.physics = Incremental(self.net, self.normal)
        self.policy = layout.policy
        self._sweep()
        # normal-operation load added so far, and per component per failure set the
        # difference between what placements added under that set and normally
        self.reset(families)
        self.patterns: dict[str, _Pattern] = {}
        self.p_fail_limit = power_limits_kw(self.net, failover=True)
        # a UPS must also last min_battery_min at its failure-set load (P003, as validate)
        self.p_fail_code = ["R002"] * len(self.p_fail_limit)
        for i, limit in enumerate(self.p_fail_limit):
            battery = battery_limit_kw(self.net, i)
            if battery is not None and battery < limit:
                self.p_fail_limit[i], self.p_fail_code[i] = battery, "P003"
        self.c_fail_limit = cooling_limits_kw(self.net, failover=True)
        self.units = {u.id: u for u in layout.cooling}
        self.outage_ids = {self.net.rack_ids[r] for r in self.outage_racks}

    def reset(self, families=FAMILIES) -> None:
        """Forget every placement; keep the sweep and the patterns' increments."""
        self.families = set(families)
        self.add_p, self.add_c, self.add_flow = {}, {}, {}
        self.extra_p, self.extra_c = {}, {}
        self.statics: dict[str, Binding | None] = {}

    # -- the N-1 picture of the layout as it is ---------------------------------------
    def _sweep(self) -> None:
        k = self.policy.contingency
        self.singles = list(self.net.failable) if k >= 1 else []
        self.changed_by: dict[int, list[int]] = {}
        self.load_p: list[dict] = []  # per single: power index -> load under it
        self.load_c: list[dict] = []
        self.outage_racks: set[int] = set()
        top_p: dict[int, list] = {}
        top_c: dict[int, list] = {}
        for s, x in enumerate(self.singles):
            d = self.physics.change((x,), footprint=True)
            for e in d.footprint:
                self.changed_by.setdefault(e, []).append(s)
            self.load_p.append(d.power_out_kw)
            self.load_c.append(d.cooling_heat_kw)
            for r, (up, media) in d.racks.items():
                if not up or media:
                    self.outage_racks.add(r)
            for i, v in d.power_out_kw.items():
                top_p.setdefault(i, []).append((v, s))
            for j, v in d.cooling_heat_kw.items():
                top_c.setdefault(j, []).append((v, s))
        self.top_p = {i: sorted(v, reverse=True)[:TOP] for i, v in top_p.items()}
        self.top_c = {j: sorted(v, reverse=True)[:TOP] for j, v in top_c.items()}
        # how many singles leave a component untouched (then it is at its normal load)
        self.touched_p = {i: len(v) for i, v in top_p.items()}
        self.touched_c = {j: len(v) for j, v in top_c.items()}

    # -- patterns -------------------------------------------------------------------
    def pattern(self, like: Rack, hall) -> _Pattern:
        key = like.id
        if key in self.patterns:
            return self.patterns[key]
        t = self.type
        spec = self.physics.rack(t.it_kw, t.liquid_fraction, t.flow_lpm_per_kw, like.power,
                                 like.min_feeds, like.cooling)
        pat = _Pattern(like, spec)
        inc = self.physics.increment((), spec)
        if not inc.up or inc.lost:
            pat.runs = False
        else:
            pat.normal_p, pat.normal_c, pat.normal_flow = inc.power_kw, inc.heat_kw, inc.flow_lpm
            path = self.physics.paths(spec, inc)
            affecting = sorted({s for e in path for s in self.changed_by.get(e, ())})
            for s in affecting:
                got = self.physics.increment((self.singles[s],), spec)
                pat.affecting[s] = (got.up, got.lost, got.power_kw, got.heat_kw)
        self.patterns[key] = pat
        return pat

    def _static(self, pat: _Pattern, hall) -> Binding | None:
        t, like = self.type, pat.like
        if "floor" in self.families and hall.floor_kg_m2 is not None and (t.weight_kg or 0) > 0:
            load = t.weight_kg / (t.footprint_m2 or 0.72)
            if over(load, hall.floor_kg_m2):
                return Binding(hall.id, hall.id, "S002", None, None,
                               f"a {t.name} rack loads the floor with {load:,.0f} kg/m², above "
                               f"{hall.id}'s {hall.floor_kg_m2:,.0f} kg/m²")
        if "cooling" in self.families:
            units = self.units
            lf = t.liquid_fraction or 0.0
            for uid in like.cooling:
                u = units[uid]
                if u.supply_c is None:
                    continue
                if u.medium == "liquid" and lf > 0 and t.max_supply_c is not None:
                    limit = t.max_supply_c
                elif u.medium == "air" and lf < 1:
                    limit = t.max_inlet_c if t.max_inlet_c is not None else self.policy.inlet_c[1]
                else:
                    continue
                if over(u.supply_c, limit):
                    return Binding(hall.id, uid, "C003", None, None,
                                   f"{uid} supplies at {u.supply_c:g} °C, above the {limit:g} °C "
                                   f"a {t.name} rack accepts")
            kinds = [units[u].kind for u in like.cooling]
            if lf > 0 and "cdu" not in kinds or lf < 1 and not set(kinds) & set(AIR_UNIT_KINDS):
                return Binding(hall.id, like.id, "C004", None, None,
                               f"racks linked like {like.id} have no unit for a {t.name} rack's "
                               "liquid or air heat")
        if not like.power or not pat.runs:
            return Binding(hall.id, like.id, "C004", None, None,
                           f"a {t.name} rack linked like {like.id} would not run (no live feed "
                           "or no unit for its heat)")
        if like.id in self.outage_ids:
            return Binding(hall.id, like.id, "R001", None, None,
                           f"racks linked like {like.id} already lose power or cooling under a "
                           "single failure")
        return None

    # -- checking one more rack ------------------------------------------------------
    def check(self, pat: _Pattern, hall) -> Binding | None:
        """The first constraint one more rack of ``pat`` breaks, or ``None`` if it fits."""
        hall_id = hall.id
        if pat.like.id not in self.statics:
            self.statics[pat.like.id] = self._static(pat, hall)
        if self.statics[pat.like.id] is not None:
            return self.statics[pat.like.id]
        net, policy = self.net, self.policy
        lp, lc = self.layout.power, self.layout.cooling
        if "power" in self.families:
            for i, v in pat.normal_p.items():
                limit, code = self._power_limit(i)
                base = self.normal.power_out_kw[i] + self.add_p.get(i, 0.0)
                if v > 0 and over(base + v, limit):
                    return self._bind(hall_id, lp[i].id, code, limit - base, v, (), "normal")
        if "cooling" in self.families:
            for j, v in pat.normal_c.items():
                limit = cooling_limit_kw(net, j)
                if limit is None or v <= 0:
                    continue
                base = self.normal.cooling_heat_kw[j] + self.add_c.get(j, 0.0)
                if over(base + v, limit):
                    return self._bind(hall_id, lc[j].id, "C001", limit - base, v, (), "normal")
            for j, v in pat.normal_flow.items():
                flow = lc[j].flow_lpm
                base = self.normal.cooling_flow_lpm[j] + self.add_flow.get(j, 0.0)
                if flow is not None and v > 0 and over(base + v, flow):
                    fpk = pat.spec.flow_lpm_per_kw or 1.0
                    return Binding(hall_id, lc[j].id, "C002", (flow - base) / fpk, v / fpk,
                                   f"{lc[j].id} has {flow - base:,.1f} L/min left; one more rack "
                                   f"needs {v:,.1f} L/min")
        if not self.singles:
            return None
        contingency = pat.like.contingency if pat.like.contingency is not None else (
            policy.contingency)
        for s, (up, lost, dp, dc) in pat.affecting.items():
            failed = (self.singles[s],)
            if contingency >= 1 and not up and "power" in self.families:
                return Binding(hall_id, self.singles[s], "R001", None, None,
                               f"a new rack linked like {pat.like.id} loses power when "
                               f"{self.singles[s]} fails", failed)
            if contingency >= 1 and lost and "cooling" in self.families:
                return Binding(hall_id, self.singles[s], "R003", None, None,
                               f"a new rack linked like {pat.like.id} loses cooling when "
                               f"{self.singles[s]} fails", failed)
            if "power" in self.families:
                for i, v in dp.items():
                    hit = self._failover(i, s, v, True, hall_id, failed)
                    if hit:
                        return hit
            if "cooling" in self.families:
                for j, v in dc.items():
                    hit = self._failover(j, s, v, False, hall_id, failed)
                    if hit:
                        return hit
        for power, incs in ((True, pat.normal_p), (False, pat.normal_c)):
            if ("power" if power else "cooling") not in self.families:
                continue
            for i, v in incs.items():
                if v <= 0:
                    continue
                worst, s = self._worst_elsewhere(i, power, pat.affecting)
                if s is None:
                    continue
                hit = self._failover(i, s, v, power, hall_id, (self.singles[s],), load=worst)
                if hit:
                    return hit
        return None

    def _power_limit(self, i: int) -> tuple[float, str]:
        """The lower of the P001 limit and the P003 battery limit, and its code."""
        limit, battery = power_limit_kw(self.net, i), battery_limit_kw(self.net, i)
        if battery is not None and battery < limit:
            return battery, "P003"
        return limit, "P001"

    def _failover(self, i, s, v, power: bool, hall_id, failed, load=None):
        limit = (self.p_fail_limit if power else self.c_fail_limit)[i]
        if limit is None or v <= 0:
            return None
        if load is None:
            loads = (self.load_p if power else self.load_c)[s]
            normal = (self.normal.power_out_kw if power else self.normal.cooling_heat_kw)[i]
            extra = (self.extra_p if power else self.extra_c).get(i, {}).get(s, 0.0)
            load = loads.get(i, normal) + extra
        base = load + (self.add_p if power else self.add_c).get(i, 0.0)
        if over(base + v, limit):
            comp = (self.layout.power if power else self.layout.cooling)[i]
            code = self.p_fail_code[i] if power else "R004"
            return self._bind(hall_id, comp.id, code, limit - base, v, failed, "failover")
        return None

    def _worst_elsewhere(self, i: int, power: bool, affecting: dict):
        """Highest load of ``i`` over the failure sets outside ``affecting``, with extras."""
        top = (self.top_p if power else self.top_c).get(i, [])
        extras = (self.extra_p if power else self.extra_c).get(i, {})
        loads = self.load_p if power else self.load_c
        normal = (self.normal.power_out_kw if power else self.normal.cooling_heat_kw)[i]
        best, best_s = -math.inf, None
        for s, extra in extras.items():
            if s not in affecting:
                v = loads[s].get(i, normal) + extra
                if v > best:
                    best, best_s = v, s
        for v, s in top:
            if s not in affecting and s not in extras:
                if v > best:
                    best, best_s = v, s
                break
        touched = (self.touched_p if power else self.touched_c).get(i, 0)
        if touched < len(self.singles) and normal > best:
            # some failure set leaves it untouched: its normal load is a candidate
            untouched = next((s for s in range(len(self.singles))
                              if s not in affecting and i not in loads[s]), None)
            if untouched is not None:
                best, best_s = normal + extras.get(untouched, 0.0), untouched
        return best, best_s

    def _bind(self, hall_id, component, code, margin, inc, failed, when) -> Binding:
        what = "in normal operation" if when == "normal" else (
            f"when {' and '.join(failed)} fails")
        return Binding(hall_id, component, code, margin, inc,
                       f"{component} has {margin:,.1f} kW left {what}; one more rack adds "
                       f"{inc:,.1f} kW", failed)

    def place(self, pat: _Pattern) -> None:
        """Record one more rack of ``pat`` in the running loads."""
        for i, v in pat.normal_p.items():
            self.add_p[i] = self.add_p.get(i, 0.0) + v
        for j, v in pat.normal_c.items():
            self.add_c[j] = self.add_c.get(j, 0.0) + v
        for j, v in pat.normal_flow.items():
            self.add_flow[j] = self.add_flow.get(j, 0.0) + v
        for s, (_, _, dp, dc) in pat.affecting.items():
            for incs, normal_incs, extra in ((dp, pat.normal_p, self.extra_p),
                                            (dc, pat.normal_c, self.extra_c)):
                for i in set(incs) | set(normal_incs):
                    diff = incs.get(i, 0.0) - normal_incs.get(i, 0.0)
                    if diff:
                        per = extra.setdefault(i, {})
                        per[s] = per.get(s, 0.0) + diff


def rack_types(layout: Layout) -> dict[str, RackType]:
    """The rack types a layout can name: the built-in catalog, then its own over it."""
    return {**builtin_rack_types(), **{t.name: t for t in layout.rack_types}}


def search(layout: Layout, rack_type: RackType, *, halls=None, count: int | None = None,
           families=FAMILIES, virtual: int = 0, state: CapacitySearch | None = None,
           snapshot=None) -> CapacityResult:
    """Add racks of ``rack_type`` slot by slot while every check still passes.

    ``families`` limits the constraints (power, cooling, floor, space) taken into
    account; without ``space``, ``virtual`` positions past each row's end are offered
    too, so the answer is what the other families alone allow.
    """
    if state is None:
        state = CapacitySearch(layout, rack_type, families=families, snapshot=snapshot)
    else:
        state.reset(families)
    taken = {x.id for x in (*layout.power, *layout.cooling, *layout.halls, *layout.racks)}
    placed: list[Placement] = []
    hall_results = []
    first_binding = None
    for hall, slots in free_slots(layout, halls, virtual=0 if "space" in families else virtual):
        n_before = len(placed)
        rejected = []
        refused: set[str] = set()
        for row, pos, like in slots:
            if count is not None and len(placed) >= count:
                rejected.append((row, pos, like))
                continue
            if like.id in refused and "space" not in families:
                continue  # loads only grow: a pattern refused once stays refused
            pat = state.pattern(like, hall)
            hit = state.check(pat, hall)
            if hit is not None:
                refused.add(like.id)
            if hit is None:
                state.place(pat)
                ident = new_id(taken, hall.id, row, pos)
                taken.add(ident)
                placed.append(Placement(ident, rack_type.name, hall.id, row, pos, like.power,
                                        like.cooling, rack_type.it_kw, rack_type.it_kw,
                                        like.id, like.min_feeds, like.contingency))
            else:
                rejected.append((row, pos, like))
        # what stops the next rack in this hall, at the final state
        binding = None
        for row, pos, like in rejected:
            binding = state.check(state.pattern(like, hall), hall)
            if binding is not None:
                break
        if binding is None and "space" in families:
            binding = Binding(hall.id, hall.id, "S001", None, None,
                              f"no free position left in {hall.id}'s rows that have racks")
        hall_results.append(HallCapacity(hall.id, len(slots), len(placed) - n_before, binding))
        if first_binding is None and binding is not None and binding.code != "S001":
            first_binding = binding
    if first_binding is None:
        first_binding = next((h.binding for h in hall_results if h.binding), None)
    fits = len(placed)
    if count is not None:
        # ask on: could more than `count` fit? only the number matters then
        more = search(layout, rack_type, halls=halls, count=None, families=families,
                      state=state) if fits >= count else None
        fits = more.fits if more is not None else fits
        first_binding = more.binding if more is not None else first_binding
    k = layout.policy.contingency
    return CapacityResult(layout.file, rack_type.name, fits, tuple(placed), first_binding,
                          tuple(hall_results), count, contingency=k, checked=min(k, LARGEST_SET))
