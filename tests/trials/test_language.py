"""Design features of the trial language (docs/trials.md): each works, and bad input names the field."""

import copy

import numpy as np
import pytest
import yaml

from ketasim.errors import InputError
from ketasim.model import default_model
from ketasim.population.patients import PHYSIOLOGICAL
from ketasim.population.virtual import Dist, PopulationSpec, sample_cohort
from ketasim.trials import EXAMPLES, check_spec, compile_plan, example_path, parse_spec, run_trial

MODEL = default_model()
PARALLEL = yaml.safe_load(example_path("ketamine-vs-saline-midazolam").read_text())
KET = {"drug": "ketamine", "route": "iv", "dose": "0.5 mg/kg", "over": "40 min"}


def _spec(**changes):
    data = copy.deepcopy(PARALLEL)
    data.pop("targets", None)
    data.update(changes)
    return data


def _error(data) -> InputError:
    with pytest.raises(InputError) as info:
        compile_plan(parse_spec(data), MODEL)
    return info.value


# --- physiological limits by default ----------------------------------------------------------


def test_distributions_without_limits_are_truncated_to_physiological_limits():
    spec = PopulationSpec(weight_kg=Dist(60.0, 40.0), age_years=Dist(30.0, 25.0), bmi=Dist(25.0, 20.0))
    cohort = sample_cohort(spec, MODEL, np.arange(5000), seed=3)
    for name in ("weight_kg", "age_years", "bmi"):
        lo, hi, _ = PHYSIOLOGICAL[name]
        v = getattr(cohort, name)
        assert v.min() >= lo and v.max() <= hi, name
        assert (v < lo + 5.0).any()  # the wide distribution reaches the lower limit: truncated, not shifted


def test_a_trial_with_unbounded_covariates_runs():
    pop = {"n": 40, "weight_kg": {"mean": 60, "sd": 40}, "age_years": {"mean": 30, "sd": 20}}
    data = _spec(population=pop, arms=[{"id": "ketamine", "regimen": [KET]}])
    data["endpoints"] = [{"id": "change", "measure": "mean_change", "at": "24 h"}]
    plan = compile_plan(parse_spec(data), MODEL)
    assert plan.design.population.weight_kg.min == PHYSIOLOGICAL["weight_kg"][0]
    assert plan.design.population.age_years.max == PHYSIOLOGICAL["age_years"][1]
    result = run_trial(parse_spec(data), replicates=2)
    assert np.isfinite(result.endpoint("change").row().values).all()


@pytest.mark.parametrize(
    ("population", "field", "rule"),
    [
        (
            {"weight_kg": {"mean": 60, "sd": 10, "min": 10}},
            "population.weight_kg.min",
            "physiological limits",
        ),
        (
            {"age_years": {"mean": 60, "sd": 10, "max": 130}},
            "population.age_years.max",
            "physiological limits",
        ),
        ({"weight_kg": {"mean": 600, "sd": 5}}, "population.weight_kg.mean", "(almost) no one"),
        ({"bmi": {"mean": 90, "sd": 0}}, "population.bmi.mean", "within the limits"),
    ],
)
def test_covariates_outside_physiological_limits_name_the_field(population, field, rule):
    err = _error(_spec(population={"n": 96, **population}))
    assert err.field == field
    assert rule in err.rule


# --- background treatment per arm -------------------------------------------------------------

BACKGROUND_TRIAL = {
    "id": "background-per-arm",
    "title": "Background per arm",
    "population": {"n": 90, "background": {"oral_antidepressant": "continuing"}},
    "phases": [
        {
            "id": "lead_in",
            "days": 14,
            "arms": [
                {"id": "start", "background": {"oral_antidepressant": "new_start"}},
                {"id": "keep"},
                {"id": "late", "background": {"oral_antidepressant": "switch", "from": "7 d"}},
            ],
        },
        {
            "id": "follow_up",
            "days": 7,
            "arms": [{"id": "on", "background": {"oral_antidepressant": "continuing"}}],
        },
    ],
    "visits": {"every": "7 d"},
    "endpoints": [
        {"id": "change_7d", "measure": "mean_change", "phase": "lead_in", "at": "7 d", "by": "arm"},
        {"id": "change_14d", "measure": "mean_change", "phase": "lead_in", "at": "14 d", "by": "arm"},
    ],
    "replicates": 2,
}


