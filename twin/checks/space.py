"""S checks: where racks stand (slot clashes, floor loading, positions in rows)."""
from __future__ import annotations

from collections.abc import Iterator

from twin.checks import Check, Hit
from twin.physics.limits import over


def check_clash(s) -> Iterator[Hit]:
    """S001: two racks in one hall/row/pos; reported on the later rack."""
    taken: dict[tuple, str] = {}
    for r in s.layout.racks:
        if r.hall is None:
            continue
        slot = (r.hall, r.row, r.pos)
        if slot in taken:
            yield Hit(r.id, f"rack {r.id} stands in {r.hall} row {r.row} position {r.pos}, "
                      f"already taken by {taken[slot]}", at=f"{r.id}.pos")
        else:
            taken[slot] = r.id


def check_floor(s) -> Iterator[Hit]:
    """S002: ``weight_kg / footprint_m2`` above the hall's ``floor_kg_m2``."""
    halls = {h.id: h for h in s.layout.halls}
    for r in s.layout.racks:
        hall = halls.get(r.hall) if r.hall is not None else None
        if hall is None or hall.floor_kg_m2 is None or r.weight_kg <= 0:
            continue
        load = r.weight_kg / r.footprint_m2
        if over(load, hall.floor_kg_m2):
            yield Hit(r.id, f"rack {r.id} loads the floor with {load:,.0f} kg/m² "
                      f"({r.weight_kg:,.0f} kg on {r.footprint_m2:g} m²), above {hall.id}'s "
                      f"{hall.floor_kg_m2:,.0f} kg/m²", data=(("kg_m2", load),))


def check_position(s) -> Iterator[Hit]:
    """S003: a position outside its row (below 1 or beyond the row's positions)."""
    halls = {h.id: h for h in s.layout.halls}
    for r in s.layout.racks:
        if r.hall is None or r.hall not in halls:
            continue
        positions = halls[r.hall].positions_of(r.row)
        if positions is not None and not 1 <= r.pos <= positions:
            yield Hit(r.id, f"rack {r.id} is at position {r.pos} of {r.hall} row {r.row}, "
                      f"which has positions 1 to {positions}", at=f"{r.id}.pos")


_F = "space"
_NEEDS = ("model", "clean")  # what the runner must give these checks (checks/runner.py)
CHECKS = (
    Check("S001", "slot-clash", "error", _F, "two racks in one hall/row/pos", check_clash, needs=_NEEDS),
    Check("S002", "floor-overload", "error", _F, "floor loading above the hall's limit",
          check_floor, needs=_NEEDS),
    Check("S003", "position-outside-row", "error", _F, "position outside its row",
          check_position, needs=_NEEDS),
)
