"""FHIR R4: every Bundle ketasim writes or ships validates against R4, and the reader keeps R4's rules
(units, status, codings, ordinal answers, urn:uuid references, what hour 0 is)."""

import copy
import json
import uuid
from datetime import UTC, datetime

import pytest
from fhirclient.models.bundle import Bundle

from ketasim.errors import InputError, UnitError
from ketasim.io.examples import path
from ketasim.io.fhir import LOINC, read_bundle, record_to_bundle
from ketasim.io.fhir_checks import record_from_bundle
from ketasim.io.patient_data import load_record
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

START = datetime(2026, 3, 2, 9, tzinfo=UTC)
PATIENT = Patient(
    weight_kg=64.0, age_years=29.0, sex="male", ancestry="black", val66met="val/met", bmi=31.5,
    adiponectin_ug_ml=4.2, b12_pg_ml=380.0, benzodiazepine_mg_day=5.0, fh_alcohol=True,
    background_ad="continuing",
)  # fmt: skip
EVERYTHING = PatientRecord(
    PATIENT,
    Regimen.of(
        iv_infusion("0.5 mg/kg", over="40 min"),
        nasal_session(3, at=48.0),
        oral("50 mg", at=96.0),
        intramuscular("0.4 mg/kg", at=144.0),
        subcutaneous("0.5 mg/kg", at=192.0),
        sublingual("25 mg", at=240.0),
        Dose(drug=Drug.RACEMIC_KETAMINE, route=Route.INTRANASAL, amount=DoseAmount(50.0), time_h=288.0),
        placebo("saline", at=336.0, over="40 min"),
        placebo("midazolam", at=384.0, over="40 min"),
        placebo("placebo_spray", at=432.0),
    ),
    tuple(
        ScoreObservation(t, s, v)
        for t in (0.0, 168.0)
        for s, v in (
            ("madrs", 31.0),
            ("madrs_item10", 2.0),
            ("phq9", 17.0),
            ("phq9_item9", 2.0),
            ("qids_sr16", 14.0),
        )
    ),
    START,
    "MRN-9",
)


def _r4(bundle):
    """The oracle: fhirclient's R4 (4.0.1) models, strict; and R4's rules for urn:uuid references."""
    Bundle(json.loads(json.dumps(bundle)), strict=True)
    urls = [e["fullUrl"] for e in bundle["entry"]]
    for url in urls:
        assert url.startswith("urn:uuid:")
        uuid.UUID(url[9:])
    assert len(set(urls)) == len(urls)
    for e in bundle["entry"]:
        ref = e["resource"].get("subject", {}).get("reference")
        assert ref is None or ref in urls, ref


def _entry(bundle, **match):
    return next(
        e["resource"] for e in bundle["entry"] if all(e["resource"].get(k) == v for k, v in match.items())
    )


def test_every_dose_kind_and_covariate_exports_validates_and_reads_back():
    bundle = record_to_bundle(EVERYTHING)
    _r4(bundle)
    back = read_bundle(json.loads(json.dumps(bundle)))
    assert back.skipped == ()
    assert back.record == EVERYTHING


def test_the_shipped_bundle_is_valid_r4():
    _r4(json.loads(path("patient.json").read_text()))


def test_the_shipped_csv_and_fhir_are_the_same_record():
    a, b = load_record(path("patient.csv")), load_record(path("patient.json"))
    assert (a.patient, a.regimen, a.observations, a.start) == (b.patient, b.regimen, b.observations, b.start)
    assert a.patient.val66met != "val/val" and a.patient.bmi is not None


