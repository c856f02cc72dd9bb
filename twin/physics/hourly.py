"""Loads over the hours of a year: the one evaluator run over a vector of conditions.

In normal operation the same components are live every hour, and every flow rule is
linear in rack load; what the weather changes is the draw of chillers and of
heat-rejection units (:mod:`twin.physics.thermal`). So every load over the hours is

    load[h] = scale × fraction[h] + Σ_b coef_b × basis_b[h]      (kW)

where ``fraction`` is the load profile and each basis is one unit's weather-dependent
draw, hour by hour. :func:`evaluate_hours` runs :func:`twin.physics.flow.evaluate`
itself on such values: a plain number is a load that follows the fraction (racks,
and every unit drawing by the flow rule), an :class:`Hourly` adds the weather's terms.
No rule is written twice; only the representation of a number changes.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np

from twin.physics.flow import FlowResult, Network, evaluate


class Hourly:
    """``scale × fraction[h] + Σ coef × basis[b][h]``, kW; immutable, adds and scales like kW.

    ``terms`` maps a basis index (of an :class:`Hours`) to its coefficient.
    """

    __slots__ = ("scale", "terms")

    def __init__(self, scale: float = 0.0, terms: dict | None = None):
        self.scale = scale
        self.terms = terms or {}

    def __add__(self, other):
        if isinstance(other, Hourly):
            terms = dict(self.terms)
            for b, c in other.terms.items():
                terms[b] = terms[b] + c if b in terms else c
            return Hourly(self.scale + other.scale, terms)
        return Hourly(self.scale + other, self.terms)

    def __radd__(self, other):
        return Hourly(other + self.scale, self.terms)

    def __mul__(self, k: float):
        return Hourly(self.scale * k, {b: c * k for b, c in self.terms.items()})

    def __rmul__(self, k: float):
        return Hourly(k * self.scale, {b: k * c for b, c in self.terms.items()})

    def __truediv__(self, k: float):
        return Hourly(self.scale / k, {b: c / k for b, c in self.terms.items()})

    def __bool__(self) -> bool:
        return self.scale != 0.0 or any(c != 0.0 for c in self.terms.values())

    def __repr__(self) -> str:
        return f"Hourly({self.scale!r}, {self.terms!r})"


class Hours:
    """The hours of a run: the load fraction per hour and the weather-dependent bases."""

    def __init__(self, fraction):
        self.fraction = np.asarray(fraction, dtype=float)
        self.fraction_max = float(self.fraction.max()) if len(self.fraction) else 0.0
        self.fraction_min = float(self.fraction.min()) if len(self.fraction) else 0.0
        self.bases: list[np.ndarray] = []
        self._range: list[tuple[float, float]] = []
        self._known: dict[bytes, int] = {}

    def basis(self, values: np.ndarray) -> Hourly:
        """One value per hour (a unit's draw, say) as a load: a basis of its own, or the
        basis already holding the same values (alike units of a campus share one)."""
        values = np.ascontiguousarray(values, dtype=float)
        key = hashlib.blake2b(values.tobytes(), digest_size=16).digest()
        b = self._known.get(key)
        if b is None or not np.array_equal(self.bases[b], values):
            b = self._known[key] = len(self.bases)
            self.bases.append(values)
            self._range.append((float(values.min()), float(values.max())) if len(values)
                               else (0.0, 0.0))
        return Hourly(0.0, {b: 1.0})

    def values(self, load) -> np.ndarray:
        """``load`` (a number or an :class:`Hourly`) hour by hour, kW."""
        if not isinstance(load, Hourly):
            return load * self.fraction
        out = load.scale * self.fraction
        for b, c in load.terms.items():
            out = out + c * self.bases[b]
        return out

    def upper_bound(self, load) -> float:
        """A bound no hour of ``load`` exceeds, without computing the hours."""
        scale = load.scale if isinstance(load, Hourly) else load
        bound = scale * (self.fraction_max if scale >= 0 else self.fraction_min)
        for b, c in (load.terms.items() if isinstance(load, Hourly) else ()):
            low, high = self._range[b]
            bound += c * (high if c >= 0 else low)
        return bound


def evaluate_hours(net: Network, hours: Hours,
                   draw: Callable[[int, object], np.ndarray | None]) -> FlowResult:
    """Normal operation of ``net`` over ``hours``: :func:`twin.physics.flow.evaluate` with
    every rack at its ``it_kw`` × the hour's fraction.

    ``draw(j, heat)`` gives unit ``j``'s draw hour by hour at ``heat`` (an :class:`Hourly`
    or a number, read with ``hours.values``) where the weather changes it, else ``None``
    (the flow rule's draw). Every load of the result is a number or an :class:`Hourly`
    of ``hours``.
    """
    def unit_draw(j: int, q):
        got = draw(j, q)
        return None if got is None else hours.basis(got)
    return evaluate(net, draw=unit_draw)
