"""`ketasim trial check` and `ketasim trial run`: exit codes, messages, JSON keys, figure."""

import json

import yaml
from typer.testing import CliRunner

from ketasim.cli import app
from ketasim.trials import example_path

runner = CliRunner()
PARALLEL = str(example_path("ketamine-vs-saline-midazolam"))


def test_check_ok_and_error_naming_the_field(tmp_path):
    res = runner.invoke(app, ["trial", "check", PARALLEL])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("OK")
    data = yaml.safe_load(example_path("esketamine-withdrawal").read_text())
    data["phases"][1]["arms"][0]["fraction"] = 0.7
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    res = runner.invoke(app, ["trial", "check", str(bad)])
    assert res.exit_code == 2
    assert "phases[1].arms" in res.stderr and "sum to 1" in res.stderr
    res = runner.invoke(app, ["trial", "check", str(tmp_path / "none.yaml")])
    assert res.exit_code == 2


def test_run_json_has_the_documented_keys_and_writes_the_figure(tmp_path):
    fig = tmp_path / "trial.png"
    res = runner.invoke(
        app, ["trial", "run", PARALLEL, "--json", "--replicates", "2", "--workers", "1", "--plot", str(fig)]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert {"id", "title", "citation", "replicates", "seed", "n_enrolled", "patients_simulated", "endpoints",
            "targets", "trajectories"} <= set(out)  # fmt: skip
    assert out["replicates"] == 2 and out["seed"] == 11
    ep = out["endpoints"][0]
    assert {"id", "measure", "unit", "scale", "of", "phases", "at", "from", "approximate", "rows"} <= set(ep)
    assert {"arm", "time_h", "mean", "lo", "hi", "n_defined", "n_not_reached"} <= set(ep["rows"][0])
    assert {"endpoint", "arm", "observed", "predicted", "lo", "hi", "inside", "source"} <= set(
        out["targets"][0]
    )
    assert {"phase", "arm", "times_d", "mean", "lo", "hi"} <= set(out["trajectories"][0])
    assert fig.stat().st_size > 10_000


def test_run_table_and_bad_options():
    res = runner.invoke(app, ["trial", "run", PARALLEL, "--replicates", "1", "--seed", "5", "--workers", "1"])
    assert res.exit_code == 0, res.output
    assert "change_24h" in res.stdout and "published values" in res.stdout
    assert "1 replicate trials of 96 patients" in res.stdout
    res = runner.invoke(app, ["trial", "run", PARALLEL, "--replicates", "0"])
    assert res.exit_code == 2
    assert "replicates" in res.stderr
