"""The segment loop: same answers as one engine run, rater noise per (seed, patient, day), exposure."""

import numpy as np
import pytest

from ketasim.engine.core import Engine
from ketasim.model import default_model
from ketasim.population.virtual import TRD_TRIAL, sample_cohort
from ketasim.protocols.catalog import load
from ketasim.protocols.dosing import LEVEL_OFFSET_H
from ketasim.protocols.observe import noise_sd, observe
from ketasim.protocols.simulate import DISSOCIATION_WINDOW_H, simulate_protocol
from ketasim.regimen.dose import iv_infusion, nasal_session
from ketasim.regimen.named import load_regimen
from ketasim.regimen.regimen import Regimen
from ketasim.symptoms import observe_scale

MODEL = default_model()

N = 8


def _plain(p):
    """The protocol without decisions that depend on scores."""
    update = {"induction": p.induction.model_copy(update={"require_response": False}), "reinduction": None}
    return p.model_copy(update=update)


@pytest.fixture(scope="module")
def cohort():
    return sample_cohort(TRD_TRIAL, MODEL, N, 3)


@pytest.mark.parametrize("scale", ["madrs", "phq9", "qids_sr16"])
def test_observations_follow_the_observation_model(scale):
    items = np.random.default_rng(0).uniform(0, 6, size=(500, 10))
    exact = observe(MODEL, items, scale, seed=1, ids=np.arange(500), day=7, noise=False)
    np.testing.assert_array_equal(
        exact, observe_scale(MODEL, items, scale, np.random.default_rng(0), noise=False)
    )
    noisy = observe(MODEL, items, scale, seed=1, ids=np.arange(500), day=7)
    truth = items.sum(axis=1) if scale == "madrs" else exact
    assert abs(np.std(noisy - truth) - noise_sd(MODEL, scale)) < 0.25 * noise_sd(MODEL, scale)


def test_a_patients_observed_score_depends_on_seed_patient_and_day_only():
    items = np.random.default_rng(0).uniform(0, 6, size=(10, 10))
    all10 = observe(MODEL, items, "madrs", seed=5, ids=np.arange(10), day=14)
    three = observe(MODEL, items[[2, 7, 9]], "madrs", seed=5, ids=np.array([2, 7, 9]), day=14)
    np.testing.assert_array_equal(all10[[2, 7, 9]], three)
    other_day = observe(MODEL, items, "madrs", seed=5, ids=np.arange(10), day=21)
    assert not np.array_equal(all10, other_day)


def test_segments_reproduce_one_engine_run_of_the_same_sessions(cohort):
    run = simulate_protocol(_plain(load("iv-6x2w-fixed-3-weekly")), TRD_TRIAL, N, days=120, seed=3)
    ref = Engine(backend="numba").run(cohort, load_regimen("iv-6x2w-then-3-weekly"), 24.0 * np.arange(121))
    np.testing.assert_allclose(run.madrs, ref.madrs(), rtol=1e-5)
    np.testing.assert_allclose(run.pools[..., 2], ref.latent("L"), rtol=1e-5, atol=1e-8)
    assert run.sessions_of(0).tolist() == [0, 2, 4, 7, 9, 11, 32, 53, 74, 95, 116]


def test_titrated_nasal_sessions_use_their_own_slot(cohort):
    run = simulate_protocol(_plain(load("esketamine-label")), TRD_TRIAL, N, days=28, seed=3)
    assert np.all(run.session_mg[run.session_day == 0] == 56) and np.all(
        run.session_mg[run.session_day > 0] == 84
    )
    days = [3, 7, 10, 14, 17, 21, 24]
    regimen = Regimen((nasal_session(2), *(nasal_session(3, at=24.0 * d + LEVEL_OFFSET_H) for d in days)))
    ref = Engine(backend="numba").run(cohort, regimen, 24.0 * np.arange(29))
    np.testing.assert_allclose(run.madrs, ref.madrs(), rtol=1e-5)


def test_chunks_do_not_change_patients():
    p = load("iv-6x2w-symptom-triggered")
    whole = simulate_protocol(p, TRD_TRIAL, 6, days=63, seed=2)
    parts = simulate_protocol(p, TRD_TRIAL, 6, days=63, seed=2, chunk=4)
    np.testing.assert_allclose(whole.madrs, parts.madrs, rtol=1e-9)
    np.testing.assert_array_equal(whole.observed, parts.observed)
    np.testing.assert_array_equal(whole.session_patient, parts.session_patient)
    np.testing.assert_array_equal(whole.session_day, parts.session_day)


def test_exposure_and_dissociation_of_each_session(cohort):
    run = simulate_protocol(_plain(load("iv-6x2w-fixed-3-weekly")), TRD_TRIAL, N, days=21, seed=3)
    np.testing.assert_allclose(run.session_mg, 0.5 * cohort.weight_kg[run.session_patient])
    # the first session's dissociation, against a fine-grid engine run of that session alone
    t = np.linspace(0, DISSOCIATION_WINDOW_H[-1], 721)
    one = Engine(backend="numba").run(
        cohort, Regimen.of(iv_infusion("0.5 mg/kg", over="40 min")), t, record_x=True
    )
    expected = np.trapezoid(one.cadss(), t, axis=1)
    first = run.session_day == 0
    np.testing.assert_allclose(run.session_cadss_h[first], expected[run.session_patient[first]], rtol=0.01)
    assert np.all(run.session_cadss_h > 0)


def test_day_zero_is_the_untreated_baseline():
    run = simulate_protocol(load("iv-6x2w-relapse-only"), TRD_TRIAL, N, days=14, seed=3)
    np.testing.assert_allclose(run.madrs[:, 0], sample_cohort(TRD_TRIAL, MODEL, N, 3).baseline_madrs)
    assert np.all(run.pools[:, 0] == 0.0)
    assert run.observed.shape == (N, 2) and run.assessment_days.tolist() == [0, 7]
