"""OpenUSD packages: one SimReady AI Factory package per equipment type, and the units they use.

Needs Pixar's ``usd-core`` (``pip install twin[usd]``). The package layout and the
attribute names are documented in docs/usd.md.
"""
from __future__ import annotations

import os
import re
import struct
import zlib
from dataclasses import dataclass, field

from twin.core import write_atomic
from twin.core import UsageError
from twin.layout.model import Layout, Rack

#: SimReady profile the packages are written for.
PROFILE, PROFILE_VERSION = "AIF-Entity", "0.2.0"
#: Rack pitch along a row (m): the 600 mm width of EIA and MGX racks.
RACK_PITCH_M = 0.6
#: Aisle between the back of one row and the front of the next (m).
AISLE_M = 1.2
#: Gap between halls laid out side by side along X (m).
HALL_GAP_M = 10.0
#: Rack height (m); layout v1 has no height (42-48U racks are about 2.0-2.3 m).
RACK_HEIGHT_M = 2.2
#: Schematic box (width, depth, height in m) of equipment whose size the layout does not
#: give; CDU footprint from the CoolIT CHx2000 class (750 x 1,200 mm, [S25]).
BOX_M = {"cdu": (0.75, 1.2, 2.2), "crah": (2.0, 0.9, 2.0), "ups": (1.8, 0.9, 2.0)}
#: Mass (kg) of equipment the layout gives no weight for; SimReady needs a positive mass.
#: CDU: the Vertiv CoolChip CDU 2300 class, 1,793 kg wet (docs/sources.md [S26]) [V]; CRAH and UPS:
#: placeholders [U]. Every defaulted attribute is listed in ``twin:defaulted``.
DEFAULT_MASS_KG = {"cdu": 1793.0, "crah": 1000.0, "ups": 3000.0, "rack": 1000.0}
#: Electrical defaults for nameplates the layout does not give.
NOMINAL_VOLTAGE_V = 415.0
FREQUENCY_HZ = 60.0
PHASES = 3
#: Where components without a place in the layout are lined up (m): power at
#: y = -YARD_M, cooling at y = -2 x YARD_M, YARD_PITCH_M apart along X.
YARD_M, YARD_PITCH_M = 6.0, 3.0
#: Wikidata item for "data center", the SimReady provenance ``qcode``.
QCODE = "Q671224"

AIF_CLASS = {"rack": "compute rack", "cdu": "CDU", "crah": "CRAH", "ups": "UPS"}


def require_usd() -> None:
    """Raise a usage error (exit 2) when usd-core is not installed."""
    pxr()


def pxr():
    try:
        from pxr import Gf, Sdf, Usd, UsdGeom, Vt
    except ImportError:
        raise UsageError("--usd needs Pixar's usd-core: pip install 'twin[usd]'") from None
    return Gf, Sdf, Usd, UsdGeom, Vt


