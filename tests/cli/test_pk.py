import json

from typer.testing import CliRunner

from ketasim.cli import app

runner = CliRunner()

KEYS = {"cmax_ng_ml", "tmax_h", "auc_0_inf_ng_h_ml", "auc_0_24_ng_h_ml", "terminal_half_life_h"}


def test_pk_json_has_documented_keys_for_parent_and_metabolite():
    res = runner.invoke(
        app, ["pk", "--drug", "esketamine", "--route", "intranasal", "--dose", "84mg", "--json"]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["analytes"]["esketamine"]["role"] == "parent"
    assert data["analytes"]["noresketamine"]["role"] == "metabolite"
    for analyte in ("esketamine", "noresketamine"):
        assert set(data["analytes"][analyte]) >= KEYS
    assert abs(data["analytes"]["esketamine"]["cmax_ng_ml"] - 101.0) < 5


def test_pk_plot_is_written(tmp_path):
    out = tmp_path / "pk.png"
    res = runner.invoke(
        app,
        [
            "pk",
            "--drug",
            "racemic_ketamine",
            "--route",
            "iv",
            "--dose",
            "0.5mg/kg",
            "--over",
            "40min",
            "--weight",
            "80",
            "--plot",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    assert out.stat().st_size > 10_000


BAD = [
    (["--drug", "esketamine", "--route", "intranasal", "--dose", "112mg"], "devices"),
    (
        [
            "--drug",
            "racemic_ketamine",
            "--route",
            "iv",
            "--dose",
            "0.5mg/kg",
            "--over",
            "40min",
            "--rate",
            "20mg/h",
        ],
        "rate",
    ),
    (["--drug", "racemic_ketamine", "--route", "iv", "--dose", "0.5", "--over", "40min"], "unit"),
    (
        ["--drug", "racemic_ketamine", "--route", "iv", "--dose", "-3mg", "--over", "40min"],
        "positive",
    ),
    (
        ["--drug", "racemic_ketamine", "--route", "iv", "--dose", "nanmg", "--over", "40min"],
        "finite",
    ),
    (
        ["--drug", "racemic_ketamine", "--route", "iv", "--dose", "infmg", "--over", "40min"],
        "finite",
    ),
    (
        [
            "--drug",
            "racemic_ketamine",
            "--route",
            "iv",
            "--dose",
            "35mg",
            "--over",
            "40min",
            "--weight",
            "251",
        ],
        "weight_kg",
    ),
    (
        [
            "--drug",
            "racemic_ketamine",
            "--route",
            "iv",
            "--dose",
            "35mg",
            "--over",
            "40min",
            "--weight",
            "29",
        ],
        "weight_kg",
    ),
    (["--drug", "esketamine", "--route", "sc", "--dose", "28mg"], "esketamine/sc"),
    (["--drug", "ketamine", "--route", "rectal", "--dose", "28mg"], "unknown route"),
    (
        ["--drug", "racemic_ketamine", "--route", "iv", "--dose", "35 ml", "--over", "40min"],
        "dose unit",
    ),
]


def test_bad_input_exits_2_names_the_field_and_writes_nothing(tmp_path):
    for args, needle in BAD:
        out = tmp_path / "should-not-exist.png"
        res = runner.invoke(app, ["pk", *args, "--plot", str(out)])
        assert res.exit_code == 2, (args, res.output)
        assert needle in res.stderr, (args, res.stderr)
        assert "field" in res.stderr
        assert not out.exists()
        assert list(tmp_path.iterdir()) == []


def test_pk_racemic_im_reports_auc_inf_and_half_life():
    res = runner.invoke(
        app, ["pk", "--drug", "racemic_ketamine", "--route", "im", "--dose", "0.5mg/kg", "--json"]
    )
    assert res.exit_code == 0, res.output
    for name, v in json.loads(res.stdout)["analytes"].items():
        assert v["auc_0_inf_ng_h_ml"] >= v["auc_0_24_ng_h_ml"] > 0, name
        assert v["terminal_half_life_h"] is not None, name
    table = runner.invoke(app, ["pk", "--drug", "racemic_ketamine", "--route", "sc", "--dose", "35mg"])
    assert table.exit_code == 0, table.output
    cells = table.stdout.split()
    assert "nan" not in cells
    assert "n/a" not in cells
