"""One loader for every YAML and JSON file: errors name the field, the file and its line, and a bad
file is an error, never a traceback."""

import copy
import json
import math
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ketasim.cli import app
from ketasim.errors import InputError, KetasimError
from ketasim.files import field_line, load_mapping
from ketasim.io.examples import path as example_path
from ketasim.io.patient_data import load_record
from ketasim.library.calibrated import CURRENT, DIR, load
from ketasim.population.patients import Patient
from ketasim.population.virtual import population_from_mapping
from ketasim.protocols.catalog import LIBRARY as PROTOCOL_DIR
from ketasim.protocols.load import load_protocol
from ketasim.regimen.named import load_regimen
from ketasim.trials import check_spec
from ketasim.trials import example_path as trial_path

runner = CliRunner()

PATIENT = {"weight_kg": 70, "age_years": 40, "sex": "female", "baseline_madrs": 32, "bmi": 27.5}
POPULATION = {
    "n": 400,
    "age_years": {"mean": 46, "sd": 12, "min": 18, "max": 64},
    "weight_kg": {"mean": 82, "sd": 18, "min": 45, "max": 160},
    "female": 0.62,
    "ancestry": {"asian": 0.05},
    "baseline": {"scale": "madrs", "mean": 37, "sd": 5.5, "min": 28},
    "bdnf_val66met": {"val_val": 0.65, "val_met": 0.31, "met_met": 0.04},
    "suicidal_ideation": 0.3,
    "benzodiazepine": 0.2,
    "background": {"oral_antidepressant": "new_start"},
}
REGIMEN = {
    "doses": [
        {"drug": "racemic_ketamine", "route": "iv", "dose": "0.5 mg/kg", "over": "40 min",
         "every": "3.5 d", "count": 6},
        {"drug": "esketamine", "route": "intranasal", "devices": 3, "at": "21 d"},
    ]
}  # fmt: skip


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_simulate_with_a_bad_patient_file_is_one_line_naming_file_and_line(tmp_path):
    bad = _write(tmp_path, "bad.yaml", "age_years: 40\nsex: female\nweight_kg: 900\n")
    res = runner.invoke(app, ["simulate", "--regimen", "iv-single", "--patient", str(bad), "--days", "2"])
    assert res.exit_code == 2
    assert res.exception is None or isinstance(res.exception, SystemExit)
    (line,) = res.stderr.strip().splitlines()
    assert "weight_kg" in line and "900" in line and f"({bad}, line 3)" in line


@pytest.mark.parametrize(
    ("text", "field", "line"),
    [
        ("female: lots\n", "female", 1),
        ("n: 5\nfh_alcohol: [1]\n", "fh_alcohol", 2),
        ("ancestry:\n  asian: x\n", "ancestry.asian", 2),
        ("weight_kg:\n  mean: 80\n  sd: heavy\n", "weight_kg.sd", 3),
        ("weight_kg: {mean: 80, sd: -1}\n", "weight_kg.sd", 1),
    ],
)
def test_population_files_refuse_non_numbers_naming_the_line(tmp_path, text, field, line):
    """float() of text or a list was a traceback; Dist's own rules were reported as 'not numbers'."""
    p = _write(tmp_path, "population.yaml", text)
    with pytest.raises(InputError) as e:
        load_mapping(p, "cli", population_from_mapping, field="population")
    assert e.value.field == field and e.value.where == f"{p}, line {line}"


def test_each_kind_of_file_says_where(tmp_path):
    reg = _write(
        tmp_path, "regimen.yaml", yaml.safe_dump(REGIMEN, sort_keys=False).replace("40 min", "40 fortnights")
    )
    with pytest.raises(InputError) as e:
        load_regimen(reg)
    assert e.value.field == "doses[0].over" and e.value.where == f"{reg}, line 5"

    listed = _write(tmp_path, "list.yaml", "- drug: esketamine\n  route: intranasal\n  devices: 9\n")
    with pytest.raises(InputError) as e:
        load_regimen(listed)
    assert e.value.where == f"{listed}, line 3"

    protocol = yaml.safe_load((PROTOCOL_DIR / "iv-6x2w-fixed-3-weekly.yaml").read_text())
    text = yaml.safe_dump(protocol, sort_keys=False)
    p = _write(tmp_path, "protocol.yaml", text.replace("every_days: 21", "every_days: -21", 1))
    assert "every_days: -21" in p.read_text()
    with pytest.raises(InputError) as e:
        load_protocol(p)
    assert e.value.where is not None and e.value.where.startswith(f"{p}, line ")
    line = int(e.value.where.rsplit(" ", 1)[1])
    assert "every" in p.read_text().splitlines()[line - 1]

    spec = trial_path("ketamine-vs-saline-midazolam").read_text()
    t = _write(tmp_path, "trial.yaml", spec.replace("replicates:", "replicatez:", 1))
    with pytest.raises(InputError) as e:
        check_spec(t)
    assert e.value.field == "replicatez"
    assert t.read_text().splitlines()[int(e.value.where.rsplit(" ", 1)[1]) - 1].startswith("replicatez:")

    cal = json.loads((DIR / f"{CURRENT}.json").read_text())
    cal["estimates"][2]["value"] = "96"
    c = _write(tmp_path, "set.json", json.dumps(cal, indent=1))
    with pytest.raises(InputError) as e:
        load(c)
    assert e.value.field == "estimates[2].value"
    assert '"value": "96"' in c.read_text().splitlines()[int(e.value.where.rsplit(" ", 1)[1]) - 1]


