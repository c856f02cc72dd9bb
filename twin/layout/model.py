"""Typed, immutable model of a layout: what the loader builds and every later stage reads."""
from __future__ import annotations

from dataclasses import dataclass, field

#: Power kinds that produce power (efficiency 1, no upstream).
SOURCE_KINDS = ("utility", "generator")
#: Power kinds that pass power on from their ``from:`` sources.
DISTRIBUTION_KINDS = ("transformer", "switchgear", "ups", "pdu", "rpp", "busway", "panel")
POWER_KINDS = SOURCE_KINDS + DISTRIBUTION_KINDS

LIQUID_UNIT_KINDS = ("cdu",)
AIR_UNIT_KINDS = ("crah", "fan-wall", "in-row", "rdhx", "crac")
RACK_FACING_KINDS = LIQUID_UNIT_KINDS + AIR_UNIT_KINDS
REJECTION_KINDS = ("chiller", "dry-cooler", "cooling-tower")
#: Kinds that reject their heat outdoors themselves, so a path of ``to:`` may end at
#: them: the plant, and the ``crac`` (a DX air unit with its own condenser).
SINK_KINDS = REJECTION_KINDS + ("crac",)
#: The word that stands for "outside this layout" in a cooling unit's ``power:`` and
#: ``to:``; no id may be it (or end in ``/external``).
EXTERNAL = "external"
COOLING_KINDS = RACK_FACING_KINDS + ("loop",) + REJECTION_KINDS

#: Default normal-operation utilization limit per kind (SPEC section 6).
DEFAULT_MAX_UTILIZATION = {
    **{kind: 1.0 for kind in POWER_KINDS + COOLING_KINDS},
    **{kind: 0.8 for kind in ("switchgear", "pdu", "rpp", "busway", "panel")},
}

DEFAULT_EFFICIENCY = {"transformer": 0.985, "ups": 0.96}

#: R008 (docs/format.md, "Continuous cooling"): seconds from a utility loss until a
#: generator carries load when it gives no ``start_s`` (NFPA 110 Type 10 [S31][S42]),
#: and seconds a heat-rejection unit needs after its power returns when it gives no
#: ``restart_s`` (a chiller: the upper end of 4-8 min [S44]; the others restart with
#: their power).
DEFAULT_START_S = 10.0
DEFAULT_RESTART_S = {"chiller": 480.0, "crac": 480.0}
#: Kinds that take ``restart_s``: the heat-rejection units and the DX ``crac``, whose
#: compressors restart after a power loss as a chiller's do.
RESTART_KINDS = REJECTION_KINDS + ("crac",)


@dataclass(frozen=True, slots=True)
class Via:
    """One step of a block instantiation: the instance id and where it was instantiated."""

    instance: str
    block: str
    file: str
    line: int
    column: int


def order_key(loc: "Loc | None") -> tuple:
    """Sort key for "file order": instances at their instantiating line, then inside."""
    if loc is None:
        return (float("inf"),)
    key: list = []
    for v in loc.via:
        key += [v.line, v.column]
    return (*key, loc.line, loc.column)


@dataclass(frozen=True, slots=True)
class Loc:
    """Where something was written: file and 1-based line and column.

    ``via`` is empty for what is written in place; for what a block instance made, it
    holds the instantiations, outermost first, while file/line/column point into the
    block's definition.
    """

    file: str
    line: int
    column: int
    via: tuple[Via, ...] = ()


@dataclass(frozen=True, slots=True)
class Site:
    """Site-wide facts: name, energy price (USD/MWh), design ambient and wet-bulb (°C),
    capital costs."""

    name: str | None = None
    electricity_usd_per_mwh: float | None = None
    design_ambient_c: float | None = None
    design_wet_bulb_c: float | None = None
    capex_usd_per_mw: float | None = None
    capex_life_years: float | None = None
    rack_life_years: float | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    """Limits the checks use (SPEC section 6); utilization maps are (kind, fraction) pairs."""

    contingency: int = 1
    max_utilization: tuple[tuple[str, float], ...] = tuple(DEFAULT_MAX_UTILIZATION.items())
    failover_utilization: tuple[tuple[str, float], ...] = tuple(
        (kind, 1.0) for kind in POWER_KINDS + COOLING_KINDS
    )
    power_factor: float = 1.0
    inlet_c: tuple[float, float] = (18.0, 27.0)
    min_battery_min: float = 5.0
    min_fuel_h: float = 12.0
    #: R007: any one component out for maintenance (docs/format.md, "Maintenance").
    maintenance: bool = False
    #: R008: cooling through a utility outage (docs/format.md, "Continuous cooling").
    continuous_cooling: bool = False
    #: The Uptime Tier the design must reach; R009 reports every unmet rule of it.
    tier: int | None = None

    @property
    def checks_maintenance(self) -> bool:
        """R007 runs: ``maintenance: true`` or ``tier`` 3 or more."""
        return self.maintenance or (self.tier or 0) >= 3

    @property
    def checks_continuous_cooling(self) -> bool:
        """R008 runs: ``continuous_cooling: true`` or ``tier`` 4."""
        return self.continuous_cooling or (self.tier or 0) >= 4

    def max_utilization_of(self, kind: str) -> float:
        """Normal-operation limit for ``kind`` as a fraction of capacity."""
        return dict(self.max_utilization).get(kind, 1.0)

    def failover_utilization_of(self, kind: str) -> float:
        """Limit for ``kind`` while components have failed, as a fraction of capacity."""
        return dict(self.failover_utilization).get(kind, 1.0)