def prim_name(text: str) -> str:
    """A valid USD prim name for an id: other characters become ``_``; no leading digit."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", text)
    return name if name and not name[0].isdigit() else f"_{name}"


@dataclass(frozen=True, slots=True)
class Point:
    """A connection point: v0.1 name, domain, direction, system and typed properties."""

    name: str
    domain: str
    direction: str
    system: str
    disconnect: str
    at_m: tuple[float, float, float]
    floats: tuple[tuple[str, float], ...] = ()
    ints: tuple[tuple[str, int], ...] = ()
    tokens: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Package:
    """One equipment type to write as a SimReady AIF package."""

    name: str
    kind: str  # rack, cdu, crah, ups
    description: str
    model: str
    box_m: tuple[float, float, float]
    weight_kg: float | None
    spec: tuple[tuple[str, object], ...]
    points: tuple[Point, ...]
    defaulted: tuple[str, ...] = ()
    members: tuple[str, ...] = field(default=())


def rack_box_m(rack: Rack) -> tuple[float, float, float]:
    """Width, depth and height of a rack (m): 0.6 m wide, depth from its footprint."""
    return (RACK_PITCH_M, rack.footprint_m2 / RACK_PITCH_M, RACK_HEIGHT_M)


def _electrical(name, direction, w, d, h, power_w=None, pf=1.0):
    floats = [("nominalVoltage", NOMINAL_VOLTAGE_V), ("frequency", FREQUENCY_HZ),
              ("powerFactor", pf)]
    if power_w is not None:
        floats.append(("ratedPower", power_w))
    return Point(name, "electrical", direction, "power", "hardwired", (0.0, d / 2, h),
                 tuple(floats), (("phases", PHASES),))


def _thermal(name, direction, system, at, flow_l_s=None, temp_c=None):
    floats = []
    if flow_l_s is not None:
        floats.append(("designFlowRate", flow_l_s))
    if temp_c is not None:
        floats.append(("designTemperature", temp_c))
    return Point(name, "thermal", direction, system, "flanged", at, tuple(floats))


def _air(name, direction, at, temp_c=None):
    floats = [("designTemperature", temp_c)] if temp_c is not None else []
    return Point(name, "airflow", direction, "equipment_cooling", "open_vent", at, tuple(floats))


def packages(layout: Layout) -> tuple[list[Package], dict[str, str]]:
    """Equipment types of a layout and the package name of each rack or component id.

    Racks group by type and figures; CDUs, CRAHs and UPSs by kind and figures.
    """
    pf = layout.policy.power_factor
    out: dict[tuple, Package] = {}
    of: dict[str, str] = {}
    names: set[str] = set()

    def name_for(base: str) -> str:
        name, i = prim_name(base.lower()), 2
        while name in names:
            name, i = f"{prim_name(base.lower())}_{i}", i + 1
        names.add(name)
        return name

    for r in layout.racks:
        key = ("rack", r.type, r.it_kw, r.liquid_fraction, r.weight_kg, r.footprint_m2,
               r.flow_lpm_per_kw, r.max_supply_c, len(r.power))
        if key not in out:
            w, d, h = rack_box_m(r)
            liquid_kw = r.it_kw * r.liquid_fraction
            spec = [("namePlatePower", int(round(r.it_kw * 1000))),
                    ("heatCaptureRatio", r.liquid_fraction * 100.0),
                    ("liquidCooling", liquid_kw), ("airCooling", r.it_kw - liquid_kw)]
            flow_lpm = liquid_kw * r.flow_lpm_per_kw
            if r.max_supply_c is not None and liquid_kw > 0:
                spec.append(("requiredLiquidFlowRate",
                             ((r.max_supply_c, flow_lpm / 60.0, flow_lpm),)))
            feeds = max(1, len(r.power))
            points = [_electrical(f"twin_electrical_nominal_voltage_{chr(97 + i)}", "input",
                                  w, d, h, r.it_kw * 1000 / feeds, pf) for i in range(feeds)]
            if liquid_kw > 0:
                points += [_thermal("twin_tcs_supply", "supply", "TCS", (-w / 4, d / 2, 0.3),
                                    flow_lpm / 60.0, r.max_supply_c),
                           _thermal("twin_tcs_return", "return", "TCS", (w / 4, d / 2, 0.3),
                                    flow_lpm / 60.0)]
            if r.liquid_fraction < 1:
                points += [_air("twin_airvent_intake", "input", (0.0, -d / 2, h / 2),
                                r.max_inlet_c),
                           _air("twin_airvent_outflow", "output", (0.0, d / 2, h / 2))]
            label = r.type or f"untyped rack like {r.id}"
            out[key] = Package(
                name_for(f"rack_{r.type or r.id}"), "rack",
                f"{label}: {r.it_kw:g} kW design, {r.liquid_fraction:.0%} of heat to liquid "
                "(exported by twin)", label, (w, d, h), r.weight_kg or None, tuple(spec),
                tuple(points),
                ("aif:core:height",) if r.weight_kg else ("aif:core:height", "aif:core:weight"))
        of[r.id] = out[key].name
    for u in layout.cooling:
        if u.kind not in ("cdu", "crah"):
            continue
        key = (u.kind, u.capacity_kw, u.power_kw, u.flow_lpm, u.supply_c)
        if key not in out:
            w, d, h = BOX_M[u.kind]
            defaulted = ["aif:core:weight", "aif:core:height", "aif:core:width", "aif:core:depth"]
            spec: list = []
            if u.capacity_kw is not None:
                spec.append(("nominalCoolingCapacity", u.capacity_kw))
            else:
                defaulted.append("aif:spec:nominalCoolingCapacity (not given: left out)")
            flow = u.flow_lpm / 60.0 if u.flow_lpm is not None else None
            if u.kind == "cdu":
                spec += [("nominalVoltage", NOMINAL_VOLTAGE_V), ("frequency", FREQUENCY_HZ),
                         ("coolingType", "Water")]
                if u.power_kw is not None:
                    spec.append(("powerRating", u.power_kw))
                else:
                    defaulted.append("aif:spec:powerRating (not given: left out)")
                if flow is not None:
                    spec.append(("nominalFlow", flow / 1000.0))  # m3/s
                if u.supply_c is not None:
                    spec.append(("referenceSecondaryCoolantTemperature", u.supply_c + 273.15))
                points = [_thermal("twin_fws_supply", "supply", "FWS", (-w / 4, d / 2, h)),
                          _thermal("twin_fws_return", "return", "FWS", (w / 4, d / 2, h)),
                          _thermal("twin_tcs_supply", "supply", "TCS", (-w / 4, -d / 2, h),
                                   flow, u.supply_c),
                          _thermal("twin_tcs_return", "return", "TCS", (w / 4, -d / 2, h), flow)]
            else:
                spec += [("sensibleCapacity", u.capacity_kw)] if u.capacity_kw is not None else []
                spec += [("electricalNominalVoltage", NOMINAL_VOLTAGE_V),
                         ("electricalFrequency", FREQUENCY_HZ), ("electricalPhase", PHASES)]
                if u.power_kw is not None:
                    spec += [("electricalPowerRating", u.power_kw),
                             ("fanMotorPowerMax", u.power_kw)]
                else:
                    defaulted.append("aif:spec:electricalPowerRating (not given: left out)")
                points = [_thermal("twin_liq_supply", "supply", "FWS", (-w / 4, d / 2, h)),
                          _thermal("twin_liq_return", "return", "FWS", (w / 4, d / 2, h)),
                          _air("twin_airvent_intake", "input", (0.0, d / 2, h / 2)),
                          _air("twin_airvent_outflow", "output", (0.0, -d / 2, h / 2),
                               u.supply_c)]
            power_w = u.power_kw * 1000 if u.power_kw is not None else None
            points.append(_electrical("twin_electrical_nominal_voltage", "input", w, d, h,
                                      power_w, pf))
            cap = "capacity not given" if u.capacity_kw is None else f"{u.capacity_kw:g} kW"
            out[key] = Package(
                name_for(f"{u.kind}_{_g(u.capacity_kw)}kw"), u.kind,
                f"{u.kind.upper()}, {cap} of heat (exported by twin)",
                f"{u.kind.upper()} {cap}", (w, d, h), None, tuple(spec), tuple(points),
                tuple(defaulted))
        of[u.id] = out[key].name
    for c in layout.power:
        if c.kind != "ups":
            continue
        key = ("ups", c.capacity_kw, c.efficiency, c.battery_min)
        if key not in out:
            w, d, h = BOX_M["ups"]
            spec = [("upsRating", c.capacity_kw), ("outputActivePower", c.capacity_kw),
                    ("electricalInputVoltage", NOMINAL_VOLTAGE_V),
                    ("electricalInputFrequency", FREQUENCY_HZ), ("electricalInputPhase", PHASES),
                    ("outputVoltage", NOMINAL_VOLTAGE_V),
                    ("electricalOutputFrequency", FREQUENCY_HZ),
                    ("electricalOutputPhase", PHASES)]
            points = [_electrical("twin_electrical_nominal_voltage_in", "input", w, d, h,
                                  c.capacity_kw * 1000 / c.efficiency, pf),
                      _electrical("twin_electrical_nominal_voltage_out", "output", w, -d, h,
                                  c.capacity_kw * 1000, pf)]
            battery = f", {c.battery_min:g} min battery" if c.battery_min is not None else ""
            out[key] = Package(
                name_for(f"ups_{_g(c.capacity_kw)}kw"), "ups",
                f"UPS, {c.capacity_kw:g} kW, {c.efficiency:.1%} efficient{battery} (exported "
                "by twin)", f"UPS {c.capacity_kw:g} kW", (w, d, h), None, tuple(spec),
                tuple(points), ("aif:core:weight", "aif:core:height", "aif:core:width",
                                 "aif:core:depth"))
        of[c.id] = out[key].name
    return list(out.values()), of


def _mass(pkg: Package) -> float:
    return float(pkg.weight_kg) if pkg.weight_kg else DEFAULT_MASS_KG[pkg.kind]


def _g(value: float | None) -> str:
    return "x" if value is None else f"{value:g}".replace(".", "p")


def _png(size: int = 256, rgb: tuple[int, int, int] = (118, 185, 0)) -> bytes:
    """A plain ``size`` x ``size`` RGB PNG (stdlib zlib), the package thumbnail."""
    row = b"\x00" + bytes(rgb) * size
    raw = zlib.compress(row * size, 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw)
            + chunk(b"IEND", b""))


def _stage(path: str):
    Gf, Sdf, Usd, UsdGeom, Vt = pxr()
    stage = Usd.Stage.CreateNew(path)
    UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.z)
    UsdGeom.SetStageMetersPerUnit(stage, 1.0)
    return stage


def _attr(prim, name: str, value) -> None:
    """Author ``name`` on a ``Usd.Prim`` with the type :func:`typed` gives."""
    kind, value = typed(name, value)
    prim.CreateAttribute(name, kind, custom=True).Set(value)


def typed(name: str, value):
    """The USD type and value for ``value``: reals are ``float`` for ``aif:*`` (the
    declared SimReady type) and ``double`` for twin's own figures."""
    Gf, Sdf, Usd, UsdGeom, Vt = pxr()
    types = Sdf.ValueTypeNames
    if isinstance(value, bool):
        kind = types.Bool
    elif isinstance(value, int):
        kind = types.Int
    elif isinstance(value, float):
        kind = types.Double if name.startswith("twin:") else types.Float
    elif isinstance(value, str):
        kind = types.String
    elif isinstance(value, tuple) and value and isinstance(value[0], tuple):
        kind, value = types.Float3Array, Vt.Vec3fArray([Gf.Vec3f(*v) for v in value])
    elif isinstance(value, tuple) and len(value) == 3:
        kind, value = types.Float3, Gf.Vec3f(*value)
    elif isinstance(value, (list, tuple)):
        kind, value = types.StringArray, list(value)
    else:
        raise TypeError(f"{name}: cannot author {value!r}")
    return kind, value


