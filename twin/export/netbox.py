"""NetBox bulk-import CSV of a layout: sites, locations, racks, power panels, power feeds.

One power feed per rack feed (each id in a rack's ``power:``), terminated on a power
panel named after the component that feeds the rack, with the ratings twin used for
that component. The mapping and what NetBox cannot hold are in docs/netbox.md.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from twin.layout.model import Layout, PowerComponent

#: Line-to-line voltage assumed when a feed component gives ``capacity_kw`` only (V).
DEFAULT_VOLTAGE_V = 415
#: Rack width NetBox requires (inches; 19 is the EIA rack) and height (U) when unknown.
DEFAULT_RACK_WIDTH_IN = 19
DEFAULT_RACK_U = 48
#: Rack width used to turn ``footprint_m2`` into an outer depth (mm).
RACK_WIDTH_MM = 600

SITES = ("name", "slug", "status", "description", "comments")
LOCATIONS = ("site", "parent", "name", "slug", "status", "description")
RACKS = ("site", "location", "name", "status", "width", "u_height", "outer_width",
         "outer_depth", "outer_unit", "weight", "weight_unit", "description", "comments")
POWER_PANELS = ("site", "location", "name", "description")
POWER_FEEDS = ("site", "power_panel", "location", "rack", "name", "status", "type", "supply",
               "phase", "voltage", "amperage", "max_utilization", "description", "comments")
FILES = {"sites.csv": SITES, "locations.csv": LOCATIONS, "racks.csv": RACKS,
         "power-panels.csv": POWER_PANELS, "power-feeds.csv": POWER_FEEDS}


@dataclass(frozen=True, slots=True)
class Rating:
    """Electrical rating of a power component as written: amps, volts, phases (3, 1, dc)."""

    rating_a: float | None = None
    voltage_v: float | None = None
    phases: int | str = 3


def rating_of(c: PowerComponent) -> Rating:
    """The rating a power component was written with, as the model keeps it."""
    return Rating(c.rating_a, c.voltage_v, c.phases if c.phases in (1, 3, "dc") else 3)


def slug(text: str) -> str:
    """A NetBox slug: lower case letters, digits, hyphens and underscores, at most 100."""
    s = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-")[:100].strip("-")
    return s or "x"


def feed_rating(c: PowerComponent, rating: Rating, power_factor: float) -> dict:
    """Supply, phase, voltage (V) and amperage (A) of a feed, and whether amps were derived.

    Amps as written (``rating_a``) when given; otherwise from the capacity twin used:
    ``I = P / (√3 · V · pf)`` three-phase, ``P / (V · pf)`` single-phase, ``P / V`` DC,
    at ``voltage_v`` or :data:`DEFAULT_VOLTAGE_V`, rounded up to a whole ampere.
    """
    volts = rating.voltage_v if rating.voltage_v is not None else DEFAULT_VOLTAGE_V
    phases = rating.phases
    if rating.rating_a is not None:
        amps, derived = rating.rating_a, False
    else:
        watts = c.capacity_kw * 1000.0
        if phases == 3:
            amps = watts / (math.sqrt(3) * volts * power_factor)
        elif phases == 1:
            amps = watts / (volts * power_factor)
        else:
            amps = watts / volts
        amps, derived = math.ceil(amps - 1e-9), True
    return {"supply": "dc" if phases == "dc" else "ac",
            "phase": "three-phase" if phases == 3 else "single-phase",
            "voltage": _int(volts), "amperage": _int(amps), "derived": derived,
            "voltage_given": rating.voltage_v is not None}


def _int(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV
#: Injection"; NUL from OWASP ASVS 1.2.10): a text cell starting with one is neutralised.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")


def cell(value) -> str:
    """One CSV cell. Numbers twin computed are written as they are; text (ids, names,
    notes, descriptions) that starts like a formula gets a leading ``'`` and is quoted,
    so a spreadsheet shows it as text and never evaluates it (docs/netbox.md)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    formula = text.startswith(FORMULA_START)
    if formula:
        text = "'" + text
    if formula or any(c in text for c in ',"\n\r') or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv(header: tuple[str, ...], rows: list[dict]) -> str:
    lines = [",".join(header)]
    for row in rows:
        lines.append(",".join(cell(row.get(k, "")) for k in header))
    return "".join(f"{line}\n" for line in lines)


