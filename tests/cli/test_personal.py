"""``ketasim fit``, ``ketasim plan`` and ``ketasim evaluate-forecasts`` through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ketasim.cli import app
from ketasim.io.examples import path

runner = CliRunner()
CSV, FHIR = str(path("patient.csv")), str(path("patient.json"))


def test_fit_json_and_plot(tmp_path: Path) -> None:
    png = tmp_path / "forecast.png"
    res = runner.invoke(app, ["fit", CSV, "--json", "--plot", str(png), "--days", "14"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["kind"] == "personal" and data["method"] == "laplace"
    assert data["record"]["scores_fitted"] == 20 and "phq9" in data["record"]["linked_scales_approximate"]
    assert {p["quantity"] for p in data["parameters"]} >= {"g", "baseline_madrs"}
    fc = data["forecast"]
    assert len(fc["times"]) == 15 and fc["scale"] == "madrs"
    assert fc["event_probability_by"] == sorted(fc["event_probability_by"])
    assert png.stat().st_size > 10_000


def test_fit_table_output_on_fhir() -> None:
    res = runner.invoke(app, ["fit", FHIR, "--days", "7"])
    assert res.exit_code == 0, res.output
    assert "individual parameters" in res.stdout and "personal forecast" in res.stdout


def test_plan_json_is_a_suggestion() -> None:
    res = runner.invoke(app, ["plan", CSV, "--max-relapse-risk", "0.1", "--json", "--horizon", "42"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["status"] == "suggestion" and "Nothing has been scheduled" in data["notice"]
    assert data["risk_limit"] == 0.1 and data["reason"]
    assert set(data["window"]) == {"earliest", "latest", "open_ended"}


def test_plan_with_suicidal_ideation_says_assess_first(tmp_path: Path) -> None:
    text = Path(CSV).read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    last = dict(zip(header, text[-1].split(","), strict=True))
    # the last rows are the latest scores: raise the PHQ-9 item 9 there
    assert last["SCALE"] == "phq9_item9"
    last["DV"] = "2"
    text[-1] = ",".join(last[h] for h in header)
    si = tmp_path / "si.csv"
    si.write_text("\n".join(text) + "\n", encoding="utf-8")
    res = runner.invoke(app, ["plan", str(si), "--json", "--horizon", "28"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["clinician_must_assess_first"] is True
    assert "clinician must assess" in data["safety"]["message"]
    res = runner.invoke(app, ["plan", str(si), "--horizon", "28"])
    assert "clinician must assess" in " ".join(res.stdout.split())


def test_bad_input_fails_naming_the_field(tmp_path: Path) -> None:
    text = Path(CSV).read_text(encoding="utf-8").replace(",37.0,", ",73.0,", 1)
    bad = tmp_path / "bad.csv"
    bad.write_text(text, encoding="utf-8")
    res = runner.invoke(app, ["fit", str(bad), "--json"])
    assert res.exit_code != 0
    assert "row 1 DV" in res.output and "0-60" in res.output and "73.0" in res.output
    res = runner.invoke(app, ["fit", CSV, "--method", "nuts"])
    assert res.exit_code != 0 and "method" in res.output


def test_evaluate_forecasts_json_small() -> None:
    res = runner.invoke(app, ["evaluate-forecasts", "--n", "4", "--draws", "100", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["patients"] == 4 and set(data["coverage"]) == {"50", "80", "95"}
    assert set(data["mae_madrs"]) == {"personal", "population", "locf"}
