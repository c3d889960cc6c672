"""What a protocol buys: per-patient metrics, population means with paired bootstrap intervals.

Metrics use the **true** MADRS (no rater noise), so protocols that assess on
different scales are judged alike; decisions used the observed scores. Per
patient (docs/protocols.md, "Metrics"):

* sessions per patient-year;
* % of days in response (MADRS <= 50 % of the day-0 MADRS) and in remission
  (MADRS <= 12), over days 1..horizon, at each day's start;
* relapses per patient-year: on the true MADRS every 7 days from day 0, after
  a response, MADRS >= 22 at two consecutive weekly points (``ketasim.population.outcomes``);
  counted again after a new response;
* re-inductions per patient-year (started by the protocol on observed relapses);
* drug exposure per patient-year, in mg and in mg/kg;
* dissociation burden: CADSS point-hours per patient-year (6 h after each session).

Intervals: every protocol is simulated on the same virtual patients, and one
set of bootstrap resamples of patients (percentile, 95 %) serves every
protocol, so differences between protocols are paired.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ketasim.errors import InputError
from ketasim.protocols.course import KINDS
from ketasim.protocols.simulate import ProtocolRun

__all__ = [
    "METRICS",
    "Comparison",
    "Estimate",
    "Summary",
    "compare_runs",
    "count_relapses",
    "patient_metrics",
]

#: Metric key -> label (unit).
METRICS: dict[str, str] = {
    "sessions_per_year": "sessions / patient-year",
    "days_in_response_pct": "% days in response",
    "days_in_remission_pct": "% days in remission",
    "relapses_per_year": "relapses / patient-year",
    "reinductions_per_year": "re-inductions / patient-year",
    "mg_per_year": "mg / patient-year",
    "mg_per_kg_per_year": "mg/kg / patient-year",
    "cadss_hours_per_year": "CADSS point-h / patient-year",
}
RESPONSE_FRACTION = 0.5
REMISSION_MAX = 12.0
RELAPSE_MIN = 22.0
RELAPSE_EVERY_DAYS = 7


def count_relapses(
    madrs: np.ndarray, *, response_fraction: float = RESPONSE_FRACTION, relapse_min: float = RELAPSE_MIN
) -> np.ndarray:
    """Relapses per row of ``madrs`` (N, T), column 0 the baseline (the rule of population.outcomes).

    A relapse is two consecutive points >= ``relapse_min`` after a response; the
    next relapse needs a new response after the second of those points.
    """
    base = madrs[:, :1]
    resp = madrs[:, 1:] <= response_fraction * base
    high = madrs[:, 1:] >= relapse_min
    count = np.zeros(madrs.shape[0], dtype=np.int64)
    armed = np.zeros(
        madrs.shape[0], dtype=bool
    )  # a response strictly before this point, since the last relapse
    previous_high = np.zeros(madrs.shape[0], dtype=bool)
    for j in range(resp.shape[1]):
        confirmed = armed & previous_high & high[:, j]
        count += confirmed
        previous_high = high[:, j] & armed & ~confirmed
        armed = (armed & ~confirmed) | resp[:, j]
    return count


def patient_metrics(run: ProtocolRun) -> dict[str, np.ndarray]:
    """Every metric of :data:`METRICS` for each patient (N,)."""
    years = run.days / 365.0
    m = run.madrs
    follow = m[:, 1:]
    sessions = run.sessions_per_patient()
    mg = np.bincount(run.session_patient, weights=run.session_mg, minlength=run.n)
    cadss = np.bincount(run.session_patient, weights=run.session_cadss_h, minlength=run.n)
    weekly = m[:, ::RELAPSE_EVERY_DAYS]
    return {
        "sessions_per_year": sessions / years,
        "days_in_response_pct": 100.0 * (follow <= RESPONSE_FRACTION * m[:, :1]).mean(axis=1),
        "days_in_remission_pct": 100.0 * (follow <= REMISSION_MAX).mean(axis=1),
        "relapses_per_year": count_relapses(weekly) / years,
        "reinductions_per_year": run.reinductions / years,
        "mg_per_year": mg / years,
        "mg_per_kg_per_year": mg / run.weight_kg / years,
        "cadss_hours_per_year": cadss / years,
    }


@dataclass(frozen=True)
class Estimate:
    """Population mean with its 95 % bootstrap interval (None where undefined)."""

    mean: float | None
    lo: float | None
    hi: float | None

    def as_dict(self) -> dict[str, float | None]:
        return {"mean": self.mean, "ci95_low": self.lo, "ci95_high": self.hi}


@dataclass(frozen=True)
class Summary:
    """One protocol's estimates."""

    name: str
    description: str
    n: int
    days: int
    estimates: dict[str, Estimate]
    sessions_by_kind: dict[str, float]
    stopped_pct: float
    vs_reference: dict[str, Estimate] = field(default_factory=dict)


