"""The runner: reads a layout into findings and a snapshot, and runs every registered check.

The stages in order: read and expand the file (layout/), load the model, stamp the
reader's and loader's problems as L findings, build the graph, look for cycles (T001),
evaluate normal operation and the failure sets (physics/), then run every check of the
registry whose declared needs the snapshot meets. Nothing here prints.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from twin.checks import Check, Hit, registry
from twin.checks.assumptions import assumptions
from twin.checks.explain import with_related
from twin.checks.topology import check_cycles
from twin.core import Finding, UsageError
from twin.layout.blocks import expand
from twin.layout.loader import load_tree
from twin.layout.model import Layout
from twin.layout.source import MAX_FINDINGS, Limits, Problem, Problems, YMap, parse, read_bytes
from twin.physics.flow import compile_network, evaluate
from twin.physics.graph import build_graph
from twin.physics.kpis import kpis, typical_kpis
from twin.physics.snapshot import Snapshot
from twin.physics.sweep import sweep
from twin.physics.thermal import at_design


@dataclass(frozen=True, slots=True)
class Loaded:
    """A layout file read and loaded: the model (``None`` if unreadable) and its L findings."""

    file: str
    layout: Layout | None
    findings: tuple[Finding, ...] = ()
    #: The findings limit it was read with; ``validate`` lists as many.
    max_findings: int = field(default=MAX_FINDINGS, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)


@dataclass(frozen=True, slots=True)
class Report:
    """What ``validate`` found for one layout: findings (sorted), KPIs, scenarios evaluated."""

    file: str
    findings: tuple[Finding, ...]
    kpis: dict | None = None
    scenarios: int = 0
    #: The evaluated snapshot (normal operation and the sweep) when the physics checks ran,
    #: so report, export and diff ask their questions of it instead of sweeping again.
    snapshot: Snapshot | None = field(default=None, compare=False, repr=False)
    #: The defaults twin applied that the verdict rests on (twin.checks.assumptions),
    #: grouped; empty when the layout did not load cleanly.
    assumptions: tuple = ()
    #: (code, why) of each check the layout did not ask for (R005-R009: no `groups:`, no
    #: `policy.maintenance`, ...), so that a reporter does not show it as passed.
    not_asked: tuple[tuple[str, str], ...] = ()
    #: What the layout asked to be evaluated beyond the contingency sweep, in words
    #: ("35 set(s) of 10 group(s)", "7 event(s)", ...), for the summary line.
    stated: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def as_dict(self) -> dict:
        return {"file": self.file, "ok": self.ok,
                "findings": [f.as_dict() for f in self.findings], "kpis": self.kpis,
                "scenarios": self.scenarios,
                "assumptions": [a.as_dict() for a in self.assumptions]}


def _finding(check: Check, hit: Hit, layout: Layout) -> Finding:
    loc = (layout.loc_of(hit.at) if hit.at else None) or layout.loc_of(hit.component or "")
    if loc is None:
        return Finding(check.code, check.severity, hit.message, layout.file, 1, 1,
                       hit.component, hit.scenario, hit.racks, check.name, hit.data)
    return Finding(check.code, check.severity, hit.message, loc.file, loc.line, loc.column,
                   hit.component, hit.scenario, hit.racks, check.name, hit.data, loc.via)


def load(path: str, *, limits: Limits = Limits()) -> Loaded:
    """Read and load one layout file. Raises :class:`UsageError` when it cannot be read."""
    data = read_bytes(path, limits)
    if data is None:
        return Loaded(path, None, _findings([_too_large(limits)], path), limits.max_findings)
    return load_bytes(data, path, limits=limits)


def load_bytes(data: bytes | str, file: str = "<layout>", *, limits: Limits = Limits()) -> Loaded:
    """Load a layout from its text (handy in tests and notebooks)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    tree, problems = _expanded_tree(data, file, limits)
    layout = None
    if tree is not None:
        layout, more = load_tree(tree, file, max_id_length=limits.max_id_length,
                                 max_findings=limits.max_findings)
        problems = _merged(file, limits.max_findings, problems, more)
    return Loaded(file, layout, _findings(problems, file, limits.max_findings),
                  limits.max_findings)


