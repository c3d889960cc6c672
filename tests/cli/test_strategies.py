"""``ketasim strategies``: list, check, schema, compare, intervals, reinduction."""

import json

import yaml
from typer.testing import CliRunner

from ketasim.cli import app
from ketasim.protocols.catalog import LIBRARY

runner = CliRunner()


def test_list_shows_the_shipped_protocols():
    res = runner.invoke(app, ["strategies", "list", "--json"])
    assert res.exit_code == 0, res.output
    assert {p["name"] for p in json.loads(res.stdout)} == {p.stem for p in LIBRARY.glob("*.yaml")}


def test_schema_is_printed():
    res = runner.invoke(app, ["strategies", "schema"])
    assert res.exit_code == 0 and json.loads(res.stdout)["title"] == "ketasim treatment protocol"


def test_a_bad_protocol_file_fails_before_simulation_naming_the_field(tmp_path):
    data = yaml.safe_load((LIBRARY / "esketamine-label.yaml").read_text())
    data["dose"]["titration"]["to"] = "112 mg"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    for command in (
        ["strategies", "check", str(bad)],
        ["strategies", "compare", "--protocol", "iv-6x2w-relapse-only", "--protocol", str(bad)],
    ):
        res = runner.invoke(app, command)
        assert res.exit_code == 2
        assert "dose.titration.to" in res.stderr and "112 mg" in res.stderr


def test_bad_options_exit_with_code_2(tmp_path):
    pop = tmp_path / "pop.yaml"
    pop.write_text("female: 2\n")
    cases = [
        ["compare", "--protocol", "iv-6x2w-relapse-only", "--n", "0"],
        ["compare", "--protocol", "iv-6x2w-relapse-only", "--population", str(pop)],
        ["compare", "--protocol", "iv-6x2w-relapse-only", "--reference", "nope"],
        ["compare", "--protocol", "iv-6x2w-relapse-only", "--protocol", "iv-6x2w-relapse-only"],
        ["intervals", "--protocol", "iv-6x2w-relapse-only", "--candidates", "7,x"],
        ["intervals", "--protocol", "iv-6x2w-relapse-only", "--booster-sessions", "9"],
        ["reinduction", "--protocol", "no-such-protocol"],
    ]
    for case in cases:
        res = runner.invoke(app, ["strategies", *case])
        assert res.exit_code == 2, (case, res.output)
        assert "error" in res.stderr


def test_compare_prints_json_and_writes_the_frontier(tmp_path):
    pop = tmp_path / "pop.yaml"
    pop.write_text(yaml.safe_dump({"age_years": {"mean": 40, "sd": 10, "min": 18, "max": 65}, "female": 0.5}))
    fig = tmp_path / "frontier.png"
    res = runner.invoke(
        app,
        [
            "strategies",
            "compare",
            "--protocol",
            "iv-6x2w-relapse-only",
            "--protocol",
            "iv-6x2w-symptom-triggered",
            "--population",
            str(pop),
            "--n",
            "12",
            "--days",
            "56",
            "--boot",
            "100",
            "--reference",
            "iv-6x2w-relapse-only",
            "--json",
            "--plot",
            str(fig),
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert [p["name"] for p in data["protocols"]] == ["iv-6x2w-relapse-only", "iv-6x2w-symptom-triggered"]
    for key in (
        "sessions_per_year",
        "days_in_response_pct",
        "days_in_remission_pct",
        "relapses_per_year",
        "reinductions_per_year",
        "mg_per_year",
        "mg_per_kg_per_year",
        "cadss_hours_per_year",
    ):
        assert set(data["protocols"][0][key]) == {"mean", "ci95_low", "ci95_high"}
    assert "extra_sessions_per_relapse_prevented" in data["protocols"][1]["vs_reference"]
    assert fig.stat().st_size > 10_000


def test_compare_table():
    res = runner.invoke(
        app,
        [
            "strategies",
            "compare",
            "--protocol",
            "iv-6x2w-fixed-3-weekly",
            "--n",
            "6",
            "--days",
            "42",
            "--boot",
            "100",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "sessions / patient-year" in res.stdout and "CADSS point-h" in res.stdout


def test_intervals_writes_the_histogram(tmp_path):
    fig = tmp_path / "intervals.png"
    res = runner.invoke(
        app,
        [
            "strategies",
            "intervals",
            "--protocol",
            "iv-6x2w-fixed-3-weekly",
            "--n",
            "10",
            "--days",
            "56",
            "--candidates",
            "7,14",
            "--booster-sessions",
            "2",
            "--plot",
            str(fig),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "longest fixed booster interval" in res.stdout
    assert fig.stat().st_size > 10_000
    res = runner.invoke(
        app,
        [
            "strategies",
            "intervals",
            "--protocol",
            "iv-6x2w-fixed-3-weekly",
            "--n",
            "6",
            "--days",
            "42",
            "--candidates",
            "7",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["n"] == 6


def test_reinduction_table():
    res = runner.invoke(
        app,
        [
            "strategies",
            "reinduction",
            "--protocol",
            "iv-6x2w-relapse-only",
            "--n",
            "40",
            "--days",
            "150",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["after_relapse"]["patients"] > 0
    assert data["after_relapse"]["mean_sessions_needed"] > data["before_relapse"]["mean_sessions_needed"]
