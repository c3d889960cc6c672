"""The booster window: inside the clinic and label rules, under the risk limit, and a safety note first."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from ketasim.errors import InputError
from ketasim.personal.fit import LaplaceOptions, fit
from ketasim.personal.forecast import forecast, last_event_h
from ketasim.personal.plan import SUGGESTION, PlanOptions, plan_booster
from ketasim.personal.posterior import Posterior
from ketasim.personal.safety import MUST_ASSESS, si_signal
from ketasim.record import PatientRecord, ScoreObservation
from ketasim.regimen.dose import nasal_session
from ketasim.regimen.regimen import Regimen

DAY = 24.0


def _check_window(post: Posterior, opt: PlanOptions) -> None:
    plan = plan_booster(post, opt)
    rec = post.problem.record
    last_session = max(rec.regimen.session_times())
    now = last_event_h(post.problem)
    risk = forecast(post, times_h=np.array([now, *(now + DAY * np.arange(1, 85))]), seed=opt.seed)
    if plan.window_start_h is not None:
        assert plan.window_start_h > now
        assert plan.window_start_h - last_session >= opt.min_hours_between_sessions - 1e-6
    if plan.suggested_h is not None and plan.window_end_h is not None:
        assert plan.suggested_h == plan.window_end_h
        assert plan.risk_if_suggested is not None and plan.risk_if_suggested <= opt.max_risk
        assert risk.event_probability(plan.suggested_h + 1e-6) <= opt.max_risk + 1e-9
        # one day later the limit is passed (or the rules forbid it): the window is as long as it can be
        later = plan.suggested_h + DAY
        assert risk.event_probability(later + 1e-6) > opt.max_risk or later > now + DAY * opt.horizon_days
        assert plan.with_booster is not None
        assert plan.with_booster.future_sessions_h == (plan.suggested_h,)
    assert plan.booster.drug == rec.regimen.doses[-1].drug


@pytest.mark.parametrize("min_hours", [72.0, 24.0 * 9])
@pytest.mark.parametrize("limit", [0.05, 0.2])
def test_window_respects_interval_and_risk_limit(
    example_fit: Posterior, min_hours: float, limit: float
) -> None:
    _check_window(
        example_fit, PlanOptions(max_risk=limit, min_hours_between_sessions=min_hours, max_draws=300)
    )


def test_a_stricter_limit_never_suggests_a_later_date(example_fit: Posterior) -> None:
    dates = []
    for limit in (0.05, 0.1, 0.3):
        p = plan_booster(example_fit, PlanOptions(max_risk=limit, max_draws=300))
        dates.append(p.window_end_h if p.window_end_h is not None else -1.0)
    assert dates == sorted(dates)


def test_plan_output_is_a_suggestion_with_both_forecasts(example_fit: Posterior) -> None:
    rec = example_fit.problem.record
    plan = plan_booster(example_fit, PlanOptions(max_risk=0.1, max_draws=300))
    out = plan.as_dict(rec.at, rec.patient.weight_kg)
    assert out["status"] == "suggestion" and out["notice"] == SUGGESTION
    assert out["clinician_must_assess_first"] is False and out["reason"]
    assert out["forecast_no_booster"]["future_sessions"] == []
    if out["suggested_date"] is not None:
        assert out["forecast_with_booster"]["future_sessions"] == [out["suggested_date"]]
    assert out["booster"]["mg"] == pytest.approx(0.5 * rec.patient.weight_kg, rel=1e-3)


def test_esketamine_label_caps_the_window(example_fit: Posterior) -> None:
    # esketamine nasal 56 mg twice a week for two weeks: the label allows at most two in each of weeks 1-4
    rec = example_fit.problem.record
    days = (0, 3, 7, 10)
    reg = Regimen.of(*(nasal_session(2).at(DAY * d) for d in days))
    obs = tuple(
        ScoreObservation(DAY * d, "madrs", v)
        for d, v in zip((0, 3, 7, 10, 12), (34, 30, 24, 20, 19), strict=True)
    )
    es = fit(PatientRecord(rec.patient, reg, obs, rec.start), options=LaplaceOptions(draws=200), seed=0)
    plan = plan_booster(es, PlanOptions(max_risk=0.5, min_hours_between_sessions=0.0, max_draws=200))
    assert plan.constraints["esketamine_label"] is True
    assert plan.window_start_h is None or plan.window_start_h >= DAY * 14  # week 2 already holds two sessions


def test_weekly_cap_is_respected(example_fit: Posterior) -> None:
    # six sessions in the last 12 days: at most 3 in any 7 days pushes the earliest date out
    plan = plan_booster(example_fit, PlanOptions(max_risk=0.5, max_sessions_per_week=1, max_draws=200))
    last = max(example_fit.problem.record.regimen.session_times())
    assert plan.window_start_h is None or plan.window_start_h >= last + 7 * DAY - 1e-6


def test_options_are_checked() -> None:
    with pytest.raises(InputError) as info:
        PlanOptions(max_risk=1.5)
    assert info.value.field == "max_risk" and info.value.received == 1.5
    with pytest.raises(InputError, match="label"):
        PlanOptions(label="fda")  # type: ignore[arg-type]


def _with_scores(rec: PatientRecord, *extra: ScoreObservation) -> PatientRecord:
    return replace(rec, observations=rec.observations + extra)


def test_suicidal_ideation_in_the_latest_scores_puts_assessment_first(example_fit: Posterior) -> None:
    rec = example_fit.problem.record
    t = max(o.time_h for o in rec.observations) + 1.0
    si = _with_scores(rec, ScoreObservation(t, "madrs_item10", 4))
    assert si_signal(si).must_assess and si_signal(si).message == MUST_ASSESS
    post = fit(si, options=LaplaceOptions(draws=100), seed=0)
    plan = plan_booster(post, PlanOptions(max_draws=100))
    out = plan.as_dict(si.at, si.patient.weight_kg)
    assert out["clinician_must_assess_first"] is True and out["safety"]["message"] == MUST_ASSESS
    assert any("MADRS item 10 = 4" in f for f in out["safety"]["findings"])


@pytest.mark.parametrize(
    ("scores", "must", "review"),
    [
        ((("phq9_item9", 1),), True, False),
        ((("phq9_item9", 0),), False, False),
        ((("madrs_item10", 3),), False, True),
        ((("madrs_item10", 5), ("madrs_item10", 0)), False, False),  # only the latest counts
        ((("madrs_item10", 0), ("madrs_item10", 6)), True, False),
    ],
)
def test_safety_triggers(
    example_csv: PatientRecord, scores: tuple[tuple[str, int], ...], must: bool, review: bool
) -> None:
    t0 = max(o.time_h for o in example_csv.observations)
    extra = tuple(ScoreObservation(t0 + 1.0 + k, s, v) for k, (s, v) in enumerate(scores))
    sig = si_signal(_with_scores(example_csv, *extra))
    assert (sig.must_assess, sig.review) == (must, review)
