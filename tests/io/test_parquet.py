"""Population Parquet files carry their provenance and every column's unit, read back with pyarrow."""

import json

import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

import ketasim
from ketasim.cli import app
from ketasim.errors import InputError
from ketasim.io.parquet import METADATA_KEY, column_info, read_provenance
from ketasim.model import default_model

runner = CliRunner()


def test_population_file_has_provenance_and_units(tmp_path):
    spec = tmp_path / "pop.yaml"
    spec.write_text(yaml.safe_dump({"age_years": {"mean": 70, "sd": 3, "min": 65, "max": 80}}))
    out = tmp_path / "p.parquet"
    res = runner.invoke(
        app,
        ["population", "--regimen", "iv-single", "--n", "12", "--days", "14", "--seed", "5",
         "--population", str(spec), "--out", str(out), "--trajectories", "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    schema = pq.read_schema(out)
    meta = json.loads(schema.metadata[METADATA_KEY])
    assert meta["ketasim_version"] == ketasim.__version__
    assert meta["calibrated_set"] == default_model().calibration
    assert (meta["seed"], meta["n"], meta["days"], meta["assessment_every_days"]) == (5, 12, 14, 7)
    assert meta["regimen"]["name"] == "iv-single"
    (dose,) = meta["regimen"]["doses"]
    assert dose["drug"] == "racemic_ketamine" and dose["route"] == "iv"
    assert meta["population"]["age_years"] == {"mean": 70.0, "sd": 3.0, "min": 65.0, "max": 80.0}
    assert meta["population"]["weight_kg"]["mean"] > 0
    assert read_provenance(out) == meta
    names = schema.names
    assert "share_in_response" in names and "madrs_d14" in names
    assert set(meta["columns"]) == set(names)
    for field in schema:
        unit = field.metadata[b"unit"].decode()
        assert unit and unit == meta["columns"][field.name]["unit"], field.name
    assert meta["columns"]["share_in_response"]["unit"] == "1"
    assert meta["columns"]["weight_kg"]["unit"] == "kg"
    assert meta["columns"]["madrs_d7"]["unit"] == "MADRS point"
    assert pq.read_table(out).num_rows == 12


def test_a_column_without_a_unit_is_refused():
    with pytest.raises(InputError) as e:
        column_info("mystery")
    assert e.value.received == "mystery"


def test_a_foreign_file_has_no_provenance(tmp_path):
    import pandas as pd

    path = tmp_path / "x.parquet"
    pd.DataFrame({"a": [1]}).to_parquet(path)
    with pytest.raises(InputError, match="no ketasim provenance"):
        read_provenance(path)
