"""Individual booster intervals: the longest fixed interval that keeps each patient in response."""

import numpy as np
import pytest

from ketasim.errors import InputError
from ketasim.population.virtual import TRD_TRIAL
from ketasim.protocols.catalog import load
from ketasim.protocols.intervals import individual_intervals
from ketasim.protocols.spec import Booster

CANDIDATES = (7, 14, 28, 56)


@pytest.fixture(scope="module")
def single():
    return individual_intervals(
        load("iv-6x2w-fixed-3-weekly"), TRD_TRIAL, 60, days=182, seed=9, candidates=CANDIDATES
    )


@pytest.fixture(scope="module")
def pairs():
    return individual_intervals(
        load("iv-6x2w-fixed-3-weekly"),
        TRD_TRIAL,
        60,
        days=182,
        seed=9,
        candidates=CANDIDATES,
        booster=Booster(sessions=2, spacing_days=2),
    )


def test_longest_interval_is_the_longest_candidate_that_keeps_the_response(single):
    kept = single.share >= single.min_share
    for i in np.flatnonzero(single.responder):
        expected = max((c for c, k in zip(CANDIDATES, kept[i], strict=True) if k), default=0)
        assert single.longest[i] == expected
    assert np.all(np.isnan(single.longest[~single.responder]))
    # a shorter interval keeps the response at least as well, for almost every patient
    assert (np.diff(single.share, axis=1) <= 1e-9).mean() > 0.95


def test_intervals_differ_between_patients_and_two_session_boosters_reach_months(single, pairs):
    s = pairs.summary()
    assert len({x for x in pairs.longest[pairs.responder]}) >= 3, "individual intervals, not one for all"
    assert (pairs.longest >= 28).sum() >= 5, "some patients are kept by monthly or rarer two-session boosters"
    responders = pairs.responder & single.responder
    assert np.nanmean(pairs.longest[responders]) > np.nanmean(single.longest[responders])
    assert s["kept_by_some_interval_pct"] + s["shorter_than_shortest_pct"] + s[
        "no_response_to_induction_pct"
    ] == (pytest.approx(100.0))


def test_more_stress_means_shorter_intervals(pairs):
    resp = pairs.responder
    stress = pairs.covariates["stress_factor"]
    low, high = np.percentile(stress[resp], [100 / 3, 200 / 3])
    assert pairs.longest[resp & (stress <= low)].mean() > pairs.longest[resp & (stress > high)].mean()
    groups = pairs.by_group()
    assert set(groups) >= {"val/val", "met carrier", "stress: low third", "baseline MADRS: high third"}


def test_bad_interval_requests_fail():
    with pytest.raises(InputError, match="candidates"):
        individual_intervals(load("iv-6x2w-fixed-3-weekly"), TRD_TRIAL, 5, candidates=[0, 7])
    with pytest.raises(InputError, match="min_share"):
        individual_intervals(load("iv-6x2w-fixed-3-weekly"), TRD_TRIAL, 5, min_share=1.5)
