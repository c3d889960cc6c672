"""End-to-end runs of the shipped examples and a crossover, on the engine (few replicates)."""

import copy
import math

import numpy as np
import pytest
import yaml

from ketasim.model import default_model
from ketasim.trials import compile_plan, example_path, load_spec, parse_spec, run_trial
from ketasim.trials.runner import run_batch


@pytest.fixture(scope="module")
def parallel():
    return run_trial(load_spec(example_path("ketamine-vs-saline-midazolam")), replicates=3)


@pytest.fixture(scope="module")
def withdrawal():
    spec = load_spec(example_path("esketamine-withdrawal"))
    small = spec.model_copy(update={"population": spec.population.model_copy(update={"n": 60})})
    return run_trial(small, replicates=3)


def test_parallel_drug_beats_both_placebos(parallel):
    change = parallel.endpoint("change_24h")
    ket, sal, mid = (change.row(a).mean for a in ("ketamine", "saline", "midazolam"))
    assert ket < mid and ket < sal
    assert (
        parallel.endpoint("response_24h").row("ketamine").mean
        > parallel.endpoint("response_24h").row("saline").mean
    )
    diff = parallel.endpoint("change_vs_midazolam_24h").row().mean
    assert diff == pytest.approx(ket - mid, abs=1e-9)  # one value per replicate: differences of means
    assert parallel.endpoint("response_or_24h").row().mean > 1.0
    assert parallel.endpoint("d_vs_saline_24h").row().mean > 0.0  # saline minus ketamine change
    assert parallel.endpoint("qids_change_24h").approximate
    assert not parallel.endpoint("change_24h").approximate
    for e in parallel.endpoints:
        for r in e.rows:
            assert r.values.shape == (3,)
            assert r.lo <= r.mean <= r.hi or math.isinf(r.hi)


def test_parallel_reports_targets_next_to_predictions(parallel):
    t = parallel.targets[0]
    assert (t.endpoint, t.arm, t.observed, t.source) == ("response_24h", "ketamine", 64.0, "A10")
    row = parallel.endpoint("response_24h").row("ketamine")
    assert (t.predicted, t.lo, t.hi) == (row.mean, row.lo, row.hi)
    assert t.inside == (row.lo <= 64.0 <= row.hi)
    assert parallel.targets[2].dispersion == {"ci": (1.21, 4.14), "level": 0.95}


def test_withdrawal_relapses_more_and_sooner_without_the_drug(withdrawal):
    rel = withdrawal.endpoint("relapse_by_arm")
    assert rel.row("withdraw").mean > rel.row("continue").mean
    hr = withdrawal.endpoint("hr_relapse").row()
    assert hr.label == "continue vs withdraw"
    assert 0 < hr.mean < 1  # continue relative to withdraw: lower hazard
    km = withdrawal.endpoint("relapse_free_12w")
    assert km.row("continue", "12 wk").mean >= km.row("withdraw", "12 wk").mean
    assert km.row("withdraw", "4 wk").mean >= km.row("withdraw", "12 wk").mean
    assert withdrawal.endpoint("madrs_change_d2").row().mean < 0
    assert (
        withdrawal.endpoint("si_change_4h_with_si").row().mean
        < withdrawal.endpoint("si_change_4h").row().mean
    )


def test_withdrawal_trajectories_cover_each_phase(withdrawal):
    by = {(t.phase, t.arm): t for t in withdrawal.trajectories}
    assert set(by) == {("induction", "all"), ("maintenance", "continue"), ("maintenance", "withdraw")}
    assert by[("induction", "all")].times_h[[0, -1]].tolist() == [0.0, 28 * 24.0]
    assert by[("maintenance", "withdraw")].times_h[-1] == 208 * 24.0
    mean, lo, hi = by[("maintenance", "withdraw")].band()
    assert np.all(lo <= mean + 1e-9) and np.all(mean <= hi + 1e-9)
    kept = by[("maintenance", "continue")]
    assert np.array_equal(kept.times_h, by[("maintenance", "withdraw")].times_h)
    assert np.all(np.isfinite(kept.band()[0])) and np.all(kept.band()[0] < mean[0] + 5.0)


