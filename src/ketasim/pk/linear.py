r"""Linear compartment systems (one per patient, stacked) and their exact solution.

Every pharmacokinetic model in ketasim is linear with piecewise-constant input,

.. math::

    \dot x = A x + r(t), \qquad x(t_0 + h) = e^{Ah} x(t_0) + \Psi(h)\, r,
    \quad \Psi(h) = \int_0^h e^{As}\,ds,

so it is advanced exactly between input changes. One matrix exponential of the
block matrix ``[[A, I, 0], [0, 0, I], [0, 0, 0]]·h`` gives :math:`e^{Ah}`,
:math:`\Psi(h)` and :math:`\Xi(h) = \int_0^h \Psi(s)\,ds` (used for exact AUCs).
Boluses are jumps of the state; zero-order inputs (infusions, zero-order
absorption) are constant rates into a state.

A :class:`LinearSystem` holds ``N`` patients' systems at once: ``A`` is
``(N, n, n)``, input fractions and output rows are per patient.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg

from ketasim.errors import ModelError
from ketasim.regimen.dose import Drug, Route

__all__ = ["DoseInput", "LinearSystem", "Propagator", "RouteSpec", "combine"]


@dataclass(frozen=True)
class DoseInput:
    """Where a fraction of a dose goes: a bolus into ``state``, or zero-order over ``duration_h``.

    ``fraction`` has one entry per patient. ``duration_h=None`` means the dose's
    own infusion duration (0 for a bolus).
    """

    state: int
    fraction: np.ndarray
    duration_h: float | None = 0.0


@dataclass(frozen=True)
class RouteSpec:
    """The inputs of one dose by a route; ``later`` applies to the 2nd and later nasal devices."""

    first: tuple[DoseInput, ...]
    later: tuple[DoseInput, ...] | None = None

    def inputs(self, device: int) -> tuple[DoseInput, ...]:
        if device > 1 and self.later is not None:
            return self.later
        return self.first


@dataclass(frozen=True)
class LinearSystem:
    """Linear compartment models of ``N`` patients: ``x' = A x + inputs``, outputs linear in ``x``.

    ``outputs`` maps ``'kind:analyte'`` (kinds ``plasma``, ``effect`` and
    ``unbound``: unbound effect-site) to per-patient rows ``(N, n)`` giving
    ng/mL per unit of state. ``routes`` maps (drug, route) to where a dose goes.
    """

    names: tuple[str, ...]
    A: np.ndarray
    routes: Mapping[tuple[Drug, Route], RouteSpec]
    outputs: Mapping[str, np.ndarray]
    blocks: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.names)
        if self.A.ndim != 3 or self.A.shape[1:] != (n, n):
            raise ModelError("pk", "A", f"must be (N, {n}, {n})", self.A.shape)
        if not np.all(np.isfinite(self.A)):
            raise ModelError("pk", "A", "must be finite", "non-finite entries")
        for key, row in self.outputs.items():
            if row.shape != (self.N, n):
                raise ModelError("pk", f"outputs[{key}]", f"must be ({self.N}, {n})", row.shape)

    @property
    def n(self) -> int:
        return len(self.names)

    @property
    def N(self) -> int:
        return int(self.A.shape[0])

    def index(self, name: str) -> int:
        return self.names.index(name)

    def analytes(self, kind: str = "plasma") -> list[str]:
        """Analytes with an output of this kind."""
        return [k.split(":", 1)[1] for k in self.outputs if k.startswith(kind + ":")]

    def patient(self, i: int) -> LinearSystem:
        """The system of patient ``i`` alone (N = 1)."""
        sl = slice(i, i + 1)
        routes = {
            key: RouteSpec(
                tuple(DoseInput(d.state, d.fraction[sl], d.duration_h) for d in spec.first),
                None
                if spec.later is None
                else tuple(DoseInput(d.state, d.fraction[sl], d.duration_h) for d in spec.later),
            )
            for key, spec in self.routes.items()
        }
        return LinearSystem(
            self.names, self.A[sl], routes, {k: v[sl] for k, v in self.outputs.items()}, self.blocks
        )


def combine(systems: Sequence[LinearSystem]) -> LinearSystem:
    """Joins independent systems block-diagonally; outputs of the same analyte add up."""
    if len(systems) == 1:
        return systems[0]
    N = systems[0].N
    n = sum(s.n for s in systems)
    A = np.zeros((N, n, n))
    names: list[str] = []
    routes: dict[tuple[Drug, Route], RouteSpec] = {}
    outputs: dict[str, np.ndarray] = {}
    offset = 0
    for s in systems:
        A[:, offset : offset + s.n, offset : offset + s.n] = s.A
        names.extend(s.names)
        for pair, spec in s.routes.items():
            if pair in routes:
                raise ModelError("pk", "routes", "two blocks claim the same drug/route", pair)
            routes[pair] = _shift_route(spec, offset)
        for key, row in s.outputs.items():
            full = outputs.setdefault(key, np.zeros((N, n)))
            full[:, offset : offset + s.n] += row
        offset += s.n
    blocks = tuple(b for s in systems for b in s.blocks)
    return LinearSystem(tuple(names), A, routes, outputs, blocks)


def _shift_route(spec: RouteSpec, offset: int) -> RouteSpec:
    def shift(inputs: tuple[DoseInput, ...]) -> tuple[DoseInput, ...]:
        return tuple(DoseInput(i.state + offset, i.fraction, i.duration_h) for i in inputs)

    return RouteSpec(shift(spec.first), None if spec.later is None else shift(spec.later))


@dataclass
class Propagator:
    """Exact stepping of ``x' = A x + r`` (one patient) with matrix functions cached per step."""

    A: np.ndarray
    _cache: dict[float, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)

    def matrices(self, h: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Returns ``(e^{Ah}, Psi(h), Xi(h))`` for step length ``h`` (hours)."""
        key = round(h, 12)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        n = self.A.shape[0]
        big = np.zeros((3 * n, 3 * n))
        big[:n, :n] = self.A
        big[:n, n : 2 * n] = np.eye(n)
        big[n : 2 * n, 2 * n :] = np.eye(n)
        E = scipy.linalg.expm(big * h)
        out = (E[:n, :n].copy(), E[:n, n : 2 * n].copy(), E[:n, 2 * n :].copy())
        if len(self._cache) < 4096:
            self._cache[key] = out
        return out

    def step(self, x: np.ndarray, h: float, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Advances ``x`` by ``h`` with constant input ``r``; returns ``(x(h), ∫x dt)``."""
        if h == 0.0:
            return x.copy(), np.zeros_like(x)
        Phi, Psi, Xi = self.matrices(h)
        return Phi @ x + Psi @ r, Psi @ x + Xi @ r
