"""A fitted patient as ArviZ InferenceData (written with ``--netcdf``).

Groups: ``posterior`` (each quantity on its natural scale, plus the
standard-normal draws ``z_<quantity>``), ``prior`` (the same, drawn from the
population), ``observed_data`` (the fitted scores ``y`` with their times and
scales in ``constant_data``), ``log_likelihood`` (per score, for LOO/WAIC) and
``posterior_predictive`` (the observed scores replicated with rater noise).
Attributes record the method, its diagnostics and the model's calibration, and
say how the draws were made (``sampling``, ``unique_draws``): the default fit
(MAP + Laplace) gives one chain of importance-*resampled* draws, which repeat, so
``r_hat`` is undefined and ArviZ's ESS of them overstates precision; its
importance sample itself is the group ``importance_sample`` (the draws ``z_*`` and
their normalised ``weight``), and ``importance_ess`` is the effective sample size
that counts. For SMC (several independent runs as chains), ``r_hat`` and ESS
across chains mean what they usually do. See docs/personalisation.md.
ArviZ is imported here only, so the fast path never pays for it.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np

from ketasim.errors import InputError
from ketasim.personal.posterior import Posterior, natural

__all__ = ["to_inference_data"]


def _arviz() -> Any:
    with warnings.catch_warnings():
        # ArviZ 0.2x announces its coming refactor on import; it is not a problem of ours
        warnings.simplefilter("ignore", FutureWarning)
        try:
            import arviz
        except ImportError:
            raise InputError(
                "fit", "netcdf", "needs the optional dependency ArviZ", "arviz not installed",
                hint="pip install 'ketasim[personal]'",
            ) from None  # fmt: skip

    return arviz


def to_inference_data(posterior: Posterior, *, prior_draws: int = 1000, seed: int = 0) -> Any:
    """The posterior as an ``arviz.InferenceData`` (see the module doc)."""
    az = _arviz()
    problem = posterior.problem
    C, D, d = posterior.draws.shape
    flat = posterior.flat
    post = {k: v.reshape(C, D) for k, v in natural(problem.model, problem.space, flat).items()}
    for i, name in enumerate(problem.space.names):
        post[f"z_{name}"] = posterior.draws[:, :, i]
    rng = np.random.default_rng(seed)
    z0 = rng.standard_normal((prior_draws, d))
    prior = {k: v[None, :] for k, v in natural(problem.model, problem.space, z0).items()}
    obs = problem.obs
    groups: dict[str, Any] = {"posterior": post, "prior": prior}
    coords = {"score": np.arange(obs.m)}
    dims: dict[str, list[str]] = {}
    if obs.m:
        mu = problem.expected(flat).reshape(C, D, obs.m)
        groups["log_likelihood"] = {"y": obs.loglik(mu)}
        groups["posterior_predictive"] = {"y": mu + obs.sd * rng.standard_normal(mu.shape)}
        groups["observed_data"] = {"y": obs.value}
        groups["constant_data"] = {"time_h": obs.time_h, "scale": np.array(obs.scale)}
        # the scores are variable ``y`` along dimension ``score`` (a variable named as its dimension
        # would become that dimension's coordinate and leave its group empty)
        dims = {"y": ["score"], "time_h": ["score"], "scale": ["score"]}
    unique = int(np.unique(flat, axis=0).shape[0])
    if posterior.importance_weights is not None:
        sampling = (
            "importance-resampled Laplace draws: one chain, repeated draws; r_hat is undefined and the ESS "
            "of these draws overstates precision: use importance_ess (group importance_sample holds the "
            "weighted draws)"
        )
    elif posterior.method == "smc":
        sampling = "tempered SMC: one chain per independent run, equally weighted particles"
    else:
        sampling = f"{posterior.method}: equally weighted independent draws"
    attrs = {
        "sampling": sampling,
        "unique_draws": unique,
        "importance_ess": float(posterior.diagnostics.get("importance_ess", float("nan"))),
        "method": posterior.method,
        "kind": posterior.kind,
        "calibration": str(problem.model.calibration),
        "diagnostics": json.dumps(posterior.diagnostics, default=float),
        "warnings": json.dumps(list(posterior.warnings)),
        "record_start": problem.record.start.isoformat(),
    }
    idata = az.from_dict(**groups, coords=coords, dims=dims)
    # from_dict keeps ``attrs`` off the groups; a reader of the posterior must see how it was drawn
    idata.posterior.attrs.update(attrs)
    if posterior.importance_draws is not None and posterior.importance_weights is not None:
        sample = {
            f"z_{name}": posterior.importance_draws[None, :, i] for i, name in enumerate(problem.space.names)
        }
        sample["weight"] = posterior.importance_weights[None, :]
        with warnings.catch_warnings():
            # a group outside ArviZ's schema is announced; its name and attrs say what it holds
            warnings.simplefilter("ignore", UserWarning)
            idata.add_groups({"importance_sample": sample})
        idata.importance_sample.attrs.update(
            description="Laplace draws before resampling, with normalised (truncated) importance weights",
            importance_ess=attrs["importance_ess"],
        )
    return idata
