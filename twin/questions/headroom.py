"""Headroom and stranded capacity: per component and per hall, normal and worst N-1.

A component's **margin** is what it can still take before its limit: in normal
operation ``max_utilization × capacity − load``, under failures ``failover_utilization
× capacity − worst load`` (worst over the N-1 sweep, the set named).

Per hall, with the hall's most common rack type as the probe, the capacity search asks
three questions: how many more racks fit with every check (``fits``), how many power
alone would allow (power checks only, positions not limited), and how many cooling
alone would allow (cooling checks only, positions not limited). **Stranded power** is
what power could still feed but something else (cooling, flow, floor or space) stops:
``(power-only racks − fits) × rack kW``; **stranded cooling** likewise in kW of heat.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from twin.questions.capacity import LARGEST_SET, CapacitySearch, search
from twin.layout.catalog import builtin_rack_types
from twin.physics.limits import TOLERANCE, cooling_limit_kw, power_limit_kw
from twin.layout.model import RACK_TYPE_FIELDS, Layout, RackType

#: Virtual positions past each row's end when only power or only cooling counts.
VIRTUAL_SLOTS = 200


@dataclass(frozen=True, slots=True)
class ComponentHeadroom:
    id: str
    kind: str
    capacity_kw: float | None
    load_kw: float
    utilization: float | None
    margin_kw: float | None
    worst_load_kw: float | None
    worst_utilization: float | None
    worst_margin_kw: float | None
    worst_scenario: tuple[str, ...]

    def as_dict(self) -> dict:
        return {name: (list(v) if isinstance(v, tuple) else v)
                for name in self.__slots__ for v in [getattr(self, name)]}


@dataclass(frozen=True, slots=True)
class HallHeadroom:
    hall: str
    racks: int
    it_kw: float
    probe_type: str | None
    free_slots: int
    fits: int
    power_racks: int
    cooling_racks: int
    stranded_power_kw: float
    stranded_cooling_kw: float
    binding: dict | None

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class HeadroomReport:
    file: str
    components: tuple[ComponentHeadroom, ...]
    halls: tuple[HallHeadroom, ...]
    contingency: int = 1  # the failure sets the worst-case columns are read over
    searched: int = 1  # the largest failure set the per-hall capacity searches check

    def as_dict(self) -> dict:
        return {"file": self.file, "components": [c.as_dict() for c in self.components],
                "halls": [h.as_dict() for h in self.halls]}


def _probe_type(layout: Layout, racks) -> RackType | None:
    """The hall's most common rack type (or the figures of its first untyped rack)."""
    if not racks:
        return None
    types = {**builtin_rack_types(), **{t.name: t for t in layout.rack_types}}
    name, _ = Counter(r.type for r in racks).most_common(1)[0]
    first = next(r for r in racks if r.type == name)
    base = types.get(name) if name is not None else None
    figures = {f: getattr(first, f) for f in RACK_TYPE_FIELDS}
    return RackType(name=name or f"like-{first.id}", status=base.status if base else "shipping",
                    **figures)


def component_headroom(snapshot) -> tuple[ComponentHeadroom, ...]:
    """Per power and cooling component (file order): normal and worst-set load and margin."""
    layout, net, normal, sweep = snapshot.layout, snapshot.net, snapshot.normal, snapshot.sweep
    rows = []
    for items, loads, worst, caps, limit_kw in (
            (layout.power, normal.power_out_kw, sweep.power_worst if sweep else {},
             net.power_capacity_kw, power_limit_kw),
            (layout.cooling, normal.cooling_heat_kw, sweep.cooling_worst if sweep else {},
             net.cooling_capacity_kw, cooling_limit_kw)):
        for i, c in enumerate(items):
            cap, load = caps[i], loads[i]
            w = worst.get(i)
            if cap is None:
                rows.append(ComponentHeadroom(c.id, c.kind, None, load, None, None, None, None,
                                              None, ()))
                continue
            worst_load = w.utilization * cap if w else None
            fail = limit_kw(net, i, failover=True)
            # no failure set loads it more than normal operation: no set to name
            scenario = w.scenario if w and worst_load > load * (1 + TOLERANCE) else ()
            rows.append(ComponentHeadroom(
                c.id, c.kind, cap, load, load / cap,
                limit_kw(net, i) - load,
                worst_load, w.utilization if w else None,
                fail - worst_load if w else None, scenario))
    return tuple(rows)


def headroom(snapshot) -> HeadroomReport:
    """The headroom report of a clean snapshot (its sweep must have run)."""
    layout = snapshot.layout
    rows = component_headroom(snapshot)
    halls = []
    by_hall: dict[str, list] = {}
    for r in layout.racks:
        if r.hall is not None:
            by_hall.setdefault(r.hall, []).append(r)
    states: dict[str, CapacitySearch] = {}
    for hall in layout.halls:
        racks = by_hall.get(hall.id, [])
        probe = _probe_type(layout, racks)
        if probe is None or probe.it_kw is None:
            halls.append(HallHeadroom(hall.id, 0, 0.0, None, 0, 0, 0, 0, 0.0, 0.0, None))
            continue
        state = states.get(probe.name)
        if state is None:
            state = states[probe.name] = CapacitySearch(layout, probe, snapshot=snapshot)
        scope = {hall.id}
        full = search(layout, probe, halls=scope, state=state)
        power = search(layout, probe, halls=scope, families=("power",), virtual=VIRTUAL_SLOTS,
                       state=state)
        cooling = search(layout, probe, halls=scope, families=("cooling",),
                         virtual=VIRTUAL_SLOTS, state=state)
        h = full.halls[0]
        halls.append(HallHeadroom(
            hall.id, len(racks), sum(r.it_kw for r in racks), probe.name, h.free_slots,
            full.fits, power.fits, cooling.fits,
            max(0, power.fits - full.fits) * probe.it_kw,
            max(0, cooling.fits - full.fits) * probe.it_kw,
            h.binding.as_dict() if h.binding else None))
    k = snapshot.policy_contingency
    return HeadroomReport(layout.file, tuple(rows), tuple(halls), k, min(k, LARGEST_SET))
