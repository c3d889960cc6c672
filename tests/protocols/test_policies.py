"""Maintenance policies decide from observed scores and session days only."""

import dataclasses

import pytest

from ketasim.protocols.checks import Thresholds
from ketasim.protocols.policies import (
    Fixed,
    Forecast,
    PatientView,
    SymptomTriggered,
    Taper,
    relapse_probability,
)
from ketasim.protocols.spec import FixedPolicy, ForecastPolicy, SymptomPolicy, TaperPolicy

T = Thresholds(response_fraction=0.5, remission_max=12.0, relapse_min=22.0, confirmations=2)


def view(today, obs, sessions, *, anchor=None, until=None, baseline=34.0):
    days = [7 * k for k in range(len(obs))]
    return PatientView(
        today=today,
        until=until or today + 7,
        obs_days=days,
        obs=obs,
        baseline=baseline,
        thresholds=T,
        session_days=sessions,
        anchor=sessions[-1] if anchor is None else anchor,
        noise_sd=2.6,
    )


def test_policies_see_no_true_state():
    fields = {f.name for f in dataclasses.fields(PatientView)}
    assert fields == {
        "today",
        "until",
        "obs_days",
        "obs",
        "baseline",
        "thresholds",
        "session_days",
        "anchor",
        "noise_sd",
    }


def test_fixed_gives_the_booster_when_due_or_at_once_when_overdue():
    p = Fixed(FixedPolicy(policy="fixed", every_days=21))
    assert p.propose(view(28, [34, 10, 12, 13, 14], [0, 2, 4, 7, 9, 11])) == 32
    assert p.propose(view(21, [34, 10, 12, 13], [0, 2, 4, 7, 9, 11])) is None
    assert p.propose(view(42, [34, 10, 12, 13, 14, 15, 16], [0, 11])) == 42


def test_taper_widens_while_response_holds_and_steps_back_when_lost():
    p = Taper(TaperPolicy(policy="taper", intervals_days=[7, 14, 28]))
    assert p.propose(view(14, [34, 12, 12], [11])) == 18
    assert p.step == 1, "in response: next interval wider"
    assert p.propose(view(28, [34, 12, 12, 12, 12], [18])) == 32
    assert p.propose(view(56, [34] + [12] * 7 + [20], [32])) == 60
    assert p.step == 1, "response lost: one step back"
    restart = Taper(TaperPolicy(policy="taper", intervals_days=[7, 14, 28], on_loss="restart"))
    restart.step = 2
    restart.propose(view(35, [34, 12, 12, 12, 12, 20], [7]))
    assert restart.step == 0


def test_symptom_trigger_fires_on_the_assessment_day_at_the_threshold():
    p = SymptomTriggered(SymptomPolicy(policy="symptom_triggered", threshold=18))
    assert p.propose(view(28, [34, 10, 12, 15, 18], [11])) == 28
    assert p.propose(view(28, [34, 10, 12, 15, 17], [11])) is None
    f = SymptomTriggered(SymptomPolicy(policy="symptom_triggered", fraction_of_baseline=0.5))
    assert f.propose(view(28, [34, 10, 12, 15, 17], [11])) == 28


def test_forecast_rises_with_the_observed_drift_and_fires_above_the_limit():
    flat = relapse_probability(view(42, [34, 10, 10, 10, 10, 10, 10], [11]), 22, 49, 2 / 7)
    rising = relapse_probability(view(42, [34, 10, 12, 14, 16, 18, 20], [11]), 22, 49, 2 / 7)
    near = relapse_probability(view(42, [34, 10, 16, 19, 20, 21, 21], [11]), 22, 49, 2 / 7)
    assert flat < 0.01
    assert rising > 0.3
    assert near > flat
    p = Forecast(ForecastPolicy(policy="forecast_triggered", limit=0.3), every_days=7)
    assert p.propose(view(42, [34, 10, 12, 14, 16, 18, 20], [11])) == 42
    assert p.propose(view(42, [34, 10, 10, 10, 10, 10, 10], [11])) is None


def test_forecast_learns_the_drift_from_earlier_intervals():
    # one score since the last session: the drift comes from the patient's own earlier interval
    earlier_rising = view(49, [34, 10, 14, 18, 22, 26, 8, 12], [4, 38])
    earlier_flat = view(49, [34, 10, 10, 10, 10, 10, 8, 12], [4, 38])
    p_rise = relapse_probability(earlier_rising, 22, 56, 2 / 7)
    p_flat = relapse_probability(earlier_flat, 22, 56, 2 / 7)
    assert p_rise > 2 * p_flat


def test_forecast_waits_for_a_score_after_the_session():
    assert relapse_probability(view(14, [34, 30, 30], [14]), 22, 21, 2 / 7) == 0.0


@pytest.mark.parametrize("target", ["relapse", "response_loss"])
def test_forecast_target_changes_the_cut(target):
    p = Forecast(ForecastPolicy(policy="forecast_triggered", limit=0.5, target=target), every_days=7)
    v = view(28, [34, 12, 14, 16, 17], [4])
    assert (p.propose(v) is not None) == (target == "response_loss")
