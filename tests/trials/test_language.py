"""Design features of the trial language (docs/trials.md): each works, and bad input names the field."""

import copy

import numpy as np
import pytest
import yaml

from ketasim.errors import InputError
from ketasim.model import default_model
from ketasim.population.patients import PHYSIOLOGICAL
from ketasim.population.virtual import Dist, PopulationSpec, sample_cohort
from ketasim.trials import compile_plan, example_path, parse_spec, run_trial

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
