"""Where a new rack may stand and whose links it copies: the capacity search's placement rule.

Halls in file order (or the ones asked for), rows in file order, free positions from
1 up. A new rack copies the feeds (``power``), ``cooling``, ``min_feeds`` and
``contingency`` of the nearest existing rack in its row (the lower position on a tie);
a row without racks has no pattern and is skipped.
"""
from __future__ import annotations

from twin.layout.model import Layout, Rack


def free_slots(layout: Layout, hall_ids, *, virtual: int = 0):
    """Free slots per hall in placement order, each with the rack whose links it copies.

    ``virtual`` adds that many positions past the end of each row (for "how much would
    power or cooling alone allow" questions), cycling through the row's racks' links.
    """
    by_row: dict[tuple, list[Rack]] = {}
    for r in layout.racks:
        if r.hall is not None:
            by_row.setdefault((r.hall, r.row), []).append(r)
    out = []
    for hall in layout.halls:
        if hall_ids is not None and hall.id not in hall_ids:
            continue
        slots = []
        for row, positions in hall.rows:
            racks = by_row.get((hall.id, row), [])
            if not racks:
                continue
            taken = {r.pos for r in racks}
            for pos in range(1, positions + 1):
                if pos not in taken:
                    like = min(racks, key=lambda r: (abs(r.pos - pos), r.pos))
                    slots.append((row, pos, like))
            ordered = sorted(racks, key=lambda r: r.pos)
            for n in range(virtual):
                slots.append((row, positions + 1 + n, ordered[n % len(ordered)]))
        out.append((hall, slots))
    return out


def id_part(text: str) -> str:
    """``text`` as a part of an id of the grammar (docs/format.md): each run of characters
    an id may not hold becomes one ``-``, and the part starts and ends with a letter or a
    digit (a row named ``a😀`` gives ``a``; one with nothing usable gives ``row``)."""
    out, gap = [], False
    for c in text:
        if c.isalnum() or c == "_" or (c in ".:+" and out and out[-1] not in ".:+-"):
            out.append(c)
            gap = False
        elif out and not gap:
            out.append("-")
            gap = True
    return "".join(out).strip("-.:+") or "row"


def new_id(taken: set, hall: str, row: str, pos: int) -> str:
    """An id for a rack at ``row``/``pos`` that is not in ``taken``: ``r1-05``, else with the
    hall, else numbered. A row name an id could not hold is made one with :func:`id_part`."""
    row = id_part(row)
    for ident in (f"{row}-{pos:02d}", f"{hall}-{row}-{pos:02d}"):
        if ident not in taken:
            return ident
    n = 2
    while f"{hall}-{row}-{pos:02d}-{n}" in taken:
        n += 1
    return f"{hall}-{row}-{pos:02d}-{n}"