def test_background_is_carried_per_arm_to_the_engine():
    plan = compile_plan(parse_spec(BACKGROUND_TRIAL), MODEL)
    d = plan.design
    assert d.background_of((0, 0)) == (2, 0.0)  # new_start at the trial start, continued
    assert d.background_of((1, 0)) == (1, 0.0)  # the population's continuing
    assert d.background_of((2, 0)) == (3, 7 * 24.0)  # switch one week into the phase
    result = run_trial(parse_spec(BACKGROUND_TRIAL))
    wk1, wk2 = result.endpoint("change_7d"), result.endpoint("change_14d")
    # a new antidepressant improves over weeks; the steady one adds nothing new; the switch starts later
    assert wk2.row("start").mean < wk1.row("start").mean < wk1.row("keep").mean - 1.0
    assert abs(wk1.row("late").mean - wk1.row("keep").mean) < 1.0
    assert wk2.row("late").mean < wk2.row("keep").mean - 1.0


def _background_case(phase, arm, value):
    data = copy.deepcopy(BACKGROUND_TRIAL)
    data["phases"][phase]["arms"][arm]["background"] = value
    return data


@pytest.mark.parametrize(
    ("phase", "arm", "value", "field", "rule"),
    [
        (
            0,
            1,
            {"oral_antidepressant": "restart"},
            "phases[0].arms[1].background.oral_antidepressant",
            "Input",
        ),
        (0, 1, {"oral_antidepressant": "none", "from": "2 d"}, "phases[0].arms[1].background", "`from`"),
        (
            0,
            0,
            {"oral_antidepressant": "new_start", "from": "20 d"},
            "phases[0].arms[0].background.from",
            "within",
        ),
        (
            0,
            0,
            {"oral_antidepressant": "new_start", "dose": "20 mg"},
            "phases[0].arms[0].background.dose",
            "unknown",
        ),
        (
            1,
            0,
            {"oral_antidepressant": "none"},
            "phases[1].arms[0].background.oral_antidepressant",
            "stopping",
        ),
        (
            1,
            0,
            {"oral_antidepressant": "switch"},
            "phases[1].arms[0].background.oral_antidepressant",
            "at most one",
        ),
    ],
)
def test_bad_background_names_the_field(phase, arm, value, field, rule):
    err = _error(_background_case(phase, arm, value))
    assert err.field == field
    assert rule in err.rule


def test_continuing_after_none_names_the_arm():
    data = _background_case(0, 1, {"oral_antidepressant": "none"})
    err = _error(data)  # the follow-up's continuing has nothing to continue on the path through `keep`
    assert err.field == "phases[1].arms[0].background.oral_antidepressant"
    assert "already taken" in err.rule


def test_every_shipped_example_checks():
    names = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))
    assert "esketamine-switch-antidepressant" in names
    for name in names:
        check_spec(example_path(name))


# --- definitions over several visits, combined with all / any / not -----------------------------

MULTI_VISIT = {
    "id": "multi-visit",
    "title": "hand-made record",
    "population": {"n": 5},
    "days": 56,
    "arms": [{"id": "all_patients"}],
    "visits": {"every": "7 d"},
    "definitions": {
        "remission": {"max": 12},
        "stable_remission": {"max": 12, "at_least": 3, "of_last": 4},
        "two_in_a_row": {"of": "remission", "consecutive": 2},
        "early_response": {"percent_change_max": -50, "once_between": ["7 d", "21 d"]},
        "remitted_not_stable": {"all": ["remission", {"not": "stable_remission"}]},
        "stable_or_early": {"any": [{"of": "stable_remission"}, "early_response"]},
    },
    "endpoints": [
        {"id": name, "measure": "rate", "of": name}
        for name in (
            "remission", "stable_remission", "two_in_a_row", "early_response", "remitted_not_stable",
            "stable_or_early",
        )
    ]
    + [{"id": "two_in_a_row_28d", "measure": "rate", "of": "two_in_a_row", "at": "28 d"}],
}  # fmt: skip

# MADRS at days 0, 7, ..., 56
MULTI_SCORES = np.array(
    [
        [30, 10, 10, 10, 10, 10, 10, 10, 10],  # remitted throughout
        [30, 20, 20, 20, 20, 20, 10, 20, 10],  # remitted at the end only, 2 of the last 4
        [30, 14, 30, 30, 30, 10, 10, 10, 30],  # early response; 3 of the last 4 remitted, not at the end
        [30, 30, 30, 30, 30, 30, 30, 12, 12],  # the last two visits only
        [30, 10, 10, 10, 10, 10, 10, 10, 30],  # stable, then worse at the last visit
    ],
    float,
)


