"""`ketasim calibrate` and `ketasim validate` from the command line."""

import json

from typer.testing import CliRunner

from ketasim.cli import app

runner = CliRunner()


def test_validate_json_and_report(tmp_path):
    report = tmp_path / "report.html"
    res = runner.invoke(
        app,
        ["validate", "--study", "murrough2013ajp", "--replicates", "4", "--json", "--report", str(report)],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    s = out["summary"]
    assert s["targets"] == 6 and s["studies"] == 1
    assert 0 <= s["inside"] <= 6 and s["fraction_inside"] == round(s["inside"] / 6, 4)
    assert s["rmse_madrs_points"] is not None and s["rmse_percentage_points"] is not None
    t = out["targets"][0]
    keys = {"study", "endpoint", "arm", "source", "unit", "observed", "predicted", "lo", "hi", "inside"}
    assert keys <= set(t)
    text = report.read_text()
    assert text.startswith("<!doctype html>") and "data:image/png;base64," in text and "A15" in text


def test_validate_table_and_prior_model():
    res = runner.invoke(app, ["validate", "--study", "zarate2006", "--replicates", "3", "--model", "prior"])
    assert res.exit_code == 0, res.output
    assert "A04" in res.stdout and "uncalibrated" in res.stdout


def test_bad_options_name_the_field(tmp_path):
    res = runner.invoke(app, ["validate", "--study", "nosuch"])
    assert res.exit_code == 2 and "study" in res.stderr
    res = runner.invoke(app, ["validate", "--replicates", "1"])
    assert res.exit_code == 2 and "replicates" in res.stderr
    res = runner.invoke(app, ["validate", "--model", str(tmp_path / "none.json")])
    assert res.exit_code == 2 and "not found" in res.stderr
    res = runner.invoke(app, ["calibrate", "--patients", "5", "--out", str(tmp_path / "x.json")])
    assert res.exit_code == 2 and "patients" in res.stderr
    assert not (tmp_path / "x.json").exists()


def test_calibrate_writes_set_and_report(tmp_path):
    out, md = tmp_path / "set.json", tmp_path / "fit.md"
    res = runner.invoke(
        app,
        ["calibrate", "--study", "zarate2006", "--patients", "150", "--max-iterations", "1",
         "--out", str(out), "--report", str(md)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert data["fit"]["studies"] == ["zarate2006"] and data["command"].startswith("ketasim calibrate")
    assert md.read_text().startswith("# Calibration")
    res = runner.invoke(app, ["validate", "--study", "zarate2006", "--replicates", "3", "--model", str(out)])
    assert res.exit_code == 0, res.output