def write_package(pkg: Package, root: str, *, source: str, today: str) -> str:
    """Write one package under ``root``; returns the root file's path."""
    Gf, Sdf, Usd, UsdGeom, Vt = pxr()
    folder = os.path.join(root, pkg.name, "simready_usd")
    layers = os.path.join(folder, "layers")
    os.makedirs(layers)
    prim_path = f"/{pkg.name}"
    w, d, h = pkg.box_m
    mm = (w * 1000.0, d * 1000.0, h * 1000.0)

    props = _stage(os.path.join(layers, f"{pkg.name}_properties.usda"))
    prim = props.DefinePrim(prim_path, "Xform")
    props.SetDefaultPrim(prim)
    core = {
        "assetClass": AIF_CLASS[pkg.kind], "manufacturer": "unspecified (twin layout)",
        "modelNumber": pkg.model, "assetVersion": "1", "width": mm[0], "depth": mm[1],
        "height": mm[2], "weight": _mass(pkg),
        "overallGeometryDimensions": mm, "installationClearance": AISLE_M * 1000.0,
        "accessibilityRequirement": AISLE_M * 1000.0, "simreadyVersion": PROFILE_VERSION,
        "assetDescription": pkg.description,
        "connectsToModelDocumentation": "docs/usd.md (twin)",
        "assetCreationDate": today,
    }
    for key, value in core.items():
        _attr(prim, f"aif:core:{key}", value)
    for key, value in pkg.spec:
        _attr(prim, f"aif:spec:{key}", float(value) if isinstance(value, int)
              and key not in ("namePlatePower", "electricalPhase", "electricalInputPhase",
                              "electricalOutputPhase") else value)
    if pkg.defaulted:
        _attr(prim, "twin:defaulted", list(pkg.defaulted))
    props.GetRootLayer().Save()

    cps = _stage(os.path.join(layers, f"{pkg.name}_connectionpoints.usda"))
    over = cps.OverridePrim(prim_path)
    cps.SetDefaultPrim(over)
    scope = cps.DefinePrim(f"{prim_path}/ConnectionPoints", "Scope")
    types = Sdf.ValueTypeNames
    base = "simready:connectionPoint"
    for p in pkg.points:
        x = UsdGeom.Xform.Define(cps, f"{scope.GetPath()}/{p.name}")
        x.CreatePurposeAttr().Set(UsdGeom.Tokens.guide)
        x.AddTranslateOp().Set(Gf.Vec3d(*p.at_m))
        cp = x.GetPrim()
        for key, value in (("domain", p.domain), ("direction", p.direction),
                           ("system", p.system), ("disconnectType", p.disconnect)):
            cp.CreateAttribute(f"{base}:{key}", types.Token, custom=True).Set(value)
        cp.CreateAttribute(f"{base}:serviceClearance", types.Float, custom=True).Set(AISLE_M)
        for key, value in p.floats:
            cp.CreateAttribute(f"{base}:{p.domain}:{key}", types.Float,
                               custom=True).Set(float(value))
        for key, value in p.ints:
            cp.CreateAttribute(f"{base}:{p.domain}:{key}", types.Int, custom=True).Set(value)
        for key, value in p.tokens:
            cp.CreateAttribute(f"{base}:{p.domain}:{key}", types.Token, custom=True).Set(value)
    cps.GetRootLayer().Save()

    geo = _stage(os.path.join(layers, f"{pkg.name}_geometry.usda"))
    over = geo.OverridePrim(prim_path)
    geo.SetDefaultPrim(over)
    geo.DefinePrim(f"{prim_path}/Geometry", "Xform")
    _box(geo, f"{prim_path}/Geometry/body", w, d, h)
    geo.GetRootLayer().Save()

    root_file = os.path.join(folder, f"{pkg.name}.usda")
    stage = _stage(root_file)
    layer = stage.GetRootLayer()
    layer.subLayerPaths = [f"./layers/{pkg.name}_{part}.usda"
                           for part in ("properties", "connectionpoints", "geometry")]
    layer.defaultPrim = pkg.name
    extents = Gf.Vec3f(w, d, h)
    meta = {"author": "twin", "asset_name": pkg.name, "asset_type": AIF_CLASS[pkg.kind],
            "asset_license": "Apache-2.0", "category": "data center equipment",
            "source_file": source, "usd_date_generated": today, "qcode": QCODE,
            "rigid_body_count": 1, "asset_extents": extents,
            "mass": _mass(pkg),
            "validation": {"profile": PROFILE, "profile_version": PROFILE_VERSION}}
    layer.customLayerData = {"SimReady_Metadata": meta, "asset_name": pkg.name,
                             "asset_type": AIF_CLASS[pkg.kind], "source_file": source,
                             "usd_date_generated": today}
    layer.Save()
    thumbs = os.path.join(folder, ".thumbs", "256x256")
    os.makedirs(thumbs)
    write_atomic(os.path.join(thumbs, f"{pkg.name}.usda.png"), _png())
    return root_file


