"""SBML export: valid per libsbml, and libroadrunner on the file agrees with the engine."""

import libsbml
import numpy as np
import pytest
import roadrunner
from typer.testing import CliRunner

from ketasim.bench.roadrunner import RoadRunnerCohort
from ketasim.engine.core import Engine, EngineResult
from ketasim.engine.ode import solve_reference
from ketasim.errors import InputError
from ketasim.io.sbml import export_sbml, patient_parameters, to_sbml
from ketasim.model import default_model
from ketasim.pd.cascade import CHAIN_STATES
from ketasim.population.patients import Cohort, Patient
from ketasim.regimen.dose import nasal_session, placebo
from ketasim.regimen.named import load_regimen
from ketasim.regimen.regimen import Regimen
from tests.sbml_oracle import sbml_problems

# the second patient of tests/engine/test_reference.py: every covariate away from its default
PATIENTS = [
    Patient(),
    Patient(weight_kg=104, age_years=67, ancestry="japanese", val66met="met/met", baseline_madrs=41,
            baseline_si=3, benzodiazepine_mg_day=10, background_ad="new_start", bmi=35),
]  # fmt: skip
runner = CliRunner()


def _times(days: int) -> np.ndarray:
    """Early points (nasal devices at 5, 10 min; infusion end at 40 min), then daily (dose times)."""
    early = [0.0, 5 / 60, 10 / 60, 0.5, 2 / 3, 1.0, 2.0, 4.0, 8.0]
    return np.concatenate([early, np.arange(1, days + 1) * 24.0])


def _run(regimen: Regimen, days: int, patients=PATIENTS, etas=None, model=None) -> EngineResult:
    model = model or default_model()
    cohort = Cohort.of(patients, etas)
    return Engine(model).run(cohort, regimen, _times(days), record_x=True)


def _check_agreement(res: EngineResult, rr: RoadRunnerCohort, i: int) -> None:
    analytes = [k.split(":", 1)[1] for k in res.prepared.system.outputs if k.startswith("plasma:")]
    got = rr.trajectories(i, ["madrs", "item_10", *(f"C_plasma_{a}" for a in analytes)])
    madrs, items = res.madrs()[i], res.items()[i]
    assert np.max(np.abs(got["madrs"] - madrs) / madrs) <= 1e-5
    assert np.max(np.abs(got["item_10"] - items[:, 9]) / items[:, 9]) <= 1e-5
    for a in analytes:
        c = res.concentration(a)[i]
        assert np.max(np.abs(got[f"C_plasma_{a}"] - c)) <= 1e-6 * np.max(np.abs(c)), a


@pytest.mark.parametrize(
    ("regimen", "days"),
    [("iv-induction-6x2w", 60), ("esketamine-label", 90)],
)
def test_roadrunner_agrees_with_the_engine(regimen, days):
    res = _run(load_regimen(regimen), days)
    rr = RoadRunnerCohort(res.prepared)
    for i in range(len(PATIENTS)):
        _check_agreement(res, rr, i)


def test_the_file_of_a_patient_is_the_reference_ode_of_that_patient():
    """A standalone file for patient 1 reproduces the LSODA solution of engine/ode.py far below 1e-5."""
    res = _run(load_regimen("esketamine-single-84mg"), 3)
    X, Z, Y = solve_reference(res.prepared, 1)
    ref = EngineResult(res.prepared, np.stack([X, X]), np.stack([Z, Z]), np.stack([Y, Y])).madrs()[1]
    alone = roadrunner.RoadRunner(to_sbml(res.prepared, 1))
    alone.integrator.relative_tolerance, alone.integrator.absolute_tolerance = 1e-10, 1e-14
    madrs = np.asarray(alone.simulate(times=_times(3), selections=["madrs"]))[:, 0]
    assert np.max(np.abs(madrs - ref) / ref) <= 1e-8
    # the typical patient's course is far away: the file carries patient 1's values
    assert np.max(np.abs(madrs - res.madrs()[0])) > 1.0


