"""The posterior as ArviZ InferenceData (ArviZ is an optional extra, installed with the test extra)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from ketasim.errors import InputError
from ketasim.personal.idata import to_inference_data
from ketasim.personal.posterior import Posterior


def test_inference_data_groups_and_netcdf(example_fit: Posterior, tmp_path: Path) -> None:
    idata = to_inference_data(example_fit, prior_draws=200)
    for group in ("posterior", "prior", "observed_data", "log_likelihood", "posterior_predictive"):
        assert hasattr(idata, group), group
    post = idata.posterior
    assert post["g"].shape == example_fit.draws.shape[:2]
    np.testing.assert_allclose(post["z_g"].values, example_fit.draws[:, :, example_fit.space.index("g")])
    assert idata.observed_data["y"].size == example_fit.n_scores
    assert idata.log_likelihood["y"].shape == (*example_fit.draws.shape[:2], example_fit.n_scores)
    out = tmp_path / "post.nc"
    idata.to_netcdf(str(out))
    assert out.stat().st_size > 0


def test_missing_arviz_is_named(example_fit: Posterior, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "arviz", None)  # an import of arviz now fails, as when not installed
    with pytest.raises(InputError) as info:
        to_inference_data(example_fit)
    assert info.value.field == "netcdf" and "ketasim[personal]" in (info.value.hint or "")


def test_resampled_draws_are_labelled_and_the_weighted_sample_is_stored(
    example_fit: Posterior, tmp_path: Path
) -> None:
    import arviz as az

    idata = to_inference_data(example_fit, prior_draws=50)
    attrs = idata.posterior.attrs
    assert "importance-resampled" in attrs["sampling"] and "r_hat is undefined" in attrs["sampling"]
    assert 0 < attrs["unique_draws"] < example_fit.draws.shape[1]
    sample = idata.importance_sample
    w = sample["weight"].values
    assert w.shape == (1, example_fit.draws.shape[1])
    assert w.sum() == pytest.approx(1.0) and (w >= 0).all()
    assert attrs["importance_ess"] == pytest.approx(1.0 / np.sum(w * w))
    assert attrs["importance_ess"] == pytest.approx(example_fit.diagnostics["importance_ess"])
    assert set(sample.data_vars) == {"weight", *(f"z_{n}" for n in example_fit.space.names)}
    # the weighted sample reproduces the resampled posterior's mean
    g = example_fit.space.index("g")
    weighted = float(np.sum(w[0] * sample[f"z_{example_fit.space.names[g]}"].values[0]))
    assert weighted == pytest.approx(float(example_fit.draws[0, :, g].mean()), abs=0.1)
    out = tmp_path / "post.nc"
    idata.to_netcdf(str(out))
    back = az.from_netcdf(str(out))
    assert "importance_sample" in back.groups()
