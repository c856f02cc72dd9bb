"""A snapshot: a loaded layout with its graph, compiled network and engine results.

Checks, KPIs and what-if read a snapshot (Batfish's word); a what-if is the same
questions asked of another failure set.
"""
from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from twin.physics.sweep import SweepResult
from twin.physics.flow import FlowResult, Network
from twin.layout.model import Layout

#: Relative tolerance when comparing a load with a limit: "exactly at the limit" passes.
TOLERANCE = 1e-9


def over(value: float, limit: float) -> bool:
    """True when ``value`` exceeds ``limit`` beyond floating-point noise."""
    return value > limit * (1.0 + TOLERANCE) + 1e-12


@dataclass(frozen=True, slots=True)
class Snapshot:
    layout: Layout
    graph: nx.DiGraph
    net: Network
    normal: FlowResult
    policy_contingency: int
    sweep: SweepResult | None = None
