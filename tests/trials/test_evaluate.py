"""Endpoint semantics on hand-made records: relapse with confirmation, at-risk sets, among, origins."""

import math

import numpy as np
import pytest

from ketasim.model import default_model
from ketasim.population.virtual import TRD_TRIAL, sample_cohort
from ketasim.trials import compile_plan, parse_spec
from ketasim.trials.data import ReplicateData
from ketasim.trials.endpoints import endpoint_values
from ketasim.trials.evaluate import conditions

EXACT = default_model().with_values({"Ketasim_2026_symptoms.SIGMA_ITEM": 0.0})  # no rater noise

TWO_PHASES = {
    "id": "relapse-rules",
    "title": "hand-made record",
    "population": {"n": 6},
    "phases": [
        {"id": "lead", "days": 7, "continue_if": {"measure": "percent_change", "max": -50}},
        {"id": "follow", "days": 42},
    ],
    "visits": {"every": "7 d"},
    "definitions": {
        "response": {"percent_change_max": -50},
        "relapse": {"min": 22, "confirm_within": ["5 d", "15 d"]},
    },
    "endpoints": [
        {"id": "relapse", "measure": "rate", "of": "relapse", "phase": "follow"},
        {"id": "relapse_by_14d", "measure": "rate", "of": "relapse", "phase": "follow", "at": "14 d"},
        {"id": "median", "measure": "median_time_to", "of": "relapse", "phase": "follow"},
        {"id": "mean_time", "measure": "mean_time_to", "of": "relapse", "phase": "follow"},
        {"id": "km", "measure": "km", "of": "relapse", "phase": "follow", "times": ["7 d", "14 d", "35 d"]},
        {"id": "relapse_everyone", "measure": "rate", "of": "relapse", "phase": "follow",
         "among": {"covariate": "age_years", "min": 0}},
        {"id": "relapse_among_p1_p2", "measure": "rate", "of": "relapse", "phase": "follow",
         "among": {"measure": "score", "at": "14 d", "min": 25}},
        {"id": "response_at_start", "measure": "rate", "of": "response", "phase": "follow", "at": "0 d"},
        {"id": "change_phase", "measure": "mean_change", "phase": "follow", "at": "14 d",
         "baseline": "phase"},
        {"id": "change_trial", "measure": "mean_change", "phase": "follow", "at": "14 d"},
        {"id": "percent_trial", "measure": "mean_percent_change", "phase": "follow", "at": "14 d"},
    ],
}  # fmt: skip

# MADRS at days 0, 7, 14, ..., 49 (visits every 7 d; follow-up visits are 14-49 d)
SCORES = np.array(
    [
        [30, 10, 10, 10, 10, 10, 10, 10],  # never relapses
        [30, 10, 10, 25, 25, 10, 10, 10],  # >= 22 at 21 d, confirmed 7 d later: relapse 14 d into the phase
        [30, 10, 10, 25, 10, 10, 10, 10],  # never confirmed
        [30, 10, 10, 10, 25, 10, 25, 10],  # 28 d, confirmed 14 d later (inside 5-15 d): relapse at 21 d
        [30, 10, 10, 10, 10, 10, 10, 25],  # only the last visit: censored
        [30, 25, 25, 25, 25, 25, 25, 25],  # not a responder at the phase start: not at risk by default
    ],
    float,
)


def _items(total: float) -> np.ndarray:
    base, extra = divmod(int(total), 10)
    return np.array([base + (k < extra) for k in range(10)], float)


def _data(plan, scores_by_day):
    times = plan.design.times_h
    n = scores_by_day.shape[0]
    items = np.full((n, times.size, 10), np.nan)
    for j, t in enumerate(times):
        day = t / 24.0
        k = round(day / 7.0)
        for i in range(n):
            items[i, j] = _items(scores_by_day[i, k]) if abs(day - 7 * k) < 1e-9 else np.nan
    arm = np.zeros((n, len(plan.design.phases)), dtype=np.int64)
    cohort = sample_cohort(TRD_TRIAL, EXACT, n, 0)
    return ReplicateData(EXACT, 0, 0, times, items, arm, cohort)


@pytest.fixture(scope="module")
def record():
    plan = compile_plan(parse_spec(TWO_PHASES), EXACT)
    return plan, _data(plan, SCORES)


def _value(plan, data, endpoint_id):
    ep = next(e for e in plan.endpoints if e.id == endpoint_id)
    return endpoint_values(plan, data, ep)


