"""Forecasts: nested bands, P(relapse by date) never falling, personal narrower than population."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from ketasim.errors import InputError
from ketasim.personal.fit import LaplaceOptions, fit
from ketasim.personal.forecast import LEVELS, QUANTILES, forecast, last_event_h, primary_scale
from ketasim.personal.posterior import Posterior
from ketasim.record import PatientRecord
from ketasim.regimen.dose import iv_infusion
from ketasim.regimen.regimen import Regimen


def _keys() -> list[str]:
    return [f"q{100 * q:g}" for q in QUANTILES]


@pytest.mark.parametrize("scale", [None, "madrs", "phq9", "qids_sr16", "madrs_item10"])
def test_bands_are_nested_on_every_scale(example_fit: Posterior, scale: str | None) -> None:
    fc = forecast(example_fit, days=28, scale=scale, seed=1)
    for table in (fc.predictive, fc.madrs):
        q = np.stack([table[k] for k in _keys()])
        assert np.all(np.diff(q, axis=0) >= -1e-9)
    for inner, outer in pairwise(LEVELS):
        lo_i, hi_i = fc.band(inner)
        lo_o, hi_o = fc.band(outer)
        assert np.all(lo_o <= lo_i) and np.all(hi_i <= hi_o)
    assert fc.times_h.size == 29 and fc.times_h[0] == pytest.approx(last_event_h(example_fit.problem))


def test_relapse_probability_never_falls_with_the_date(example_fit: Posterior) -> None:
    fc = forecast(example_fit, days=84, seed=2)
    assert np.all(np.diff(fc.event_by) >= 0)
    assert 0.0 <= fc.event_by[0] <= fc.event_by[-1] <= 1.0
    dates = fc.times_h[::7]
    probs = [fc.event_probability(t) for t in dates]
    assert probs == sorted(probs)
    loss = forecast(example_fit, days=84, target="response_loss", seed=2)
    assert np.all(np.diff(loss.event_by) >= 0)


def test_a_booster_lowers_the_forecast(example_fit: Posterior) -> None:
    now = last_event_h(example_fit.problem)
    booster = Regimen.of(iv_infusion("0.5 mg/kg", over="40 min").at(now + 24.0 * 7))
    none = forecast(example_fit, days=42, seed=3)
    given = forecast(example_fit, days=42, schedule=booster, seed=3)
    after = none.times_h > now + 24.0 * 9
    assert np.all(given.madrs["q50"][after] <= none.madrs["q50"][after] + 1e-9)
    assert given.event_by[-1] <= none.event_by[-1]
    assert given.future_sessions_h == (now + 24.0 * 7,)


def test_scores_narrow_the_band_against_the_population(example_csv: PatientRecord) -> None:
    personal = fit(example_csv, options=LaplaceOptions(draws=300), seed=0)
    empty = PatientRecord(example_csv.patient, example_csv.regimen, (), example_csv.start)
    population = fit(empty, options=LaplaceOptions(draws=300), seed=0)
    now = last_event_h(personal.problem)
    a = forecast(personal, days=28, now_h=now, scale="madrs")
    b = forecast(population, days=28, now_h=now, scale="madrs")
    assert a.kind == "personal" and b.kind == "population"
    width = [np.mean(np.subtract(*f.band(0.8, observed=False)[::-1])) for f in (a, b)]
    assert width[0] < width[1]
    assert "population forecast" in b.as_dict(example_csv.at)["label"]


def test_predictive_band_is_wider_than_the_true_score_band(example_fit: Posterior) -> None:
    fc = forecast(example_fit, days=28, scale="madrs", seed=4)
    lo, hi = fc.band(0.8)
    lo_t, hi_t = fc.band(0.8, observed=False)
    assert np.mean(hi - lo) > np.mean(hi_t - lo_t)  # rater noise on top of parameter uncertainty


def test_primary_scale_prefers_the_madrs_at_the_latest_time(example_fit: Posterior) -> None:
    assert primary_scale(example_fit.problem) == "madrs"


def test_forecast_rejects_bad_requests(example_fit: Posterior) -> None:
    with pytest.raises(InputError) as info:
        forecast(example_fit, now_h=1.0)
    assert info.value.field == "now"
    with pytest.raises(InputError, match="days"):
        forecast(example_fit, days=0)
    with pytest.raises(InputError, match="scale"):
        forecast(example_fit, scale="hamd17")
    past = Regimen.of(iv_infusion("0.5 mg/kg", over="40 min").at(1.0))
    with pytest.raises(InputError, match="schedule"):
        forecast(example_fit, schedule=past)


def test_forecast_from_a_time_that_is_not_a_whole_second(example_fit: Posterior) -> None:
    now = last_event_h(example_fit.problem) + 240.0 + 0.123456 / 3600.0
    fc = forecast(example_fit, days=7, now_h=now)
    assert fc.times_h[0] == now and fc.madrs["q50"].size == 8
