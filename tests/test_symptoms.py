import numpy as np
import pytest

from ketasim.errors import InputError
from ketasim.model import default_model
from ketasim.symptoms import SCALES, link, observe_items, observe_scale


def test_links_are_monotone_bounded_and_flagged_approximate():
    madrs = np.linspace(0, 60, 61)
    for scale, info in SCALES.items():
        top, approximate = info.maximum, info.linked
        if scale == "madrs_item10" or not info.simulated:
            continue
        y = link(default_model(), madrs, scale)
        assert np.all(np.diff(y) >= 0)
        assert y.min() >= 0 and y.max() <= top
        assert approximate == (scale != "madrs")
    # band anchors: QIDS-SR16 ~5 at MADRS 7.5 (Carmody 2006); PHQ-9 ~10 at MADRS ~16
    assert link(default_model(), np.array([7.5]), "qids_sr16")[0] == pytest.approx(5.0, abs=0.6)
    with pytest.raises(InputError, match="unknown scale"):
        link(default_model(), madrs, "bdi")


def test_rater_noise_is_separate_unbiased_and_on_the_scale():
    rng = np.random.default_rng(0)
    items = np.full((20000, 10), 3.0)
    obs = observe_items(items, 0.8, rng)
    assert set(np.unique(obs)) <= set(range(7))
    assert abs(obs.mean() - 3.0) < 0.02
    assert 0.6 < obs.std() < 1.0
    np.testing.assert_array_equal(items, 3.0)  # the true state is untouched
    total = observe_scale(default_model(), items, "madrs", rng)
    assert abs(total.mean() - 30.0) < 0.1
    assert 1.5 < total.std() < 3.5
    exact = observe_scale(default_model(), items, "phq9", rng, noise=False)
    assert np.all(exact == np.rint(link(default_model(), items.sum(-1), "phq9")))
    si = observe_scale(default_model(), items, "madrs_item10", rng)
    assert si.max() <= 6
