"""NONMEM conventions the dataset writer and reader keep (placebo, ordering, numbers, AMT, covariates)."""

from datetime import UTC, datetime

import numpy as np
import pytest

from ketasim.errors import InputError
from ketasim.io.nonmem import (
    DVID,
    csv_text,
    format_value,
    read_csv,
    record_to_rows,
    regimen_to_rows,
    rows_to_record,
    rows_to_subjects,
    write_csv,
)
from ketasim.io.nonmem_checks import record_from_rows
from ketasim.population.patients import Patient
from ketasim.record import PatientRecord, ScoreObservation, with_covariates
from ketasim.regimen.dose import Dose, Drug, Route, iv_infusion, nasal_session, placebo
from ketasim.regimen.regimen import Regimen
from ketasim.units import DoseAmount

START = datetime(2026, 1, 5, 9, tzinfo=UTC)


def _csv_rows(tmp_path, rows):
    path = tmp_path / "data.csv"
    write_csv(path, rows)
    return read_csv(path)


def test_placebo_session_is_an_other_event_with_a_flag_not_a_zero_dose(tmp_path):
    regimen = Regimen.of(placebo("saline", over="40 min"), placebo("placebo_spray", at=48.0))
    rows = regimen_to_rows(regimen, Patient())
    assert all(r["EVID"] == 2 and r["PLACEBO"] == 1 and r["MDV"] == 1 for r in rows)
    assert not any(r["EVID"] == 1 and not r["AMT"] for r in rows)
    (subject,) = rows_to_subjects(_csv_rows(tmp_path, rows))
    assert subject.regimen == regimen


def test_a_zero_dose_record_is_refused_with_the_convention_named():
    (row,) = regimen_to_rows(Regimen.of(placebo("saline", over="40 min")), Patient())
    old = {**row, "EVID": 1, "AMT": 0.0, "PLACEBO": None}
    with pytest.raises(InputError) as e:
        rows_to_subjects([old])
    assert e.value.field == "row 1 EVID" and "PLACEBO 1" in e.value.rule
    with pytest.raises(InputError) as e:
        rows_to_subjects(
            [{**regimen_to_rows(Regimen.of(iv_infusion("35 mg", over="40 min")), Patient())[0], "AMT": 0}]
        )
    assert e.value.field == "row 1 AMT"


def test_other_evid_2_rows_are_skipped():
    rows = regimen_to_rows(Regimen.of(iv_infusion("35 mg", over="40 min")), Patient())
    rows.append({**rows[0], "EVID": 2, "AMT": None, "TIME": 5.0})
    (subject,) = rows_to_subjects(rows)
    assert len(subject.regimen) == 1


def test_a_score_at_a_dose_time_is_written_before_the_dose():
    record = PatientRecord(
        Patient(), Regimen.of(iv_infusion("0.5 mg/kg", over="40 min", at=24.0)),
        (ScoreObservation(24.0, "madrs", 30.0), ScoreObservation(0.0, "madrs", 32.0)), START,
    )  # fmt: skip
    rows = record_to_rows(record)
    assert [(r["TIME"], r["EVID"]) for r in rows] == [(0.0, 0), (24.0, 0), (24.0, 1)]


def test_doses_are_written_in_time_order_and_a_dose_between_devices_reads_back(tmp_path):
    late_first = Regimen.of(
        iv_infusion("35 mg", over="40 min", at=100.0), iv_infusion("35 mg", over="40 min")
    )
    times = [r["TIME"] for r in regimen_to_rows(late_first, Patient())]
    assert times == sorted(times) == [0.0, 100.0]
    # a racemic IM dose 7 minutes in, between the 2nd (5 min) and 3rd (10 min) esketamine device
    between = Regimen.of(
        nasal_session(3),
        Dose(drug=Drug.RACEMIC_KETAMINE, route=Route.IM, amount=DoseAmount(20.0), time_h=7 / 60),
    )
    rows = regimen_to_rows(between, Patient())
    assert [r["DEVICE"] for r in rows] == [1, 2, 0, 3]
    (subject,) = rows_to_subjects(_csv_rows(tmp_path, rows))
    assert subject.regimen == between


