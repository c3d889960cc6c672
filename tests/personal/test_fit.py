"""Fitting: MAP + Laplace recovers in-silico patients better than the prior; SMC agrees; no scores: prior."""

from __future__ import annotations

import numpy as np
import pytest

from ketasim.errors import InputError
from ketasim.personal.fit import LaplaceOptions, SMCOptions, fit, options_for
from ketasim.personal.posterior import Posterior
from ketasim.personal.space import BASELINE
from ketasim.record import PatientRecord

from .conftest import Truth


@pytest.fixture(scope="module")
def fits(truths: list[Truth]) -> list[Posterior]:
    return [fit(t.record, options=LaplaceOptions(draws=200), seed=k) for k, t in enumerate(truths)]


def test_map_recovers_parameters_better_than_the_prior(truths: list[Truth], fits: list[Posterior]) -> None:
    # squared error on the prior scale: the prior's guess is z = 0, the fit's is its posterior mean
    err_fit = np.array([(p.flat.mean(axis=0) - t.z) ** 2 for t, p in zip(truths, fits, strict=True)])
    err_prior = np.array([t.z**2 for t in truths])
    assert err_fit.sum() < 0.8 * err_prior.sum()
    names = fits[0].space.names
    for q in ("g", BASELINE):  # the quantities the scores speak to most
        i = names.index(q)
        assert err_fit[:, i].mean() < 0.6 * err_prior[:, i].mean(), q


def test_truth_lies_mostly_inside_the_posterior_95_interval(
    truths: list[Truth], fits: list[Posterior]
) -> None:
    inside = [
        (np.quantile(p.flat, 0.025, axis=0) <= t.z) & (t.z <= np.quantile(p.flat, 0.975, axis=0))
        for t, p in zip(truths, fits, strict=True)
    ]
    assert np.mean(inside) >= 0.8


def test_laplace_diagnostics_and_summary(fits: list[Posterior]) -> None:
    post = fits[0]
    assert post.method == "laplace" and post.kind == "personal"
    assert post.diagnostics["converged"] and post.diagnostics["importance_ess_fraction"] > 0.1
    assert post.cov is not None and np.all(np.linalg.eigvalsh(post.cov) > 0)
    rows = {r["quantity"]: r for r in post.summary(prior_draws=500)}
    assert set(rows) == set(post.space.names)
    b = rows[BASELINE]
    # eight MADRS scores pin the true baseline far tighter than the population does
    assert b["contraction"] > 0.5
    assert b["q97.5"] - b["q2.5"] < 0.5 * (b["prior_q97.5"] - b["prior_q2.5"])
    for r in rows.values():
        assert r["q2.5"] <= r["median"] <= r["q97.5"]


def test_no_scores_gives_the_prior_labelled_population(truths: list[Truth]) -> None:
    rec = truths[0].record
    empty = PatientRecord(rec.patient, rec.regimen, (), rec.start)
    post = fit(empty, options=LaplaceOptions(draws=400), seed=1)
    assert post.kind == "population" and post.method == "prior"
    z = post.flat
    assert abs(z.mean()) < 0.15 and abs(z.std() - 1.0) < 0.1


def test_same_seed_same_posterior(truths: list[Truth]) -> None:
    a = fit(truths[1].record, options=LaplaceOptions(draws=50), seed=3)
    b = fit(truths[1].record, options=LaplaceOptions(draws=50), seed=3)
    np.testing.assert_array_equal(a.draws, b.draws)


def test_method_names() -> None:
    assert isinstance(options_for("smc"), SMCOptions)
    with pytest.raises(InputError) as info:
        options_for("nuts")
    assert info.value.field == "method" and info.value.hint and "SMC" in info.value.hint
    with pytest.raises(InputError, match="draws"):
        LaplaceOptions(draws=1)
    with pytest.raises(InputError, match="particles"):
        SMCOptions(particles=5)


@pytest.mark.slow
def test_smc_agrees_with_laplace_and_its_chains_agree(truths: list[Truth], fits: list[Posterior]) -> None:
    t, lap = truths[0], fits[0]
    smc = fit(t.record, options=SMCOptions(particles=150, chains=3), seed=5)
    assert smc.method == "smc" and smc.draws.shape[:2] == (3, 150)
    assert smc.diagnostics["max_rhat"] < 1.1
    assert smc.diagnostics["stages"] >= 1
    # both approximate one posterior: means within a third of a prior SD for the well-informed quantities
    for q in ("g", BASELINE):
        i = lap.space.index(q)
        assert abs(smc.flat[:, i].mean() - lap.flat[:, i].mean()) < 0.35, q
