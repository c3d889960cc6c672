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
