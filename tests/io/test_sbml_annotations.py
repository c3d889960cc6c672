"""SBML files carry SBO terms and a model history, and every path that writes one passes libsbml's
full consistency check (all categories, strict units, warnings included)."""

import libsbml
import pytest
import yaml
from typer.testing import CliRunner

import ketasim
import ketasim.bench.roadrunner as peer
import ketasim.io.sbml as sbml_module
from ketasim.bench.roadrunner import RoadRunnerCohort
from ketasim.cli import app
from ketasim.engine.prepared import prepare
from ketasim.io.sbml import export_sbml, to_sbml
from ketasim.io.sbml_annotations import CREATOR
from ketasim.library.calibrated import load_current
from ketasim.model import PRIOR_MODEL, default_model
from ketasim.pd.cascade import CHAIN_STATES
from ketasim.population.patients import Cohort, Patient
from ketasim.regimen.dose import iv_infusion, oral, placebo
from ketasim.regimen.named import load_regimen
from ketasim.regimen.regimen import Regimen
from tests.sbml_oracle import sbml_problems

runner = CliRunner()
OLD = Patient(
    weight_kg=104, age_years=67, val66met="met/met", benzodiazepine_mg_day=10, background_ad="new_start"
)


def _prepared(regimen: Regimen, days: float, model=None):
    return prepare(model or default_model(), Cohort.of([Patient(), OLD]), regimen, [0.0, 24.0 * days])


def _model(xml: str):
    doc = libsbml.readSBMLFromString(xml)
    assert doc.getNumErrors() == 0
    return doc.getModel()


@pytest.mark.parametrize(
    ("regimen", "days", "model"),
    [
        (load_regimen("esketamine-label"), 60, None),
        (load_regimen("iv-6x2w-then-3-weekly"), 120, None),
        (Regimen.of(placebo("midazolam", over="40 min"), oral("50 mg", at=24.0)), 5, None),
        (Regimen.of(iv_infusion("0.5 mg/kg", over="40 min")), 3, PRIOR_MODEL),
        (load_regimen("iv-single"), 4, default_model().with_switches(hnk=True, ampa_blockade=True)),
    ],
    ids=["esketamine-label", "iv-maintenance", "placebo-oral", "priors", "switches"],
)
def test_to_sbml_passes_the_full_check_for_every_patient(regimen, days, model):
    p = _prepared(regimen, days, model)
    for i in range(p.N):
        assert sbml_problems(to_sbml(p, i)) == []


def test_the_api_cli_and_peer_paths_pass_the_full_check(tmp_path):
    assert sbml_problems(export_sbml(load_regimen("iv-induction-6x2w"), OLD, days=30)) == []
    patient = tmp_path / "p.yaml"
    patient.write_text(yaml.safe_dump({"weight_kg": 58, "val66met": "val/met", "bmi": 33}))
    out = tmp_path / "model.xml"
    args = ["export", "sbml", "--regimen", "esketamine-label", "--patient", str(patient), "-o", str(out)]
    res = runner.invoke(app, [*args, "--days", "45", "--json"])
    assert res.exit_code == 0, res.output
    assert sbml_problems(out.read_text(encoding="utf-8")) == []
    # the libroadrunner peer compiles the writer's document: the session-wide check wraps it there too
    assert hasattr(peer.to_sbml, "__wrapped__") and hasattr(sbml_module.to_sbml, "__wrapped__")
    cohort = RoadRunnerCohort(_prepared(load_regimen("iv-single"), 2))
    assert cohort.simulate(1)[-1] > 0


def test_the_check_fails_on_a_wrong_sbo_term_and_on_a_unit_mismatch():
    xml = export_sbml(load_regimen("iv-single"), days=2)
    wrong_term = xml.replace(
        'sboTerm="SBO:0000348"', 'sboTerm="SBO:0000010"', 1
    )  # 'reactant' on a time constant
    assert any(" 10703 " in m for m in sbml_problems(wrong_term))
    wrong_units = xml.replace('units="hour"', 'units="per_hour"', 1)
    assert sbml_problems(wrong_units) != []


def test_sbo_terms_on_the_model_and_the_parameters():
    model = _model(export_sbml(load_regimen("esketamine-label"), OLD, days=30))
    assert libsbml.SBO.isModellingFramework(model.getSBOTerm())
    params = list(model.getListOfParameters())
    for par in params:
        if par.isSetSBOTerm():
            assert libsbml.SBO.isQuantitativeParameter(par.getSBOTerm()), par.getId()
        else:
            assert not par.getConstant(), f"constant {par.getId()} has no SBO term"
    term = {p.getId(): p.getSBOTermID() for p in params}
    assert {term[s] for s in ("N", "S", "L", "O_int")} == {"SBO:0000540"}  # fractions of a pool
    assert {term[k] for k in term if k.startswith("TAU_")} == {"SBO:0000348"}  # exponential time constants
    assert {term[k] for k in term if k.startswith("bolus_")} == {"SBO:0000361"}  # amounts
    assert term["C_s"] == "SBO:0000472" and term["new_ad"] == "SBO:0000390"
    pk = [p.getId() for p in params if p.getName() == "PK state (amount)"]
    assert pk and {term[s] for s in pk} == {"SBO:0000361"}
    diagonal = [k for k in term if k.startswith("A__") and k.split("__")[1] == k.split("__")[2]]
    assert diagonal and {term[k] for k in diagonal} == {"SBO:0000009"}
    assert {term[k] for k in term if k.startswith("A__") and k not in diagonal} == {"SBO:0000035"}
    # the cascade's dimensionless signals have no SBO term that says what they are
    assert not any(model.getParameter(s).isSetSBOTerm() for s in CHAIN_STATES if s not in ("N", "S", "L"))


def test_model_history_is_the_packages_not_the_clock():
    first = export_sbml(load_regimen("iv-single"), days=2)
    assert export_sbml(load_regimen("iv-single"), days=2) == first  # same inputs, same bytes
    model = _model(first)
    assert model.isSetModelHistory()
    history = model.getModelHistory()
    creator = history.getCreator(0)
    assert (creator.getGivenName(), creator.getFamilyName(), creator.getOrganisation()) == CREATOR
    current = load_current()
    assert current is not None
    created = history.getCreatedDate().getDateAsString()
    assert created.startswith(current.created) and created.endswith("Z")
    assert history.getModifiedDate(0).getDateAsString() == created
    taxon = [model.getCVTerm(k).getResourceURI(0) for k in range(model.getNumCVTerms())]
    assert taxon == ["http://identifiers.org/taxonomy/9606"]
    notes = model.getNotesString()
    assert current.version in notes and f"ketasim {ketasim.__version__}" in notes
    priors = _model(to_sbml(_prepared(load_regimen("iv-single"), 2, PRIOR_MODEL), 0))
    assert "the library priors" in priors.getNotesString()
    assert priors.getModelHistory().getCreatedDate().getDateAsString() == created