def _hand_made(plan, scores):
    from ketasim.trials.data import ReplicateData

    exact = MODEL.with_values({"Ketasim_2026_symptoms.SIGMA_ITEM": 0.0})  # no rater noise
    times = plan.design.times_h
    items = np.full((scores.shape[0], times.size, 10), np.nan)
    for j, t in enumerate(times):
        k = round(t / 24.0 / 7.0)
        for i, row in enumerate(scores):
            base, extra = divmod(int(row[k]), 10)
            items[i, j] = [base + (m < extra) for m in range(10)]
    arm = np.zeros((scores.shape[0], len(plan.design.phases)), dtype=np.int64)
    cohort = sample_cohort(PopulationSpec(), exact, scores.shape[0], 0)
    return ReplicateData(exact, 0, 0, times, items, arm, cohort)


def test_definitions_over_several_visits_and_their_combinations():
    from ketasim.trials.endpoints import endpoint_values

    plan = compile_plan(parse_spec(MULTI_VISIT), MODEL)
    data = _hand_made(plan, MULTI_SCORES)
    got = {ep.id: endpoint_values(plan, data, ep)[0] for ep in plan.endpoints}
    assert got == {
        "remission": 60.0,  # patients 0, 1, 3 at day 56
        "stable_remission": 60.0,  # 0, 2, 4: at least 3 of the last 4 visits
        "two_in_a_row": 40.0,  # 0, 3
        "early_response": 60.0,  # 0, 2, 4: once at day 7-21
        "remitted_not_stable": 40.0,  # 1, 3
        "stable_or_early": 60.0,  # 0, 2, 4
        "two_in_a_row_28d": 40.0,  # 0, 4 at days 21 and 28
    }


@pytest.mark.parametrize(
    ("definition", "field", "rule"),
    [
        ({"max": 12, "at_least": 3}, "definitions.bad", "go together"),
        ({"max": 12, "at_least": 5, "of_last": 4}, "definitions.bad", "must not exceed"),
        ({"max": 12, "consecutive": 2, "at_least": 2, "of_last": 3}, "definitions.bad", "give one of"),
        ({"max": 12, "all": ["remission"]}, "definitions.bad", "one form only"),
        ({"all": ["remission", "sustained"]}, "definitions.bad.all[1].of", "unknown definition"),
        ({"not": {"of": "bad"}}, "definitions.bad.not.of", "refer to themselves"),
        ({"scale": "phq9", "any": ["remission"]}, "definitions.bad", "belong to thresholds"),
        ({"all": [{"max": 12, "kind": "event"}]}, "definitions.bad.all[0].kind", "named definitions"),
        ({"max": 12, "once_between": ["5 d", "2 d"]}, "definitions.bad.once_between", "earliest, latest"),
        ({"max": 12, "consecutive": 0}, "definitions.bad.consecutive", "greater than or equal to 1"),
    ],
)
def test_bad_multi_visit_definitions_name_the_field(definition, field, rule):
    data = copy.deepcopy(MULTI_VISIT)
    data["definitions"]["bad"] = definition
    err = _error(data)
    assert err.field == field
    assert rule in err.rule


def test_specs_with_every_feature_survive_a_dump_and_reload():
    # run_trial re-validates a dumped spec when replicates or seed are overridden
    for data in (MULTI_VISIT, BACKGROUND_TRIAL):
        spec = parse_spec(data)
        assert parse_spec(spec.model_dump(by_alias=True)) == spec


# --- dropout and missing-data conventions ------------------------------------------------------

MISSING = copy.deepcopy(MULTI_VISIT)
MISSING["definitions"]["worse"] = {"min": 25, "kind": "event", "at_risk": []}
MISSING["endpoints"] = [
    {"id": "remission_observed", "measure": "rate", "of": "remission"},
    {"id": "remission_locf", "measure": "rate", "of": "remission", "missing": "locf"},
    {"id": "remission_nri", "measure": "rate", "of": "remission", "missing": "non_responder"},
    {"id": "mean_observed", "measure": "mean"},
    {"id": "mean_locf", "measure": "mean", "missing": "locf"},
    {"id": "worse_free", "measure": "km", "of": "worse", "times": ["56 d"]},
]


