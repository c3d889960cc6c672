"""Patient records through NONMEM-style CSV and FHIR R4: lossless round trips and named errors."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ketasim.errors import InputError
from ketasim.io.fhir import SCALE_SYSTEM, bundle_to_record, record_to_bundle
from ketasim.io.nonmem import read_csv, record_to_rows, rows_to_record, rows_to_subjects, write_csv
from ketasim.population.patients import Patient
from ketasim.record import PatientRecord, ScoreObservation
from ketasim.regimen.dose import iv_infusion, nasal_session
from ketasim.regimen.regimen import Regimen
from ketasim.simulate import simulate

START = datetime(2026, 2, 2, 9, 30, tzinfo=UTC)


def record() -> PatientRecord:
    regimen = Regimen.of(
        nasal_session(2, at=0.0), nasal_session(3, at=84.0), iv_infusion("35 mg", over="40 min", at=240.0)
    )
    obs = (
        ScoreObservation(-2.0, "madrs", 34),
        ScoreObservation(-2.0, "madrs_item10", 2),
        ScoreObservation(24.0, "phq9", 15),
        ScoreObservation(24.0, "phq9_item9", 1),
        ScoreObservation(168.0, "qids_sr16", 11),
    )
    return PatientRecord(
        Patient(weight_kg=72.5, age_years=51, sex="male"),
        regimen,
        obs,
        START,
        "MRN-1",
        "A B",
        date(1975, 1, 1),
    )


def test_csv_round_trip(tmp_path: Path) -> None:
    rec = record()
    path = tmp_path / "record.csv"
    write_csv(path, record_to_rows(rec))
    rows = read_csv(path)
    back = rows_to_record(rows)
    assert back.regimen == rec.regimen and back.observations == rec.observations and back.start == rec.start
    assert {r["SCALE"] for r in rows if r["EVID"] == "0"} == {
        "madrs",
        "madrs_item10",
        "phq9",
        "phq9_item9",
        "qids_sr16",
    }
    # the dose rows alone still read as before
    assert rows_to_subjects(rows)[0].regimen == rec.regimen


def test_fhir_round_trip_and_codes() -> None:
    rec = record()
    bundle = json.loads(json.dumps(record_to_bundle(rec)))
    back = bundle_to_record(bundle)
    assert back.observations == rec.observations
    assert back.identifier == "MRN-1" and back.birth_date == date(1975, 1, 1)
    t = [0.0, 1.0, 3.0, 84.0, 85.0, 241.0, 300.0]
    a, b = simulate(rec.regimen, rec.patient, times=t), simulate(back.regimen, back.patient, times=t)
    assert a.concentration("ketamine") == pytest.approx(b.concentration("ketamine"), rel=1e-9)
    codes = {
        (c["system"], c["code"])
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        for c in e["resource"]["code"]["coding"]
    }
    assert ("http://loinc.org", "44261-6") in codes and ("http://loinc.org", "44260-8") in codes
    assert (SCALE_SYSTEM, "madrs") in codes and (SCALE_SYSTEM, "qids_sr16") in codes


def test_errors_name_the_place() -> None:
    bundle = record_to_bundle(record())
    obs = next(e for e in bundle["entry"] if e["resource"].get("id") == "score-3")
    obs["resource"]["valueInteger"] = 40
    with pytest.raises(InputError, match=r"entry\[\d+\]\.resource\.value"):
        bundle_to_record(bundle)
    with pytest.raises(InputError, match="resourceType"):
        bundle_to_record({"resourceType": "Patient"})
    rows = record_to_rows(record())
    rows[0]["SCALE"] = "hamd"
    rows[0]["EVID"] = 0
    with pytest.raises(InputError, match="row 1 SCALE"):
        rows_to_record(rows)
    with pytest.raises(InputError, match="phq9 lies within 0-27"):
        ScoreObservation(0.0, "phq9", 30)
