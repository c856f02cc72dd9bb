"""NetBox device-type library YAML → twin rack types (``twin catalog import``).

A device type is read with twin's safe reader (core YAML schema only, no ``!!python``
tags, limits on size and nesting), keeping each key's line and column so that every
problem names ``file:line:col``. Figures are taken from the structured fields only,
never from free-text comments:

- **maximum power** of a device: the sum of ``maximum_draw`` (W) over its
  ``power-ports``. A port without ``maximum_draw`` makes the device's power unknown:
  an error, never a guess. A device with no power ports is unknown too, unless it says
  ``is_powered: false`` (fed by the rack's power shelves: 0 W of its own, noted).
- **distribution devices** (device types with ``power-outlets``: rack PDUs, a UPS) pass
  on the power of what they feed; their inlet draw is not added (no double counting).
- **weight**: ``weight`` in ``weight_unit`` (kg, g, lb, oz), converted to kg.

A rack type ``NAME=DEVICE*COUNT,...`` then has ``it_kw`` = Σ maximum power × count / 1000,
``weight_kg`` = Σ weight × count (left out when a device has none), ``typical_kw`` =
Σ ``allocated_draw`` × count / 1000 when every powered port gives one, and
``liquid_fraction`` 0 unless given (NetBox has no field for it).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from twin.core import UsageError
from twin.layout.model import RackType
from twin.layout.source import Limits, YEntry, YMap, YScalar, YSeq, parse, read_bytes

#: Keys the device-type library schema defines at the top level.
KNOWN_KEYS = (
    "manufacturer", "model", "slug", "part_number", "u_height", "is_full_depth",
    "subdevice_role", "airflow", "front_image", "rear_image", "comments", "description",
    "weight", "weight_unit", "is_powered", "exclude_from_utilization", "default_platform",
    "console-ports", "console-server-ports", "power-ports", "power-outlets", "interfaces",
    "front-ports", "rear-ports", "module-bays", "device-bays", "inventory-items",
)
REQUIRED_KEYS = ("manufacturer", "model", "slug", "u_height", "is_full_depth")

#: kg per unit of NetBox's ``weight_unit`` choices.
KG_PER_UNIT = {"kg": 1.0, "g": 0.001, "lb": 0.45359237, "oz": 0.028349523125}

#: Rated current of common inlets (A, IEC 60320 / IEC 60309 / NEMA) and the highest
#: single-phase voltage they are used at (V) for a plausibility warning on maximum_draw.
INLET_RATING_A = {
    "iec-60320-c14": 10.0, "iec-60320-c16": 10.0, "iec-60320-c20": 16.0,
    "iec-60320-c22": 16.0, "nema-5-15p": 15.0, "nema-5-20p": 20.0, "nema-l6-30p": 30.0,
}
PLAUSIBLE_VOLTAGE_V = 240.0


@dataclass(frozen=True, slots=True)
class Note:
    """One thing the importer found: severity, kebab name, message and where."""

    severity: str
    name: str
    message: str
    file: str
    line: int = 1
    column: int = 1

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class DeviceType:
    """The figures twin reads from one device-type file.

    ``max_draw_w`` is ``None`` when unknown; ``powered_elsewhere`` for ``is_powered: false``;
    ``distribution`` for device types with power outlets (their draw is not added).
    """

    file: str
    manufacturer: str
    model: str
    slug: str
    part_number: str
    u_height: float | None
    weight_kg: float | None
    airflow: str | None
    inlets: int
    max_draw_w: float | None
    allocated_draw_w: float | None
    powered_elsewhere: bool = False
    distribution: bool = False

    @property
    def usable(self) -> bool:
        return self.max_draw_w is not None or self.powered_elsewhere or self.distribution

    def keys(self) -> tuple[str, ...]:
        """Names a ``--rack`` spec may use for this device (compared case-insensitively)."""
        stem = os.path.splitext(os.path.basename(self.file))[0]
        return tuple(k for k in (self.model, self.slug, self.part_number, stem) if k)


def _scalar(entry: YEntry | None):
    if entry is None or not isinstance(entry.value, YScalar):
        return None
    return entry.value.value


def _number(entry: YEntry | None) -> float | None:
    value = _scalar(entry)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def read_device_type(path: str, *, limits: Limits | None = None
                     ) -> tuple[DeviceType | None, list[Note]]:
    """Read one device-type file; ``None`` when it is not a device type at all."""
    limits = limits or Limits()
    notes: list[Note] = []

    def note(severity, name, message, node=None):
        line, column = (node.line, node.column) if node is not None else (1, 1)
        notes.append(Note(severity, name, message, path, line, column))

    data = read_bytes(path, limits)
    if data is None:
        note("error", "file-too-large", f"file is larger than {limits.max_bytes:,} bytes")
        return None, notes
    tree, problems = parse(data, limits)
    for p in problems:
        notes.append(Note("error" if tree is None else "warning", "bad-yaml", p.message, path,
                          p.line, p.column))
    if tree is None:
        return None, notes
    if not isinstance(tree, YMap):
        note("error", "not-a-device-type", "not a mapping of device-type keys")
        return None, notes
    entries = tree.entries
    for key, entry in entries.items():
        if key not in KNOWN_KEYS:
            note("warning", "unknown-key", f"`{key}` is not a device-type library key; ignored",
                 entry)
    for key in REQUIRED_KEYS:
        if key not in entries:
            note("warning", "missing-key", f"`{key}` is missing (the library schema requires "
                 "it)", tree)
    model = _scalar(entries.get("model"))
    if not isinstance(model, str) or not model.strip():
        note("error", "not-a-device-type", "no `model`: not a device type", tree)
        return None, notes
    weight = _number(entries.get("weight"))
    weight_kg = None
    if weight is not None:
        unit = _scalar(entries.get("weight_unit"))
        if unit in KG_PER_UNIT:
            weight_kg = weight * KG_PER_UNIT[unit]
        else:
            note("warning", "unknown-weight-unit",
                 f"weight {weight:g} has weight_unit {unit!r}, not one of "
                 f"{', '.join(KG_PER_UNIT)}: weight left out",
                 entries.get("weight_unit") or entries["weight"])
    elif "weight" in entries:
        note("warning", "bad-weight", "weight is not a number: left out", entries["weight"])
    u_height = _number(entries.get("u_height"))
    airflow = _scalar(entries.get("airflow"))
    outlets = entries.get("power-outlets")
    distribution = isinstance(outlets, YEntry) and isinstance(outlets.value, YSeq) \
        and bool(outlets.value.items)
    powered_elsewhere = _scalar(entries.get("is_powered")) is False
    ports_entry = entries.get("power-ports")
    ports = ports_entry.value.items if ports_entry is not None and isinstance(
        ports_entry.value, YSeq) else []
    maximum, allocated, missing = 0.0, 0.0, []
    allocated_known = True
    for port in ports:
        if not isinstance(port, YMap):
            note("warning", "bad-power-port", "power port is not a mapping; ignored", port)
            continue
        name = str(_scalar(port.entries.get("name")) or "?")
        draw = _number(port.entries.get("maximum_draw"))
        if draw is None:
            missing.append((name, port))
            continue
        maximum += draw
        rating = INLET_RATING_A.get(str(_scalar(port.entries.get("type")) or "").lower())
        if rating is not None and draw > rating * PLAUSIBLE_VOLTAGE_V:
            note("warning", "implausible-maximum-draw",
                 f"power port {name!r}: maximum_draw {draw:,.0f} W is more than its "
                 f"{_scalar(port.entries.get('type'))} inlet carries ({rating:g} A x "
                 f"{PLAUSIBLE_VOLTAGE_V:g} V = {rating * PLAUSIBLE_VOLTAGE_V:,.0f} W); "
                 "used as written", port.entries["maximum_draw"])
        share = _number(port.entries.get("allocated_draw"))
        if share is None:
            allocated_known = False
        else:
            allocated += share
    max_draw: float | None = maximum
    if distribution:
        note("info", "distribution-device",
             f"{model}: has power outlets (a PDU or UPS): its inlet draw is the load of what "
             "it feeds, so it adds no power of its own", outlets)
        max_draw = None
    elif powered_elsewhere:
        note("info", "powered-elsewhere", f"{model}: is_powered is false (fed by the rack's "
             "power shelves): no power of its own", entries["is_powered"])
        max_draw = None
    elif missing:
        names = ", ".join(repr(n) for n, _ in missing)
        note("error", "missing-maximum-draw",
             f"{model}: cannot use: power port(s) {names} give no maximum_draw, so the "
             "device's power is unknown (twin does not guess it)", missing[0][1])
        max_draw = None
    elif not ports:
        where = entries.get("module-bays") if "module-bays" in entries else tree
        extra = " (PSUs listed only as module bays are not inlets)" \
            if "module-bays" in entries else ""
        note("error", "no-power-ports",
             f"{model}: cannot use: no power-ports{extra}, so the device's power is unknown",
             where)
        max_draw = None
    device = DeviceType(
        file=path, manufacturer=str(_scalar(entries.get("manufacturer")) or ""),
        model=model.strip(), slug=str(_scalar(entries.get("slug")) or ""),
        part_number=str(_scalar(entries.get("part_number")) or ""), u_height=u_height,
        weight_kg=weight_kg, airflow=airflow if isinstance(airflow, str) else None,
        inlets=len(ports), max_draw_w=max_draw,
        allocated_draw_w=allocated if ports and allocated_known and max_draw is not None
        else None, powered_elsewhere=powered_elsewhere, distribution=distribution)
    return device, notes


@dataclass(frozen=True, slots=True)
class RackSpec:
    """``NAME=DEVICE*COUNT,...`` from the command line."""

    name: str
    devices: tuple[tuple[str, int], ...]


def parse_rack_spec(text: str) -> RackSpec:
    """Parse ``NAME=DEVICE*COUNT,DEVICE*COUNT`` (``*COUNT`` defaults to 1)."""
    name, sep, rest = text.partition("=")
    name = name.strip()
    if not sep or not name or not rest.strip():
        raise UsageError(f"--rack {text!r}: expected NAME=DEVICE*COUNT[,DEVICE*COUNT...]")
    devices = []
    for part in rest.split(","):
        part = part.strip()
        if not part:
            continue
        device, star, count = part.rpartition("*")
        if not star:
            device, count = part, "1"
        try:
            n = int(count)
        except ValueError:
            n = 0
        if not device.strip() or n < 1:
            raise UsageError(f"--rack {text!r}: {part!r}: expected DEVICE*COUNT with a "
                             "whole COUNT >= 1")
        devices.append((device.strip(), n))
    return RackSpec(name, tuple(devices))


def find_device(key: str, devices: list[DeviceType]) -> DeviceType:
    """The device a spec names (model, slug, part number or file name, any case)."""
    want = key.casefold()
    hits = [d for d in devices if want in (k.casefold() for k in d.keys())]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        known = ", ".join(d.model for d in devices)
        raise UsageError(f"--rack: no device type {key!r} among the files given ({known})")
    raise UsageError(f"--rack: {key!r} names {len(hits)} device types "
                     f"({', '.join(d.file for d in hits)}); use the file name or slug")


def build_rack_type(spec: RackSpec, devices: list[DeviceType], *,
                    liquid_fraction: float = 0.0) -> tuple[RackType | None, list[Note]]:
    """The rack type of ``spec``; ``None`` with an error note when a device's power is unknown."""
    notes: list[Note] = []
    chosen = [(find_device(key, devices), n) for key, n in spec.devices]
    unusable = [d for d, _ in chosen if not d.usable]
    if unusable:
        for d in unusable:
            notes.append(Note("error", "rack-type-not-built",
                              f"rack type {spec.name!r}: not built: {d.model} has no known "
                              "maximum draw (see the note on this file)", d.file))
        return None, notes
    watts = sum((d.max_draw_w or 0.0) * n for d, n in chosen)
    weights = [(d.weight_kg, n) for d, n in chosen]
    weight = None if any(w is None for w, _ in weights) else sum(w * n for w, n in weights)
    if weight is None:
        names = ", ".join(d.model for d, _ in chosen if d.weight_kg is None)
        notes.append(Note("warning", "weight-unknown", f"rack type {spec.name!r}: no weight "
                          f"for {names}: weight_kg left out", chosen[0][0].file))
    powered = [(d, n) for d, n in chosen if d.max_draw_w is not None]
    typical = None
    if powered and all(d.allocated_draw_w is not None for d, _ in powered):
        typical = sum(d.allocated_draw_w * n for d, n in powered) / 1000.0
    units = sum((d.u_height or 0.0) * n for d, n in chosen)
    parts = ", ".join(f"{n} x {d.manufacturer} {d.model}".strip() for d, n in chosen)
    sources = "; ".join(
        f"{os.path.basename(d.file)}: "
        + (f"{d.max_draw_w:,.0f} W maximum_draw" if d.max_draw_w is not None
           else "powered elsewhere" if d.powered_elsewhere else "power distribution")
        + (f", {d.weight_kg:g} kg" if d.weight_kg is not None else "")
        for d, _ in _unique(chosen))
    rack = RackType(
        name=spec.name, it_kw=watts / 1000.0, liquid_fraction=liquid_fraction,
        weight_kg=weight, typical_kw=typical,
        description=f"{parts} ({units:g}U of devices)",
        source=f"NetBox device types [V]: {sources}; it_kw = sum of maximum_draw x count [D]")
    return rack, notes


def _unique(chosen):
    seen, out = set(), []
    for d, n in chosen:
        if d.file not in seen:
            seen.add(d.file)
            out.append((d, n))
    return out