def _box(stage, path: str, w: float, d: float, h: float) -> None:
    """A closed box mesh from (-w/2, -d/2, 0) to (w/2, d/2, h), normals per face-vertex."""
    Gf, Sdf, Usd, UsdGeom, Vt = pxr()
    x0, x1, y0, y1 = -w / 2, w / 2, -d / 2, d / 2
    pts = [(x0, y0, 0), (x1, y0, 0), (x1, y1, 0), (x0, y1, 0),
           (x0, y0, h), (x1, y0, h), (x1, y1, h), (x0, y1, h)]
    faces = [((0, 3, 2, 1), (0, 0, -1)), ((4, 5, 6, 7), (0, 0, 1)),
             ((0, 1, 5, 4), (0, -1, 0)), ((2, 3, 7, 6), (0, 1, 0)),
             ((1, 2, 6, 5), (1, 0, 0)), ((3, 0, 4, 7), (-1, 0, 0))]
    mesh = UsdGeom.Mesh.Define(stage, path)
    mesh.CreatePointsAttr(Vt.Vec3fArray([Gf.Vec3f(*p) for p in pts]))
    mesh.CreateFaceVertexCountsAttr(Vt.IntArray([4] * 6))
    mesh.CreateFaceVertexIndicesAttr(Vt.IntArray([i for f, _ in faces for i in f]))
    normals = mesh.CreateNormalsAttr(Vt.Vec3fArray([Gf.Vec3f(*n) for _, n in faces
                                                    for _ in range(4)]))
    mesh.SetNormalsInterpolation(UsdGeom.Tokens.faceVarying)
    del normals
    mesh.CreateSubdivisionSchemeAttr().Set(UsdGeom.Tokens.none)
    mesh.CreateExtentAttr(Vt.Vec3fArray([Gf.Vec3f(x0, y0, 0), Gf.Vec3f(x1, y1, h)]))
