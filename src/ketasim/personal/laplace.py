r"""The fast path: maximum a posteriori by Gauss-Newton, a Laplace approximation, importance-corrected.

On the standard-normal prior scale the negative log posterior is half a sum of
squares, data residuals :math:`r_j = (y_j - \mu_j(z))/s_j` and prior residuals
:math:`z`, so the MAP is a least-squares problem (scipy ``least_squares``,
trust-region reflective). Its Jacobian is taken by central differences, all
:math:`2d+1` perturbed draws in **one** engine call. The Laplace covariance is
:math:`\Sigma = (J^\top J)^{-1}` at the MAP (prior rows included).

:math:`K` draws :math:`z_k \sim N(\hat z, \Sigma)` are then weighted by
:math:`p(z_k \mid y) / q(z_k)` (one more engine call), the weights truncated at
:math:`\bar w \sqrt K` (Ionides 2008, truncated importance sampling) and
resampled systematically to equal weights. When the Laplace approximation is
good the weights are flat (effective sample size near :math:`K`); a small
effective sample size is reported as a warning that suggests the full posterior
(``method="smc"``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import least_squares

from ketasim.errors import InputError
from ketasim.personal.posterior import Posterior
from ketasim.personal.problem import Problem
from ketasim.personal.resample import systematic

__all__ = ["LaplaceOptions", "fit_laplace"]


@dataclass(frozen=True, kw_only=True)
class LaplaceOptions:
    """Settings of the fast path (defaults: docs/decisions/0008-personalisation.md)."""

    draws: int = 1000
    #: central-difference step on the prior scale (prior SDs)
    step: float = 1e-3
    max_evaluations: int = 60
    #: weight the Laplace draws by the exact posterior and resample (False: plain Laplace draws)
    importance: bool = True
    #: warn when the importance sampling keeps fewer than this share of the draws
    min_ess_fraction: float = 0.1

    def __post_init__(self) -> None:
        if not 10 <= self.draws <= 100_000:
            raise InputError("laplace", "draws", "must lie within 10-100000", self.draws)
        if not 0 < self.step <= 0.1:
            raise InputError("laplace", "step", "must lie within (0, 0.1] prior SDs", self.step)
        if self.max_evaluations < 1:
            raise InputError("laplace", "max_evaluations", "must be at least 1", self.max_evaluations)


class _Residuals:
    """Residuals and their Jacobian from one engine call per point (caches the last centre)."""

    def __init__(self, problem: Problem, step: float) -> None:
        self.problem = problem
        self.step = step
        self.calls = 0
        self._last: tuple[bytes, np.ndarray] | None = None

    def _data(self, mu: np.ndarray) -> np.ndarray:
        return self.problem.obs.residuals(mu)

    def fun(self, z: np.ndarray) -> np.ndarray:
        key = z.tobytes()
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        self.calls += 1
        r = np.concatenate([self._data(self.problem.expected(z[None, :]))[0], z])
        self._last = (key, r)
        return r

    def jac(self, z: np.ndarray) -> np.ndarray:
        d, h = z.size, self.step
        pts = np.vstack([z[None, :], z + h * np.eye(d), z - h * np.eye(d)])
        self.calls += 1
        res = self._data(self.problem.expected(pts))
        self._last = (z.tobytes(), np.concatenate([res[0], z]))
        dr = (res[1 : d + 1] - res[d + 1 :]) / (2 * h)  # (d, m): d residual_j / d z_i
        return np.vstack([dr.T, np.eye(d)])


def fit_laplace(problem: Problem, options: LaplaceOptions | None = None, *, seed: int = 0) -> Posterior:
    """MAP and Laplace posterior of one patient, importance-corrected (see the module doc)."""
    opt = options or LaplaceOptions()
    t0 = time.perf_counter()
    d = problem.dim
    res = _Residuals(problem, opt.step)
    warnings: list[str] = []
    diag: dict[str, Any] = {}
    if problem.obs.m == 0:
        z_hat, cov = np.zeros(d), np.eye(d)
        diag.update(optimizer="none (no scores: the prior)", evaluations=0)
    else:
        sol = least_squares(
            res.fun, np.zeros(d), jac=res.jac, method="trf", max_nfev=opt.max_evaluations, x_scale=1.0
        )
        z_hat = sol.x
        J = res.jac(z_hat)
        cov = np.linalg.inv(J.T @ J)
        cov = 0.5 * (cov + cov.T)
        diag.update(
            optimizer=str(sol.message),
            converged=bool(sol.status > 0),
            evaluations=int(sol.nfev),
            objective=float(0.5 * np.sum(sol.fun**2)),
            condition_number=float(np.linalg.cond(J.T @ J)),
        )
        if sol.status <= 0:
            warnings.append(f"the MAP search stopped before converging ({sol.message})")
    rng = np.random.default_rng(seed)
    sample: np.ndarray | None = None
    weights: np.ndarray | None = None
    L = np.linalg.cholesky(cov)
    eps = rng.standard_normal((opt.draws, d))
    z = z_hat + eps @ L.T
    if opt.importance and problem.obs.m > 0:
        log_w = problem.loglik(z).sum(axis=1) + problem.log_prior(z) + 0.5 * np.sum(eps * eps, axis=1)
        w = np.exp(log_w - log_w.max())
        w = np.minimum(w, w.mean() * np.sqrt(opt.draws))  # truncated importance sampling
        w /= w.sum()
        ess = float(1.0 / np.sum(w * w))
        diag.update(importance_ess=ess, importance_ess_fraction=ess / opt.draws)
        if ess < opt.min_ess_fraction * opt.draws:
            warnings.append(
                f"the Laplace approximation fits the posterior poorly (importance ESS {ess:.0f} of "
                f"{opt.draws}); the full posterior (method smc) is more reliable for this patient"
            )
        sample, weights = z, w
        z = z[systematic(w, opt.draws, rng)]
    diag["engine_calls"] = res.calls + (1 if opt.importance and problem.obs.m > 0 else 0)
    return Posterior(
        method="laplace" if problem.obs.m > 0 else "prior",
        problem=problem,
        draws=z[None, :, :],
        n_scores=problem.obs.m,
        mode=z_hat,
        cov=cov,
        diagnostics=diag,
        warnings=tuple(warnings),
        seconds=time.perf_counter() - t0,
        importance_draws=sample,
        importance_weights=weights,
    )