@dataclass(frozen=True)
class Comparison:
    """Protocols compared on the same virtual patients."""

    summaries: list[Summary]
    n_boot: int
    reference: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "metrics": METRICS,
            "intervals": f"95 % percentile bootstrap over patients, {self.n_boot} paired resamples",
            "reference": self.reference,
            "protocols": [
                {
                    "name": s.name,
                    "description": s.description,
                    "n": s.n,
                    "days": s.days,
                    "stopped_after_course_pct": s.stopped_pct,
                    "sessions_per_year_by_kind": s.sessions_by_kind,
                    **{k: e.as_dict() for k, e in s.estimates.items()},
                    **(
                        {"vs_reference": {k: e.as_dict() for k, e in s.vs_reference.items()}}
                        if s.vs_reference
                        else {}
                    ),
                }
                for s in self.summaries
            ],
        }


def _estimate(point: float, boot: np.ndarray) -> Estimate:
    lo, hi = np.percentile(boot, [2.5, 97.5])
    return Estimate(float(point), float(lo), float(hi))


def _per_prevented(extra: np.ndarray, prevented: np.ndarray, boot_idx: np.ndarray) -> Estimate:
    """Extra sessions per relapse prevented: ratio of means; undefined when none are prevented."""
    e_b, p_b = extra[boot_idx].mean(axis=1), prevented[boot_idx].mean(axis=1)
    point_p = float(prevented.mean())
    if point_p <= 0:
        return Estimate(None, None, None)
    # resamples preventing none have an unbounded ratio; no interpolation between infinite values
    ratio = np.where(p_b > 0, e_b / np.where(p_b > 0, p_b, 1.0), np.inf)
    lo, hi = np.percentile(ratio, [2.5, 97.5], method="inverted_cdf")
    return Estimate(float(extra.mean()) / point_p, float(lo), float(hi) if np.isfinite(hi) else None)


def compare_runs(
    runs: Sequence[ProtocolRun], *, n_boot: int = 1000, seed: int = 0, reference: str | None = None
) -> Comparison:
    """Summaries of runs on the same patients; ``reference`` adds extra sessions per relapse prevented."""
    ids = runs[0].ids
    for r in runs[1:]:
        if not np.array_equal(r.ids, ids) or r.days != runs[0].days:
            raise InputError("compare", "runs", "must cover the same patients and horizon", r.protocol.name)
    rng = np.random.default_rng(seed)
    boot_idx = rng.integers(0, ids.size, size=(n_boot, ids.size))
    per = [patient_metrics(r) for r in runs]
    names = [r.protocol.name for r in runs]
    ref = per[names.index(reference)] if reference is not None else None
    out: list[Summary] = []
    for r, values in zip(runs, per, strict=True):
        est = {k: _estimate(float(v.mean()), v[boot_idx].mean(axis=1)) for k, v in values.items()}
        kinds = np.bincount(r.session_kind, minlength=len(KINDS)) / r.n / (r.days / 365.0)
        vs: dict[str, Estimate] = {}
        if ref is not None and r.protocol.name != reference:
            vs["extra_sessions_per_relapse_prevented"] = _per_prevented(
                values["sessions_per_year"] - ref["sessions_per_year"],
                ref["relapses_per_year"] - values["relapses_per_year"],
                boot_idx,
            )
            for key in ("days_in_response_pct", "relapses_per_year", "sessions_per_year"):
                diff = values[key] - ref[key]
                vs[f"{key}_difference"] = _estimate(float(diff.mean()), diff[boot_idx].mean(axis=1))
        out.append(
            Summary(
                name=r.protocol.name,
                description=r.protocol.description,
                n=r.n,
                days=r.days,
                estimates=est,
                sessions_by_kind={k: float(v) for k, v in zip(KINDS, kinds, strict=True)},
                stopped_pct=100.0 * float((r.stopped_day >= 0).mean()),
                vs_reference=vs,
            )
        )
    return Comparison(out, n_boot, reference)
