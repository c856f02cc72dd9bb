"""The Python API: ``load``, ``validate`` and ``whatif``, returning plain objects.

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
from twin.questions import whatif as _whatif
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