@dataclass(frozen=True, slots=True)
class RackType:
    """Equipment description of a rack; ``None`` means "not given" (defaults apply later).

    ``status`` is ``shipping`` or ``announced`` (figures from announcements, not datasheets);
    ``source`` cites where the figures come from. ``sources`` (built-in types) cites each
    field on its own: ``(field, tag, citation)`` triples, the tag saying how solid the figure
    is (``V`` vendor, ``S`` standard, ``B`` benchmark, ``E`` estimate, ``D`` derived,
    ``U`` unverified, ``n/a`` no check reads the field for this type) and the citation
    naming entries of docs/sources.md (``[S3]``).
    """

    name: str
    it_kw: float | None = None
    liquid_fraction: float | None = None
    weight_kg: float | None = None
    footprint_m2: float | None = None
    flow_lpm_per_kw: float | None = None
    max_supply_c: float | None = None
    max_inlet_c: float | None = None
    tokens_per_s: float | None = None
    typical_kw: float | None = None
    price_usd: float | None = None
    ride_through_s: float | None = None
    description: str = ""
    status: str = "shipping"
    source: str = ""
    loc: Loc | None = None
    sources: tuple[tuple[str, str, str], ...] = ()

    def source_of(self, field: str) -> tuple[str, str] | None:
        """``(tag, citation)`` of ``field`` from :attr:`sources`, ``None`` when not cited."""
        for name, tag, citation in self.sources:
            if name == field:
                return tag, citation
        return None


#: Fields a rack type describes, in SPEC order (``it_kw`` to ``tokens_per_s``), then the
#: extensions ``typical_kw`` and ``price_usd`` (read by ``twin simulate``) and
#: ``ride_through_s`` (read by R008).
RACK_TYPE_FIELDS = (
    "it_kw", "liquid_fraction", "weight_kg", "footprint_m2", "flow_lpm_per_kw",
    "max_supply_c", "max_inlet_c", "tokens_per_s", "typical_kw", "price_usd",
    "ride_through_s",
)


@dataclass(frozen=True, slots=True)
class PowerComponent:
    """A power source or distribution component; capacity in kW of output."""

    id: str
    kind: str
    capacity_kw: float
    efficiency: float = 1.0
    sources: tuple[str, ...] = ()
    mode: str = "transfer"
    failable: bool = True
    battery_min: float | None = None
    fuel_h: float | None = None
    loc: Loc | None = None
    #: The rating as written, of which ``capacity_kw`` is what twin derived (kVA; A at
    #: ``voltage_v`` V line to line; ``phases`` 3, 1 or ``"dc"``), ``None`` when not given.
    rating_kva: float | None = None
    rating_a: float | None = None
    voltage_v: float | None = None
    phases: int | str | None = None
    notes: str | None = None
    zone: str | None = None
    #: generator: seconds from a utility loss until it carries load (R008); ``None``:
    #: :data:`DEFAULT_START_S`.
    start_s: float | None = None

    @property
    def is_source(self) -> bool:
        return self.kind in SOURCE_KINDS


@dataclass(frozen=True, slots=True)
class CoolingComponent:
    """A cooling unit, loop or heat-rejection plant; capacity in kW of heat."""

    id: str
    kind: str
    capacity_kw: float | None
    power_kw: float | None = None  # draw at full capacity; None: not given
    cop: float | None = None
    flow_lpm: float | None = None
    supply_c: float | None = None
    power: tuple[str, ...] = ()
    to: tuple[str, ...] = ()
    failable: bool = True
    loc: Loc | None = None
    #: ``power: external``: fed from outside the chain (``power`` is then empty).
    power_external: bool = False
    #: ``to: external``: its heat leaves through equipment outside the layout.
    to_external: bool = False
    zone: str | None = None
    #: heat rejection: seconds it needs after its power returns to cool again (R008);
    #: ``None``: :data:`DEFAULT_RESTART_S` of its kind, else 0.
    restart_s: float | None = None
    #: loop: thermal energy its buffer (tank, piping) absorbs while the plant beyond it
    #: is out, kWh (R008); ``None``: none.
    storage_kwh: float | None = None

    @property
    def medium(self) -> str | None:
        """``liquid`` for CDUs, ``air`` for air units, ``None`` for loops and plant."""
        if self.kind in LIQUID_UNIT_KINDS:
            return "liquid"
        if self.kind in AIR_UNIT_KINDS:
            return "air"
        return None