def read_tree(path: str, *, limits: Limits = Limits()) -> tuple[YMap | None, tuple[Finding, ...]]:
    """Read a layout file and expand its includes, blocks and ranges: the flat v1 tree
    (``None`` when it cannot be read or expanded) and the findings of doing so.

    Raises :class:`UsageError` when the file cannot be read.
    """
    data = read_bytes(path, limits)
    if data is None:
        return None, _findings([_too_large(limits)], path)
    tree, problems = _expanded_tree(data, path, limits)
    return tree, _findings(problems, path, limits.max_findings)


def _expanded_tree(data: bytes, file: str, limits: Limits) -> tuple[YMap | None, Problems]:
    """Parse ``data`` and expand its blocks: the flat tree (or ``None``) and the problems."""
    tree, problems = parse(data, limits)
    if tree is not None:
        tree, expanded = expand(tree, file, limits, size=len(data))
        problems = _merged(file, limits.max_findings, problems, expanded)
    return tree, problems


def _merged(file: str, cap: int, *parts) -> Problems:
    """The problems of several stages as one :class:`Problems`, counting what each dropped."""
    out = Problems(cap, file)
    for part in parts:
        out.extend(part)
        out.total += getattr(part, "total", len(part)) - len(part)
    return out


def _too_large(limits: Limits) -> Problem:
    return Problem("L001", f"file is larger than {limits.max_bytes:,} bytes; raise the limit "
                   "with --max-bytes if this is intended")


def _findings(problems, file: str, cap: int = MAX_FINDINGS) -> tuple[Finding, ...]:
    """Source and loader problems as findings, sorted (the file is ``file`` unless an
    included file's problem names its own), at most ``cap`` and one that counts the rest."""
    checks = registry()
    found = sorted((_problem_finding(checks[p.code], p.file or file, p.message, p.line,
                                     p.column, p.key, p.via) for p in problems),
                   key=Finding.sort_key)
    return capped(found, getattr(problems, "total", len(problems)), cap, file)


def capped(findings: list[Finding], total: int, cap: int, file: str) -> tuple[Finding, ...]:
    """The first ``cap`` of ``findings`` (sorted), and when ``total`` is more, one L001
    after them that says how many are not listed, placed at the first of those."""
    if total <= cap:
        return tuple(findings)
    rest = findings[cap] if len(findings) > cap else findings[-1] if findings else None
    where = (rest.file, rest.line, rest.column, rest.via) if rest else (file, 1, 1, ())
    check = registry()["L001"]
    more = Finding(
        "L001", check.severity, f"{total - cap:,} more findings are not listed, from this one "
        f"on: twin lists the first {cap:,} of a file in position order; fix those, or raise "
        "the limit with --max-findings", where[0], where[1], where[2], name=check.name,
        via=where[3])
    return (*findings[:cap], more)


def _problem_finding(check: Check, file, message, line, column, component, via=()) -> Finding:
    return Finding(check.code, check.severity, message, file, line, column, component,
                   name=check.name, via=via)


def _loaded(layout) -> Loaded:
    if isinstance(layout, Loaded):
        return layout
    if isinstance(layout, Layout):
        return Loaded(layout.file, layout)
    return load(str(layout))


def snapshot(layout: Layout, *, contingency: int | None = None, progress=None,
             with_sweep: bool = True, graph=None, engine: str = "incremental") -> Snapshot:
    """Compile and evaluate a clean layout (no L findings, no cycles).

    When the layout gives ``site.design_ambient_c``, chillers, dry coolers and towers
    draw as at that ambient (:func:`twin.physics.thermal.at_design`), in normal
    operation and in every failure set.

    ``engine`` picks the contingency engine: ``incremental`` or ``reference``; the sets
    of groups, events and maintenance (R005-R007) are evaluated with the same one.
    """
    k = layout.policy.contingency if contingency is None else contingency
    net = compile_network(layout)
    design = at_design(layout, net)  # site.design_ambient_c: the plant at that ambient
    if design is None:
        normal = evaluate(net)
    else:
        net, normal, design = design
    result = sweep(net, normal, k, progress=progress, engine=engine) if with_sweep else None
    return Snapshot(layout, graph if graph is not None else build_graph(layout), net, normal, k,
                    result, design, engine)


