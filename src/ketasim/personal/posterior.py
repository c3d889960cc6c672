"""A fitted patient: equally weighted posterior draws, the method that made them, summaries, diagnostics.

Draws are kept on the standard-normal prior scale ``z`` (chains, draws, dim);
:func:`natural` maps them to the quantities a clinician reads (responsiveness
g with the patient's covariate effects, stress factor, placebo
responsiveness, new-antidepressant effect, true baseline MADRS). The
prior-posterior shift of each quantity is read on the ``z`` scale, where the
prior is N(0, 1): ``shift`` is the posterior mean in prior SDs and
``contraction`` is 1 - posterior variance (0: the scores taught nothing, 1:
they fixed the value).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ketasim.model import Model
from ketasim.pd.individual import individual_pd
from ketasim.personal.problem import Problem
from ketasim.personal.space import BASELINE, Space

__all__ = ["Method", "Posterior", "natural", "rhat"]

Method = Literal["laplace", "smc", "prior"]
_ATTR = {"g": "g", "sigma": "sigma", "placebo": "placebo", "ad_max": "ad_max"}


def natural(model: Model, space: Space, z: np.ndarray) -> dict[str, np.ndarray]:
    """Individual values of every estimated quantity at draws ``z`` (P, dim), covariates applied."""
    z = np.atleast_2d(z)
    ind = individual_pd(model, space.cohort(z))
    out: dict[str, np.ndarray] = {}
    for q in space.quantities:
        if q.key == BASELINE:
            out[q.short] = space.baseline(z)
        else:
            out[q.short] = np.asarray(getattr(ind, _ATTR.get(q.short, "g")), float)
    return out


def rhat(x: np.ndarray) -> float:
    """Potential scale reduction of draws ``x`` (chains, draws) between independent chains (Gelman-Rubin)."""
    c, n = x.shape
    if c < 2 or n < 2:
        return float("nan")
    w = float(np.mean(np.var(x, axis=1, ddof=1)))
    b = n * float(np.var(np.mean(x, axis=1), ddof=1))
    if w <= 0:
        return 1.0
    return float(np.sqrt(((n - 1) / n * w + b / n) / w))


@dataclass(frozen=True)
class Posterior:
    """Equally weighted posterior draws of one patient (a frozen result; see the module doc)."""

    method: Method
    problem: Problem
    draws: np.ndarray  # (chains, draws, dim) on the z scale
    n_scores: int
    mode: np.ndarray | None = None  # MAP on the z scale (Laplace)
    cov: np.ndarray | None = None  # Laplace covariance on the z scale
    diagnostics: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0
    #: the Laplace draws before resampling (draws, dim) and their normalised importance weights
    importance_draws: np.ndarray | None = None
    importance_weights: np.ndarray | None = None

    @property
    def space(self) -> Space:
        return self.problem.space

    @property
    def model(self) -> Model:
        return self.problem.model

    @property
    def kind(self) -> Literal["personal", "population"]:
        """``population`` when no score informed the draws (the prior: the population forecast)."""
        return "personal" if self.n_scores > 0 else "population"

    @property
    def flat(self) -> np.ndarray:
        """All draws as (chains × draws, dim)."""
        return self.draws.reshape(-1, self.draws.shape[-1])

    def thin(self, n: int) -> np.ndarray:
        """At most ``n`` draws spread evenly over all chains (deterministic)."""
        flat = self.flat
        if flat.shape[0] <= n:
            return flat
        return flat[np.linspace(0, flat.shape[0] - 1, n).round().astype(int)]

    def summary(self, *, prior_draws: int = 4000, seed: int = 0) -> list[dict[str, Any]]:
        """Per quantity: posterior mean, SD and 95 % interval, the prior's, the shift and contraction."""
        flat = self.flat
        post = natural(self.model, self.space, flat)
        z0 = np.random.default_rng(seed).standard_normal((prior_draws, self.space.dim))
        prior = natural(self.model, self.space, z0)
        rows = []
        for i, q in enumerate(self.space.quantities):
            x, p = post[q.short], prior[q.short]
            row: dict[str, Any] = {
                "quantity": q.short,
                "label": q.label,
                "mean": float(np.mean(x)),
                "sd": float(np.std(x)),
                "q2.5": float(np.quantile(x, 0.025)),
                "median": float(np.median(x)),
                "q97.5": float(np.quantile(x, 0.975)),
                "prior_median": float(np.median(p)),
                "prior_q2.5": float(np.quantile(p, 0.025)),
                "prior_q97.5": float(np.quantile(p, 0.975)),
                "shift_prior_sd": float(np.mean(flat[:, i])),
                "contraction": float(1.0 - np.var(flat[:, i])),
            }
            if self.draws.shape[0] > 1:
                row["rhat"] = rhat(self.draws[:, :, i])
            rows.append(row)
        return rows