@dataclass(frozen=True, slots=True)
class Rack:
    """A rack with its type's figures resolved and defaults applied."""

    id: str
    it_kw: float
    type: str | None = None
    liquid_fraction: float = 0.0
    weight_kg: float = 0.0
    footprint_m2: float = 0.72
    flow_lpm_per_kw: float = 1.5
    max_supply_c: float | None = None
    max_inlet_c: float | None = None
    tokens_per_s: float | None = None
    typical_kw: float | None = None  # typical operating power; None: it_kw
    price_usd: float | None = None
    #: seconds the rack tolerates losing its cooling at full load (R008)
    ride_through_s: float = 0.0
    power: tuple[str, ...] = ()
    min_feeds: int = 1
    cooling: tuple[str, ...] = ()
    hall: str | None = None
    row: str | None = None
    pos: int | None = None
    contingency: int | None = None
    loc: Loc | None = None
    zone: str | None = None

    @property
    def liquid_kw(self) -> float:
        return self.it_kw * self.liquid_fraction

    @property
    def air_kw(self) -> float:
        return self.it_kw * (1.0 - self.liquid_fraction)


@dataclass(frozen=True, slots=True)
class Hall:
    """A data hall: area (m²), floor rating (kg/m²) and rows as (row, positions) pairs."""

    id: str
    area_m2: float | None = None
    floor_kg_m2: float | None = None
    rows: tuple[tuple[str, int], ...] = ()
    loc: Loc | None = None

    def positions_of(self, row: str) -> int | None:
        return dict(self.rows).get(row)


@dataclass(frozen=True, slots=True)
class Group:
    """Components with a redundancy target (docs/format.md, "Groups").

    ``N+k``: ``k`` is the number of members that may fail at once, ``sides`` is empty.
    ``2N``: ``k`` is ``None`` and ``sides`` holds the two sides, each a tuple of ids;
    ``members`` is every member, in the order written.
    """

    id: str
    members: tuple[str, ...]
    redundancy: str
    k: int | None = None
    sides: tuple[tuple[str, ...], ...] = ()
    loc: Loc | None = None

    def failure_sets(self):
        """The sets the target promises to survive: every set of 1..k members, or each side."""
        from itertools import combinations
        if self.k is None:
            return list(self.sides)
        return [s for n in range(1, min(self.k, len(self.members)) + 1)
                for s in combinations(self.members, n)]


@dataclass(frozen=True, slots=True)
class Event:
    """A common-cause event: the components it fails (``fails``) or a ``zone``."""

    id: str
    fails: tuple[str, ...] = ()
    zone: str | None = None
    loc: Loc | None = None


def policy_key(field: str | None = None) -> str:
    """The :meth:`Layout.loc_of` key of ``policy:`` or of one of its keys, when written
    (``"@policy.contingency"``); ``@`` is no id's, so no component's field matches."""
    return "@policy" if field is None else f"@policy.{field}"


@dataclass(frozen=True, slots=True)
class Layout:
    """One loaded layout file."""

    file: str
    version: int = 1
    site: Site = field(default_factory=Site)
    policy: Policy = field(default_factory=Policy)
    rack_types: tuple[RackType, ...] = ()
    power: tuple[PowerComponent, ...] = ()
    cooling: tuple[CoolingComponent, ...] = ()
    halls: tuple[Hall, ...] = ()
    racks: tuple[Rack, ...] = ()
    #: Location of each id's key, of each (id, field) key and of each key written under
    #: ``policy:`` (:func:`policy_key`), for findings.
    locs: tuple[tuple[str, Loc], ...] = ()
    #: ``locs`` as a dict, built on the first lookup (a 1 GW layout has 10^5 keys).
    _loc_index: dict | None = field(default=None, init=False, repr=False, compare=False,
                                    hash=False)
    #: Each entry of a reference list (``from``, ``power``, ``to``, ``cooling``) as the
    #: loader read it, (owner, field, node, ...), the node giving its place: kept as read,
    #: and indexed only when :meth:`ref_loc` is first asked (for related locations).
    refs: list | tuple = field(default=(), repr=False, compare=False, hash=False)
    _ref_index: dict | None = field(default=None, init=False, repr=False, compare=False,
                                    hash=False)
    #: ``groups:`` and ``events:`` (docs/format.md): empty in a layout without them.
    groups: tuple[Group, ...] = ()
    events: tuple[Event, ...] = ()

    def loc_of(self, key: str) -> Loc | None:
        """Location of an id (``"ups-a"``) or a field (``"ups-a.capacity_kw"``)."""
        index = self._loc_index
        if index is None:
            index = dict(self.locs)
            object.__setattr__(self, "_loc_index", index)
        return index.get(key)

    def ref_loc(self, owner: str, field: str, target: str) -> Loc | None:
        """Location of ``target`` as written in ``owner``'s ``field`` list (``from``,
        ``power``, ``to``, ``cooling``), or ``None`` when the layout was not read so."""
        index = self._ref_index
        if index is None:
            index = {(ref[0], ref[1], ref[2].text): ref[2] for ref in self.refs}
            object.__setattr__(self, "_ref_index", index)
        node = index.get((owner, field, target))
        if node is None:
            return None
        return Loc(getattr(node, "file", None) or self.file, node.line, node.column,
                   getattr(node, "via", ()) or ())
