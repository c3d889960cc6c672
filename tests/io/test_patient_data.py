"""Patient data in: the NONMEM-style CSV and the FHIR R4 Bundle, and every bad input named."""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path
from typing import Any

import pytest

from ketasim.errors import InputError, UnitError
from ketasim.io.examples import path
from ketasim.io.fhir_checks import record_from_bundle
from ketasim.io.nonmem_checks import record_from_rows
from ketasim.io.patient_data import load_record
from ketasim.record import PatientRecord, with_covariates


def _rows() -> list[dict[str, Any]]:
    with path("patient.csv").open(newline="") as fh:
        return [dict(r) for r in csv.DictReader(fh)]


def _bundle() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path("patient.json").read_text(encoding="utf-8"))
    return data


def _first(rows: list[dict[str, Any]], **match: str) -> int:
    return next(i for i, r in enumerate(rows) if all(r.get(k) == v for k, v in match.items()))


def test_csv_example_reads_sessions_scores_and_covariates(example_csv: PatientRecord) -> None:
    rec = example_csv
    assert len(rec.regimen.session_times()) == 6
    scales = {o.scale for o in rec.observations}
    assert scales == {"madrs", "madrs_item10", "phq9", "phq9_item9"}
    assert rec.patient.val66met == "val/met"  # the VAL66MET covariate column
    assert rec.patient.bmi is not None and rec.patient.adiponectin_ug_ml is not None


def test_fhir_example_holds_the_same_sessions_and_scores(example_csv: PatientRecord) -> None:
    rec = load_record(path("patient.json"))
    assert rec.start == example_csv.start
    assert rec.regimen.session_times() == example_csv.regimen.session_times()
    key = sorted((o.time_h, o.scale, o.value) for o in rec.observations)
    assert key == sorted((o.time_h, o.scale, o.value) for o in example_csv.observations)


def _csv_error(rows: list[dict[str, Any]]) -> InputError:
    with pytest.raises(InputError) as info:
        record_from_rows(rows)
    return info.value


def test_score_out_of_range_names_row_and_field() -> None:
    rows = _rows()
    i = _first(rows, SCALE="phq9")
    rows[i]["DV"] = "31"
    err = _csv_error(rows)
    assert err.field == f"row {i + 1} DV"
    assert "0-27" in err.rule and err.received == "31"


def test_unknown_scale_is_named() -> None:
    rows = _rows()
    i = _first(rows, SCALE="madrs")
    rows[i]["SCALE"] = "hads"
    err = _csv_error(rows)
    assert err.field == f"row {i + 1} SCALE" and "unknown scale" in err.rule and err.received == "hads"


def test_duplicate_score_timestamp_is_named() -> None:
    rows = _rows()
    i = _first(rows, SCALE="madrs")
    rows.insert(i + 1, dict(rows[i]))
    err = _csv_error(rows)
    assert err.field == f"row {i + 2} TIME" and "duplicate timestamp" in err.rule


def test_session_after_a_later_score_contradicts_the_record() -> None:
    rows = _rows()
    # move the second session (hour 48) after the score taken an hour before it but keep its time
    j = _first(rows, TIME="48.0", EVID="1")
    session = rows.pop(j)
    k = _first(rows, TIME="95.0", SCALE="madrs")
    rows.insert(k + 1, session)
    err = _csv_error(rows)
    assert err.field == f"row {k + 2} TIME" and "time order" in err.rule and "a session" in err.rule


def test_covariate_column_without_unit_is_a_unit_error() -> None:
    rows = [{("BMI" if k == "BMI_KG_M2" else k): v for k, v in r.items()} for r in _rows()]
    with pytest.raises(UnitError) as info:
        record_from_rows(rows)
    assert info.value.field == "column BMI" and "unit" in info.value.rule


def test_utc_stamp_must_agree_with_time() -> None:
    rows = _rows()
    rows[3]["UTC"] = "2026-02-01T09:00:00+00:00"
    err = _csv_error(rows)
    assert err.field == "row 4 UTC"


def test_covariate_with_two_values_is_named() -> None:
    rows = _rows()
    rows[5]["VAL66MET"] = "met/met"
    err = _csv_error(rows)
    assert err.field == "row 6 VAL66MET" and "one value per record" in err.rule


def test_fhir_score_without_unit_names_the_entry() -> None:
    bundle = _bundle()
    i, res = next(
        (i, e["resource"]) for i, e in enumerate(bundle["entry"]) if "valueInteger" in e["resource"]
    )
    res["valueQuantity"] = {"value": res.pop("valueInteger")}
    with pytest.raises(UnitError) as info:
        record_from_bundle(bundle)
    assert info.value.field == f"entry[{i}].resource.valueQuantity.code"


def test_fhir_dose_in_wrong_unit_names_the_entry() -> None:
    bundle = _bundle()
    i = next(
        i
        for i, e in enumerate(bundle["entry"])
        if e["resource"]["resourceType"] == "MedicationAdministration"
    )
    bundle["entry"][i]["resource"]["dosage"]["dose"]["code"] = "mL"
    with pytest.raises(UnitError) as info:
        record_from_bundle(bundle)
    assert info.value.field == f"entry[{i}].resource.dosage.dose.code" and info.value.received == "mL"


def test_fhir_duplicate_score_timestamp_is_named() -> None:
    bundle = _bundle()
    i = next(i for i, e in enumerate(bundle["entry"]) if e["resource"].get("id") == "score-1")
    dup = copy.deepcopy(bundle["entry"][i])
    dup["resource"]["id"] = "score-dup"
    bundle["entry"].append(dup)
    with pytest.raises(InputError) as info:
        record_from_bundle(bundle)
    assert "duplicate timestamp" in info.value.rule
    assert info.value.field == f"entry[{len(bundle['entry']) - 1}].resource.effectiveDateTime"


def test_fhir_score_out_of_range_is_named() -> None:
    bundle = _bundle()
    res = next(e["resource"] for e in bundle["entry"] if e["resource"].get("id") == "score-1")
    res["valueInteger"] = 99
    with pytest.raises(InputError) as info:
        record_from_bundle(bundle)
    assert "0-60" in info.value.rule and info.value.received == 99


def test_file_kind_and_existence(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        load_record(tmp_path / "absent.csv")
    bad = tmp_path / "patient.txt"
    bad.write_text("x")
    with pytest.raises(InputError, match=r"must end in \.csv"):
        load_record(bad)
    broken = tmp_path / "patient.json"
    broken.write_text("{")
    with pytest.raises(InputError, match="not valid JSON"):
        load_record(broken)


def test_with_covariates_rejects_unknown_names(example_csv: PatientRecord) -> None:
    assert with_covariates(example_csv, {"bmi": 30.0}).patient.bmi == 30.0
    with pytest.raises(InputError) as info:
        with_covariates(example_csv, {"shoe_size": 42})
    assert info.value.field == "shoe_size"
