"""Metrics of a protocol run: relapse counting, per patient-year units, paired bootstrap intervals."""

import numpy as np
import pytest

from ketasim.errors import InputError
from ketasim.population.outcomes import outcomes
from ketasim.population.virtual import TRD_TRIAL
from ketasim.protocols.catalog import load
from ketasim.protocols.compare import METRICS, compare_runs, count_relapses, patient_metrics
from ketasim.protocols.simulate import simulate_protocol


def test_first_relapse_counted_as_ketasim_outcomes_does():
    rng = np.random.default_rng(4)
    walk = np.clip(30 + np.cumsum(rng.normal(0, 4, size=(400, 30)), axis=1), 0, 60)
    madrs = np.concatenate([np.full((400, 1), 32.0), walk], axis=1)
    out = outcomes(madrs, np.arange(31) * 7.0)
    counts = count_relapses(madrs)
    np.testing.assert_array_equal(counts > 0, out.relapsed)
    assert out.relapsed.sum() > 20


@pytest.mark.parametrize(
    ("course", "expected"),
    [
        ([30, 12, 23, 23, 12, 25, 25], 2),  # relapse, new response, relapse
        ([30, 12, 23, 23, 23, 23], 1),  # one long relapse counts once
        ([30, 25, 25, 12, 14], 0),  # high before any response is not a relapse
        ([30, 12, 23, 12, 23, 12], 0),  # never two in a row
        ([30, 12, 23, 23, 25, 12, 23, 23], 2),
    ],
)
def test_relapses_are_counted_again_after_a_new_response(course, expected):
    assert count_relapses(np.array([course], dtype=float))[0] == expected


@pytest.fixture(scope="module")
def runs():
    names = ("iv-6x2w-fixed-3-weekly", "iv-6x2w-relapse-only")
    return [simulate_protocol(load(n), TRD_TRIAL, 30, days=182, seed=7) for n in names]


def test_metrics_per_patient_year(runs):
    run = runs[0]
    m = patient_metrics(run)
    assert set(m) == set(METRICS)
    years = 182 / 365
    np.testing.assert_allclose(m["sessions_per_year"], run.sessions_per_patient() / years)
    mg = np.bincount(run.session_patient, weights=run.session_mg, minlength=run.n)
    np.testing.assert_allclose(m["mg_per_kg_per_year"], mg / run.weight_kg / years)
    np.testing.assert_allclose(m["mg_per_kg_per_year"] * years, 0.5 * run.sessions_per_patient())
    # baselines are >= 24 in this population, so remission (<= 12) implies response (<= 50 %)
    assert np.all(m["days_in_remission_pct"] <= m["days_in_response_pct"])
    in_resp = (run.madrs[:, 1:] <= 0.5 * run.madrs[:, :1]).sum(axis=1)
    np.testing.assert_allclose(m["days_in_response_pct"], 100 * in_resp / 182)


def test_bootstrap_intervals_hold_the_mean_and_differences_are_paired(runs):
    c = compare_runs(runs, n_boot=400, seed=1, reference="iv-6x2w-relapse-only")
    for s in c.summaries:
        for key, e in s.estimates.items():
            assert e.lo <= e.mean <= e.hi, key
    fixed, relapse_only = c.summaries
    assert relapse_only.vs_reference == {}
    diff = fixed.vs_reference["sessions_per_year_difference"]
    assert diff.mean == pytest.approx(
        fixed.estimates["sessions_per_year"].mean - relapse_only.estimates["sessions_per_year"].mean
    )
    # same patients in every protocol: the paired interval is narrower than the two separate ones
    a, b = fixed.estimates["days_in_response_pct"], relapse_only.estimates["days_in_response_pct"]
    paired = fixed.vs_reference["days_in_response_pct_difference"]
    assert paired.hi - paired.lo < (a.hi - a.lo) + (b.hi - b.lo)
    payload = c.as_dict()
    assert payload["protocols"][0]["sessions_per_year"]["ci95_low"] == fixed.estimates["sessions_per_year"].lo


def test_runs_must_cover_the_same_patients(runs):
    other = simulate_protocol(load("iv-6x2w-relapse-only"), TRD_TRIAL, 5, days=182, seed=7)
    with pytest.raises(InputError, match="same patients"):
        compare_runs([runs[0], other])


def test_extra_sessions_per_relapse_prevented_is_unbounded_when_resamples_prevent_none():
    from ketasim.protocols.compare import _per_prevented

    idx = np.random.default_rng(0).integers(0, 4, size=(200, 4))
    clear = _per_prevented(np.array([10.0, 12, 8, 10]), np.array([0.5, 0.5, 0.5, 0.5]), idx)
    assert clear.mean == pytest.approx(20.0) and 16.0 <= clear.lo < 20.0 < clear.hi <= 24.0
    unsure = _per_prevented(np.array([10.0, 10, 10, 10]), np.array([1.0, -1.0, 0.5, -0.2]), idx)
    assert unsure.mean == pytest.approx(10 / 0.075) and unsure.hi is None
    assert _per_prevented(np.ones(4), -np.ones(4), idx).mean is None
