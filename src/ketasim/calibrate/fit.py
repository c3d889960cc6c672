"""``ketasim calibrate``: fit the estimated parameters to the library's verified targets.

Method (docs/decisions/0007-calibration.md): maximum a posteriori by
trust-region least squares (scipy ``least_squares``, TRF, bounds) on the
weighted residuals of :mod:`ketasim.calibrate.objective`, with forward-difference
Jacobians on common random numbers. Uncertainty: the Laplace approximation
(J^T J)^-1 at the optimum, inflated by the data's reduced chi-square when
that exceeds one. A quantity is *identified* when its posterior SD, before that
inflation (what the targets' own precision allows), is under half its prior SD:
a misfit widens every interval but says nothing about which quantity the data
inform. Two stages: all quantities are fitted, then the ones the
targets do not identify are held at their library values and the identified
ones refitted, so a weakly informed value cannot drift to wherever it trades
off best against the others (DESIGN §4). Deterministic: the same specs, seeds
and options give the same set.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from scipy.optimize import least_squares

from ketasim.calibrate.heterogeneity import Residual, tau_by_group
from ketasim.calibrate.library import library_specs
from ketasim.calibrate.objective import Objective
from ketasim.calibrate.space import Space, default_space
from ketasim.library.calibrated import CURRENT, CalibratedSet, Estimate
from ketasim.model import PRIOR_MODEL, Model

__all__ = ["FitOptions", "calibrate"]

METHOD = (
    "MAP by trust-region least squares on weighted target residuals (common random numbers), "
    "Laplace covariance; see docs/decisions/0007-calibration.md"
)


@dataclass(frozen=True)
class FitOptions:
    """Options of a calibration run (all part of the result's provenance)."""

    patients: int = 2000  # enrolled patients simulated per spec and evaluation
    max_iterations: int = 12  # trust-region iterations per stage (each costs one Jacobian)
    diff_step: float = 0.2  # finite-difference step, in prior SDs
    fix_unidentified: bool = True  # second stage: refit the identified quantities only
    studies: tuple[str, ...] = ()  # restrict to these library specs (default: all)
    workers: int = 2  # evaluation processes (Jacobian columns side by side); the result is the same
    version: str = CURRENT
    # warm start: natural values by name; the first stage then also starts from the prior and
    # keeps the better optimum (two starts: the durability-expectancy trade-off has two basins)
    start: tuple[tuple[str, float], ...] = ()


def _covariance(jac: np.ndarray, chi2_factor: float) -> np.ndarray:
    """(J^T J)^-1 (pseudo-inverse where singular), times the chi-square inflation."""
    jtj = jac.T @ jac
    return np.asarray(np.linalg.pinv(jtj, hermitian=True) * chi2_factor)


def _stage(
    obj: Objective, u0: np.ndarray, free: np.ndarray, lo: np.ndarray, hi: np.ndarray, options: FitOptions
) -> tuple[np.ndarray, np.ndarray, float, Any]:
    """One trust-region fit of the ``free`` coordinates (the others held at ``u0``).

    Returns the full optimum, its Laplace covariance (zero for held coordinates, not inflated),
    the data's reduced chi-square inflation (at least one) and scipy's result.
    """
    idx = np.flatnonzero(free)

    def full(x: np.ndarray) -> np.ndarray:
        u = u0.copy()
        u[idx] = x
        return u

    sol = least_squares(
        lambda x: obj.residuals(full(x)),
        u0[idx],
        jac=lambda x: obj.jacobian(full(x), options.diff_step, hi, columns=idx),
        bounds=(lo[idx], hi[idx]),
        method="trf",
        x_scale=1.0,
        max_nfev=options.max_iterations,
        ftol=1e-3,
        xtol=1e-3,
        gtol=1e-6,
    )
    u = full(np.asarray(sol.x))
    res = obj.evaluate(u).residuals[: len(obj.targets)]
    factor = max(1.0, float(res @ res) / max(len(obj.targets) - idx.size, 1))
    cov = np.zeros((u.size, u.size))
    cov[np.ix_(idx, idx)] = _covariance(np.asarray(sol.jac), 1.0)
    return u, cov, factor, sol


def start_point(space: Space, start: tuple[tuple[str, float], ...]) -> np.ndarray:
    """Standardised coordinates of a warm start (names not in ``start`` stay at the prior)."""
    known = dict(start)
    u = np.zeros(len(space.dims))
    for k, d in enumerate(space.dims):
        if d.name in known:
            lo_u, hi_u = d.u_bounds()
            u[k] = min(max(d.standardised(known[d.name]), lo_u), hi_u)
    return u


def calibrate(
    options: FitOptions = FitOptions(),
    *,
    base: Model = PRIOR_MODEL,
    command: str = "ketasim calibrate",
    on_evaluation: Callable[[int, float], None] | None = None,
) -> CalibratedSet:
    """Fits ``base``'s estimated quantities to the library targets; returns the calibrated set."""
    t0 = time.perf_counter()
    specs = library_specs(only=options.studies)
    space: Space = default_space(base)
    obj = Objective(
        specs, space, base, patients=options.patients, on_evaluation=on_evaluation, workers=options.workers
    )
    try:
        return _calibrate(obj, options, command, t0)
    finally:
        obj.close()


def _calibrate(obj: Objective, options: FitOptions, command: str, t0: float) -> CalibratedSet:
    space, specs = obj.space, obj.specs
    n_dims = len(space.dims)
    prior_eval = obj.evaluate(np.zeros(n_dims))
    lo, hi = space.bounds()
    free = np.ones(n_dims, dtype=bool)
    # multi-start: a warm start and the prior, the better first stage goes on
    starts = [start_point(space, options.start)] + ([np.zeros(n_dims)] if options.start else [])
    u, cov, factor1, sol = min(
        (_stage(obj, u0, free, lo, hi, options) for u0 in starts),
        key=lambda fit: obj.evaluate(fit[0]).cost,
    )
    n_data = len(obj.targets)
    iterations = int(sol.nfev)
    identified = np.sqrt(np.clip(np.diag(cov), 0.0, None)) < 0.5
    stage1_sd = np.sqrt(np.clip(np.diag(cov) * factor1, 0.0, None))
    stage1_u = u
    if options.fix_unidentified and not identified.all():
        free = identified.copy()
        if free.any():
            u, cov, _, sol = _stage(obj, np.where(free, u, 0.0), free, lo, hi, options)
            iterations += int(sol.nfev)
        else:  # nothing identified: the library values stand
            u, cov = np.zeros(n_dims), np.zeros((n_dims, n_dims))
    fit_eval = obj.evaluate(u)
    data_res = fit_eval.residuals[:n_data]
    chi2 = float(data_res @ data_res)
    dof = max(n_data - int(free.sum()), 1)
    factor = max(1.0, chi2 / dof)
    cov = cov * factor
    sd_u = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    estimates = []
    values = space.values(u)
    for k, d in enumerate(space.dims):
        # a held quantity reports the range the first stage allowed it, around its first-stage value
        at, sd = (float(u[k]), float(sd_u[k])) if free[k] else (float(stage1_u[k]), float(stage1_sd[k]))
        lo_k, hi_k = d.transformed_sd_to_interval(at, sd)
        estimates.append(
            Estimate(
                name=d.name,
                value=_sig(values[d.name]),
                prior=d.prior,
                lo=_sig(lo_k),
                hi=_sig(hi_k),
                identified=bool(identified[k]),
                fixed=not bool(free[k]),
            )
        )
    sd_u = np.where(free, sd_u, stage1_sd)
    # a held quantity is not known either: for prediction it varies around its library value with
    # the first stage's SD (the range the targets leave it), independently of the refitted ones
    cov = cov + np.diag(np.where(free, 0.0, stage1_sd**2))
    corr = cov / np.outer(np.maximum(sd_u, 1e-12), np.maximum(sd_u, 1e-12))
    strong = [
        {"a": space.dims[i].name, "b": space.dims[j].name, "r": round(float(corr[i, j]), 3)}
        for i in range(len(space.dims))
        for j in range(i + 1, len(space.dims))
        if abs(corr[i, j]) >= 0.8
    ]
    targets: list[dict[str, Any]] = []
    assert obj.sigma is not None
    for k, t in enumerate(obj.targets):
        targets.append(
            {
                "key": t.key,
                "source": t.source,
                "measure": t.measure,
                "unit": t.unit,
                "scale": t.transform,
                "observed": t.observed,
                "sigma": round(float(obj.sigma[k]), 6),
                "sigma_rule": t.sigma_rule,
                "prior_prediction": _back(t.transform, prior_eval.predicted[k]),
                "fitted_prediction": _back(t.transform, fit_eval.predicted[k]),
                "residual": round(float(data_res[k]), 4),
                "trial_sd": _num(fit_eval.trial_sd[k]),
            }
        )
    tau = tau_by_group(
        Residual(t.unit, t.scaled(t.observed), float(fit_eval.predicted[k]), float(obj.sigma[k]))
        for k, t in enumerate(obj.targets)
        if t.transform == "identity"
    )
    fit: dict[str, Any] = {
        "status": str(sol.message),
        "iterations": iterations,
        "stages": 2 if not free.all() else 1,
        "fixed": [d.name for d, f in zip(space.dims, free, strict=True) if not f],
        "evaluations": obj.evaluations,
        "seconds": round(time.perf_counter() - t0, 1),
        "workers": options.workers,
        "patients_per_spec": options.patients,
        "replicates": obj.replicates,
        "diff_step": options.diff_step,
        "studies": [s.id for s in specs],
        "n_targets": n_data,
        "n_estimated": len(space.dims),
        "cost_prior": round(prior_eval.cost, 4),
        "cost_fit": round(fit_eval.cost, 4),
        "chi2_data": round(chi2, 4),
        "chi2_per_dof": round(chi2 / dof, 4),
        "covariance_inflation": round(factor, 4),
        "strong_correlations": strong,
        # between-trial SD per kind of quantity (DerSimonian-Laird on the fit's residuals)
        "heterogeneity": {g: round(v, 4) for g, v in tau.items()},
        "prior_sd": {d.name: round(d.prior_sd, 4) for d in space.dims},
        "scale": {d.name: d.kind for d in space.dims},
        "posterior_sd_in_prior_sds": {
            d.name: round(float(s), 4) for d, s in zip(space.dims, sd_u, strict=True)
        },
        # the Laplace posterior in the transformed space (dims in order), for posterior-predictive checks
        "u": [round(float(x), 6) for x in u],
        # d(residual)/du of the data rows at the optimum, free coordinates only (cross-validation)
        "jacobian_free": [d.name for d, f in zip(space.dims, free, strict=True) if f],
        "jacobian": [[float(f"{x:.6g}") for x in row] for row in np.asarray(sol.jac)[:n_data]],
        "covariance_u": [[float(f"{c:.6g}") for c in row] for row in cov],
        "targets": targets,
    }
    return CalibratedSet(
        version=options.version,
        created=datetime.now(UTC).strftime("%Y-%m-%d"),
        command=command,
        method=METHOD,
        estimates=tuple(estimates),
        fit=fit,
    )


def _back(transform: str, v: float) -> float | None:
    if not math.isfinite(v):
        return None
    return round(math.exp(v) if transform == "log" else v, 4)


def _num(x: float) -> float | None:
    return round(float(x), 6) if math.isfinite(x) else None


def _sig(x: float) -> float:
    """``x`` to six significant digits (the set is read by people as well as code)."""
    return float(f"{x:.6g}")
