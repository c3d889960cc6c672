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
