import json

import yaml
from typer.testing import CliRunner

from ketasim.cli import app

runner = CliRunner()


def test_simulate_json_has_every_layer():
    res = runner.invoke(app, ["simulate", "--regimen", "iv-induction-6x2w", "--days", "20", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    for key in ("times_h", "plasma_ng_ml", "effect_site_ng_ml", "occupancy", "latent", "madrs", "madrs_items",
                "cadss", "sbp_rise_mmhg", "doses"):  # fmt: skip
        assert key in data
    assert set(data["latent"]) >= {"G", "B", "M", "P", "X", "W", "N", "S", "L", "EF", "ES", "AD", "TOL"}
    assert len(data["doses"]) == 6
    madrs = data["madrs"]
    assert min(madrs) < madrs[0] - 10
    assert all(0 <= v <= 60 for v in madrs)


def test_simulate_plot_explain_and_patient_file(tmp_path):
    patient = tmp_path / "p.yaml"
    patient.write_text(yaml.safe_dump({"weight_kg": 90, "val66met": "val/met", "baseline_madrs": 36}))
    out = tmp_path / "timeline.png"
    res = runner.invoke(app, ["simulate", "--regimen", "esketamine-label", "--patient", str(patient),
                              "--days", "60", "--plot", str(out), "--explain"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert out.stat().st_size > 50_000
    text = " ".join(res.stdout.split())
    assert "interneuron NMDA" in text
    assert "labile spines" in text


def test_simulate_regimen_file(tmp_path):
    spec = tmp_path / "r.yaml"
    spec.write_text(yaml.safe_dump([{"drug": "esketamine", "route": "intranasal", "dose": "56 mg",
                                     "days": [0, 3, 7]}]))  # fmt: skip
    res = runner.invoke(app, ["simulate", "--regimen", str(spec), "--days", "10", "--json"])
    assert res.exit_code == 0, res.output
    assert len(json.loads(res.stdout)["doses"]) == 6


def test_simulate_bad_input(tmp_path):
    out = tmp_path / "x.png"
    bad_patient = tmp_path / "p.yaml"
    bad_patient.write_text(yaml.safe_dump({"weight_kg": 90, "shoe_size": 44}))
    for args, needle in (
        (["--regimen", "iv-weekly-forever"], "named regimen"),
        (["--regimen", "iv-single", "--days", "-1"], "days"),
        (["--regimen", "iv-single", "--patient", str(bad_patient)], "shoe_size"),
    ):
        res = runner.invoke(app, ["simulate", *args, "--plot", str(out)])
        assert res.exit_code == 2, res.output
        assert needle in res.stderr
        assert not out.exists()
