"""Inpatient setting (decision 0034): a population or first-phase arm attribute, a placeholder factor
on the expectancy impulse, outpatients exactly unchanged, the placeholder reported when used."""

import json
from dataclasses import replace

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from ketasim.cli import app
from ketasim.errors import InputError
from ketasim.model import default_model
from ketasim.pd.individual import individual_pd
from ketasim.population.virtual import TRD_TRIAL, sample_cohort
from ketasim.trials import compile_plan, parse_spec, run_trial
from ketasim.trials.runner import _Batch

MODEL = default_model()
SALINE = {"drug": "saline", "route": "iv", "over": "40 min", "every": "3.5 d", "count": 4}
PLACEHOLDER = "Ketasim_2026_nonspecific.F_INPATIENT"


def _spec(population_setting=None, arm_settings=(None, None)):
    """Two saline arms, four sessions over two weeks; each arm's setting given or left out."""
    pop: dict = {"n": 60, "background": {"oral_antidepressant": "none"}}
    if population_setting is not None:
        pop["setting"] = population_setting
    arms = []
    for k, setting in enumerate(arm_settings):
        arm = {"id": f"arm{k}", "fraction": 0.5, "regimen": [SALINE]}
        if setting is not None:
            arm["setting"] = setting
        arms.append(arm)
    return {
        "id": "setting",
        "title": "Saline in two arms",
        "population": pop,
        "days": 14,
        "arms": arms,
        "visits": {"at": ["24 h", "7 d", "14 d"]},
        "endpoints": [{"id": "change", "measure": "mean_change", "at": "14 d"}],
        "replicates": 2,
    }


def _items(data, model=MODEL):
    """Observed items of every patient (same seed: the same patients, allocation and rater noise)."""
    plan = compile_plan(parse_spec(data), model)
    batch = _Batch(plan, model, (0,), 0)
    batch.simulate(0, 0, -np.inf, 1000)
    return plan, batch


def _error(data) -> InputError:
    with pytest.raises(InputError) as info:
        compile_plan(parse_spec(data), MODEL)
    return info.value


def test_unknown_settings_and_later_phase_settings_are_errors_naming_the_field():
    err = _error(_spec("ward"))
    assert err.field == "population.setting" and err.received == "ward"
    assert "outpatient" in err.rule and "inpatient" in err.rule
    err = _error(_spec(arm_settings=(None, "hospital")))
    assert err.field == "arms[1].setting" and err.received == "hospital"
    two_phase = {
        "id": "two",
        "title": "Induction then continuation",
        "population": {"n": 20},
        "phases": [
            {"id": "induction", "days": 7, "regimen": [{"drug": "saline", "route": "iv", "over": "40 min"}]},
            {"id": "continuation", "days": 7, "arms": [{"id": "ward", "setting": "inpatient"}]},
        ],
        "endpoints": [{"id": "change", "measure": "mean_change", "at": "14 d"}],
    }
    err = _error(two_phase)
    assert err.field == "phases[1].arms[0].setting"
    assert "first-phase arm" in err.rule and err.received == "inpatient"


def test_an_inpatient_arm_improves_more_than_the_same_patients_as_outpatients():
    plan, out = _items(_spec())
    _, inp = _items(_spec("inpatient"))
    assert not plan.design.has_inpatients
    base = out.items[:, 0].sum(axis=-1)
    np.testing.assert_array_equal(inp.items[:, 0].sum(axis=-1), base)  # the same patients at baseline
    for t in (24.0, 168.0, 336.0):
        col = int(plan.design.index_of(t))
        gain_out = (base - out.items[:, col].sum(axis=-1)).mean()
        gain_in = (base - inp.items[:, col].sum(axis=-1)).mean()
        # the documented direction: a larger non-specific response on the ward (F_INPATIENT > 1)
        assert gain_in > gain_out + 0.2, (t, gain_in, gain_out)


def test_outpatients_are_bit_identical_to_runs_without_the_setting():
    _, none = _items(_spec())
    _, explicit = _items(_spec("outpatient", ("outpatient", "outpatient")))
    np.testing.assert_array_equal(explicit.items, none.items)
    # an inpatient arm beside them leaves the outpatient arm exactly as it was, whatever the factor
    for factor in (1.5, 3.0):
        model = MODEL.with_values({PLACEHOLDER: factor})
        _, mixed = _items(_spec(arm_settings=(None, "inpatient")), model)
        np.testing.assert_array_equal(mixed.arm, none.arm)  # allocation does not depend on the setting
        outpatients = mixed.arm[:, 0] == 0
        assert 0 < outpatients.sum() < outpatients.size
        np.testing.assert_array_equal(mixed.items[outpatients], none.items[outpatients])
        assert not np.array_equal(mixed.items[~outpatients], none.items[~outpatients])
    # a factor of 1 removes the effect exactly
    _, neutral = _items(_spec("inpatient"), MODEL.with_values({PLACEHOLDER: 1.0}))
    np.testing.assert_array_equal(neutral.items, none.items)


def test_the_cohort_defaults_to_outpatients_and_the_factor_scales_placebo_responsiveness():
    cohort = sample_cohort(TRD_TRIAL, MODEL, np.arange(50), 3)
    assert cohort.inpatient.dtype == bool and not cohort.inpatient.any()
    assert not cohort.take(slice(0, 10)).inpatient.any()
    ns = MODEL.nonspecific
    before = ns["P_TYP"].individual_array(cohort.eta(f"{ns.name}.P_TYP"))  # the formula without a setting
    np.testing.assert_array_equal(individual_pd(MODEL, cohort).placebo, before)
    ward = np.arange(50) % 2 == 1
    ind = individual_pd(MODEL, replace(cohort, inpatient=ward))
    np.testing.assert_array_equal(ind.placebo[~ward], before[~ward])
    np.testing.assert_allclose(ind.placebo[ward], before[ward] * ns.value("F_INPATIENT"))
    p = ns["F_INPATIENT"]
    assert p.placeholder and not p.estimated and p.value > 1.0


def test_the_inpatient_placeholder_is_reported_in_results_json_and_the_cli(tmp_path):
    assert run_trial(parse_spec(_spec()), replicates=1).placeholders == ()
    result = run_trial(parse_spec(_spec(arm_settings=("inpatient", None))), replicates=1)
    assert result.placeholders == (PLACEHOLDER,)
    assert result.as_dict()["placeholders"] == [PLACEHOLDER]
    # an inpatient population whose every arm is treated as outpatients uses no placeholder
    everyone_out = _spec("inpatient", ("outpatient", "outpatient"))
    assert not compile_plan(parse_spec(everyone_out), MODEL).design.has_inpatients
    path = tmp_path / "ward.yaml"
    path.write_text(yaml.safe_dump(_spec("inpatient")))
    cli = CliRunner()
    res = cli.invoke(app, ["trial", "run", str(path), "--replicates", "1", "--workers", "1"])
    assert res.exit_code == 0, res.output
    assert "placeholder values used" in res.stdout and PLACEHOLDER in res.stdout
    res = cli.invoke(app, ["trial", "run", str(path), "--json", "--replicates", "1", "--workers", "1"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["placeholders"] == [PLACEHOLDER]