def test_missing_data_conventions_and_censoring_at_dropout():
    from ketasim.trials.endpoints import endpoint_values

    plan = compile_plan(parse_spec(MISSING), MODEL)
    data = _hand_made(plan, MULTI_SCORES)
    data.dropout_h = np.array([np.inf, 30 * 24.0, np.inf, np.inf, 10 * 24.0])
    got = {ep.id: endpoint_values(plan, data, ep)[0] for ep in plan.endpoints}
    assert got["remission_observed"] == pytest.approx(200 / 3)  # 0 and 3 of the 3 still observed
    assert got["remission_locf"] == pytest.approx(60.0)  # 1 carries 20 (day 28), 4 carries 10 (day 7)
    assert got["remission_nri"] == pytest.approx(40.0)  # the two who dropped out count as not remitted
    assert got["mean_observed"] == pytest.approx((10 + 30 + 12) / 3)
    assert got["mean_locf"] == pytest.approx((10 + 20 + 30 + 12 + 10) / 5)
    # events on days 7 (patient 3) and 14 (patient 2); patient 4 is censored at day 7, not at day 56
    assert got["worse_free"] == pytest.approx(100 * 0.8 * 2 / 3)


DROPOUT_TRIAL = {
    "id": "dropout-per-arm",
    "title": "Dropout per arm",
    "population": {"n": 200},
    "days": 28,
    "dropout": {"per_week": 0.2},
    "arms": [
        {"id": "ketamine", "regimen": [dict(KET, days=[0, 7, 14, 21])]},
        {"id": "stays", "regimen": [dict(KET, days=[0, 7, 14, 21])], "dropout": {"per_week": 0}},
    ],
    "visits": {"every": "7 d"},
    "definitions": {"response": {"percent_change_max": -50}},
    "endpoints": [
        {"id": "observed", "measure": "rate", "of": "response", "at": "28 d", "by": "arm"},
        {
            "id": "nri",
            "measure": "rate",
            "of": "response",
            "at": "28 d",
            "by": "arm",
            "missing": "non_responder",
        },
    ],
    "replicates": 2,
}


def test_dropout_hazard_per_arm_removes_observations():
    plan = compile_plan(parse_spec(DROPOUT_TRIAL), MODEL)
    assert [a.dropout_per_week for a in plan.design.phases[0].arms] == [0.2, 0.0]
    result = run_trial(parse_spec(DROPOUT_TRIAL))
    obs, nri = result.endpoint("observed"), result.endpoint("nri")
    assert nri.row("stays").mean == pytest.approx(obs.row("stays").mean)  # nobody leaves this arm
    kept = nri.row("ketamine").mean / obs.row("ketamine").mean  # share still observed at day 28
    assert kept == pytest.approx(0.8**4, abs=0.12)


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"dropout": {"per_week": 1.2}}, "dropout.per_week", "less than 1"),
        ({"dropout": {"per_week": 0.1, "per_day": 0.1}}, "dropout.per_day", "unknown field"),
        (
            {"endpoints": [{"id": "m", "measure": "mean", "missing": "non_responder"}]},
            "endpoints[0]",
            "rates",
        ),
        ({"endpoints": [{"id": "m", "measure": "mean", "missing": "mmrm"}]}, "endpoints[0].missing", "Input"),
        (
            {"endpoints": [{"id": "k", "measure": "km", "of": "worse", "times": ["7 d"], "missing": "locf"}]},
            "endpoints[0]",
            "censored",
        ),
        (
            {"endpoints": [{"id": "w", "measure": "rate", "of": "worse", "missing": "non_responder"}]},
            "endpoints[0].missing",
            "applies to states",
        ),
    ],
)
def test_bad_dropout_and_missing_name_the_field(change, field, rule):
    data = copy.deepcopy(MISSING)
    data.update(change)
    err = _error(data)
    assert err.field == field
    assert rule in err.rule


