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
