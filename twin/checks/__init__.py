"""The check registry: every code twin reports, with its name, severity and summary.

Like yamllint's rules, each check is a generator of :class:`Hit` that never prints;
the runner stamps each hit with the check's code, severity and the source location,
so a check cannot get its own identity wrong. Codes are never renumbered.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Hit:
    """What a check found: the component it is about, the message, and its context.

    ``at`` names where to point (an id, or ``"id.field"``); by default the component.
    """

    component: str | None
    message: str
    scenario: tuple[str, ...] = ()
    racks: tuple[str, ...] = ()
    at: str | None = None
    data: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True, slots=True)
class Check:
    """One check: code, kebab name, severity, family, one-line summary and its function.

    ``needs`` declares what ``run`` reads (a subset of :data:`twin.checks.runner.NEEDS`):
    the runner gives it a snapshot that has them, and refuses to start when a check with a
    function declares nothing, or something the runner cannot give, so no check is ever
    skipped without a word. A check without a function (the L codes, T001) is reported by
    the stage that finds it: the reader, the loader, the cycle search.
    """

    code: str
    name: str
    severity: str
    family: str
    summary: str
    run: Callable[..., Iterator[Hit]] | None = None
    needs: tuple[str, ...] = ()
    #: For a check that runs only when the layout asks for it (R005-R009): given the
    #: layout, ``None`` when it is asked for, else why not ("the layout has no
    #: `groups:`"); reporters say so instead of showing the check as passed.
    unasked: Callable[..., str | None] | None = None

    def why_not_asked(self, layout) -> str | None:
        """Why this check did not apply to ``layout``, or ``None`` when it did."""
        return None if self.unasked is None or layout is None else self.unasked(layout)


def in_file_order(layout, scenario) -> tuple[str, ...]:
    """The failed ids in the order they are written in the file (SPEC section 8)."""
    from twin.layout.model import order_key
    return tuple(sorted(scenario, key=lambda ident: order_key(layout.loc_of(ident))))


def when_failing(scenario) -> str:
    """``when a fails`` or ``when a and b fail``: how a finding names its failure set."""
    return f"when {' and '.join(scenario)} {'fails' if len(scenario) == 1 else 'fail'}"


def registry() -> dict[str, Check]:
    """All checks by code, in code order (explicit, not discovered): the only switch.

    Adding a check is one function in its family's module, its row in that module's
    ``CHECKS`` and its test; docs/architecture.md shows an example."""
    from twin.checks import cooling, groups, layout, power, resilience, space, topology
    from twin.checks import continuous, tier

    checks = (*layout.CHECKS, *topology.CHECKS, *power.CHECKS, *cooling.CHECKS,
              *resilience.CHECKS, *groups.CHECKS, *space.CHECKS)
    checks += continuous.CHECKS + tier.CHECKS
    return {c.code: c for c in sorted(checks, key=lambda c: c.code)}
