"""The posterior as ArviZ InferenceData (optional dependency: skipped where ArviZ is not installed)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from ketasim.errors import InputError
from ketasim.personal.idata import to_inference_data
from ketasim.personal.posterior import Posterior

HAS_ARVIZ = importlib.util.find_spec("arviz") is not None


@pytest.mark.skipif(not HAS_ARVIZ, reason="ArviZ is the optional extra ketasim[personal]")
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


@pytest.mark.skipif(HAS_ARVIZ, reason="checks the message when ArviZ is missing")
def test_missing_arviz_is_named(example_fit: Posterior) -> None:
    with pytest.raises(InputError) as info:
        to_inference_data(example_fit)
    assert info.value.field == "netcdf" and "ketasim[personal]" in (info.value.hint or "")
