"""Virtual patients with known truth, as the records a clinic would hold: sparse, noisy scores.

Each patient of a virtual population (:func:`ketasim.population.virtual.sample_cohort`:
covariates and *every* random effect, pharmacokinetic ones included) gets the
IV induction of Murrough 2013 (0.5 mg/kg over 40 min, six sessions Mon/Wed/Fri
over 12 days) and is observed by one of two schemes, alternating by patient id:

* ``madrs_sessions``: a clinician MADRS before every session, then weekly;
* ``phq9_weekly``: a self-reported PHQ-9 every 7 days.

Scores carry the model's rater noise drawn by (seed, patient, day)
(:func:`ketasim.protocols.observe.observe`), so a patient's scores do not depend
on the population size. The record keeps the scores up to ``fit_days``; the
later ones, with the true MADRS, are what the forecast is judged against.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from ketasim.engine.backend import Backend
from ketasim.engine.core import Engine
from ketasim.model import Model
from ketasim.population.patients import BACKGROUND, GENOTYPES, Cohort, Patient
from ketasim.population.virtual import PopulationSpec, sample_cohort
from ketasim.protocols.observe import observe
from ketasim.record import PatientRecord, ScoreObservation
from ketasim.regimen.dose import iv_infusion
from ketasim.regimen.regimen import Regimen

__all__ = ["INDUCTION_DAYS", "SCHEMES", "VirtualPatient", "patient_of", "virtual_patients"]

#: Murrough 2013: six infusions, three a week over 12 days.
INDUCTION_DAYS = (0, 2, 4, 7, 9, 11)
SCHEMES = ("madrs_sessions", "phq9_weekly")
#: Record time 0 (any fixed date: only differences matter).
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class VirtualPatient:
    """One virtual patient: the record up to ``fit_days``, the later scores and the truth."""

    id: int
    scheme: str
    scale: str
    record: PatientRecord
    future_days: np.ndarray
    future_observed: np.ndarray
    future_true_madrs: np.ndarray
    booster_days: tuple[int, ...]


def patient_of(cohort: Cohort, i: int) -> Patient:
    """Row ``i`` of a cohort as a :class:`Patient` (its covariates; random effects are not covariates)."""
    ancestry = "japanese" if cohort.japanese[i] else "asian" if cohort.asian[i] else "white"
    return Patient(
        weight_kg=float(cohort.weight_kg[i]),
        age_years=float(cohort.age_years[i]),
        sex="female" if cohort.female[i] else "male",
        ancestry=ancestry,
        baseline_madrs=float(cohort.baseline_madrs[i]),
        baseline_si=float(cohort.baseline_si[i]),
        val66met=GENOTYPES[int(cohort.met_alleles[i])],
        b12_pg_ml=float(cohort.b12_pg_ml[i]),
        adiponectin_ug_ml=float(cohort.adiponectin_ug_ml[i]),
        bmi=float(cohort.bmi[i]),
        fh_alcohol=bool(cohort.fh_alcohol[i]),
        prior_suicide_attempt=bool(cohort.prior_suicide_attempt[i]),
        benzodiazepine_mg_day=float(cohort.benzodiazepine_mg_day[i]),
        background_ad=BACKGROUND[int(cohort.background[i])],
    )


def _days(scheme: str, fit_days: int, horizon_days: int) -> list[int]:
    end = fit_days + horizon_days
    weekly = list(range(0, end + 1, 7))
    if scheme == "phq9_weekly":
        return weekly
    return sorted(set(INDUCTION_DAYS) | set(weekly))


def virtual_patients(
    model: Model,
    spec: PopulationSpec,
    ids: np.ndarray,
    *,
    seed: int,
    fit_days: int = 21,
    horizon_days: int = 28,
    booster_days: tuple[int, ...] = (35,),
) -> list[VirtualPatient]:
    """Virtual patients ``ids`` with their records and their future (see the module doc)."""
    cohort = sample_cohort(spec, model, ids, seed)
    session_days = sorted(set(INDUCTION_DAYS) | set(booster_days))
    regimen = Regimen.of(*(iv_infusion("0.5 mg/kg", over="40 min").at(24.0 * d) for d in session_days))
    all_days = np.arange(fit_days + horizon_days + 1)
    truth = Engine(model, backend=Backend.NUMBA).run(cohort, regimen, 24.0 * all_days)
    items = truth.items()
    out = []
    for i, pid in enumerate(np.asarray(ids)):
        scheme = SCHEMES[int(pid) % 2]
        scale = "madrs" if scheme == "madrs_sessions" else "phq9"
        days = _days(scheme, fit_days, horizon_days)
        scores = {d: float(observe(model, items[i : i + 1, d], scale, seed=seed, ids=pid[None], day=d)[0])
                  for d in days}  # fmt: skip
        past = tuple(ScoreObservation(24.0 * d, scale, scores[d]) for d in days if d <= fit_days)
        future = np.array([d for d in days if d > fit_days])
        given = Regimen(tuple(d for d in regimen.doses if d.time_h <= 24.0 * fit_days))
        record = PatientRecord(patient_of(cohort, i), given, past, START, identifier=f"virtual-{pid}")
        out.append(
            VirtualPatient(
                id=int(pid),
                scheme=scheme,
                scale=scale,
                record=record,
                future_days=future,
                future_observed=np.array([scores[d] for d in future]),
                future_true_madrs=items[i, future, :].sum(axis=-1),
                booster_days=tuple(d for d in booster_days if d > fit_days),
            )
        )
    return out