def test_a_fhir_error_names_the_line_of_the_entry(tmp_path):
    bundle = json.loads(example_path("patient.json").read_text())
    k = next(i for i, e in enumerate(bundle["entry"]) if e["resource"]["resourceType"] == "Observation")
    bundle["entry"][k]["resource"]["status"] = 3
    p = _write(tmp_path, "record.json", json.dumps(bundle, indent=1))
    with pytest.raises(InputError) as e:
        load_record(p)
    assert e.value.field.startswith(f"entry[{k}]")
    assert '"status": 3' in p.read_text().splitlines()[int(e.value.where.rsplit(" ", 1)[1]) - 1]


def test_covariates_file_of_fit_says_where(tmp_path):
    cov = _write(tmp_path, "cov.yaml", "bmi: 30\nweight: 70\n")
    res = runner.invoke(app, ["fit", str(example_path("patient.csv")), "--covariates", str(cov)])
    assert res.exit_code == 2
    assert "'weight'" in res.stderr and f"({cov}, line 2)" in res.stderr


def test_a_regimen_mapping_with_other_keys_is_refused(tmp_path):
    """{'dose': ...} (no 'doses') was read as an empty regimen and simulated as no treatment."""
    p = _write(tmp_path, "r.yaml", "dose:\n  - {drug: esketamine, route: intranasal, devices: 2}\n")
    with pytest.raises(InputError, match="'dose'") as e:
        load_regimen(p)
    assert e.value.where == f"{p}, line 1"


def test_field_line_follows_paths_as_far_as_the_file_goes(tmp_path):
    p = _write(tmp_path, "x.yaml", "a:\n  b:\n    - c: 1\n    - c: 2\n      d: 3\nlist: [1, 2]\n")
    assert field_line(p, "a.b[1].d") == 5
    assert field_line(p, "a.b[1].missing") == 4
    assert field_line(p, "a.b[7]") == 2
    assert field_line(p, "nothing") is None
    j = _write(tmp_path, "x.json", json.dumps({"a": {"b": [{"c": 1}, {"c": 2, "d": 3}]}}, indent=1))
    assert j.read_text().splitlines()[field_line(j, "a.b[1].d") - 1].strip() == '"d": 3'


def test_an_error_saying_where_keeps_its_class_and_fields():
    err = InputError("patient", "weight_kg", "must lie within 30-250 kg", 900, "use kg").located(
        "p.yaml, line 2"
    )
    assert (err.field, err.received, err.where) == ("weight_kg", 900, "p.yaml, line 2")
    assert str(err).endswith("received 900 (p.yaml, line 2). use kg")
    assert str(err.renamed("--patient")).startswith("[patient] field '--patient'")


# --- any junk in any place of a shipped file is an error of ketasim's, not a traceback ---

JUNK = st.sampled_from([None, "x", "", -1, 0, 1e308, math.nan, True, [], [1, "a"], {}, {"k": 1}, "12 mg"])


def _leaves(data, at=()):
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _leaves(v, (*at, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _leaves(v, (*at, i))
    yield at


def _replace(data, at, value):
    out = copy.deepcopy(data)
    if not at:
        return value
    node = out
    for k in at[:-1]:
        node = node[k]
    node[at[-1]] = value
    return out


def _trial():
    return yaml.safe_load(trial_path("ketamine-vs-saline-midazolam").read_text())


def _protocol():
    return yaml.safe_load((PROTOCOL_DIR / "iv-6x2w-symptom-triggered.yaml").read_text())


KINDS = {
    "patient": (lambda: PATIENT, ".yaml", lambda p: load_mapping(p, "cli", Patient.from_mapping)),
    "population": (lambda: POPULATION, ".yaml", lambda p: load_mapping(p, "cli", population_from_mapping)),
    "regimen": (lambda: REGIMEN, ".yaml", load_regimen),
    "protocol": (_protocol, ".yaml", load_protocol),
    "trial": (_trial, ".yaml", check_spec),
    "calibrated": (lambda: json.loads((DIR / f"{CURRENT}.json").read_text()), ".json", load),
    "fhir": (lambda: json.loads(example_path("patient.json").read_text()), ".json", load_record),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(data=st.data())
def test_junk_anywhere_is_an_input_error(tmp_path, kind, data):
    base, suffix, reader = KINDS[kind]
    original = base()
    at = data.draw(st.sampled_from(list(_leaves(original))), label="place")
    value = data.draw(JUNK, label="value")
    p = tmp_path / f"file{suffix}"
    changed = _replace(original, at, value)
    if suffix == ".json":
        p.write_text(json.dumps(changed, indent=1), encoding="utf-8")
    else:
        p.write_text(yaml.safe_dump(changed, sort_keys=False), encoding="utf-8")
    error = None
    try:
        reader(p)
    except KetasimError as err:
        error = err
    assert error is None or (error.field and error.rule)
