"""Summaries over replicates: mean and 95 % range, undefined and not-reached values, JSON."""

import json
import math

import numpy as np
import pytest

from ketasim.trials.result import RowResult, interval


def test_interval_is_the_mean_and_the_linear_quantiles():
    v = np.arange(1.0, 102.0)  # 1..101
    mean, lo, hi = interval(v)
    assert mean == 51.0
    assert lo == pytest.approx(np.quantile(v, 0.025))
    assert hi == pytest.approx(np.quantile(v, 0.975))


def test_undefined_values_are_left_out_and_not_reached_stays_in_the_quantiles():
    v = np.array([10.0, 20.0, np.nan, 30.0, math.inf])
    mean, lo, hi = interval(v)
    assert mean == 20.0  # finite values only
    assert lo == pytest.approx(np.quantile([10.0, 20.0, 30.0, 1e300], 0.025))
    assert hi == math.inf
    row = RowResult("withdraw", None, v)
    assert (row.n_defined, row.n_not_reached) == (3, 1)
    d = row.as_dict(per_replicate=True)
    assert d["hi"] is None and d["mean"] == 20.0
    assert d["values"] == [10.0, 20.0, None, 30.0, None]
    json.dumps(d, allow_nan=False)
    assert all(math.isnan(x) for x in interval(np.array([np.nan, np.nan])))
