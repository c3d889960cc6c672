"""Trial statistics against textbook values and independent computations."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

from ketasim.trials.allocate import largest_remainder
from ketasim.trials.measures import (
    cohens_d,
    confirmed_events,
    cox_binary,
    km_mean,
    km_median,
    km_survival,
    odds_ratio,
    standardized_beta,
)

# Freireich 1963 leukaemia remission data (Gehan 1965): weeks in remission, 1 = relapse.
SIX_MP = [(6, 1), (6, 1), (6, 1), (6, 0), (7, 1), (9, 0), (10, 1), (10, 0), (11, 0), (13, 1),
          (16, 1), (17, 0), (19, 0), (20, 0), (22, 1), (23, 1), (25, 0), (32, 0), (32, 0), (34, 0),
          (35, 0)]  # fmt: skip
PLACEBO = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]


def gehan():
    t = np.array([a for a, _ in SIX_MP] + PLACEBO, float)
    e = np.array([b for _, b in SIX_MP] + [1] * len(PLACEBO), bool)
    x = np.array([0] * len(SIX_MP) + [1] * len(PLACEBO), bool)
    return t, e, x


def test_km_median_matches_the_textbook_values():
    t, e, x = gehan()
    assert km_median(t[~x], e[~x]) == 23.0  # 6-MP
    assert km_median(t[x], e[x]) == 8.0  # placebo


def test_km_survival_matches_scipy_ecdf():
    t, e, x = gehan()
    ref = stats.ecdf(stats.CensoredData(uncensored=t[~x][e[~x]], right=t[~x][~e[~x]]))
    for when in (0.5, 6, 6.5, 10, 13, 22.9, 23, 35):
        assert km_survival(t[~x], e[~x], when) == pytest.approx(ref.sf.evaluate(when), abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 12), st.booleans()), min_size=1, max_size=30))
def test_km_survival_matches_scipy_on_random_data(data):
    t = np.array([a for a, _ in data], float)
    e = np.array([b for _, b in data], bool)
    if not e.any():
        assert km_survival(t, e, 12.0) == 1.0
        return
    ref = stats.ecdf(stats.CensoredData(uncensored=t[e], right=t[~e]))
    for when in (1.0, 4.5, 8.0, 12.0):
        assert km_survival(t, e, when) == pytest.approx(ref.sf.evaluate(when), abs=1e-12)


def test_km_median_conventions():
    # S = 0.75, 0.5, 0.25, 0: exactly 0.5 from 4 to 6, so the midpoint (R's survfit convention)
    assert km_median(np.array([2, 4, 6, 8.0]), np.ones(4, bool)) == 5.0
    # S = 2/3 after 2, 1/3 after 4: first time at or below 0.5
    assert km_median(np.array([2, 4, 6.0]), np.array([1, 1, 0], bool)) == 4.0
    assert km_median(np.array([2, 4, 6, 8.0]), np.array([1, 0, 0, 0], bool)) == math.inf
    assert math.isnan(km_median(np.zeros(0), np.zeros(0, bool)))


def test_km_mean_is_the_area_under_the_curve_to_the_last_time():
    # no censoring: the plain mean
    assert km_mean(np.array([2, 4, 6, 8.0]), np.ones(4, bool)) == pytest.approx(5.0)
    # S = 2/3 after 2, 1/3 after 4, censored at 6: 2 + 2 * 2/3 + 2 * 1/3
    assert km_mean(np.array([2, 4, 6.0]), np.array([1, 1, 0], bool)) == pytest.approx(4.0)
    # nobody has the event: the follow-up time
    assert km_mean(np.array([3, 7.0]), np.zeros(2, bool)) == pytest.approx(7.0)
    assert math.isnan(km_mean(np.zeros(0), np.zeros(0, bool)))


def test_km_mean_matches_the_integral_of_scipy_ecdf():
    t, e, x = gehan()
    ref = stats.ecdf(stats.CensoredData(uncensored=t[~x][e[~x]], right=t[~x][~e[~x]]))
    grid = np.linspace(0.0, 35.0, 350_001)
    area = float(np.sum(ref.sf.evaluate(grid[:-1]) * np.diff(grid)))
    assert km_mean(t[~x], e[~x]) == pytest.approx(area, abs=1e-3)


def test_cox_hazard_ratio_matches_the_textbook_breslow_estimate():
    t, e, x = gehan()
    beta = cox_binary(t, e, x)
    # Breslow ties: coefficient 1.509, HR 4.52 (e.g. Kleinbaum & Klein, Survival Analysis, ch. 3)
    assert beta == pytest.approx(1.509, abs=5e-4)
    assert math.exp(beta) == pytest.approx(4.523, abs=2e-3)
    # reversing the groups inverts the ratio
    assert cox_binary(t, e, ~x) == pytest.approx(-beta, abs=1e-9)


def _breslow_loglik(beta, t, e, x):
    """The Breslow partial likelihood written patient by patient (independent of cox_binary)."""
    total = 0.0
    for i in np.nonzero(e)[0]:
        risk = t >= t[i]
        total += beta * x[i] - math.log(np.sum(np.exp(beta * x[risk])))
    return total


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 10), st.booleans(), st.booleans()), min_size=6, max_size=40))
def test_cox_maximises_the_breslow_partial_likelihood(data):
    t = np.array([a for a, _, _ in data], float)
    e = np.array([b for _, b, _ in data], bool)
    x = np.array([c for _, _, c in data], bool)
    beta = cox_binary(t, e, x)
    if math.isnan(beta):
        return
    best = optimize.minimize_scalar(lambda b: -_breslow_loglik(b, t, e, x.astype(float)), bounds=(-15, 15),
                                    method="bounded", options={"xatol": 1e-10})  # fmt: skip
    assert beta == pytest.approx(best.x, abs=1e-4)


def test_cox_is_undefined_without_a_finite_estimate():
    t = np.array([1, 2, 3, 4.0])
    assert math.isnan(cox_binary(t, np.zeros(4, bool), np.array([0, 0, 1, 1], bool)))  # no events
    assert math.isnan(cox_binary(t, np.ones(4, bool), np.ones(4, bool)))  # one group only
    # every event in group 1 before any in group 0 could happen: the MLE is infinite
    assert math.isnan(cox_binary(t, np.array([1, 1, 0, 0], bool), np.array([1, 1, 0, 0], bool)))


def test_odds_ratio_by_hand_and_with_zero_cells():
    assert odds_ratio(30, 47, 7, 25) == pytest.approx((30 / 17) / (7 / 18))
    assert odds_ratio(10, 10, 5, 10) == pytest.approx((10.5 / 0.5) / (5.5 / 5.5))
    assert math.isnan(odds_ratio(0, 0, 1, 2))


def test_cohens_d_by_hand():
    a = np.array([1.0, 2.0, 3.0, 4.0])
    b = np.array([3.0, 4.0, 5.0])
    pooled = ((3 * np.var(a, ddof=1)) + 2 * np.var(b, ddof=1)) / 5
    assert cohens_d(a, b) == pytest.approx((2.5 - 4.0) / math.sqrt(pooled))
    assert cohens_d(b, a) == pytest.approx(-cohens_d(a, b))
    assert math.isnan(cohens_d(a, np.array([1.0])))


def test_standardized_beta_single_predictor_is_the_correlation():
    rng = np.random.default_rng(3)
    x = rng.normal(size=200)
    y = -0.4 * x + rng.normal(size=200)
    assert standardized_beta(y, x[:, None]) == pytest.approx(stats.pearsonr(x, y).statistic, abs=1e-12)


def test_standardized_beta_with_a_second_predictor_by_the_partial_formula():
    rng = np.random.default_rng(4)
    x1 = rng.normal(size=300)
    x2 = 0.5 * x1 + rng.normal(size=300)
    y = 0.3 * x1 - 0.6 * x2 + rng.normal(size=300)
    r = np.corrcoef([y, x1, x2])
    expected = (r[0, 1] - r[0, 2] * r[1, 2]) / (1 - r[1, 2] ** 2)
    assert standardized_beta(y, np.stack([x1, x2], axis=1)) == pytest.approx(expected, abs=1e-12)
    assert math.isnan(standardized_beta(y, np.stack([x1, np.ones(300)], axis=1)))  # constant predictor


def test_confirmed_events_need_a_second_visit_inside_the_window():
    visits = np.array([7, 14, 21, 28, 35]) * 24.0
    met = np.array(
        [
            [0, 0, 0, 0, 0],  # never
            [0, 1, 1, 0, 0],  # confirmed 7 d later: event at 14 d
            [0, 1, 0, 0, 0],  # unconfirmed
            [0, 1, 0, 1, 0],  # confirmed 14 d later (inside 5-15 d): event at 14 d
            [1, 0, 0, 0, 1],  # confirmation would be 28 d later: too late; last visit unconfirmable
        ],
        bool,
    )
    has, first = confirmed_events(met, visits, (5 * 24.0, 15 * 24.0))
    assert has.tolist() == [False, True, False, True, False]
    assert first.tolist() == [-1, 1, -1, 1, -1]
    has, first = confirmed_events(met, visits, None)
    assert has.tolist() == [False, True, True, True, True]
    assert first.tolist() == [-1, 1, 1, 1, 0]


@pytest.mark.parametrize(
    ("fractions", "m", "expected"),
    [([0.5, 0.5], 5, [3, 2]), ([2 / 3, 1 / 3], 72, [48, 24]), ([0.2] * 5, 99, [20, 20, 20, 20, 19]),
     ([0.25, 0.75], 1, [0, 1])],
)  # fmt: skip
def test_largest_remainder_allocation(fractions, m, expected):
    assert largest_remainder(fractions, m) == expected
    assert sum(largest_remainder(fractions, m)) == m
