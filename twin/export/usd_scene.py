"""The OpenUSD scene: /Site with halls, rows and racks to scale (docs/usd.md), in metres."""
from __future__ import annotations

import os

from twin.export.usd_packages import (
    AISLE_M, HALL_GAP_M, RACK_PITCH_M, YARD_M, YARD_PITCH_M, prim_name, pxr, rack_box_m, typed,
)
from twin.layout.model import Layout, Rack


def rack_positions(layout: Layout) -> dict[str, tuple[float, float, float]]:
    """Centre of each placed rack's footprint on the floor (m), by the rule of docs/usd.md.

    Halls lie side by side along X in file order, :data:`HALL_GAP_M` apart; in a hall,
    rows follow each other along Y in the order written, ``depth + AISLE_M`` apart (depth
    of the hall's deepest rack); position ``p`` of a row is at ``x = (p - 0.5) x 0.6 m``.
    """
    out = {}
    origin_x = 0.0
    for hall in layout.halls:
        racks = [r for r in layout.racks if r.hall == hall.id]
        depth = max((rack_box_m(r)[1] for r in racks), default=1.2)
        rows = {row: i for i, (row, _) in enumerate(hall.rows)}
        for r in racks:
            if r.row in rows and r.pos is not None:
                out[r.id] = (origin_x + (r.pos - 0.5) * RACK_PITCH_M,
                             rows[r.row] * (depth + AISLE_M) + depth / 2, 0.0)
        length = max((n for _, n in hall.rows), default=0) * RACK_PITCH_M
        origin_x += length + HALL_GAP_M
    return out