def test_who_drops_out_does_not_enter_a_later_phase():
    from ketasim.trials.runner import _Batch

    data = {
        "id": "dropout-phases",
        "title": "Dropout in a lead-in",
        "population": {"n": 100},
        "phases": [
            {"id": "lead_in", "days": 14, "dropout": {"per_week": 0.3}},
            {"id": "randomised", "days": 7, "arms": [{"id": "a"}, {"id": "b"}]},
        ],
        "endpoints": [{"id": "m", "measure": "mean", "phase": "randomised"}],
    }
    plan = compile_plan(parse_spec(data), MODEL)
    batch = _Batch(plan, MODEL, (0,), 0)
    batch.simulate(0, 1, -np.inf, 1000)
    dropped = np.isfinite(batch.dropout_h)
    assert 0.35 < dropped.mean() < 0.65  # 1 - 0.7**2 = 0.51
    assert (batch.dropout_h[dropped] < 14 * 24.0).all()
    assert (batch.arm[dropped, 1] == -1).all() and (batch.arm[~dropped, 1] >= 0).all()
    obs = batch.replicate(0).observed("madrs")
    late = plan.design.times_h > 14 * 24.0
    assert np.isnan(obs[np.ix_(dropped, late)]).all() and not np.isnan(obs[np.ix_(~dropped, late)]).any()


# --- stop rules and titration, decided at visits during the run --------------------------------

IV_COURSE = [0, 2, 4, 7, 9, 11]


def _course(arm_changes, days=IV_COURSE, dose="0.5 mg/kg"):
    arm = {"id": "ketamine", "regimen": [dict(KET, dose=dose, days=days)], **arm_changes}
    return {
        "id": "decided",
        "title": "Sessions decided at visits",
        "population": {"n": 30},
        "days": 14,
        "arms": [arm],
        "visits": {"at": ["2 d", "4 d", "7 d", "9 d", "11 d"]},
        "definitions": {
            "anyone": {"min": 0},
            "nobody": {"min": 100},
            "response": {"percent_change_max": -50},
        },
        "endpoints": [{"id": "m", "measure": "mean", "at": "14 d"}],
    }


def _true_items(data, regimen=None):
    from ketasim.trials.runner import _Batch

    if regimen is not None:
        data["arms"][0]["regimen"] = regimen
    plan = compile_plan(parse_spec(data), MODEL)
    batch = _Batch(plan, MODEL, (0,), 0)
    batch.simulate(0, 0, -np.inf, 1000)
    return batch.items


def test_stop_rules_switch_later_sessions_off():
    never = _true_items(_course({}), regimen=[])
    stop_at_once = _true_items(_course({"stop_when": {"of": "anyone"}}))  # decided at the day-0 visit
    np.testing.assert_allclose(stop_at_once, never, rtol=1e-4, atol=1e-9)
    two_only = _true_items(_course({}, days=[0, 2]))
    stop_after_two = _true_items(
        _course({"stop_when": [{"sessions": 2, "without": "nobody"}, {"of": "nobody"}]})
    )
    np.testing.assert_allclose(stop_after_two, two_only, rtol=1e-4, atol=1e-9)
    full = _true_items(_course({"stop_when": {"of": "nobody"}}))
    np.testing.assert_allclose(full, _true_items(_course({})), rtol=1e-4, atol=1e-9)
    assert not np.allclose(full, two_only)


def test_titration_raises_the_dose_from_the_deciding_visit():
    written = [dict(KET, days=[0, 2]), dict(KET, dose="0.75 mg/kg", days=[4, 7, 9, 11])]
    expected = _true_items(_course({}), regimen=written)
    titrated = _true_items(_course({"titrate": {"to": "0.75 mg/kg", "after_sessions": 2}}))
    np.testing.assert_allclose(titrated, expected, rtol=1e-4, atol=1e-9)
    kept = _true_items(_course({"titrate": {"to": "0.75 mg/kg", "unless": "anyone"}}))
    np.testing.assert_allclose(kept, _true_items(_course({})), rtol=1e-4, atol=1e-9)


