"""The Uptime Tier a design's topology reaches, and R009 (docs/format.md, "Tiers").

The rules follow Uptime Institute's "Data Center Site Infrastructure Tier Standard:
Topology" (section 2.1 Tier I to section 2.4 Tier IV) as docs/format.md states them; each
rule is judged by code twin already has, never a second copy of it: a failure set by
:class:`twin.checks.groups.Judge` (R005-R007's judgement: a rack lost, or a component over
its ``failover_utilization``), a zone as an R006 zone event, normal operation by the
registered P and C checks, maintenance by R007 and continuous cooling by R008, called
through the registry. The tier reached is the highest ``t`` such that every rule of
tiers 1 to ``t`` holds (0: below Tier I). This is a topology check of the layout as
written, not an Uptime certification.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from twin.checks import Check, Hit, registry, when_failing
from twin.checks.groups import (
    Broken,
    _list,
    alone_then_on_generators,
    describe,
    event_breaks,
    judge,
    maintenance_breaks,
    maintenance_message,
)
from twin.layout.model import Event
from twin.physics.flow import evaluate

#: Tier number -> (Uptime name, ANSI/TIA-942 rating, EN 50600-1 availability class): the
#: common correspondence (as NVIDIA's DGX SuperPOD reference architecture states it), not
#: an equivalence certified by either body.
NAMES = {
    1: ("Tier I", "Rated-1", "Availability Class 1"),
    2: ("Tier II", "Rated-2", "Availability Class 2"),
    3: ("Tier III", "Rated-3", "Availability Class 3"),
    4: ("Tier IV", "Rated-4", "Availability Class 4"),
}

#: Capacity components (the Standard's word): a Tier II design survives any one of them
#: failed. Everything else (utility, transformer, switchgear, pdu, rpp, busway, panel,
#: loop) is a distribution element, which Tier II may have single.
CAPACITY_KINDS = ("generator", "ups", "chiller", "dry-cooler", "cooling-tower", "crac",
                  "cdu", "crah", "fan-wall", "in-row", "rdhx")

#: The checks of normal operation and design conditions Tier I asks to be clean (every
#: error of the P and C families): power and cooling within their limits, battery for
#: ``min_battery_min``, fuel for ``min_fuel_h``, CDU flow, supply temperature, every rack
#: served, heat rejection at ``site.design_ambient_c``. Out: C006 (a warning, an
#: assumption stated, not a fault) and S001-S003 (placement and floor loading, the
#: architectural and structural side that the tier does not judge).
NORMAL_CODES = ("P001", "P003", "P004", "C001", "C002", "C003", "C004", "C005")


@dataclasses.dataclass(frozen=True, slots=True)
class Unmet:
    """One rule of one tier that the layout does not meet, at ``component`` (``None``:
    the rule names no component; a finding points at ``policy.tier`` then)."""

    tier: int
    rule: str
    component: str | None
    message: str


@dataclasses.dataclass(frozen=True, slots=True)
class Assessment:
    """The tier reached (0 to 4), the tiers whose rules were evaluated (1 to
    ``evaluated``) and every unmet rule of those, in tier and rule order."""

    tier: int
    evaluated: int
    unmet: tuple[Unmet, ...]

    @property
    def next_tier(self) -> int | None:
        """The tier above the one reached, ``None`` at Tier IV."""
        return self.tier + 1 if self.tier < 4 else None

    @property
    def next_unmet(self) -> tuple[Unmet, ...]:
        """The unmet rules of the next tier up: what stands between the design and it."""
        return tuple(u for u in self.unmet if u.tier == self.next_tier)


def name(tier: int) -> str:
    """``Tier II``, or ``below Tier I`` for 0."""
    return NAMES[tier][0] if tier in NAMES else "below Tier I"


# ---------------------------------------------------------------------------- shared by the rules

def _utilities(layout) -> tuple[str, ...]:
    return tuple(c.id for c in layout.power if c.kind == "utility")


def _forced(s, **policy):
    """``s`` for R007 and R008 as the tier asks them: with ``policy`` fields set (they run
    whatever the layout's own ``policy.maintenance`` and ``policy.continuous_cooling``
    say) and nothing left to the contingency sweep (``policy_contingency`` 0, racks'
    own contingency of 1 or more cleared: every single set is theirs to judge)."""
    layout = s.layout
    racks = layout.racks
    if any(r.contingency for r in racks):
        racks = tuple(dataclasses.replace(r, contingency=None) if r.contingency else r
                      for r in racks)
    layout = dataclasses.replace(layout, racks=racks,
                                 policy=dataclasses.replace(layout.policy, **policy))
    return dataclasses.replace(s, layout=layout, policy_contingency=0)


def _single_failures(s, ids) -> Iterator[tuple[str, Broken, bool]]:
    """Each of ``ids`` failed alone, then with every utility lost too (the site on its
    engine generation, the Standard's primary source): ``(id, what breaks, grid lost)``
    of the first of the two sets that breaks something, for each id that breaks one."""
    grid = _utilities(s.layout)
    judged = judge(s)
    for ident in ids:
        found = alone_then_on_generators(judged, ident, grid)
        if found is not None:
            yield ident, *found


def _failure_message(ident: str, b: Broken, grid_lost: bool) -> str:
    if grid_lost:
        return f"when {ident} fails with every utility lost: {describe(b)}"
    return f"{when_failing((ident,))}: {describe(b)}"


def _registered(s, code: str, tier: int, rule: str, **policy) -> Iterator[Unmet]:
    """The hits of the registered check ``code`` as unmet rules, or one unmet rule that
    says it could not be evaluated when this twin has no such check."""
    check = registry().get(code)
    if check is None or check.run is None:
        yield Unmet(tier, rule, None, f"not evaluated: this version of twin has no {code} "
                    f"check, so {name(tier)} cannot be shown")
        return
    for hit in check.run(_forced(s, **policy)):
        yield Unmet(tier, rule, hit.component, f"{code}: {hit.message}")


# ---------------------------------------------------------------------------- Tier I

def rule_ups(s) -> Iterator[Unmet]:
    """Tier I, dedicated UPS: each rack runs on feeds every path of which, up to a source,
    passes through a UPS (at least ``min_feeds`` such feeds). A feed is behind a UPS when
    it is live in normal operation and down with every UPS failed (the flow model says
    which, so twin has one rule of what is live)."""
    layout = s.layout
    net = s.net
    ups = tuple(c.id for c in layout.power if c.kind == "ups")
    without = evaluate(net, ups)
    behind = {c.id for i, c in enumerate(layout.power)
              if s.normal.power_live[i] and (c.kind == "ups" or not without.power_live[i])}
    for r in layout.racks:
        through = [p for p in r.power if p in behind]
        if len(through) < max(1, r.min_feeds):
            yield Unmet(1, "ups", r.id, f"rack {r.id} has {len(through)} of its "
                        f"{len(r.power)} power feed(s) behind a UPS on every path and needs "
                        f"{max(1, r.min_feeds)} (min_feeds): put a UPS on its power path")


def rule_engine_generator(s) -> Iterator[Unmet]:
    """Tier I, engine generation: with every utility lost the site carries its load."""
    layout = s.layout
    grid = _utilities(layout)
    if not any(c.kind == "generator" for c in layout.power):
        yield Unmet(1, "engine-generator", grid[0] if grid else None,
                    "no engine generator: the Standard takes on-site engine generation as "
                    "the site's primary source, able to carry the load with the utility lost")
        return
    if not grid:
        return
    b = judge(s).breaks(grid)
    if not b.ok:
        yield Unmet(1, "engine-generator", b.scenario[0],
                    f"with every utility lost ({' and '.join(b.scenario)}), on engine "
                    f"generation alone: {describe(b)}")


def rule_cooling(s) -> Iterator[Unmet]:
    """Tier I, dedicated cooling: in normal operation every rack that has power has an
    effective cooling unit for each medium it needs (a rack with none written is C004's)."""
    unserved = {h.component for h in registry()["C004"].run(s)}
    for r, media in enumerate(s.normal.rack_lost_media):
        ident = s.net.rack_ids[r]
        if media and s.normal.rack_up[r] and ident not in unserved:
            yield Unmet(1, "cooling", ident, f"rack {ident} has no effective cooling unit for "
                        f"its {' and '.join(media)} heat in normal operation")


def rule_normal_operation(s) -> Iterator[Unmet]:
    """Tier I, basic capacity: the checks of normal operation find no error. They are run
    without the contingency sweep, so P003 and C005 judge normal operation only (their
    failure sets are the other tiers' to judge), the same under ``twin tier`` and R009."""
    checks = registry()
    normal = dataclasses.replace(s, sweep=None) if s.sweep is not None else s
    for code in NORMAL_CODES:
        for hit in checks[code].run(normal):
            yield Unmet(1, "normal-operation", hit.component, f"{code}: {hit.message}")


# ---------------------------------------------------------------------------- Tier II

def rule_redundant_capacity(s) -> Iterator[Unmet]:
    """Tier II: any one capacity component failed (with the utility or without it) leaves
    every rack served and nothing over its failover limit."""
    ids = [c.id for c in (*s.layout.power, *s.layout.cooling) if c.kind in CAPACITY_KINDS]
    for ident, b, grid_lost in _single_failures(s, ids):
        yield Unmet(2, "redundant-capacity", ident, _failure_message(ident, b, grid_lost))


# ---------------------------------------------------------------------------- Tier III

def rule_concurrent_maintenance(s) -> Iterator[Unmet]:
    """Tier III: every capacity component and distribution element can be taken out for
    maintenance, with the utility up and with every utility lost (R007's judgement,
    whatever ``policy.maintenance`` says, every rack counted, its own ``contingency: 0``
    included)."""
    check = registry().get("R007")
    if check is None or check.run is None:
        yield from _registered(s, "R007", 3, "concurrent-maintenance")
        return
    forced = _forced(s, maintenance=True)
    for c, b, grid_lost in maintenance_breaks(forced, every_rack=True,
                                              grid=_utilities(s.layout)):
        yield Unmet(3, "concurrent-maintenance", c.id,
                    f"R007: {maintenance_message(forced, c, b, grid_lost)}")


def rule_dual_corded(s) -> Iterator[Unmet]:
    """Tier III: every rack has two or more power feeds and needs fewer than it has."""
    for r in s.layout.racks:
        if len(r.power) < 2 or r.min_feeds >= len(r.power):
            yield Unmet(3, "dual-corded", r.id, f"rack {r.id} has {len(r.power)} power "
                        f"feed(s) and needs {r.min_feeds} (min_feeds): give it two feeds from "
                        "independent paths, needing one fewer than it has")


# ---------------------------------------------------------------------------- Tier IV

def rule_fault_tolerance(s) -> Iterator[Unmet]:
    """Tier IV: any one component failed, distribution elements and ``failable: false``
    ones included (with the utility or without it), leaves every rack served and nothing
    over its failover limit."""
    ids = [c.id for c in (*s.layout.power, *s.layout.cooling)]
    for ident, b, grid_lost in _single_failures(s, ids):
        yield Unmet(4, "fault-tolerance", ident, _failure_message(ident, b, grid_lost))


def rule_compartmentalisation(s) -> Iterator[Unmet]:
    """Tier IV: every power and cooling component in a zone, two or more zones, and no
    zone's loss takes out a rack outside it or a component over its limit (each zone
    judged as an R006 zone event)."""
    layout = s.layout
    first: dict[str, str] = {}
    components = (*layout.power, *layout.cooling)
    unzoned = [c.id for c in components if c.zone is None]
    for c in components:
        if c.zone is not None:
            first.setdefault(c.zone, c.id)
    if unzoned:
        yield Unmet(4, "compartmentalisation", unzoned[0],
                    f"{len(unzoned)} of {len(components)} component(s) have no zone: "
                    f"{_list(unzoned)}; compartmentalisation cannot be shown for what has no "
                    "zone: give every power and cooling component a zone (complementary "
                    "systems and paths in different zones)")
    if not first:
        return
    if len(first) < 2:
        zone, ident = next(iter(first.items()))
        yield Unmet(4, "compartmentalisation", ident, f"every zoned component is in zone "
                    f"{zone}: complementary systems and paths need zones of their own")
        return
    for zone, ident in first.items():
        b, failed, room = event_breaks(s, Event(zone, zone=zone))
        if not b.ok:
            yield Unmet(4, "compartmentalisation", ident,
                        f"losing zone {zone} ({len(failed)} component(s), {len(room)} rack(s) "
                        f"lost with it): {describe(b)}")


def rule_continuous_cooling(s) -> Iterator[Unmet]:
    """Tier IV: cooling without interruption through a utility outage (R008, whatever
    ``policy.continuous_cooling`` says)."""
    yield from _registered(s, "R008", 4, "continuous-cooling", continuous_cooling=True)


#: Every rule, by tier, in the order they are reported.
RULES = {
    1: (("ups", rule_ups), ("engine-generator", rule_engine_generator),
        ("cooling", rule_cooling), ("normal-operation", rule_normal_operation)),
    2: (("redundant-capacity", rule_redundant_capacity),),
    3: (("concurrent-maintenance", rule_concurrent_maintenance),
        ("dual-corded", rule_dual_corded)),
    4: (("fault-tolerance", rule_fault_tolerance),
        ("compartmentalisation", rule_compartmentalisation),
        ("continuous-cooling", rule_continuous_cooling)),
}


def assess(s, *, upto: int = 4, every: bool = False) -> Assessment:
    """The tier the snapshot ``s`` reaches. Tiers 1 to ``upto`` are evaluated in order,
    stopping after the first with an unmet rule unless ``every`` (R009 wants them all)."""
    unmet: list[Unmet] = []
    reached, evaluated = 0, 0
    for tier in range(1, upto + 1):
        mine = [u for _, rule in RULES[tier] for u in rule(s)]
        unmet += mine
        evaluated = tier
        if not mine and reached == tier - 1:
            reached = tier
        if mine and not every:
            break
    return Assessment(reached, evaluated, tuple(unmet))


#: The rules whose findings a validate run already reports under their own code when
#: ``policy.tier`` turns that check on: R007 with tier 3 or more, R008 with tier 4.
_OWN_CODE = {"concurrent-maintenance": ("R007", "checks_maintenance"),
             "continuous-cooling": ("R008", "checks_continuous_cooling")}


def _reported(s) -> set[tuple[str, str]]:
    """(rule, component) of what the same validate run reports under R007 or R008."""
    seen = set()
    checks = registry()
    for rule, (code, runs) in _OWN_CODE.items():
        check = checks.get(code)
        if check is not None and check.run is not None and getattr(s.layout.policy, runs):
            seen.update((rule, h.component) for h in check.run(s))
    return seen


def check_tier(s) -> Iterator[Hit]:
    """R009: every unmet rule of the tiers up to ``policy.tier``, but for those R007 or
    R008 already report at the same component in the same run (``policy.tier`` turns
    them on): R009 says only what no other finding says."""
    target = s.layout.policy.tier
    if target is None:
        return
    unmet = assess(s, upto=target, every=True).unmet
    said = _reported(s) if any(u.rule in _OWN_CODE for u in unmet) else set()
    for u in unmet:
        if (u.rule, u.component) in said:
            continue
        yield Hit(u.component, f"{name(u.tier)} {u.rule} (policy.tier {target}): {u.message}",
                  at=None if u.component else "@policy.tier",
                  data=(("tier", u.tier), ("rule", u.rule)))


CHECKS = (
    Check("R009", "tier-rule-unmet", "error", "resilience",
          "a rule of the Uptime Tier `policy.tier` asks for (or of a lower tier) is not met "
          "(docs/format.md, \"Tiers\")", check_tier, needs=("normal", "sweep"),
          unasked=lambda layout: None if layout.policy.tier else
          "not asked: the layout gives no `policy.tier`"),
)
