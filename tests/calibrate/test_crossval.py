"""Leave-one-study-out cross-validation against an exact refit of a linear model."""

import math

import numpy as np
import pytest

from ketasim.calibrate.crossval import cross_validate
from ketasim.calibrate.heterogeneity import SHARE_MEASURES, Residual, tau_by_group, widen
from ketasim.errors import InputError
from ketasim.library.calibrated import CalibratedSet, Estimate


def _linear_set(seed: int = 3) -> tuple[CalibratedSet, np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """A fit of y = X beta (standard-normal prior on beta) with its exact optimum and Jacobian."""
    rng = np.random.default_rng(seed)
    studies = ["s1", "s1", "s2", "s2", "s3", "s3", "s4", "s4"]
    X = rng.normal(size=(8, 2))
    sigma = np.full(8, 2.0)
    y = X @ np.array([1.5, -0.7]) + rng.normal(0, 2.0, 8)
    J = X / sigma[:, None]
    u = np.linalg.solve(J.T @ J + np.eye(2), J.T @ (y / sigma))  # MAP with the prior rows
    pred = X @ u
    rows = [
        {
            "key": f"{s}:e{k}:T{k}", "source": f"T{k}", "measure": "mean_change", "unit": "points",
            "scale": "identity", "observed": float(y[k]), "sigma": float(sigma[k]),
            "fitted_prediction": float(pred[k]), "residual": float((pred[k] - y[k]) / sigma[k]),
        }
        for k, s in enumerate(studies)
    ]  # fmt: skip
    est = tuple(Estimate(f"S.P{j}", float(u[j]), 0.0, -9.0, 9.0, True) for j in range(2))
    fit = {"u": u.tolist(), "jacobian_free": ["S.P0", "S.P1"], "jacobian": J.tolist(), "targets": rows}
    return CalibratedSet("test-1", "2026-12-07", "test", "test", est, fit), X, y, sigma, studies


def test_one_step_refit_is_exact_for_a_linear_model():
    cal, X, y, sigma, studies = _linear_set()
    cv = cross_validate(cal)
    assert cv.summary()["n_targets"] == 8
    for t in cv.targets:
        keep = np.array([s != t.study for s in studies])
        J = X[keep] / sigma[keep, None]
        beta = np.linalg.solve(J.T @ J + np.eye(2), J.T @ (y[keep] / sigma[keep]))
        k = int(t.source[1:])
        assert t.predicted == pytest.approx(float(X[k] @ beta), rel=1e-9, abs=1e-9)
        assert t.lo < t.predicted < t.hi
        # the interval is at least the published trial's own sampling
        assert (t.hi - t.lo) / 2 >= 1.959 * sigma[k]


def test_left_out_predictions_differ_from_in_sample_ones():
    cal, *_ = _linear_set()
    cv = cross_validate(cal)
    assert any(abs(t.predicted - t.in_sample) > 1e-6 for t in cv.targets)
    s = cv.summary()
    for key in ("fraction_inside", "rmse_points", "median_half_width_points", "n_targets", "studies"):
        assert key in s
    assert set(s["studies"]) == {"s1", "s2", "s3", "s4"}


def test_a_set_without_its_jacobian_is_refused():
    cal, *_ = _linear_set()
    bare = CalibratedSet(cal.version, cal.created, cal.command, cal.method, cal.estimates, {"u": [0, 0]})
    with pytest.raises(InputError, match=r"fit\.jacobian"):
        cross_validate(bare)


def test_heterogeneity_is_zero_when_residuals_are_sampling_only_and_positive_otherwise():
    rng = np.random.default_rng(0)
    tight = [Residual("points", float(rng.normal(0, 1)), 0.0, 1.0) for _ in range(200)]
    assert tau_by_group(tight).get("points", 0.0) < 0.3
    spread = [Residual("points", float(rng.normal(0, math.sqrt(1 + 9))), 0.0, 1.0) for _ in range(400)]
    assert tau_by_group(spread)["points"] == pytest.approx(3.0, rel=0.2)
    # ratios and betas get no between-trial term; two targets are too few
    assert tau_by_group([Residual("ratio", 2.0, 1.0, 0.1)] * 5) == {}
    assert tau_by_group(spread[:2]) == {}


def test_new_trial_interval_widens_in_quadrature_and_keeps_rates_in_range():
    lo, hi = widen(10.0, 6.0, 13.0, "points", {"points": 1.0})
    assert 10.0 - lo == pytest.approx(math.hypot(4.0, 1.959964))
    assert hi - 10.0 == pytest.approx(math.hypot(3.0, 1.959964))
    assert widen(95.0, 90.0, 99.0, "%", {"pp": 10.0}, rate=True)[1] == 100.0
    assert widen(5.0, 1.0, 9.0, "% event-free", {"pp": 10.0}, rate=True)[0] == 0.0, "a share stays >= 0"
    assert widen(-30.0, -40.0, -20.0, "%", {"pp": 10.0})[0] < -40.0, "a percent change may be negative"
    assert SHARE_MEASURES == ("rate", "km")
    assert widen(1.0, 0.5, 2.0, "ratio", {"points": 5.0}) == (0.5, 2.0)
