"""A snapshot: a loaded layout with its graph, compiled network and engine results.

Checks, KPIs and what-if read a snapshot (Batfish's word); a what-if is the same
questions asked of another failure set.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from twin.physics.flow import FlowResult, Network
from twin.physics.incremental import Incremental
from twin.physics.limits import TOLERANCE, over  # noqa: F401 - their home is physics.limits
from twin.physics.sweep import SweepResult
from twin.layout.model import Layout

if TYPE_CHECKING:  # networkx is imported only when a graph is built
    import networkx as nx


@dataclass(frozen=True, slots=True)
class Snapshot:
    layout: Layout
    graph: nx.DiGraph
    net: Network
    normal: FlowResult
    policy_contingency: int
    sweep: SweepResult | None = None
    #: :class:`twin.physics.thermal.Design` when the layout gives its design conditions
    #: (``net`` and ``normal`` are then at them), else ``None``.
    design: Any = None
    #: The contingency engine the sweep ran on (``incremental`` or ``reference``); the
    #: failure sets a layout states itself (groups, events, maintenance) are evaluated
    #: the same way.
    engine: str = "incremental"
    #: What :meth:`incremental` built, kept for the next check that asks.
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    def incremental(self) -> Incremental:
        """The incremental engine on ``net`` and ``normal``, built on first use and shared
        by every check that asks (groups, events and maintenance evaluate their sets on it)."""
        got = self.memo.get("incremental")
        if got is None or got.net is not self.net or got.normal is not self.normal:
            got = self.memo["incremental"] = Incremental(self.net, self.normal)
        return got
