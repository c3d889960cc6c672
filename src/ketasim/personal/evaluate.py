r"""Honesty measured in silico: fit virtual patients' early scores, forecast four weeks, compare with truth.

For every virtual patient (:mod:`ketasim.personal.virtual_records`) the fitter
sees the covariates, the sessions and the scores of the first ``fit_days``; it
forecasts the scores of the next ``horizon_days`` under the proposed schedule
(the booster the patient will get). Judged against what happened:

* **coverage** of the 50/80/95 % predictive bands by the later *observed*
  scores. Scores are integers, so a band's edges carry probability mass; the
  coverage is read from the randomised probability integral transform
  (Czado, Gneiting & Held 2009, Biometrics 65:1254): :math:`u = F(y-1) + V\,(F(y) - F(y-1))`,
  :math:`V \sim U(0, 1)`, covered at level :math:`L` when :math:`|u - 1/2| \le L/2`.
  The coverage of the true-MADRS bands by the true MADRS is reported too;
* **error** (mean absolute error, MADRS points) of the forecast median of the
  true MADRS against the true MADRS, and of two baselines computed on the same
  patients: the **population** forecast (the same covariates and schedule, no
  scores) and **last observation carried forward** (the last score; a PHQ-9
  converted to MADRS points through the approximate link);
* **relapse**: the Brier score of P(true MADRS >= 22 at a later assessment),
  personal against population.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ketasim.errors import InputError
from ketasim.model import Model, default_model
from ketasim.personal.fit import fit
from ketasim.personal.forecast import LEVELS, RELAPSE_MIN, Forecast, forecast
from ketasim.personal.laplace import LaplaceOptions
from ketasim.personal.smc import SMCOptions
from ketasim.personal.virtual_records import VirtualPatient, virtual_patients
from ketasim.population.virtual import TRD_TRIAL, PopulationSpec
from ketasim.record import PatientRecord
from ketasim.regimen.dose import iv_infusion
from ketasim.regimen.regimen import Regimen

__all__ = ["Evaluation", "EvaluationSpec", "evaluate_forecasts", "randomised_pit"]

#: Agreement asked of the observed coverage (percentage points of the nominal level).
COVERAGE_TOLERANCE = 0.05


@dataclass(frozen=True, kw_only=True)
class EvaluationSpec:
    """What to evaluate (defaults: the documented run)."""

    n: int = 1000
    seed: int = 1
    fit_days: int = 21
    horizon_days: int = 28
    booster_days: tuple[int, ...] = (35,)
    method: Literal["map", "smc"] = "map"
    draws: int = 500
    population: PopulationSpec = TRD_TRIAL
    model: Model = field(default_factory=default_model)

    def __post_init__(self) -> None:
        if not 2 <= self.n <= 100_000:
            raise InputError("evaluate", "n", "must lie within 2-100000", self.n)
        if not 7 <= self.fit_days <= 180:
            raise InputError("evaluate", "fit_days", "must lie within 7-180", self.fit_days)
        if not 7 <= self.horizon_days <= 180:
            raise InputError("evaluate", "horizon_days", "must lie within 7-180", self.horizon_days)
        if self.method not in ("map", "smc"):
            raise InputError("evaluate", "method", "must be map or smc", self.method)
        if not 50 <= self.draws <= 20_000:
            raise InputError("evaluate", "draws", "must lie within 50-20000", self.draws)


@dataclass(frozen=True)
class Evaluation:
    """Per-patient results and the summary of one evaluation."""

    spec: EvaluationSpec
    summary: dict[str, Any]
    rows: list[dict[str, Any]] = field(repr=False)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**self.summary, "seconds": round(self.seconds, 1)}


def randomised_pit(draws: np.ndarray, y: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Randomised PIT of integer scores ``y`` (T,) under predictive ``draws`` (K, T); ``v`` ~ U(0, 1)."""
    below = np.mean(draws < y - 0.5, axis=0)
    at_most = np.mean(draws <= y + 0.5, axis=0)
    return below + v * (at_most - below)


