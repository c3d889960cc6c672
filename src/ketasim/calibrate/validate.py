"""``ketasim validate``: every library target against the model's prediction for a trial of its size.

Each library spec is run with its own replicates and seed; a target is *inside*
when the published value lies within the 2.5-97.5 % range of the endpoint over
replicate trials of the published size (a prediction interval for one trial).
For a calibrated set that carries its Laplace posterior the replicates are split
over parameter draws from it, so the interval is posterior-predictive: parameter
uncertainty plus the sampling of a trial's patients; ``draws=0`` (or the prior
model) gives the sampling-only interval.
Each target also gets the interval for *a new trial like it*: the same
interval widened by the calibrated set's between-trial heterogeneity
(:mod:`ketasim.calibrate.heterogeneity`). The summary gives the fraction inside
both, the root-mean-square error of the predicted means (MADRS points, and
percentage points for rates) and the median half-widths, so coverage bought
with width shows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from statistics import median
from typing import Any

import numpy as np

from ketasim.calibrate.heterogeneity import SHARE_MEASURES, widen
from ketasim.calibrate.library import library_specs, target_rows
from ketasim.calibrate.space import default_space
from ketasim.calibrate.targets import fit_targets
from ketasim.errors import InputError
from ketasim.library.calibrated import CalibratedSet
from ketasim.model import PRIOR_MODEL, Model, default_model
from ketasim.trials import TrialResult, TrialSpec
from ketasim.trials.runner import run_trial_draws

__all__ = [
    "TargetResult",
    "Validation",
    "json_number",
    "median_half_width",
    "posterior_models",
    "validate",
    "within",
]

#: Parameter draws per spec for the posterior-predictive interval (replicates are split over them).
DRAWS = 20


def json_number(x: float) -> float | None:
    """``x`` to four decimals for a JSON report; None where it is not finite (JSON has no NaN)."""
    return round(x, 4) if math.isfinite(x) else None


def within(lo: float, hi: float, x: float) -> bool:
    """Whether ``x`` lies in [lo, hi]; an infinite bound is open (e.g. a median time not reached
    within the simulated follow-up), a NaN bound or value is never inside."""
    if math.isnan(lo) or math.isnan(hi) or math.isnan(x):
        return False
    return lo <= x <= hi


@dataclass(frozen=True)
class TargetResult:
    """One published value against its prediction."""

    study: str
    endpoint: str
    arm: str | None
    source: str
    description: str
    unit: str
    observed: float
    predicted: float
    lo: float
    hi: float
    new_lo: float = math.nan  # a new trial like it (between-trial heterogeneity added)
    new_hi: float = math.nan

    @property
    def inside(self) -> bool:
        return within(self.lo, self.hi, self.observed)

    @property
    def inside_new_trial(self) -> bool:
        new = not (math.isnan(self.new_lo) or math.isnan(self.new_hi))
        lo, hi = (self.new_lo, self.new_hi) if new else (self.lo, self.hi)
        return within(lo, hi, self.observed)

    def as_dict(self) -> dict[str, Any]:
        num = json_number
        return {
            "study": self.study,
            "endpoint": self.endpoint,
            "arm": self.arm,
            "source": self.source,
            "description": self.description,
            "unit": self.unit,
            "observed": self.observed,
            "predicted": num(self.predicted),
            "lo": num(self.lo),
            "hi": num(self.hi),
            "inside": self.inside,
            "new_trial_lo": num(self.new_lo),
            "new_trial_hi": num(self.new_hi),
            "inside_new_trial": self.inside_new_trial,
        }


@dataclass(frozen=True)
class Validation:
    """Every target, the trial results behind them and the summary."""

    model_version: str | None
    targets: tuple[TargetResult, ...]
    results: tuple[TrialResult, ...]
    draws: int = 0  # parameter draws behind the intervals (0: trial sampling only)
    heterogeneity: tuple[tuple[str, float], ...] = ()  # between-trial SD per kind of quantity

    def summary(self) -> dict[str, Any]:
        n = len(self.targets)
        inside = sum(t.inside for t in self.targets)

        def rmse(units: tuple[str, ...]) -> tuple[float | None, int]:
            errs = [
                (t.predicted - t.observed) ** 2
                for t in self.targets
                if t.unit in units and math.isfinite(t.predicted)
            ]
            return (round(math.sqrt(sum(errs) / len(errs)), 3) if errs else None), len(errs)

        points, n_points = rmse(("points",))
        pp, n_pp = rmse(("%", "pp"))
        studies = sorted({t.study for t in self.targets})
        inside_new = sum(t.inside_new_trial for t in self.targets)
        return {
            "model": self.model_version or "library priors (uncalibrated)",
            "interval": (
                f"posterior predictive ({self.draws} parameter draws and trial sampling)"
                if self.draws
                else "trial sampling only"
            ),
            "targets": n,
            "studies": len(studies),
            "inside": inside,
            "fraction_inside": round(inside / n, 4) if n else None,
            "inside_new_trial": inside_new,
            "fraction_inside_new_trial": round(inside_new / n, 4) if n else None,
            "heterogeneity": dict(self.heterogeneity),
            "median_half_width_points": median_half_width(self.targets, ("points",)),
            "median_half_width_rate_pp": median_half_width(self.targets, ("%", "pp")),
            "rmse_madrs_points": points,
            "n_points_targets": n_points,
            "rmse_percentage_points": pp,
            "n_rate_targets": n_pp,
            "by_study": {
                s: {
                    "targets": sum(t.study == s for t in self.targets),
                    "inside": sum(t.inside for t in self.targets if t.study == s),
                    "inside_new_trial": sum(t.inside_new_trial for t in self.targets if t.study == s),
                }
                for s in studies
            },
        }

    def as_dict(self) -> dict[str, Any]:
        return {"summary": self.summary(), "targets": [t.as_dict() for t in self.targets]}


def median_half_width(targets: Iterable[TargetResult], units: tuple[str, ...]) -> float | None:
    """Median half-width of the new-trial intervals of the targets in ``units``."""
    widths = [
        (t.new_hi - t.new_lo) / 2.0 if math.isfinite(t.new_lo) else (t.hi - t.lo) / 2.0
        for t in targets
        if t.unit in units and math.isfinite(t.lo) and math.isfinite(t.hi)
    ]
    return round(float(median(widths)), 3) if widths else None


def _targets(
    spec: TrialSpec, res: TrialResult, rows: dict[str, Any], tau: Mapping[str, float]
) -> list[TargetResult]:
    out = []
    for ft, tc in zip(fit_targets(spec), res.targets, strict=True):
        row = rows.get(ft.source)
        new_lo, new_hi = widen(tc.predicted, tc.lo, tc.hi, ft.unit, tau, rate=ft.measure in SHARE_MEASURES)
        out.append(
            TargetResult(
                study=spec.id,
                endpoint=ft.endpoint,
                arm=ft.arm,
                source=ft.source,
                description=row.endpoint if row is not None else "",
                unit=ft.unit,
                observed=ft.observed,
                predicted=tc.predicted,
                lo=tc.lo,
                hi=tc.hi,
                new_lo=new_lo,
                new_hi=new_hi,
            )
        )
    return out


def posterior_models(cal: CalibratedSet, draws: int, seed: int = 0) -> list[Model]:
    """``draws`` models from ``cal``'s Laplace posterior (empty when the set does not carry it)."""
    u = cal.fit.get("u")
    cov = cal.fit.get("covariance_u")
    if u is None or cov is None or draws <= 0:
        return []
    space = default_space(PRIOR_MODEL)
    if len(u) != len(space.dims) or [e.name for e in cal.estimates] != space.names:
        raise InputError(
            "calibrated", "fit.u", "must list the estimated quantities of this model, in order", cal.version
        )
    rng = np.random.default_rng(seed)
    # eigh copes with the pseudo-inverse's singular directions (unidentified combinations)
    us = rng.multivariate_normal(np.asarray(u, float), np.asarray(cov, float), size=draws, method="eigh")
    lo, hi = space.bounds()
    return [space.model(PRIOR_MODEL, np.clip(x, lo, hi)) for x in us]


def validate(
    model: Model | None = None,
    *,
    calibration: CalibratedSet | None = None,
    draws: int = DRAWS,
    studies: tuple[str, ...] = (),
    replicates: int | None = None,
    workers: int = 1,
    on_study: Callable[[str], None] | None = None,
) -> Validation:
    """Runs every library spec (its replicates unless given) and compares each target.

    With ``calibration`` (the set behind ``model``) the replicates are split over ``draws``
    parameter draws from its posterior.
    """
    model = default_model() if model is None else model
    rows = target_rows()
    models = posterior_models(calibration, draws) if calibration is not None else []
    tau = dict(calibration.fit.get("heterogeneity", {})) if calibration is not None else {}
    used = models or [model]
    targets: list[TargetResult] = []
    results: list[TrialResult] = []
    for spec in library_specs(only=studies):
        if on_study is not None:
            on_study(spec.id)
        res = run_trial_draws(spec, used, replicates=replicates, workers=workers)
        results.append(res)
        targets.extend(_targets(spec, res, rows, tau))
    return Validation(
        model.calibration, tuple(targets), tuple(results), draws=len(models),
        heterogeneity=tuple(sorted(tau.items())),
    )  # fmt: skip
