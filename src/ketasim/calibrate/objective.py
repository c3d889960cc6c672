"""The calibration objective: weighted residuals of every target, with common random numbers.

Each library spec is run at a fixed number of replicate trials (its seed, so
the same virtual patients, allocation and rater noise for every parameter
guess: the objective changes only because the parameters do). A target's
prediction is the mean of its endpoint row over those replicates (on the log
scale for ratios). Residuals are ``(predicted - observed) / sigma`` (see
:mod:`ketasim.calibrate.targets`), followed by one standard-normal prior
residual per estimated quantity (:mod:`ketasim.calibrate.space`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ketasim.calibrate.space import Space
from ketasim.calibrate.targets import FitTarget, fit_targets, reported_sd_median
from ketasim.model import Model
from ketasim.trials import TrialSpec, compile_plan, run_trial

__all__ = ["RATE_SIGMA_FLOOR", "Evaluation", "Objective", "calibration_replicates"]

#: smallest sigma (percentage points) of a published rate whose n is not given
RATE_SIGMA_FLOOR = 15.0


def calibration_replicates(spec: TrialSpec, patients: int) -> int:
    """Replicates of ``spec`` that simulate about ``patients`` enrolled patients (4 to 400)."""
    n = compile_plan(spec).design.n_enrolled
    return int(min(400, max(4, math.ceil(patients / n))))


@dataclass(frozen=True)
class Evaluation:
    """Predictions at one parameter point."""

    predicted: np.ndarray  # per target, transformed scale (NaN: undefined)
    trial_sd: np.ndarray  # per target: SD over replicate trials of the published size
    residuals: np.ndarray  # data residuals, then prior residuals

    @property
    def cost(self) -> float:
        r = self.residuals
        return 0.5 * float(r @ r)


class Objective:
    """Residuals of the library targets as a function of the standardised parameters ``u``."""

    def __init__(
        self,
        specs: list[TrialSpec],
        space: Space,
        base: Model,
        *,
        patients: int = 2000,
        on_evaluation: Callable[[int, float], None] | None = None,
    ) -> None:
        self.specs, self.space, self.base = specs, space, base
        self.replicates = {s.id: calibration_replicates(s, patients) for s in specs}
        self.imputed_sd = reported_sd_median(specs)
        self.targets: list[FitTarget] = [t for s in specs for t in fit_targets(s, self.imputed_sd)]
        self.sigma: np.ndarray | None = None  # frozen at the first evaluation (the prior)
        self.evaluations = 0
        self.on_evaluation = on_evaluation
        self._cache: dict[bytes, Evaluation] = {}

    def predict(self, model: Model) -> tuple[np.ndarray, np.ndarray]:
        """Per target: mean over replicates (transformed) and SD over replicate trials."""
        pred = np.full(len(self.targets), np.nan)
        sd = np.full(len(self.targets), np.nan)
        k = 0
        for spec in self.specs:
            res = run_trial(spec, model=model, replicates=self.replicates[spec.id], workers=1)
            for t in fit_targets(spec, self.imputed_sd):
                row = res.endpoint(t.endpoint).row(t.arm, t.time_h)
                vals = np.array([t.scaled(v) for v in row.values if math.isfinite(v)], dtype=float)
                vals = vals[np.isfinite(vals)]
                if vals.size:
                    pred[k] = float(vals.mean())
                    sd[k] = float(vals.std(ddof=1)) if vals.size > 1 else math.nan
                k += 1
        return pred, sd

    def _freeze_sigma(self, trial_sd: np.ndarray) -> np.ndarray:
        sigma = np.empty(len(self.targets))
        for k, t in enumerate(self.targets):
            base = t.sigma if t.sigma is not None else trial_sd[k]
            if t.sigma is None and t.unit in ("%", "pp"):
                # a rate without n: at least what about ten patients allow (p = 0.5 -> 15 pp)
                base = max(base if math.isfinite(base) else 0.0, RATE_SIGMA_FLOOR)
            if not math.isfinite(base) or base <= 0:
                base = 1.0  # no spread anywhere: one unit of the target's scale
            # the prediction's own Monte Carlo error, from the same replicates
            mc = trial_sd[k] / math.sqrt(self.replicates[t.spec_id]) if math.isfinite(trial_sd[k]) else 0.0
            sigma[k] = math.sqrt(base * base + mc * mc)
        return sigma

    def evaluate(self, u: np.ndarray) -> Evaluation:
        u = np.asarray(u, dtype=float)
        key = u.tobytes()
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        pred, sd = self.predict(self.space.model(self.base, u))
        if self.sigma is None:
            self.sigma = self._freeze_sigma(sd)
        observed = np.array([t.scaled(t.observed) for t in self.targets])
        data = np.where(np.isnan(pred), 0.0, (pred - observed) / self.sigma)
        ev = Evaluation(pred, sd, np.concatenate([data, u]))
        self._cache[key] = ev
        self.evaluations += 1
        if self.on_evaluation is not None:
            self.on_evaluation(self.evaluations, ev.cost)
        return ev

    def residuals(self, u: np.ndarray) -> np.ndarray:
        return self.evaluate(u).residuals

    def jacobian(
        self, u: np.ndarray, step: float, upper: np.ndarray, columns: np.ndarray | None = None
    ) -> np.ndarray:
        """Forward differences with a fixed step in prior SDs (backward where the bound is near).

        ``columns``: only these coordinates (default all), in that order.
        """
        u = np.asarray(u, dtype=float)
        cols = np.arange(u.size) if columns is None else np.asarray(columns)
        f0 = self.residuals(u)
        jac = np.empty((f0.size, cols.size))
        for j, k in enumerate(cols):
            h = step if u[k] + step <= upper[k] else -step
            v = u.copy()
            v[k] += h
            jac[:, j] = (self.residuals(v) - f0) / h
        return jac