def validate(layout, *, contingency: int | None = None,
             progress: Callable[[int, int], None] | None = None,
             engine: str = "incremental", max_findings: int | None = None) -> Report:
    """Run every check on a layout (a path, a :class:`Layout` or a :class:`Loaded`).

    ``contingency`` overrides ``policy.contingency`` (0, 1 or 2); ``progress(done, total)``
    is called during the contingency sweep. At most ``max_findings`` findings are listed
    (default: the limit the layout was loaded with), then one L001 that counts the rest.
    """
    if contingency is not None and contingency not in (0, 1, 2):
        raise UsageError(f"--contingency must be 0, 1 or 2, not {contingency}")
    loaded = _loaded(layout)
    if max_findings is None:
        max_findings = loaded.max_findings
    if loaded.findings or loaded.layout is None:
        return Report(loaded.file, loaded.findings)
    model = loaded.layout
    checks = plan()
    graph = build_graph(model)
    cycle_hits = list(check_cycles(model, graph))
    if cycle_hits:
        findings = [_finding(checks["T001"], h, model) for h in cycle_hits]
        findings += _run(checks, {"model", "graph"}, Snapshot(model, graph, None, None, 0),
                         model)
        findings.sort(key=Finding.sort_key)
        return Report(model.file, capped(findings, len(findings), max_findings, model.file),
                      assumptions=assumptions(model, contingency))
    snap = snapshot(model, contingency=contingency, progress=progress, graph=graph, engine=engine)
    findings = _run(checks, set(NEEDS), snap, model)
    findings.sort(key=Finding.sort_key)
    listed = with_related(capped(findings, len(findings), max_findings, model.file), model)
    not_asked = tuple((c.code, why) for c in checks.values()
                      if (why := c.why_not_asked(model)) is not None)
    return Report(model.file, listed,
                  {**kpis(snap.net, snap.normal), **typical_kpis(snap.net)},
                  snap.sweep.scenarios, snap, assumptions(model, contingency), not_asked,
                  stated(model))


def stated(model: Layout) -> tuple[str, ...]:
    """What ``model`` asks validate to evaluate beyond the contingency sweep (R005-R009)."""
    out = []
    if model.groups:
        sets = sum(len(g.failure_sets()) for g in model.groups)
        out.append(f"{sets:,} set(s) of {len(model.groups):,} group(s)")
    if model.events:
        out.append(f"{len(model.events):,} event(s)")
    if model.policy.checks_maintenance:
        out.append("each component out for maintenance")
    if model.policy.checks_continuous_cooling:
        out.append("a utility outage")
    if model.policy.tier:
        out.append(f"the rules of Tier {model.policy.tier}")
    return tuple(out)


#: What a check may need, in the order the pipeline makes it: the loaded model, its
#: graph, a clean load (no L finding and no cycle: analysis runs only on a clean load),
#: normal-operation flow, the failure-set sweep.
NEEDS = ("model", "graph", "clean", "normal", "sweep")


def plan(checks: dict[str, Check] | None = None) -> dict[str, Check]:
    """The checks the runner runs, after making sure it can feed every one of them.

    Raises :class:`RuntimeError` (a bug of twin, not of the layout) when a registered check
    with a function declares no needs or a need the runner does not know: such a check
    would otherwise never run, and a clean report would say nothing of it.
    """
    checks = registry() if checks is None else checks
    for check in checks.values():
        if check.run is None:
            continue
        unknown = [n for n in check.needs if n not in NEEDS]
        if not check.needs or unknown:
            raise RuntimeError(f"check {check.code} ({check.name}) needs "
                               f"{unknown or 'nothing declared'}; the runner gives "
                               f"{', '.join(NEEDS)}: declare what it reads")
    return checks


def _run(checks: dict[str, Check], have: set[str], snap, model) -> list[Finding]:
    """Every check whose needs ``have`` meets, in code order, stamped as findings."""
    out = []
    for check in checks.values():
        if check.run is not None and have.issuperset(check.needs):
            out.extend(_finding(check, hit, model) for hit in check.run(snap))
    return out
