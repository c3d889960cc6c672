"""The calibration objective: weighted residuals of every target, with common random numbers.

Each library spec is run at a fixed number of replicate trials (its seed, so
the same virtual patients, allocation and rater noise for every parameter
guess: the objective changes only because the parameters do). A target's
prediction is the mean of its endpoint row over those replicates (on the log
scale for ratios). Residuals are ``(predicted - observed) / sigma`` (see
:mod:`ketasim.calibrate.targets`), followed by one standard-normal prior
residual per estimated quantity (:mod:`ketasim.calibrate.space`).

With ``workers`` > 1 the predictions run in that many worker processes (the columns of
a finite-difference Jacobian side by side); a prediction depends on the parameters
alone, so the residuals are the same, bit for bit, whatever the worker count.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.pool import Pool

import numpy as np

from ketasim.calibrate.space import Space
from ketasim.calibrate.targets import FitTarget, fit_targets, reported_sd_median
from ketasim.errors import InputError
from ketasim.model import Model
from ketasim.trials import TrialSpec, compile_plan, run_trial

__all__ = ["RATE_SIGMA_FLOOR", "Evaluation", "Objective", "calibration_replicates"]

#: smallest sigma (percentage points) of a published rate whose n is not given
RATE_SIGMA_FLOOR = 15.0
TIME_SIGMA_FLOOR = 1.0 / (math.log(2.0) * math.sqrt(15.0))  # median of 15 exponential times


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
        workers: int = 1,
    ) -> None:
        if workers < 1:
            raise InputError("calibrate", "workers", "must be at least 1", workers)
        self.specs, self.space, self.base = specs, space, base
        self.patients, self.workers = patients, workers
        self._pool: Pool | None = None
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
            if t.sigma is None and t.unit in ("%", "pp", "% event-free"):
                # a rate without n: at least what about ten patients allow (p = 0.5 -> 15 pp)
                base = max(base if math.isfinite(base) else 0.0, RATE_SIGMA_FLOOR)
            if t.sigma is None and t.unit == "days":
                # a time without n: at least what about fifteen exponential times allow
                base = max(base if math.isfinite(base) else 0.0, TIME_SIGMA_FLOOR * abs(t.observed))
            if not math.isfinite(base) or base <= 0:
                base = 1.0  # no spread anywhere: one unit of the target's scale
            # the prediction's own Monte Carlo error, from the same replicates
            mc = trial_sd[k] / math.sqrt(self.replicates[t.spec_id]) if math.isfinite(trial_sd[k]) else 0.0
            sigma[k] = math.sqrt(base * base + mc * mc)
        return sigma

    def _predictions(self, points: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        """:meth:`predict` at each point, in order: in process, or spread over the workers."""
        if self.workers == 1:
            return [self.predict(self.space.model(self.base, u)) for u in points]
        if self._pool is None:
            self._pool = _start_pool(self)
        return list(self._pool.map(_worker_predict, points, chunksize=1))

    def close(self) -> None:
        """Stops the worker processes (a later evaluation starts them again)."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def evaluate(self, u: np.ndarray) -> Evaluation:
        return self.evaluate_many([u])[0]

    def evaluate_many(self, points: list[np.ndarray]) -> list[Evaluation]:
        """Evaluations at several points (computed side by side when there are workers)."""
        us = [np.asarray(u, dtype=float) for u in points]
        todo = list({u.tobytes(): u for u in us if u.tobytes() not in self._cache}.values())
        for u, (pred, sd) in zip(todo, self._predictions(todo), strict=True):
            self._finish(u, pred, sd)
        return [self._cache[u.tobytes()] for u in us]

    def _finish(self, u: np.ndarray, pred: np.ndarray, sd: np.ndarray) -> Evaluation:
        key = u.tobytes()
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
        f0 = self.residuals(u)  # first: it freezes sigma before any column is scored
        steps, points = [], []
        for k in cols:
            h = step if u[k] + step <= upper[k] else -step
            v = u.copy()
            v[k] += h
            steps.append(h)
            points.append(v)
        jac = np.empty((f0.size, cols.size))
        for j, (h, ev) in enumerate(zip(steps, self.evaluate_many(points), strict=True)):
            jac[:, j] = (ev.residuals - f0) / h
        return jac


_WORKER: Objective | None = None


def _worker_init(specs: list[TrialSpec], space: Space, base: Model, patients: int) -> None:
    global _WORKER
    _WORKER = Objective(specs, space, base, patients=patients)


def _worker_predict(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    assert _WORKER is not None, "calibration worker not initialised"
    return _WORKER.predict(_WORKER.space.model(_WORKER.base, u))


@contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """Environment of processes started inside: one BLAS and engine thread each (small matrices; the
    workers already fill the cores, and threads that wait on each other cost more than they give)."""
    names = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "KETASIM_THREADS")
    saved = {k: os.environ.get(k) for k in names}
    os.environ.update({k: "1" for k in names})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _start_pool(obj: Objective) -> Pool:
    # spawn, not fork: the parent may hold threads (BLAS, numba) that a fork would copy mid-state
    ctx = multiprocessing.get_context("spawn")
    with _single_threaded_blas():
        args = (obj.specs, obj.space, obj.base, obj.patients)
        return ctx.Pool(obj.workers, initializer=_worker_init, initargs=args)
