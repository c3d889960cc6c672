"""Export a patient's record as CSV and FHIR, import it again: the same doses and scores come back."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from tests.conftest import Clinic

from .helpers import T0, esk_record, iso, iv_record, make_course, make_patient, schedule


def strip(bundle: dict) -> list[dict]:
    """The resources of a bundle other than the Patient (whose name and MRN differ by design, and with
    them the Patient's urn:uuid that the others reference)."""
    return [
        {k: v for k, v in e["resource"].items() if k != "subject"}
        for e in bundle["entry"]
        if e["resource"]["resourceType"] != "Patient"
    ]


def filled(c: object, clinic: Clinic) -> int:
    cl = clinic.client("clinician")
    p = make_patient(cl, weight_kg=80)
    esk, iv = make_course(cl, p["id"]), make_course(cl, p["id"], "ketamine_iv_clinic")
    for d, dose in ((0, 56), (3, 84)):
        at = T0 + timedelta(days=d)
        assert schedule(cl, p["id"], esk["id"], at, **esk_record(at, dose)).status_code == 201
    at = T0 + timedelta(days=10)
    assert schedule(cl, p["id"], iv["id"], at, **iv_record(at, 80)).status_code == 201
    madrs = {str(i): 2 for i in range(1, 11)}
    cl.post(
        f"/api/patients/{p['id']}/scales",
        json={"instrument": "madrs", "administered_at": iso(T0 - timedelta(hours=1)), "items": madrs},
    )
    phq = {str(i): 1 for i in range(1, 10)} | {"9": 0}
    cl.post(
        f"/api/patients/{p['id']}/scales",
        json={
            "instrument": "phq9",
            "mode": "self",
            "administered_at": iso(T0 + timedelta(days=1)),
            "items": phq,
        },
    )
    return int(p["id"])


@pytest.mark.parametrize("fmt", ["csv", "fhir"])
def test_export_then_import_gives_the_same_record(clinic: Clinic, fmt: str) -> None:
    c = clinic.client("clinician")
    pid = filled(c, clinic)
    r = c.get(f"/api/patients/{pid}/export.{fmt}")
    assert r.status_code == 200
    media = "text/csv" if fmt == "csv" else "application/fhir+json"
    params = {
        "mrn": f"IMP-{fmt}",
        "name": "Imported",
        "birth_date": "1980-05-17",
        "source": "other-ehr",
        "rater": "Dr Rater",
    }
    imp = c.post("/api/patients/import", data=params, files={"record": (f"record.{fmt}", r.content, media)})
    assert imp.status_code == 201, imp.text
    again = c.get(f"/api/patients/{imp.json()['id']}/export.{fmt}")
    if fmt == "csv":
        a = list(csv.DictReader(io.StringIO(r.text)))
        b = list(csv.DictReader(io.StringIO(again.text)))
        keys = ("TIME", "AMT", "EVID", "DV", "SCALE", "DEVICE", "UTC")
        assert [[row[k] for k in keys] for row in a] == [[row[k] for k in keys] for row in b]
        assert {row["SCALE"] for row in a if row["EVID"] == "0"} == {
            "madrs",
            "madrs_item10",
            "phq9",
            "phq9_item9",
        }
    else:
        assert strip(r.json()) == strip(again.json())
    scales = c.get(f"/api/patients/{imp.json()['id']}/scales").json()["items"]
    assert all(s["source"] == "import:other-ehr" for s in scales) and len(scales) == 2
    assert (
        clinic.count(
            "select count(*) from audit_events where site_id = :site and action in ('export', 'import')"
        )
        == 3
    )


def test_import_refuses_bad_records_and_stores_nothing(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    params = {"mrn": "IMP-X", "name": "X", "birth_date": "1980-05-17", "source": "ehr", "rater": "R"}
    before = clinic.count("select count(*) from patients where site_id = :site")
    bad = c.post(
        "/api/patients/import",
        data=params,
        files={"record": ("r.json", b"{not json", "application/fhir+json")},
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["type"] == "import.parse"
    r = c.post(
        "/api/patients/import",
        data=params,
        files={
            "record": (
                "r.json",
                b'{"resourceType": "Bundle", "type": "collection", "entry": []}',
                "application/fhir+json",
            )
        },
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "entry"
    r = c.post("/api/patients/import", data=params, files={"record": ("r.txt", b"x", "text/plain")})
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "import.media_type"
    assert clinic.count("select count(*) from patients where site_id = :site") == before