def write_scene(path: str, layout: Layout, of: dict[str, str], *, findings=(),
                headroom=(), kpis=None) -> None:
    """The scene stage: /Site with halls, rows and racks to scale, components, relations.

    Written with the Sdf layer API in one change block: a campus of thousands of racks
    is composed once, not once per prim.
    """
    Gf, Sdf, Usd, UsdGeom, Vt = pxr()
    types = Sdf.ValueTypeNames
    layer = Sdf.Layer.CreateNew(path)
    by_component: dict[str, list[str]] = {}
    lines = []
    for f in findings:
        line = f"{f.code} {f.severity}: {f.message} ({f.file}:{f.line}:{f.column})"
        lines.append(line)
        if f.component:
            by_component.setdefault(f.component, []).append(line)
    specs: dict[str, object] = {}
    taken: dict[str, set[str]] = {}
    positions = rack_positions(layout)

    def child(parent, name: str, type_name: str = "Xform"):
        return Sdf.PrimSpec(parent, name, Sdf.SpecifierDef, type_name)

    def attr(spec, name: str, value) -> None:
        kind, value = typed(name, value)
        Sdf.AttributeSpec(spec, name, kind, declaresCustom=True).default = value

    def translate(spec, xyz) -> None:
        Sdf.AttributeSpec(spec, "xformOp:translate", types.Double3).default = Gf.Vec3d(*xyz)
        Sdf.AttributeSpec(spec, "xformOpOrder", types.TokenArray,
                          Sdf.VariabilityUniform).default = Vt.TokenArray(["xformOp:translate"])

    def unique(parent, ident: str) -> str:
        used = taken.setdefault(str(parent.path), set())
        name, i = prim_name(ident), 2
        while name in used:
            name, i = f"{prim_name(ident)}_{i}", i + 1
        used.add(name)
        return name

    def define(parent, ident: str, package: str | None):
        spec = child(parent, unique(parent, ident))
        if package is not None:
            spec.referenceList.Prepend(Sdf.Reference(f"./{package}/simready_usd/{package}.usda"))
            spec.instanceable = True
        attr(spec, "twin:id", ident)
        if ident in by_component:
            attr(spec, "twin:findings", by_component[ident])
        specs[ident] = spec
        return spec

    with Sdf.ChangeBlock():
        layer.pseudoRoot.SetInfo("upAxis", UsdGeom.Tokens.z)
        layer.pseudoRoot.SetInfo("metersPerUnit", 1.0)
        site = child(layer.pseudoRoot, "Site")
        layer.defaultPrim = "Site"
        attr(site, "twin:file", os.path.basename(layout.file))
        if layout.site.name:
            attr(site, "twin:name", layout.site.name)
        for key, value in (kpis or {}).items():
            if isinstance(value, (int, float)):
                attr(site, f"twin:kpi:{key}", float(value))
        attr(site, "twin:findings", lines)
        halls = child(site, "Halls", "Scope")
        racks_of: dict[str | None, list[Rack]] = {}
        for r in layout.racks:
            racks_of.setdefault(r.hall if r.id in positions else None, []).append(r)
        origin = 0.0
        for hall in layout.halls:
            hspec = define(halls, hall.id, None)
            translate(hspec, (origin, 0.0, 0.0))
            for key, value in (("twin:areaM2", hall.area_m2),
                               ("twin:floorKgM2", hall.floor_kg_m2)):
                if value is not None:
                    attr(hspec, key, float(value))
            rows = {}
            for row, n in hall.rows:
                rows[row] = rspec = child(hspec, unique(hspec, row))
                attr(rspec, "twin:row", row)
                attr(rspec, "twin:positions", n)
            for r in racks_of.get(hall.id, []):
                x, y, z = positions[r.id]
                translate(define(rows[r.row], r.id, of.get(r.id)), (x - origin, y, z))
            origin += max((n for _, n in hall.rows), default=0) * RACK_PITCH_M + HALL_GAP_M
        if racks_of.get(None):
            unplaced = child(site, "Unplaced", "Scope")
            for r in racks_of[None]:
                define(unplaced, r.id, of.get(r.id))
        for scope, items, y in (("Power", layout.power, -YARD_M),
                                ("Cooling", layout.cooling, -2 * YARD_M)):
            parent = child(site, scope, "Scope")
            for i, c in enumerate(items):
                spec = define(parent, c.id, of.get(c.id))
                translate(spec, (i * YARD_PITCH_M, y, 0.0))
                attr(spec, "twin:kind", c.kind)
                if c.capacity_kw is not None:
                    attr(spec, "twin:capacityKw", float(c.capacity_kw))
        for h in headroom:
            spec = specs[h.id]
            for key, value in (("twin:loadKw", h.load_kw), ("twin:utilization", h.utilization),
                               ("twin:marginKw", h.margin_kw),
                               ("twin:worstUtilization", h.worst_utilization),
                               ("twin:worstMarginKw", h.worst_margin_kw)):
                if value is not None:
                    attr(spec, key, float(value))
            attr(spec, "twin:worstScenario", list(h.worst_scenario))
        for r in layout.racks:
            spec = specs[r.id]
            for key, value in (("twin:type", r.type), ("twin:hall", r.hall),
                               ("twin:row", r.row)):
                if value is not None:
                    attr(spec, key, value)
            if r.pos is not None:
                attr(spec, "twin:pos", r.pos)
            attr(spec, "twin:itKw", float(r.it_kw))
            attr(spec, "twin:liquidFraction", float(r.liquid_fraction))
            attr(spec, "twin:weightKg", float(r.weight_kg))
        rels = [(r.id, "twin:power", r.power) for r in layout.racks]
        rels += [(r.id, "twin:cooling", r.cooling) for r in layout.racks]
        rels += [(c.id, "twin:from", c.sources) for c in layout.power]
        rels += [(u.id, "twin:power", u.power) for u in layout.cooling]
        rels += [(u.id, "twin:to", u.to) for u in layout.cooling]
        for ident, name, targets in rels:
            paths = [specs[t].path for t in targets if t in specs]
            if paths:
                rel = Sdf.RelationshipSpec(specs[ident], name, custom=True)
                rel.targetPathList.explicitItems = paths
    layer.Save()