def netbox_csvs(layout: Layout, ratings: dict[str, Rating] | None = None) -> dict[str, str]:
    """File name → CSV text for NetBox's bulk import, in the order to import them.

    Each feed's rating is the one its component was written with (:func:`rating_of`),
    unless ``ratings`` gives another for that component id.
    """
    ratings = ratings or {}
    site = layout.site.name or slug(layout.file.rsplit("/", 1)[-1].rsplit(".", 1)[0])
    policy = layout.policy
    power = {c.id: c for c in layout.power}
    sites = [{"name": site, "slug": slug(site), "status": "planned",
              "description": "exported by twin from " + layout.file.rsplit("/", 1)[-1],
              "comments": layout.site.notes or ""}]
    locations, racks, panels, feeds = [], [], {}, []
    row_location = {}
    for hall in layout.halls:
        facts = []
        if hall.area_m2 is not None:
            facts.append(f"{hall.area_m2:g} m2")
        if hall.floor_kg_m2 is not None:
            facts.append(f"floor {hall.floor_kg_m2:g} kg/m2")
        locations.append({"site": site, "name": hall.id, "slug": slug(hall.id),
                          "status": "planned", "description": ", ".join(facts)})
        for row, positions in hall.rows:
            name = f"{hall.id} {row}"
            row_location[(hall.id, row)] = name
            locations.append({"site": site, "parent": hall.id, "name": name,
                              "slug": slug(f"{hall.id}-{row}"), "status": "planned",
                              "description": f"row {row}, {positions} positions"})
    for r in layout.racks:
        location = row_location.get((r.hall, r.row), r.hall or "")
        depth_mm = r.footprint_m2 * 1e6 / RACK_WIDTH_MM
        where = f"row {r.row} position {r.pos}" if r.row is not None else "not placed"
        racks.append({
            "site": site, "location": location, "name": r.id, "status": "planned",
            "width": DEFAULT_RACK_WIDTH_IN, "u_height": DEFAULT_RACK_U,
            "outer_width": RACK_WIDTH_MM, "outer_depth": round(depth_mm),
            "outer_unit": "mm", "weight": _int(round(r.weight_kg, 3)) if r.weight_kg else "",
            "weight_unit": "kg" if r.weight_kg else "",
            "description": f"{r.type or 'untyped'}: {r.it_kw:g} kW design, "
                           f"{r.liquid_fraction:.0%} liquid",
            "comments": f"{where}; cooling: {', '.join(r.cooling) or 'none'}"})
        for i, feed in enumerate(r.power):
            c = power.get(feed)
            if c is None:
                continue
            if feed not in panels:
                panels[feed] = {"site": site, "location": r.hall or "", "name": feed,
                                "description": f"twin {c.kind} {c.id}: {c.capacity_kw:,.1f} kW"}
            rating = feed_rating(c, ratings.get(feed) or rating_of(c), policy.power_factor)
            notes = [f"twin capacity {c.capacity_kw:,.1f} kW ({c.kind} {c.id})"]
            if rating["derived"]:
                volts = "" if rating["voltage_given"] else \
                    f" at the default {DEFAULT_VOLTAGE_V} V"
                notes.append(f"amperage derived from the capacity twin used{volts}")
            feeds.append({
                "site": site, "power_panel": feed, "location": location, "rack": r.id,
                "name": f"{r.id} {feed}", "status": "planned",
                "type": "primary" if i == 0 else "redundant",
                "supply": rating["supply"], "phase": rating["phase"],
                "voltage": rating["voltage"], "amperage": rating["amperage"],
                "max_utilization": round(policy.max_utilization_of(c.kind) * 100),
                "description": f"feed {i + 1} of {len(r.power)} of {r.id}",
                "comments": "; ".join(notes)})
    tables = {"sites.csv": sites, "locations.csv": locations, "racks.csv": racks,
              "power-panels.csv": list(panels.values()), "power-feeds.csv": feeds}
    return {name: _csv(FILES[name], rows) for name, rows in tables.items()}