def test_one_loaded_model_serves_three_patients_in_any_order():
    """Mixed drugs (racemic IV, midazolam placebo, esketamine spray) and random effects."""
    regimen = (
        load_regimen("iv-induction-6x2w")
        .then(Regimen.of(placebo("midazolam", over="40 min")), after="14 d")
        .then(Regimen.of(nasal_session(3)), after="16 d")
    )
    patients = [*PATIENTS, Patient(weight_kg=55, sex="male", val66met="val/met", b12_pg_ml=900,
                                    adiponectin_ug_ml=4, fh_alcohol=True)]  # fmt: skip
    etas = {
        "Kamp_2020_ketamine.CL": [0.0, 0.2, -0.3],
        "Ketasim_2026_symptoms.G_TYP": [0.0, -0.5, 0.8],
        "Ketasim_2026_cascade.SIGMA_TYP": [0.0, 0.3, -0.2],
        "Ketasim_2026_nonspecific.P_TYP": [0.0, 0.4, -0.6],
    }
    res = _run(regimen, 24, patients, etas)
    rr = RoadRunnerCohort(res.prepared)
    first = rr.simulate(2)
    for i in (0, 1, 2):
        _check_agreement(res, rr, i)
    np.testing.assert_array_equal(rr.simulate(2), first)
    assert len({round(float(rr.simulate(i)[-1]), 3) for i in range(3)}) == 3


def test_switches_reach_the_file():
    """HNK branch on and AMPA route blocked: both change the rules' constants, and still agree."""
    model = default_model().with_switches(hnk=True, ampa_blockade=True)
    res = _run(load_regimen("iv-single"), 4, PATIENTS[:1], model=model)
    xml = to_sbml(res.prepared)
    assert 'id="ampa" name="AMPA route on (1) or blocked (0)" value="0.0"' in xml
    assert "wh__" in xml
    _check_agreement(res, RoadRunnerCohort(res.prepared), 0)


@pytest.mark.parametrize(
    "regimen",
    [load_regimen("esketamine-label"), load_regimen("iv-6x2w-then-3-weekly"),
     Regimen.of(placebo("saline", over="40 min"))],
)  # fmt: skip
def test_the_file_is_valid_sbml_with_consistent_units(regimen):
    xml = export_sbml(regimen, PATIENTS[1], days=30)
    assert sbml_problems(xml) == []
    doc = libsbml.readSBMLFromString(xml)
    model = doc.getModel()
    assert (doc.getLevel(), doc.getVersion(), model.getTimeUnits()) == (3, 2, "hour")
    rate_rules = {r.getVariable() for r in model.getListOfRules() if r.isRate()}
    assert {*CHAIN_STATES, "N", "S", "L"} <= rate_rules
    for event in model.getListOfEvents():
        trigger = event.getTrigger()
        assert event.getUseValuesFromTriggerTime()
        assert trigger.getPersistent()
        assert not trigger.getInitialValue()


def test_every_per_patient_value_is_a_named_parameter():
    res = _run(load_regimen("esketamine-label"), 30)
    model = libsbml.readSBMLFromString(to_sbml(res.prepared, 1)).getModel()
    values = patient_parameters(res.prepared, 1)
    assert {"g", "sigma", "placebo", "ad_max", "phi", "beta_bz", "new_ad", "base_10", "floor_1"} <= set(
        values
    )
    assert any(k.startswith("A__") for k in values)
    assert any(k.startswith("bolus_") for k in values)
    for pid, value in values.items():
        par = model.getParameter(pid)
        assert par is not None, pid
        assert par.getValue() == value
    assert values["new_ad"] == 1.0
    assert values != patient_parameters(res.prepared, 0)


def test_bad_patient_index_and_days_name_the_field():
    res = _run(load_regimen("iv-single"), 2, PATIENTS[:1])
    with pytest.raises(InputError, match="patient_index"):
        to_sbml(res.prepared, 1)
    with pytest.raises(InputError, match="days"):
        export_sbml(load_regimen("iv-single"), days=0)
