"""ketasim population: the summary, its errors, population files."""

import pandas as pd
from typer.testing import CliRunner

from ketasim.cli import app

runner = CliRunner()


def test_population_cli_summary_and_errors(tmp_path):
    import json

    res = runner.invoke(
        app, ["population", "--regimen", "iv-induction-6x2w", "--n", "200", "--days", "90", "--json"]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert 0.5 < data["responded"]["fraction"] <= 1.0
    lo, hi = data["responded"]["ci95"]
    assert lo < data["responded"]["fraction"] < hi
    assert data["relapsed_among_responders"]["n"] == round(200 * data["responded"]["fraction"])
    for args, needle in ((["--n", "0"], "n"), (["--days", "0"], "days"), (["--backend", "gpu"], "backend"),
                         (["--backend", "jax"], "numpy"),  # the command line offers the CPU kernels
                         (["--workers", "2", "--scheduler", "tcp://x:1"], "workers")):  # fmt: skip
        out = tmp_path / "x.parquet"
        res = runner.invoke(app, ["population", "--regimen", "iv-single", *args, "--out", str(out)])
        assert res.exit_code == 2, res.output
        assert needle in res.stderr
        assert not out.exists()


def test_population_file(tmp_path):
    import yaml

    spec = tmp_path / "pop.yaml"
    spec.write_text(yaml.safe_dump({"age_years": {"mean": 70, "sd": 3, "min": 65, "max": 80},
                                    "bdnf_val66met": {"val_val": 0, "val_met": 0, "met_met": 1},
                                    "background": {"oral_antidepressant": "new_start"}}))  # fmt: skip
    out = tmp_path / "p.parquet"
    res = runner.invoke(app, ["population", "--regimen", "iv-single", "--n", "30", "--days", "14",
                              "--population", str(spec), "--out", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    frame = pd.read_parquet(out)
    assert frame["age_years"].min() >= 65
    assert (frame["met_alleles"] == 2).all()
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"height_cm": {"mean": 170}}))
    res = runner.invoke(app, ["population", "--regimen", "iv-single", "--population", str(bad)])
    assert res.exit_code == 2
    assert "height_cm" in res.stderr
