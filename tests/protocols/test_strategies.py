"""What the strategies buy (the issue's "must show"), on virtual populations, default parameters.

All protocols run on the same virtual patients (paired), default (calibrated)
parameters. These are statements about relative behaviour; docs/protocols.md
gives the numbers on 1000 patients and where the model disagrees with the brief.
"""

import numpy as np
import pytest

from ketasim.population.virtual import TRD_TRIAL
from ketasim.protocols.catalog import load
from ketasim.protocols.compare import compare_runs
from ketasim.protocols.reinduction import rescue_sessions
from ketasim.protocols.simulate import simulate_protocol
from ketasim.protocols.spec import Booster, NoMaintenance, SymptomPolicy

N = 120
DAYS = 273


@pytest.fixture(scope="module")
def comparison():
    relapse_only = load("iv-6x2w-relapse-only")
    induction_only = relapse_only.model_copy(
        update={"name": "induction-only", "maintenance": NoMaintenance(policy="none"), "reinduction": None}
    )
    boosters = SymptomPolicy(
        policy="symptom_triggered", threshold=22, booster=Booster(sessions=2, spacing_days=2)
    )
    symptom = relapse_only.model_copy(update={"name": "symptom", "maintenance": boosters})
    runs = [
        simulate_protocol(p, TRD_TRIAL, N, days=DAYS, seed=5) for p in (induction_only, relapse_only, symptom)
    ]
    return {s.name: s for s in compare_runs(runs, n_boot=300, reference="induction-only").summaries}


def test_relapse_only_prevents_no_relapse_while_symptom_triggered_boosters_add_none(comparison):
    """Against the induction alone (each patient relapses at most once, then stays ill), re-treating
    after relapse multiplies relapses; boosters before relapse keep them at the induction's level
    while restoring the time in response. Per relapse prevented, relapse-only is unbounded."""
    ref, relapse_only, symptom = (
        comparison["induction-only"],
        comparison["iv-6x2w-relapse-only"],
        comparison["symptom"],
    )
    rel = {k: s.estimates["relapses_per_year"].mean for k, s in comparison.items()}
    # re-treated after each relapse, patients relapse again: no fewer relapses than the induction alone
    assert rel["iv-6x2w-relapse-only"] >= rel["induction-only"]
    assert relapse_only.vs_reference["extra_sessions_per_relapse_prevented"].mean is None
    assert symptom.estimates["relapses_per_year"].mean <= ref.estimates["relapses_per_year"].hi
    assert symptom.vs_reference["relapses_per_year_difference"].hi < (
        relapse_only.vs_reference["relapses_per_year_difference"].lo
    )
    assert symptom.estimates["days_in_response_pct"].lo > ref.estimates["days_in_response_pct"].hi
    assert ref.estimates["sessions_per_year"].mean < relapse_only.estimates["sessions_per_year"].mean


def test_symptom_triggered_boosters_match_relapse_only_time_in_response_with_fewer_relapses(comparison):
    relapse_only, symptom = comparison["iv-6x2w-relapse-only"], comparison["symptom"]
    resp = {k: s.estimates["days_in_response_pct"].mean for k, s in comparison.items()}
    assert resp["symptom"] >= resp["iv-6x2w-relapse-only"]
    assert symptom.estimates["relapses_per_year"].hi < relapse_only.estimates["relapses_per_year"].lo
    assert symptom.estimates["sessions_per_year"].mean < relapse_only.estimates["sessions_per_year"].mean + 3
    assert (
        symptom.estimates["reinductions_per_year"].mean < relapse_only.estimates["reinductions_per_year"].mean
    )


@pytest.fixture(scope="module")
def rescue():
    return rescue_sessions(load("iv-6x2w-relapse-only"), TRD_TRIAL, N, days=200, seed=5)


def test_after_full_relapse_the_labile_and_stabilised_pools_are_gone(rescue):
    after_induction = rescue.pools_after_induction.mean(axis=0)
    at_relapse = rescue.pools_at_start["after_relapse"].mean(axis=0)
    at_loss = rescue.pools_at_start["before_relapse"].mean(axis=0)
    assert after_induction[1] > 0.2, "the induction consolidates: stabilised spines"
    assert at_relapse[0] < 0.01 and at_relapse[1] < 0.02, "labile and stabilised pools near zero"
    assert at_relapse[1] < 0.25 * at_loss[1]
    assert at_relapse[2] < at_loss[2], "the mature pool is lower too (but not zero: docs/protocols.md)"


def test_reinduction_after_full_relapse_needs_more_sessions_than_a_booster_before_relapse(rescue):
    before = rescue.sessions_needed["before_relapse"]
    after = rescue.sessions_needed["after_relapse"]
    assert before.size == after.size > 30
    assert after.mean() > before.mean() + 0.2
    assert (before == 1).mean() > (after == 1).mean() + 0.1
    assert np.all(after >= 1) and np.all(before >= 1)