def test_relapse_needs_confirmation_and_counts_responders_at_the_phase_start(record):
    plan, data = record
    assert _value(plan, data, "relapse") == [pytest.approx(40.0)]  # patients 1 and 3 of 0-4
    assert _value(plan, data, "relapse_by_14d") == [pytest.approx(20.0)]  # only patient 1 by 14 d
    assert _value(plan, data, "response_at_start") == [pytest.approx(100 * 5 / 6)]


def test_among_replaces_the_default_at_risk_set_and_starts_follow_up_at_its_time(record):
    plan, data = record
    assert _value(plan, data, "relapse_everyone") == [pytest.approx(50.0)]  # patient 5 counts too
    # among scores >= 25 at 14 d into the phase (21 d): patients 1, 2 and 5; follow-up starts after it,
    # so patient 1 (relapse dated 21 d) and patient 2 (unconfirmed) have none; patient 5 (>= 22 at 28,
    # 35 d) does
    assert _value(plan, data, "relapse_among_p1_p2") == [pytest.approx(100 / 3)]


def test_time_to_relapse_is_kaplan_meier_from_the_phase_start(record):
    plan, data = record
    # at risk: 5; events at 14 d and 21 d; S = 0.8 then 0.6: the median is not reached
    assert _value(plan, data, "median") == [math.inf]
    assert _value(plan, data, "km") == pytest.approx([100.0, 80.0, 60.0])
    # restricted mean to the last follow-up visit (42 d): 14 + 7 * 0.8 + 21 * 0.6 days
    assert _value(plan, data, "mean_time") == [pytest.approx(32.2)]


def test_changes_from_the_trial_or_the_phase_baseline(record):
    plan, data = record
    at_21 = SCORES[:, 3]
    assert _value(plan, data, "change_phase") == [pytest.approx(np.mean(at_21 - SCORES[:, 1]))]
    assert _value(plan, data, "change_trial") == [pytest.approx(np.mean(at_21 - 30))]
    assert _value(plan, data, "percent_trial") == [pytest.approx(np.mean(100 * (at_21 - 30) / 30))]


def test_continue_if_selects_on_the_observed_score_at_the_phase_end(record):
    plan, data = record
    lead = plan.design.phases[0]
    ok, when = conditions(plan, data, lead.continue_if, np.arange(6), lead)
    assert ok.tolist() == [True, True, True, True, True, False]
    assert np.all(when == 7 * 24.0)


def test_times_from_the_last_dose():
    spec = {
        "id": "last-dose",
        "title": "origin at the last dose",
        "population": {"n": 3},
        "days": 14,
        "arms": [{"id": "ketamine", "regimen": [
            {"drug": "ketamine", "route": "iv", "dose": "0.5 mg/kg", "over": "40 min", "days": [0, 2, 4]}]}],
        "visits": {"every": "7 d"},
        "endpoints": [
            {"id": "day5", "measure": "mean", "at": "24 h", "from": "last_dose"},
            {"id": "day1", "measure": "mean", "at": "24 h"},
        ],
    }  # fmt: skip
    plan = compile_plan(parse_spec(spec), EXACT)
    times = plan.design.times_h
    assert {24.0, 120.0} <= set(times.tolist())
    items = np.stack([np.stack([_items(10 + t / 24) for t in times])] * 3)
    data = ReplicateData(
        EXACT, 0, 0, times, items, np.zeros((3, 1), np.int64), sample_cohort(TRD_TRIAL, EXACT, 3, 0)
    )
    assert _value(plan, data, "day5") == [pytest.approx(15.0)]
    assert _value(plan, data, "day1") == [pytest.approx(11.0)]


def test_observed_scores_do_not_depend_on_the_other_recorded_times():
    rng = np.random.default_rng(0)
    items = rng.uniform(0, 6, size=(5, 4, 10))
    times = np.array([0.0, 4.0, 24.0, 168.0])
    cohort = sample_cohort(TRD_TRIAL, default_model(), 5, 0)
    full = ReplicateData(default_model(), 3, 1, times, items, np.zeros((5, 1), np.int64), cohort)
    fewer = ReplicateData(
        default_model(), 3, 1, times[[0, 2]], items[:, [0, 2]], np.zeros((5, 1), np.int64), cohort
    )
    for scale in ("madrs", "madrs_item10", "phq9"):
        np.testing.assert_array_equal(full.observed(scale)[:, [0, 2]], fewer.observed(scale))
    # the total and item 10 come from one draw of item noise; noise is present
    assert not np.array_equal(full.observed("madrs"), np.rint(items).sum(axis=-1))
    other = ReplicateData(default_model(), 3, 2, times, items, np.zeros((5, 1), np.int64), cohort)
    assert not np.array_equal(full.observed("madrs"), other.observed("madrs"))
