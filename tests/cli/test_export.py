"""ketasim export sbml: files for named and YAML regimens, bad input named, nothing half-written."""

import pytest
import yaml
from typer.testing import CliRunner

from ketasim.cli import app
from ketasim.pd.cascade import CHAIN_STATES
from tests.sbml_oracle import sbml_problems

runner = CliRunner()


def test_cli_writes_a_valid_file_for_a_named_regimen_and_a_patient(tmp_path):
    patient = tmp_path / "p.yaml"
    patient.write_text(yaml.safe_dump({"weight_kg": 90, "val66met": "val/met", "background_ad": "new_start"}))
    out = tmp_path / "model.xml"
    res = runner.invoke(app, ["export", "sbml", "--regimen", "iv-induction-6x2w", "--patient", str(patient),
                              "-o", str(out), "--days", "30"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "SBML written" in res.stdout
    xml = out.read_text()
    assert sbml_problems(xml) == []
    assert 'id="new_ad" name="oral antidepressant newly started (1) or not (0)" value="1.0"' in xml


def test_cli_accepts_a_yaml_regimen_and_reports_json(tmp_path):
    spec = tmp_path / "r.yaml"
    spec.write_text(yaml.safe_dump([{"drug": "esketamine", "route": "intranasal", "dose": "56 mg",
                                     "every": "3.5d", "count": 4}]))  # fmt: skip
    out = tmp_path / "model.xml"
    args = ["export", "sbml", "--regimen", str(spec), "-o", str(out), "--days", "20", "--json"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    summary = yaml.safe_load(res.stdout)
    assert summary["rate_rules"] == 11 + len(CHAIN_STATES) + 3
    assert summary["events"] == out.read_text().count("<event ") > 4


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--regimen", "no-such-regimen"], "regimen"),
        (["--regimen", "iv-single", "--days", "0"], "days"),
        (["--regimen", "iv-single", "--patient", "PATIENT"], "val66met"),
        (["--regimen", "iv-single", "--patient", "missing.yaml"], "patient"),
    ],
)
def test_cli_bad_input_exits_2_names_the_field_and_writes_nothing(tmp_path, args, field):
    patient = tmp_path / "p.yaml"
    patient.write_text(yaml.safe_dump({"val66met": "met/val"}))
    args = [str(patient) if a == "PATIENT" else str(tmp_path / a) if a.endswith(".yaml") else a for a in args]
    out = tmp_path / "model.xml"
    res = runner.invoke(app, ["export", "sbml", *args, "-o", str(out)])
    assert res.exit_code == 2
    assert f"field '{field}'" in " ".join(res.output.split())
    assert not out.exists()


def test_cli_output_folder_must_exist(tmp_path):
    out = tmp_path / "missing" / "model.xml"
    res = runner.invoke(app, ["export", "sbml", "--regimen", "iv-single", "-o", str(out)])
    assert res.exit_code == 2
    assert "field 'output'" in " ".join(res.output.split())
    assert not out.parent.exists()
