"""Fixtures of the personalisation tests: the example record and in-silico patients with known truth."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pytest

from ketasim.model import default_model
from ketasim.personal.fit import LaplaceOptions, fit
from ketasim.personal.posterior import Posterior
from ketasim.personal.problem import Problem
from ketasim.population.patients import Patient
from ketasim.record import PatientRecord, ScoreObservation
from ketasim.regimen.dose import iv_infusion
from ketasim.regimen.regimen import Regimen
from ketasim.symptoms import SCALES

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
INDUCTION_DAYS = (0, 2, 4, 7, 9, 11)
#: MADRS before every session, then weekly to day 21
SCORE_DAYS = (0, 2, 4, 7, 9, 11, 14, 21)


@dataclass(frozen=True)
class Truth:
    """A patient simulated from known draws ``z`` of the fit's own prior scale."""

    z: np.ndarray
    record: PatientRecord


def iv_course(days: tuple[int, ...] = INDUCTION_DAYS) -> Regimen:
    return Regimen.of(*(iv_infusion("0.5 mg/kg", over="40 min").at(24.0 * d) for d in days))


def simulate_truth(
    z: np.ndarray, seed: int, scale: str = "madrs", days: tuple[int, ...] = SCORE_DAYS
) -> Truth:
    """Scores of a patient whose individual parameters are ``z``, observed with the model's rater noise."""
    empty = PatientRecord(Patient(), iv_course(), (), START)
    skeleton = PatientRecord(
        Patient(), iv_course(), tuple(ScoreObservation(24.0 * d, scale, 0.0) for d in days), START
    )
    problem = Problem.of(skeleton, default_model())
    mu = problem.expected(z[None, :])[0]
    rng = np.random.default_rng(seed)
    lo, hi = SCALES[scale].minimum, SCALES[scale].maximum
    y = np.clip(np.rint(mu + problem.obs.sd * rng.standard_normal(mu.size)), lo, hi)
    obs = tuple(ScoreObservation(24.0 * d, scale, float(v)) for d, v in zip(days, y, strict=True))
    return Truth(z, PatientRecord(empty.patient, empty.regimen, obs, START))


@pytest.fixture(scope="session")
def example_fit(example_csv: PatientRecord) -> Posterior:
    return fit(example_csv, options=LaplaceOptions(draws=300), seed=0)


@pytest.fixture(scope="session")
def truths() -> list[Truth]:
    """Eight in-silico patients drawn from the prior (seeded): the fit should find them."""
    dim = Problem.of(PatientRecord(Patient(), iv_course(), (), START)).dim
    rng = np.random.default_rng(2026)
    return [simulate_truth(rng.standard_normal(dim), seed=k) for k in range(8)]
