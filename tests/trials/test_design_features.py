"""Design features of the trial language, continued (docs/trials.md): sessions under anaesthesia."""

import copy

import numpy as np
import pytest

from ketasim.errors import InputError
from ketasim.model import default_model
from ketasim.regimen.dose import Setting, iv_infusion, placebo
from ketasim.regimen.regimen import Regimen
from ketasim.trials import check_spec, compile_plan, example_path, parse_spec, run_trial

MODEL = default_model()
KET = {"drug": "ketamine", "route": "iv", "dose": "0.5 mg/kg", "over": "40 min"}
SALINE = {"drug": "saline", "route": "iv", "over": "40 min"}


def _error(data) -> InputError:
    with pytest.raises(InputError) as info:
        compile_plan(parse_spec(data), MODEL)
    return info.value


# --- sessions under anaesthesia or sedation -----------------------------------------------------


def _single(regimen):
    """One arm, one session at time 0: every variant sees the same patients (same seed)."""
    return {
        "id": "masked",
        "title": "One infusion, awake or under anaesthesia",
        "population": {"n": 40, "background": {"oral_antidepressant": "none"}},
        "days": 7,
        "arms": [{"id": "arm", "regimen": regimen}],
        "visits": {"at": ["24 h", "3 d"]},
        "endpoints": [{"id": "change_24h", "measure": "mean_change", "at": "24 h"}],
    }


def _true_madrs_24h(regimen, model=MODEL):
    from ketasim.trials.runner import _Batch

    plan = compile_plan(parse_spec(_single(regimen)), model)
    batch = _Batch(plan, model, (0,), 0)
    batch.simulate(0, 0, -np.inf, 1000)
    col = int(plan.design.index_of(24.0))
    return batch.items[:, col].sum(axis=-1), batch.items[:, 0].sum(axis=-1)


def test_a_saline_session_under_anaesthesia_gives_no_expectancy_response():
    awake, base = _true_madrs_24h([SALINE])
    masked, base_masked = _true_madrs_24h([dict(SALINE, under="anaesthesia")])
    np.testing.assert_allclose(base_masked, base)  # the same patients
    assert (awake < base - 0.5).mean() > 0.5  # an awake saline infusion improves most patients a little
    np.testing.assert_allclose(masked, base, atol=1e-6)  # masked: nothing happens without a drug
    sedated, _ = _true_madrs_24h([dict(SALINE, under="sedation")])
    np.testing.assert_allclose(sedated, masked)


def test_ketamine_under_anaesthesia_keeps_its_drug_effect_and_loses_the_expectancy_share():
    awake, base = _true_madrs_24h([KET])
    masked, _ = _true_madrs_24h([dict(KET, under="anaesthesia")])
    saline_awake, _ = _true_madrs_24h([SALINE])
    # the drug effect remains: masked ketamine improves far more than nothing ...
    assert (base - masked).mean() > 3.0
    # ... and less than awake ketamine, by about what an awake saline session adds
    lost = (masked - awake).mean()
    assert lost > 0.0
    assert 0.3 < lost / (base - saline_awake).mean() < 3.0
    # without any expectancy in the model, the two are the same trajectories: only the impulse goes
    no_expectancy = MODEL.with_values({"Ketasim_2026_nonspecific.E_SALINE": 0.0})
    awake0, _ = _true_madrs_24h([KET], no_expectancy)
    masked0, _ = _true_madrs_24h([dict(KET, under="anaesthesia")], no_expectancy)
    np.testing.assert_allclose(masked0, awake0, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(masked0, masked, rtol=1e-9, atol=1e-9)


def test_saline_under_anaesthesia_improves_less_at_24h_end_to_end():
    spec = {
        "id": "masked-trial",
        "title": "Awake and masked arms",
        "population": {"n": 160, "background": {"oral_antidepressant": "none"}},
        "days": 7,
        "arms": [
            {"id": "saline_awake", "regimen": [SALINE]},
            {"id": "saline_masked", "regimen": [dict(SALINE, under="anaesthesia")]},
            {"id": "ketamine_awake", "regimen": [KET]},
            {"id": "ketamine_masked", "regimen": [dict(KET, under="anaesthesia")]},
        ],
        "visits": {"at": ["24 h"]},
        "endpoints": [{"id": "change_24h", "measure": "mean_change", "at": "24 h", "by": "arm"}],
        "replicates": 4,
    }
    result = run_trial(parse_spec(spec))
    change = {row.label: row.mean for row in result.endpoint("change_24h").rows}
    assert change["saline_masked"] > change["saline_awake"] + 0.5  # less improvement (changes < 0)
    assert change["ketamine_masked"] < change["saline_masked"] - 3.0  # the drug still works
    assert change["ketamine_masked"] > change["ketamine_awake"]  # without the expectancy share


def test_a_matching_placebo_is_given_under_the_drug_arms_setting():
    spec = _single([dict(KET, under="anaesthesia")])
    spec["arms"].append({"id": "saline", "placebo": "saline"})
    plan = compile_plan(parse_spec(spec), MODEL)
    saline = plan.design.phases[0].arms[1].regimen
    assert [d.under for d in saline] == [Setting.ANAESTHESIA]
    assert all(e.under == Setting.ANAESTHESIA for e in saline.expand(70.0))


def test_python_regimens_and_regimen_files_carry_the_setting():
    dose = iv_infusion("0.5 mg/kg", over="40 min").given_under("sedation")
    assert dose.under == Setting.SEDATION
    assert [e.under for e in Regimen.of(dose, placebo("saline", at=24.0)).expand(70.0)] == [
        Setting.SEDATION,
        None,
    ]
    from_file = Regimen.from_spec({"doses": [dict(KET, under="anaesthesia")]})
    assert from_file.doses[0].under == Setting.ANAESTHESIA
    with pytest.raises(InputError) as info:
        Regimen.from_spec({"doses": [dict(KET, under="asleep")]})
    assert info.value.field == "doses[0].under"
    assert "anaesthesia, sedation" in info.value.rule


@pytest.mark.parametrize("value", ["asleep", "general", 1, True])
def test_a_bad_setting_names_the_field(value):
    err = _error(_single([dict(KET, under=value)]))
    assert err.field == "arms[0].regimen[0].under"
    assert "anaesthesia" in err.rule and "sedation" in err.rule


def test_a_bad_setting_in_a_phase_regimen_names_the_field():
    data = {
        "id": "phased",
        "title": "phases",
        "population": {"n": 10},
        "phases": [{"id": "surgery", "days": 3, "regimen": [dict(SALINE, under="anesthetic")]}],
        "endpoints": [{"id": "m", "measure": "mean"}],
    }
    err = _error(data)
    assert err.field == "phases[0].regimen[0].under"


def test_the_anaesthesia_example_checks_and_survives_a_dump():
    plan = check_spec(example_path("ketamine-under-anaesthesia"))
    arms = plan.design.phases[0].arms
    assert {a.id for a in arms} == {"ketamine", "saline"}
    assert all(d.under == Setting.ANAESTHESIA for a in arms for d in a.regimen)
    spec = plan.spec
    assert parse_spec(copy.deepcopy(spec.model_dump(by_alias=True))) == spec