def test_numpy_numbers_are_written_as_plain_numbers(tmp_path):
    dose = iv_infusion("35 mg", over="40 min", at=np.float64(5.0))
    patient = Patient(weight_kg=np.float64(70.0), age_years=np.float64(40.0))
    text = csv_text(regimen_to_rows(Regimen.of(dose), patient))
    assert "np." not in text and "float64" not in text
    assert format_value(np.float64(5.0)) == "5.0" and format_value(np.int64(2)) == "2"
    assert format_value(np.float32(0.5)) == "0.5" and format_value(np.bool_(True)) == "1"
    (subject,) = rows_to_subjects(_csv_rows(tmp_path, regimen_to_rows(Regimen.of(dose), patient)))
    assert subject.regimen.doses[0].time_h == 5.0


def test_the_app_export_uses_the_same_formatter():
    import ketasim.web.api.records as records

    assert records.csv_text is csv_text


def test_amt_is_the_amount_given_and_must_agree_with_dosekg():
    (row,) = regimen_to_rows(Regimen.of(iv_infusion("0.5 mg/kg", over="40 min")), Patient(weight_kg=55.6))
    assert row["AMT"] == pytest.approx(27.8) and row["DOSEKG"] == 0.5
    with pytest.raises(InputError) as e:
        rows_to_subjects([{**row, "AMT": 50.0}])
    assert e.value.field == "row 1 AMT"
    assert "DOSEKG" in e.value.rule and "27.8 mg" in e.value.rule
    assert "AMT 50" in e.value.received and "DOSEKG 0.5" in e.value.received
    # written with fewer digits, as a person would: still the same dose
    (subject,) = rows_to_subjects([{**row, "AMT": "27.8", "RATE": "41.7"}])
    assert subject.regimen.doses[0].amount == DoseAmount(0.5, per_kg=True)


def test_a_new_weight_does_not_rescale_doses_already_given():
    record = PatientRecord(
        Patient(weight_kg=55.6), Regimen.of(iv_infusion("0.5 mg/kg", over="40 min")), (), START
    )
    heavier = with_covariates(record, {"weight_kg": 90.0})
    assert heavier.regimen.doses[0].amount == DoseAmount(27.8)
    assert heavier.patient.weight_kg == 90.0


FULL = Patient(
    weight_kg=61.5, age_years=38.0, sex="male", ancestry="asian", baseline_si=2.0, val66met="met/met",
    b12_pg_ml=410.0, adiponectin_ug_ml=7.5, bmi=22.4, fh_alcohol=True, prior_suicide_attempt=True,
    benzodiazepine_mg_day=10.0, background_ad="continuing",
)  # fmt: skip


def test_every_covariate_the_reader_accepts_is_written_and_read_back(tmp_path):
    record = PatientRecord(
        FULL, Regimen.of(iv_infusion("0.5 mg/kg", over="40 min")),
        (ScoreObservation(0.0, "madrs", 30.0), ScoreObservation(0.0, "phq9", 18.0)), START,
    )  # fmt: skip
    rows = _csv_rows(tmp_path, record_to_rows(record))
    for col in ("BMI_KG_M2", "VAL66MET", "ADIPONECTIN_UG_ML", "B12_PG_ML", "BZD_MG_DAY", "FH_ALCOHOL"):
        assert rows[0][col] != "", col
    assert rows_to_record(rows) == record
    assert record_from_rows(rows) == record
    (subject,) = rows_to_subjects(rows)
    assert subject.patient == FULL


def test_scales_carry_a_numeric_dvid_and_dvid_alone_reads():
    record = PatientRecord(Patient(), Regimen(), (ScoreObservation(0.0, "qids_sr16", 12.0),), START)
    (row,) = record_to_rows(record)
    assert row["DVID"] == DVID["qids_sr16"] == 5
    assert rows_to_record([{**row, "SCALE": ""}]) == record
    with pytest.raises(InputError) as e:
        record_from_rows([{**row, "DVID": 1}])
    assert e.value.field == "row 1 DVID" and "qids_sr16" in e.value.rule