def _options(spec: EvaluationSpec) -> LaplaceOptions | SMCOptions:
    if spec.method == "smc":
        return SMCOptions(particles=max(50, spec.draws // 4))
    return LaplaceOptions(draws=spec.draws)


def _to_madrs(spec: EvaluationSpec, value: float, scale: str) -> float:
    if scale == "madrs":
        return value
    lk = spec.model.linking
    return (value - lk.value("PHQ9_A")) / lk.value("PHQ9_B")


def _one(spec: EvaluationSpec, vp: VirtualPatient) -> dict[str, Any]:
    schedule = Regimen.of(*(iv_infusion("0.5 mg/kg", over="40 min").at(24.0 * d) for d in vp.booster_days))
    times = 24.0 * vp.future_days.astype(float)
    now = max(o.time_h for o in vp.record.observations)
    seed = spec.seed * 1_000_003 + vp.id
    post = fit(vp.record, options=_options(spec), model=spec.model, seed=seed)
    common: dict[str, Any] = {"now_h": now, "schedule": schedule, "times_h": times, "scale": vp.scale}
    fc = forecast(post, seed=seed, **common)
    no_scores = PatientRecord(vp.record.patient, vp.record.regimen, (), vp.record.start)
    prior = fit(no_scores, options=LaplaceOptions(draws=spec.draws), model=spec.model, seed=seed)
    pop = forecast(prior, seed=seed, **common)
    v = np.random.default_rng(seed).random(times.size)
    pit = randomised_pit(fc.observed_draws, vp.future_observed, v)
    last = vp.record.observations[-1]
    relapse = bool(np.any(vp.future_true_madrs >= RELAPSE_MIN))
    return {
        "id": vp.id,
        "scheme": vp.scheme,
        "pit": pit,
        "latent_in": {lv: _inside(fc, lv, vp.future_true_madrs) for lv in LEVELS},
        "interval_in": {lv: _inside_observed(fc, lv, vp.future_observed) for lv in LEVELS},
        "ae_personal": np.abs(fc.madrs["q50"] - vp.future_true_madrs),
        "ae_population": np.abs(pop.madrs["q50"] - vp.future_true_madrs),
        "ae_locf": np.abs(_to_madrs(spec, last.value, last.scale) - vp.future_true_madrs),
        "brier_personal": (fc.event_by[-1] - relapse) ** 2,
        "brier_population": (pop.event_by[-1] - relapse) ** 2,
        "warnings": len(post.warnings),
        "fit_seconds": post.seconds,
    }


def _inside(fc: Forecast, level: float, y: np.ndarray) -> np.ndarray:
    lo, hi = fc.band(level, observed=False)
    return (lo <= y) & (y <= hi)


def _inside_observed(fc: Forecast, level: float, y: np.ndarray) -> np.ndarray:
    lo, hi = fc.band(level)
    return (lo <= y) & (y <= hi)


def _mean_se(x: np.ndarray) -> tuple[float, float]:
    return float(np.mean(x)), float(np.std(x, ddof=1) / np.sqrt(x.size)) if x.size > 1 else float("nan")


def evaluate_forecasts(spec: EvaluationSpec | None = None, *, progress: Any = None) -> Evaluation:
    """Runs the evaluation of the module doc; ``progress(done, total)`` is called after each patient."""
    spec = spec or EvaluationSpec()
    t0 = time.perf_counter()
    patients = virtual_patients(
        spec.model, spec.population, np.arange(spec.n), seed=spec.seed, fit_days=spec.fit_days,
        horizon_days=spec.horizon_days, booster_days=spec.booster_days,
    )  # fmt: skip
    rows = []
    for k, vp in enumerate(patients):
        rows.append(_one(spec, vp))
        if progress is not None:
            progress(k + 1, len(patients))
    return Evaluation(spec, _summarise(spec, rows), rows, time.perf_counter() - t0)


def _summarise(spec: EvaluationSpec, rows: list[dict[str, Any]]) -> dict[str, Any]:
    pit = np.concatenate([r["pit"] for r in rows])
    coverage = {}
    for lv in LEVELS:
        observed = float(np.mean(np.abs(pit - 0.5) <= lv / 2))
        latent = float(np.mean(np.concatenate([r["latent_in"][lv] for r in rows])))
        inclusive = float(np.mean(np.concatenate([r["interval_in"][lv] for r in rows])))
        coverage[f"{100 * lv:.0f}"] = {
            "nominal": lv,
            "observed_scores": round(observed, 4),
            "observed_scores_inclusive_band": round(inclusive, 4),
            "true_madrs": round(latent, 4),
            "within_tolerance": abs(observed - lv) <= COVERAGE_TOLERANCE,
        }
    per_patient = {
        k: np.array([np.mean(r[f"ae_{k}"]) for r in rows]) for k in ("personal", "population", "locf")
    }
    mae = {k: round(_mean_se(v)[0], 3) for k, v in per_patient.items()}
    diff = {
        f"personal_minus_{b}": dict(zip(("mean", "se"), (round(x, 3) for x in _mean_se(
            per_patient["personal"] - per_patient[b])), strict=True))
        for b in ("population", "locf")
    }  # fmt: skip
    by_scheme = {}
    for scheme in sorted({r["scheme"] for r in rows}):
        sel = [r for r in rows if r["scheme"] == scheme]
        by_scheme[scheme] = {
            "patients": len(sel),
            **{f"mae_{k}": round(float(np.mean([np.mean(r[f"ae_{k}"]) for r in sel])), 3)
               for k in ("personal", "population", "locf")},
        }  # fmt: skip
    brier = {k: round(float(np.mean([r[f"brier_{k}"] for r in rows])), 4) for k in ("personal", "population")}
    return {
        "patients": len(rows),
        "forecast_points": int(pit.size),
        "method": spec.method,
        "draws": spec.draws,
        "seed": spec.seed,
        "fit_days": spec.fit_days,
        "horizon_days": spec.horizon_days,
        "booster_days": list(spec.booster_days),
        "calibration": spec.model.calibration,
        "coverage": coverage,
        "mae_madrs": mae,
        "mae_differences": diff,
        "by_scheme": by_scheme,
        "brier_relapse": brier,
        "checks": {
            "coverage_within_5_points": all(c["within_tolerance"] for c in coverage.values()),
            "beats_population": mae["personal"] < mae["population"],
            "beats_locf": mae["personal"] < mae["locf"],
        },
        "fits_with_warnings": int(sum(r["warnings"] > 0 for r in rows)),
        "median_fit_seconds": round(float(np.median([r["fit_seconds"] for r in rows])), 3),
    }