def test_weight_in_pounds_and_dose_in_grams_are_converted_other_units_refused():
    bundle = record_to_bundle(EVERYTHING)
    weight = _entry(bundle, id="weight")
    pounds = 64.0 / 0.45359237  # the same 64 kg: the mg/kg doses still agree with it
    weight["valueQuantity"] = {
        "value": pounds,
        "unit": "lb",
        "system": "http://unitsofmeasure.org",
        "code": "[lb_av]",
    }
    dose = _entry(bundle, id="dose-3")["dosage"]["dose"]  # oral 50 mg
    dose.update(value=0.05, unit="g", code="g")
    rec = record_from_bundle(bundle)
    assert rec.patient.weight_kg == pytest.approx(64.0)
    oral_dose = next(d for d in rec.regimen.doses if d.route == Route.ORAL)
    assert oral_dose.amount == DoseAmount(pytest.approx(50.0))
    dose.update(code="mL", unit="mL")
    with pytest.raises(UnitError) as e:
        record_from_bundle(bundle)
    assert e.value.field.endswith("dosage.dose.code") and e.value.received == "mL"


def test_the_app_import_uses_the_checking_reader():
    import ketasim.web.api.records as records

    assert records.record_from_bundle is record_from_bundle


def test_not_done_doses_and_entered_in_error_scores_are_skipped_and_reported():
    bundle = record_to_bundle(EVERYTHING)
    _entry(bundle, id="dose-1")["status"] = "not-done"
    _entry(bundle, id="score-1")["status"] = "entered-in-error"
    reading = read_bundle(bundle)
    assert len(reading.record.regimen) == len(EVERYTHING.regimen) - 1
    assert len(reading.record.observations) == len(EVERYTHING.observations) - 1
    assert any("not-done" in s for s in reading.skipped) and any(
        "entered-in-error" in s for s in reading.skipped
    )


def test_any_coding_counts_and_unused_observations_are_skipped():
    bundle = record_to_bundle(EVERYTHING)
    phq = _entry(bundle, id="score-3")
    phq["code"]["coding"].insert(0, {"system": "http://snomed.info/sct", "code": "715252007"})
    item1 = copy.deepcopy(phq)
    item1.update(id="item-1", code={"coding": [{"system": LOINC, "code": "44250-9"}]}, valueInteger=2)
    bundle["entry"].append({"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": item1})
    _r4(bundle)
    reading = read_bundle(bundle)
    assert reading.record.observations == EVERYTHING.observations
    assert any("44250-9" in s for s in reading.skipped)


def test_phq9_item9_is_an_ordinal_answer():
    bundle = record_to_bundle(EVERYTHING)
    item9 = _entry(bundle, id="score-4")
    assert "valueInteger" not in item9
    assert item9["valueCodeableConcept"]["coding"][0] == {
        "system": LOINC, "code": "LA6570-1", "display": "More than half the days",
    }  # fmt: skip


def test_hour_0_is_not_the_bundle_timestamp():
    bundle = record_to_bundle(EVERYTHING)
    bundle["timestamp"] = "2027-01-01T00:00:00Z"
    assert read_bundle(bundle).record.start == START
    patient = _entry(bundle, resourceType="Patient")
    patient["extension"] = [x for x in patient["extension"] if not x["url"].endswith("record-start")]
    rec = read_bundle(bundle).record
    assert rec.start == START  # the earliest event: the first session and scores at hour 0
    assert rec.regimen.doses[0].time_h == 0.0


def test_an_invalid_r4_bundle_is_refused_naming_the_place():
    bundle = record_to_bundle(EVERYTHING)
    _entry(bundle, id="score-1")["status"] = 3
    with pytest.raises(InputError) as e:
        read_bundle(bundle)
    assert e.value.field.startswith("entry[") and "status" in e.value.field


def test_the_shipped_csv_and_fhir_give_the_same_fit():
    from typer.testing import CliRunner

    from ketasim.cli import app

    runner = CliRunner()
    out = []
    for name in ("patient.csv", "patient.json"):
        res = runner.invoke(app, ["fit", str(path(name)), "--json"])
        assert res.exit_code == 0, res.output
        out.append({k: v for k, v in json.loads(res.stdout).items() if k != "seconds"})
    assert out[0] == out[1]
