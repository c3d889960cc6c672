"""Exposure metrics computed exactly from the linear solution: Cmax, Tmax, AUC, terminal half-life.

Cmax and Tmax are found on a 1-minute grid and refined by a bounded scalar
search on the exact solution. AUC0-24 integrates the state exactly. AUC to
infinity is ``c·(-A⁻¹)·u``, with ``u`` the total amount put into each state:
integrating ``x' = A x + r`` from 0 to infinity (``x(0) = x(∞) = 0``) gives
``∫x = -A⁻¹ ∫r``, independent of when the doses come. The terminal half-life is
that of the slowest exponential mode that contributes to the analyte after the
last input (modal decomposition of ``A`` applied to the state just after it,
a bolus at that time included), not a regression on sampled points. Without
any exposure to the analyte there is no terminal phase: it is NaN, and AUCs are 0.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import scipy.optimize

from ketasim.errors import ModelError
from ketasim.pk.linear import LinearSystem
from ketasim.pk.models import DEFAULT_PK, PKLibrary
from ketasim.pk.solve import Trajectory
from ketasim.population.patients import Patient
from ketasim.regimen.regimen import Regimen
from ketasim.solution import ALIASES

__all__ = ["AnalyteMetrics", "pk_metrics"]


@dataclass(frozen=True)
class AnalyteMetrics:
    """Exposure of one analyte (plasma unless ``kind`` says otherwise)."""

    analyte: str
    cmax_ng_ml: float
    tmax_h: float
    auc_0_24_ng_h_ml: float
    auc_0_inf_ng_h_ml: float
    terminal_half_life_h: float
    effect_cmax_ng_ml: float
    effect_tmax_h: float

    def as_dict(self) -> dict[str, float | str]:
        return asdict(self)


def _row(system: LinearSystem, kind: str, analyte: str) -> np.ndarray:
    row = np.zeros(system.n)
    for part in ALIASES[analyte]:
        key = f"{kind}:{part}"
        if key in system.outputs:
            row = row + system.outputs[key][0]
    return row


def _peak(traj: Trajectory, row: np.ndarray, horizon: float) -> tuple[float, float]:
    grid = np.linspace(0.0, horizon, round(horizon * 60) + 1)
    X, _ = traj.states(grid)
    c = X @ row
    i = int(np.argmax(c))
    if c[i] <= 0:
        return 0.0, 0.0
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]

    def neg(t: float) -> float:
        return -float(traj.states([t])[0][0] @ row)

    res = scipy.optimize.minimize_scalar(neg, bounds=(lo, hi), method="bounded", options={"xatol": 1e-7})
    if -res.fun > c[i]:
        return float(-res.fun), float(res.x)
    return float(c[i]), float(grid[i])


def _terminal_half_life(system: LinearSystem, x: np.ndarray, row: np.ndarray) -> float:
    lam, V = np.linalg.eig(system.A[0])
    coef = np.linalg.solve(V, x.astype(complex))
    weights = np.abs((row @ V) * coef)
    if weights.sum() == 0:
        return math.nan
    mask = weights > 1e-9 * weights.sum()
    slowest = float(np.max(lam.real[mask]))
    return math.log(2.0) / -slowest if slowest < 0 else math.inf


def pk_metrics(
    regimen: Regimen,
    patient: Patient | None = None,
    analytes: tuple[str, ...] = ("ketamine", "norketamine"),
    *,
    pk: PKLibrary = DEFAULT_PK,
    horizon_h: float | None = None,
) -> dict[str, AnalyteMetrics]:
    """Exposure metrics of each analyte for ``patient`` under ``regimen`` (times from t = 0)."""
    patient = patient or Patient()
    system = pk.build(regimen, patient)
    traj = Trajectory(system, regimen.expand(patient.weight_kg))
    t_end = traj.input_end_h
    horizon = horizon_h if horizon_h is not None else t_end + 48.0
    _, I = traj.states([24.0])
    A = system.A[0]
    if np.max(np.linalg.eigvals(A).real) >= 0:
        raise ModelError("pk", "A", "every mode must decay for AUC0-inf to exist", "a non-decaying mode")
    # ∫0^∞ x dt = -A⁻¹ · (all input), exact for any schedule (see the module docstring)
    auc_states = np.linalg.solve(-A, traj.total_input())
    x_after = traj.state_after_inputs()
    out: dict[str, AnalyteMetrics] = {}
    for analyte in analytes:
        row = _row(system, "plasma", analyte)
        erow = _row(system, "effect", analyte)
        cmax, tmax = _peak(traj, row, horizon)
        ecmax, etmax = _peak(traj, erow, horizon)
        out[analyte] = AnalyteMetrics(
            analyte=analyte,
            cmax_ng_ml=cmax,
            tmax_h=tmax,
            auc_0_24_ng_h_ml=float(I[0] @ row),
            auc_0_inf_ng_h_ml=float(auc_states @ row),
            terminal_half_life_h=_terminal_half_life(system, x_after, row),
            effect_cmax_ng_ml=ecmax,
            effect_tmax_h=etmax,
        )
    return out
