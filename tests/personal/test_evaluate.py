"""Honesty in silico on a few virtual patients: calibrated bands, and better than both baselines."""

from __future__ import annotations

import numpy as np
import pytest

from ketasim.errors import InputError
from ketasim.personal.evaluate import EvaluationSpec, evaluate_forecasts, randomised_pit


@pytest.mark.slow
def test_forecasts_are_honest_and_beat_the_baselines() -> None:
    ev = evaluate_forecasts(EvaluationSpec(n=24, draws=200, seed=3))
    s = ev.summary
    assert s["patients"] == 24 and s["forecast_points"] == 24 * 4
    # a small sample: the nominal level within a wide margin (the documented run holds ±5 points)
    for level, c in s["coverage"].items():
        assert abs(c["observed_scores"] - int(level) / 100) <= 0.15, (level, c)
    assert s["coverage"]["50"]["observed_scores"] < s["coverage"]["80"]["observed_scores"]
    assert s["coverage"]["80"]["observed_scores"] < s["coverage"]["95"]["observed_scores"]
    mae = s["mae_madrs"]
    assert mae["personal"] < mae["population"] and mae["personal"] < mae["locf"]
    assert s["brier_relapse"]["personal"] <= s["brier_relapse"]["population"] + 0.02


def test_randomised_pit_of_integer_scores() -> None:
    draws = np.repeat(np.arange(10.0), 10)[:, None]  # uniform on 0..9
    v = np.array([0.5])
    assert randomised_pit(draws, np.array([0.0]), v)[0] == pytest.approx(0.05)
    assert randomised_pit(draws, np.array([9.0]), v)[0] == pytest.approx(0.95)
    u = randomised_pit(draws, np.array([4.0]), np.array([0.0]))[0]
    assert u == pytest.approx(0.4)


def test_spec_is_checked() -> None:
    with pytest.raises(InputError) as info:
        EvaluationSpec(n=1)
    assert info.value.field == "n" and info.value.received == 1
    with pytest.raises(InputError, match="method"):
        EvaluationSpec(method="nuts")  # type: ignore[arg-type]
