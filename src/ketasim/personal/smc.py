r"""The full posterior: adaptive tempered sequential Monte Carlo, every particle in one engine call.

Particles start as prior draws and move through the tempered targets
:math:`\pi_\beta(z) \propto p(y \mid z)^\beta\, N(z; 0, I)`,
:math:`0 = \beta_0 < \beta_1 < \dots < \beta_S = 1`. Each step picks the next
:math:`\beta` by bisection so that the incremental weights keep an effective
sample size of ``ess_target`` × particles (the schedule adapts to how much the
scores say), reweights, resamples systematically, and moves every particle by
random-walk Metropolis steps whose covariance is the particles' own, scaled by
:math:`2.38^2/d` and adapted to the acceptance rate; the number of steps is
chosen so that about 90 % of particles move at least once at the last
acceptance rate (the rule PyMC's SMC uses). Several independent runs
(``chains``) advance together, one engine call per Metropolis step for all of
them, so the between-run R-hat and the spread of their evidence estimates are
convergence diagnostics.

Chopin N., Papaspiliopoulos O. *An Introduction to Sequential Monte Carlo*,
Springer 2020, ch. 17 (tempering, adaptive MCMC moves).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ketasim.errors import InputError
from ketasim.personal.posterior import Posterior, rhat
from ketasim.personal.problem import Problem
from ketasim.personal.resample import ess, systematic

__all__ = ["SMCOptions", "fit_smc"]


@dataclass(frozen=True, kw_only=True)
class SMCOptions:
    """Settings of the full posterior (defaults: docs/decisions/0008-personalisation.md)."""

    particles: int = 500  # per chain
    chains: int = 4
    ess_target: float = 0.5
    min_moves: int = 2
    max_moves: int = 15
    max_stages: int = 60
    #: warn when the between-chain R-hat of any quantity exceeds this
    rhat_limit: float = 1.05

    def __post_init__(self) -> None:
        if not 20 <= self.particles <= 20_000:
            raise InputError("smc", "particles", "must lie within 20-20000 per chain", self.particles)
        if not 1 <= self.chains <= 16:
            raise InputError("smc", "chains", "must lie within 1-16", self.chains)
        if not 0.1 <= self.ess_target <= 0.95:
            raise InputError("smc", "ess_target", "must lie within 0.1-0.95", self.ess_target)
        if not 1 <= self.min_moves <= self.max_moves <= 200:
            raise InputError("smc", "max_moves", "needs 1 <= min_moves <= max_moves <= 200", self.max_moves)


def _next_beta(ll: np.ndarray, beta: float, target: float) -> float:
    """The largest beta' <= 1 whose incremental weights keep ESS >= target in every chain."""

    def worst(b: float) -> float:
        return min(ess(np.exp((b - beta) * (row - row.max()))) for row in ll)

    if worst(1.0) >= target:
        return 1.0
    lo, hi = beta, 1.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if worst(mid) >= target:
            lo = mid
        else:
            hi = mid
    return max(lo, beta + 1e-12)


def fit_smc(problem: Problem, options: SMCOptions | None = None, *, seed: int = 0) -> Posterior:
    """Full posterior of one patient by tempered SMC (see the module doc)."""
    opt = options or SMCOptions()
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    C, P, d = opt.chains, opt.particles, problem.dim
    z = rng.standard_normal((C, P, d))
    calls = 0

    def loglik(x: np.ndarray) -> np.ndarray:
        nonlocal calls
        calls += 1
        return problem.loglik(x.reshape(-1, d)).sum(axis=1).reshape(C, P)

    ll = loglik(z) if problem.obs.m else np.zeros((C, P))
    beta, log_z = 0.0, np.zeros(C)
    scale = np.full(C, 2.38 / math.sqrt(d))
    moves = opt.min_moves + 1
    stages: list[dict[str, float]] = []
    while beta < 1.0 and problem.obs.m:
        if len(stages) >= opt.max_stages:
            raise InputError(
                "smc", "max_stages", "reached before the posterior (beta = 1)", opt.max_stages,
                hint="raise max_stages or the particles",
            )  # fmt: skip
        new = _next_beta(ll, beta, opt.ess_target * P)
        log_w = (new - beta) * ll
        m = log_w.max(axis=1, keepdims=True)
        log_z += np.log(np.mean(np.exp(log_w - m), axis=1)) + m[:, 0]
        beta = new
        for c in range(C):
            idx = systematic(np.exp(log_w[c] - m[c]), P, rng)
            z[c], ll[c] = z[c, idx], ll[c, idx]
        chol = [np.linalg.cholesky(np.cov(z[c].T).reshape(d, d) + 1e-9 * np.eye(d)) for c in range(C)]
        accepted = np.zeros(C)
        for _ in range(moves):
            step = np.stack([rng.standard_normal((P, d)) @ chol[c].T * scale[c] for c in range(C)])
            prop = z + step
            ll_prop = loglik(prop)
            log_a = beta * (ll_prop - ll) - 0.5 * np.sum(prop * prop - z * z, axis=2)
            ok = np.log(rng.random((C, P))) < log_a
            z[ok], ll[ok] = prop[ok], ll_prop[ok]
            accepted += ok.mean(axis=1)
        rate = accepted / moves
        scale *= np.where(rate < 0.15, 0.7, np.where(rate > 0.5, 1.3, 1.0))
        worst = float(max(min(rate.min(), 0.99), 0.01))
        stages.append({"beta": beta, "moves": moves, "acceptance": float(rate.mean())})
        moves = int(np.clip(math.ceil(math.log(0.1) / math.log(1.0 - worst)), opt.min_moves, opt.max_moves))
    rhats = [rhat(z[:, :, i]) for i in range(d)] if C > 1 else []
    diag: dict[str, Any] = {
        "stages": len(stages),
        "schedule": stages,
        "engine_calls": calls,
        "particle_evaluations": calls * C * P,
        "log_evidence": [float(v) for v in log_z],
        "unique_fraction": float(np.mean([np.unique(z[c], axis=0).shape[0] / P for c in range(C)])),
        "max_rhat": float(np.nanmax(rhats)) if rhats else float("nan"),
    }
    warnings = []
    if rhats and diag["max_rhat"] > opt.rhat_limit:
        warnings.append(
            f"the independent SMC runs disagree (R-hat {diag['max_rhat']:.3f} > {opt.rhat_limit}); "
            "use more particles"
        )
    return Posterior(
        method="smc" if problem.obs.m else "prior",
        problem=problem,
        draws=z,
        n_scores=problem.obs.m,
        diagnostics=diag,
        warnings=tuple(warnings),
        seconds=time.perf_counter() - t0,
    )