def test_same_seed_same_numbers_whatever_workers_and_chunks(parallel):
    spec = load_spec(example_path("ketamine-vs-saline-midazolam"))
    again = run_trial(spec, replicates=3, workers=2, chunk=40)
    for a, b in zip(parallel.endpoints, again.endpoints, strict=True):
        for ra, rb in zip(a.rows, b.rows, strict=True):
            np.testing.assert_array_equal(ra.values, rb.values)
    other = run_trial(spec, replicates=3, seed=12)
    assert not np.array_equal(other.endpoint("change_24h").row("ketamine").values,
                              parallel.endpoint("change_24h").row("ketamine").values)  # fmt: skip


def test_replicates_are_independent_and_stable(parallel):
    spec = load_spec(example_path("ketamine-vs-saline-midazolam"))
    plan = compile_plan(spec)
    one = run_batch(plan, default_model(), (1,), spec.seed)
    # replicate 1 alone equals replicate 1 of the 3-replicate run
    expected = [r.values[1] for r in parallel.endpoint("change_24h").rows]
    np.testing.assert_array_equal(one.values["change_24h"][0], expected)
    assert len(set(parallel.endpoint("change_24h").row("ketamine").values.tolist())) == 3


KETAMINE = [{"drug": "ketamine", "route": "iv", "dose": "0.5 mg/kg", "over": "40 min"}]
CROSSOVER = {
    "id": "crossover",
    "title": "ketamine and saline, one week apart, in both orders",
    "population": {"n": 40, "baseline": {"mean": 33, "sd": 5, "min": 22}},
    "phases": [
        {"id": "period1", "days": 7, "arms": [
            {"id": "ketamine", "regimen": KETAMINE},
            {"id": "saline", "placebo": "saline"}]},
        {"id": "washout", "days": 14},
        {"id": "period2", "days": 7, "arms": [
            {"id": "saline", "follows": {"phase": "period1", "arm": "ketamine"}, "placebo": "saline"},
            {"id": "ketamine", "follows": {"phase": "period1", "arm": "saline"}, "regimen": KETAMINE}]},
    ],
    "visits": {"at": ["1 d"]},
    "endpoints": [
        {"id": "change_24h", "measure": "mean_change", "phase": ["period1", "period2"], "at": "24 h",
         "baseline": "phase", "by": "arm"},
        {"id": "d_24h", "measure": "effect_size", "in": "mean_change", "phase": ["period1", "period2"],
         "at": "24 h", "baseline": "phase", "arms": ["saline", "ketamine"]},
        {"id": "period2_baseline", "measure": "mean", "phase": "period2", "at": "0 h", "by": "arm"},
    ],
    "replicates": 2,
    "seed": 3,
}  # fmt: skip


def test_crossover_pools_each_treatment_over_both_periods():
    plan = compile_plan(parse_spec(CROSSOVER))
    period2 = plan.design.phases[2]
    assert [(a.id, a.follows) for a in period2.arms] == [("saline", 0), ("ketamine", 1)]
    out = run_batch(plan, default_model(), (0, 1), 3)
    change = out.values["change_24h"]  # (replicates, rows: ketamine, saline)
    assert np.all(change[:, 0] < change[:, 1])
    assert np.all(out.values["d_24h"] > 0)
    result = run_trial(parse_spec(CROSSOVER))
    assert (
        result.endpoint("change_24h").row("ketamine").mean < result.endpoint("change_24h").row("saline").mean
    )


def test_continue_if_keeps_only_selected_patients_in_the_next_phase(withdrawal):
    spec = load_spec(example_path("esketamine-withdrawal"))
    data = copy.deepcopy(spec.model_dump(by_alias=True, exclude_none=True))
    data["population"]["n"] = 30
    data["replicates"] = 1
    # impossible selection: nobody continues, so maintenance endpoints have no one to measure
    data["phases"][0]["continue_if"] = [{"measure": "score", "at": "28 d", "max": -1}]
    result = run_trial(parse_spec(yaml.safe_load(yaml.safe_dump(data))))
    assert result.endpoint("response_induction").row().n_defined == 1
    assert result.endpoint("relapse_by_arm").row("continue").n_defined == 0
    assert result.patients_simulated == 30