def test_stop_on_remission_gives_fewer_sessions_end_to_end():
    spec = _course({"stop_when": {"of": "response"}})
    spec["endpoints"] = [
        {"id": "m", "measure": "mean", "at": "14 d"},
        {"id": "r", "measure": "rate", "of": "response"},
    ]
    stopped = run_trial(parse_spec(spec), replicates=2)
    full = run_trial(parse_spec(_course({})), replicates=2)
    assert stopped.endpoint("m").row().mean > full.endpoint("m").row().mean  # responders stop early: worse


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"stop_when": {"of": "remitted"}}, "arms[0].stop_when[0].of", "unknown definition"),
        ({"stop_when": {"sessions": 2}}, "arms[0].stop_when[0]", "go together"),
        (
            {"stop_when": {"of": "anyone", "sessions": 2, "without": "nobody"}},
            "arms[0].stop_when[0]",
            "give of",
        ),
        ({"titrate": {"to": "84 mg"}}, "arms[0].titrate.to", "unit"),
        ({"titrate": {"to": "0.4 mg/kg"}}, "arms[0].titrate.to", "higher"),
        ({"titrate": {"to": "lots"}}, "arms[0].titrate.to", ""),
        ({"titrate": {"to": "0.75 mg/kg", "unless": "relapse"}}, "arms[0].titrate.unless", "not on an event"),
        ({"titrate": {"to": "0.75 mg/kg", "after": "1 session"}}, "arms[0].titrate.after", "unknown field"),
    ],
)
def test_bad_rules_name_the_field(changes, field, rule):
    data = _course(changes)
    data["definitions"]["relapse"] = {"min": 22, "at_risk": []}
    err = _error(data)
    assert err.field == field
    assert rule in err.rule


# --- strata: randomisation within strata, endpoints per stratum --------------------------------

STRATA = {
    "id": "strata",
    "title": "Randomised withdrawal within strata",
    "population": {"n": 80},
    "phases": [
        {
            "id": "induction",
            "days": 14,
            "regimen": [dict(KET, days=[0, 2, 4, 7, 9, 11])],
            "continue_if": {"of": "response"},
        },
        {
            "id": "maintenance",
            "days": 14,
            "strata": [
                {"id": "remitters", "where": {"of": "remission", "phase": "induction"}},
                {"id": "responders", "where": {"of": "response", "phase": "induction"}},
            ],
            "arms": [
                {"id": "continue", "regimen": [dict(KET, days=[0, 7])]},
                {"id": "withdraw", "placebo": "saline"},
            ],
        },
    ],
    "visits": {"every": "7 d"},
    "definitions": {"response": {"percent_change_max": -50}, "remission": {"max": 12}},
    "endpoints": [
        {"id": "m_remitters", "measure": "mean", "phase": "maintenance", "by": "arm", "stratum": "remitters"},
        {"id": "m_all", "measure": "mean", "phase": "maintenance", "by": "arm"},
    ],
}


def test_randomisation_is_balanced_within_strata_and_endpoints_take_one():
    from ketasim.trials.runner import _Batch, run_batch

    plan = compile_plan(parse_spec(STRATA), MODEL)
    batch = _Batch(plan, MODEL, (0, 1), 5)
    batch.simulate(0, 0, -np.inf, 1000)
    batch.select(0)
    batch.simulate(1, 1, plan.design.phases[0].end_h, 1000)
    for k in range(2):
        rows = slice(k * 80, (k + 1) * 80)
        arm, stratum = batch.arm[rows, 1], batch.stratum[rows, 1]
        assert ((arm >= 0) == (stratum >= 0)).all()  # every entrant is a responder: in a stratum
        for s in (0, 1):
            counts = [int(((stratum == s) & (arm == a)).sum()) for a in (0, 1)]
            assert abs(counts[0] - counts[1]) <= 1 and sum(counts) > 0
        data = batch.replicate(k)
        remitted = data.observed("madrs")[:, plan.design.index_of(14 * 24.0)] <= 12
        assert (remitted[stratum == 0]).all() and not remitted[stratum == 1].any()
    out = run_batch(plan, MODEL, (0, 1), 5)
    assert np.isfinite(out.values["m_remitters"]).all()
    assert not np.allclose(out.values["m_remitters"], out.values["m_all"])


@pytest.mark.parametrize(
    ("path", "value", "field", "rule"),
    [
        (
            ["phases", 1, "strata", 0, "where"],
            {"of": "remission"},
            "phases[1].strata[0].where[0].phase",
            "earlier",
        ),
        (["phases", 1, "strata", 1, "id"], "remitters", "phases[1].strata[1].id", "unique"),
        (["phases", 1, "arms"], None, "phases[1].strata", "randomised phases"),
        (["endpoints", 0, "stratum"], "stable", "endpoints[0].stratum", "must name a stratum"),
        (["phases", 0, "continue_if"], [], "phases[1].strata[0].where[0]", "continue_if"),
        (["phases", 1, "strata", 0, "where"], [], "phases[1].strata[0].where", "at least 1"),
    ],
)
def test_bad_strata_name_the_field(path, value, field, rule):
    data = copy.deepcopy(STRATA)
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    err = _error(data)
    assert err.field.startswith(field)
    assert rule in err.rule
