"""The Python API: ``load``, ``validate``, ``whatif`` and ``tier``, returning plain objects.

Data flows one way: source → loader → model → graph → flow engine → checks and KPIs →
findings. Nothing here prints; the CLI owns output and exit codes.
"""
from __future__ import annotations

from typing import Iterable

from twin.checks import registry
from twin.checks.topology import check_cycles
from twin.checks.runner import (  # noqa: F401 - the API: read, load, validate
    Loaded,
    Report,
    capped,
    load,
    load_bytes,
    read_tree,
    snapshot,
    validate,
)
from twin.checks.runner import _finding, _loaded
from twin.core import UsageError
from twin.layout.loader import did_you_mean
from twin.physics.graph import build_graph
from twin.physics.graph import (failures_to_lose, single_points_of_failure,  # noqa: F401
                                smallest_failure_set)
from twin.questions import tier as _tier
from twin.questions import whatif as _whatif
from twin.questions.tier import PlacedRule, TierReport  # noqa: F401 - records
from twin.questions.whatif import BatteryShort, Overload, WhatIf, vars_of  # noqa: F401 - records


def whatif(layout, fail: Iterable[str]) -> WhatIf:
    """Evaluate one failure set: components down, racks down, overloads, KPIs after."""
    loaded = _loaded(layout)
    if loaded.findings or loaded.layout is None:
        return WhatIf(loaded.file, tuple(fail), findings=loaded.findings)
    model = loaded.layout
    graph = build_graph(model)
    cycle_hits = list(check_cycles(model, graph))
    if cycle_hits:
        checks = registry()
        return WhatIf(model.file, tuple(fail), findings=tuple(
            _finding(checks["T001"], h, model) for h in cycle_hits))
    fail = [f for f in fail if f]
    known = [c.id for c in (*model.power, *model.cooling)]
    for ident in fail:
        if ident not in known:
            raise UsageError(f"--fail: {ident!r} is not a power or cooling component of "
                             f"{model.file}{did_you_mean(ident, known)}")
    return _whatif.ask(snapshot(model, with_sweep=False, graph=graph), fail)


def tier(layout) -> TierReport:
    """The Uptime Tier a layout's topology reaches (0 to 4) and the unmet rules of the next
    tier up (docs/format.md, "Tiers"): a topology check, not an Uptime certification.

    A layout with L findings or a cycle is not evaluated: its ``assessment`` is ``None``
    and ``findings`` says why.
    """
    loaded = _loaded(layout)
    if loaded.findings or loaded.layout is None:
        return TierReport(loaded.file, None, findings=loaded.findings)
    model = loaded.layout
    graph = build_graph(model)
    cycle_hits = list(check_cycles(model, graph))
    checks = registry()
    if cycle_hits:
        return TierReport(model.file, None, findings=tuple(
            _finding(checks["T001"], h, model) for h in cycle_hits))
    # R007 and R008, which the tier calls, get the sweep when they declare they read it
    sweep = any("sweep" in checks[c].needs for c in ("R007", "R008") if c in checks)
    return _tier.ask(snapshot(model, with_sweep=sweep, graph=graph))
