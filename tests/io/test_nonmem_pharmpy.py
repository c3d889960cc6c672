"""pharmpy, an independent NONMEM toolkit, reads every dataset ketasim writes; its reading reads back equal.

Each dataset gets a control stream as a modeller would write it: text columns
``=DROP`` in ``$INPUT``, ``IGNORE=@`` for the header. pharmpy parses it as NM-TRAN
does (a blank cell is 0), its dataset checks must all pass, and the parsed
numbers, fed back into ketasim's reader, give the same subjects and records.
"""

import math
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from pharmpy.modeling import check_dataset, read_model

from ketasim.io.examples import path as example_path
from ketasim.io.nonmem import (
    TEXT_COLUMNS,
    csv_text,
    read_csv,
    record_to_rows,
    regimen_to_rows,
    rows_to_subjects,
)
from ketasim.io.nonmem_checks import record_from_rows
from ketasim.population.patients import Patient
from ketasim.record import PatientRecord, ScoreObservation
from ketasim.regimen.dose import (
    Dose,
    Drug,
    Route,
    intramuscular,
    iv_infusion,
    nasal_session,
    oral,
    placebo,
    subcutaneous,
    sublingual,
)
from ketasim.regimen.regimen import Regimen
from ketasim.units import DoseAmount

# $PRED: the dataset is what is checked, and a PRED model accepts every dosing compartment (CMT 1-6)
CONTROL = """$PROBLEM ketasim dataset
$INPUT {inputs}
$DATA {data} IGNORE=@
$PRED
Y = THETA(1) * EXP(ETA(1)) + EPS(1)
$THETA (0, 10)
$OMEGA 0.1
$SIGMA 1
$ESTIMATION METHOD=1 INTER
"""

PATIENT = Patient(
    weight_kg=83.5, age_years=61.0, sex="male", ancestry="japanese", val66met="val/met", bmi=27.5,
    b12_pg_ml=300.0, adiponectin_ug_ml=6.1, fh_alcohol=True,
)  # fmt: skip
EVERY_ROUTE = Regimen.of(
    iv_infusion("0.5 mg/kg", over="40 min").repeat(every="2 d", count=3),
    iv_infusion("35 mg", rate_mg_h=52.5, at=200.0),
    nasal_session(3, at=300.0).repeat(every="3.5 d", count=4),
    Dose(drug=Drug.RACEMIC_KETAMINE, route=Route.IM, amount=DoseAmount(20.0), time_h=300.0 + 7 / 60),
    nasal_session(1, at=700.0),
    oral("50 mg", at=800.0),
    intramuscular("0.4 mg/kg", at=900.0),
    subcutaneous("0.5 mg/kg", at=950.0),
    sublingual("25 mg", at=975.0),
    Dose(drug=Drug.RACEMIC_KETAMINE, route=Route.INTRANASAL, amount=DoseAmount(50.0), time_h=990.0),
    placebo("saline", at=1000.0, over="40 min"),
    placebo("placebo_spray", at=1100.0),
)
RECORD = PatientRecord(
    PATIENT,
    Regimen(tuple(iv_infusion("0.5 mg/kg", over="40 min", at=24.0 * d) for d in (0, 2, 4))),
    tuple(
        ScoreObservation(t, scale, v)
        for t in (0.0, 48.0, 96.0)
        for scale, v in (("madrs", 30.0 - t / 8), ("madrs_item10", 2.0), ("phq9", 18.0), ("qids_sr16", 15.0))
    ),
    datetime(2026, 1, 5, 9, tzinfo=UTC),
)


def _pharmpy_rows(tmp_path: Path, text: str) -> list[dict]:
    """The dataset as pharmpy parses it, back as rows of plain values (blank cells are 0, as in NONMEM)."""
    data = tmp_path / "data.csv"
    data.write_text(text)
    header = text.splitlines()[0].split(",")
    body = text.splitlines()[1:]
    inputs = " ".join(f"{c}=DROP" if c in TEXT_COLUMNS else c for c in header)
    control = tmp_path / "run.mod"
    control.write_text(CONTROL.format(inputs=inputs, data=data.name))
    model = read_model(control)
    checks = check_dataset(model, dataframe=True)
    failed = checks[checks["result"] == "FAIL"]
    assert failed.empty, failed.to_string()
    df = model.dataset
    assert list(df.columns) == header
    for column in model.datainfo:
        if not column.drop:  # what NONMEM reads must have parsed as numbers
            assert pd.api.types.is_numeric_dtype(df[column.name]), (column.name, df[column.name].head())
    assert len(df) == len(body)
    rows = []
    for rec in df.to_dict("records"):
        rows.append({k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in rec.items()})
    return rows


def test_the_harness_refuses_a_numpy_repr(tmp_path):
    text = csv_text(regimen_to_rows(Regimen.of(oral("50 mg", at=5.0)), Patient()))
    with pytest.raises(AssertionError, match="TIME"):
        _pharmpy_rows(tmp_path, text.replace(",5.0,", ",np.float64(5.0),", 1))


def test_pharmpy_reads_a_regimen_dataset_with_every_route_and_it_reads_back_equal(tmp_path):
    rows = _pharmpy_rows(tmp_path, csv_text(regimen_to_rows(EVERY_ROUTE, PATIENT, subject_id=3)))
    assert {r["EVID"] for r in rows} == {1, 2}
    (subject,) = rows_to_subjects(rows)
    assert subject.id == 3
    assert subject.patient == PATIENT
    assert subject.regimen == EVERY_ROUTE


def test_pharmpy_reads_a_two_subject_dataset(tmp_path):
    other = Patient(weight_kg=55.0, val66met="met/met", bmi=20.0, b12_pg_ml=500.0, adiponectin_ug_ml=9.0)
    regimen = Regimen.of(nasal_session(2), iv_infusion("0.5 mg/kg", over="40 min", at=72.0))
    rows = regimen_to_rows(EVERY_ROUTE, PATIENT, 1) + regimen_to_rows(regimen, other, 2)
    a, b = rows_to_subjects(_pharmpy_rows(tmp_path, csv_text(rows)))
    assert (a.patient, a.regimen) == (PATIENT, EVERY_ROUTE)
    assert (b.patient, b.regimen) == (other, regimen)


def test_pharmpy_reads_a_patient_record_and_it_reads_back_equal(tmp_path):
    rows = _pharmpy_rows(tmp_path, csv_text(record_to_rows(RECORD)))
    assert [int(r["DVID"]) for r in rows if r["EVID"] == 0][:4] == [1, 2, 3, 5]
    assert record_from_rows(rows) == RECORD


def test_pharmpy_reads_the_shipped_example_and_it_reads_back_equal(tmp_path):
    text = example_path("patient.csv").read_text()
    assert record_from_rows(_pharmpy_rows(tmp_path, text)) == record_from_rows(
        read_csv(example_path("patient.csv"))
    )


@pytest.mark.parametrize("drug", ["saline", "midazolam", "placebo_spray"])
def test_placebo_rows_are_not_zero_doses_for_nonmem(tmp_path, drug):
    rows = _pharmpy_rows(tmp_path, csv_text(regimen_to_rows(Regimen.of(placebo(drug)), Patient())))
    assert all(r["EVID"] == 2 and r["AMT"] == 0 for r in rows)
    (subject,) = rows_to_subjects(rows)
    assert subject.regimen.doses[0].drug == Drug.parse(drug)
