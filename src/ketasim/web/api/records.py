"""A patient's record as NONMEM-style CSV or FHIR R4 Bundle: export and import."""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Response, UploadFile
from pydantic import AfterValidator
from starlette.concurrency import run_in_threadpool

from ketasim.errors import InputError
from ketasim.io.fhir import FHIR_JSON, record_to_bundle
from ketasim.io.fhir_checks import record_from_bundle
from ketasim.io.nonmem import csv_text, record_to_rows, rows_to_record
from ketasim.store.crud.records import export_record, import_record
from ketasim.store.errors import RuleError
from ketasim.store.schemas import BirthDate, Name, PatientPublic
from ketasim.store.validators import clean_line
from ketasim.web.api.common import ERRORS
from ketasim.web.deps import ActorDep, DbDep, IdPath, no_phi_in_query, writers

router = APIRouter(tags=["records"], responses=ERRORS, dependencies=[writers("clinician")])
Line = Annotated[str, AfterValidator(clean_line)]
MAX_BYTES = 5_000_000


@router.get(
    "/patients/{patient_id}/export.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def export_csv(db: DbDep, actor: ActorDep, patient_id: IdPath) -> Response:
    """NONMEM-style rows: doses (EVID 1) and scores (EVID 0, DV, SCALE), with UTC stamps."""
    rows = record_to_rows(export_record(db, actor, patient_id))
    return Response(csv_text(rows), media_type="text/csv")


@router.get(
    "/patients/{patient_id}/export.fhir",
    response_class=Response,
    responses={200: {"content": {FHIR_JSON: {"schema": {"type": "object"}}}}},
)
def export_fhir(db: DbDep, actor: ActorDep, patient_id: IdPath) -> Response:
    """A FHIR R4 collection Bundle (application/fhir+json): Patient, MedicationAdministration, Observation."""
    bundle = record_to_bundle(export_record(db, actor, patient_id))
    return Response(json.dumps(bundle), media_type=FHIR_JSON)


@router.post(
    "/patients/import",
    status_code=201,
    dependencies=[Depends(no_phi_in_query("mrn", "name", "birth_date", "q"))],
)
async def import_patient(
    db: DbDep,
    actor: ActorDep,
    record: Annotated[UploadFile, File(description="the record: text/csv or application/fhir+json")],
    mrn: Annotated[str, Form(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")],
    name: Annotated[Name, Form()],
    birth_date: Annotated[BirthDate, Form()],
    source: Annotated[Line, Form(min_length=1, max_length=100, description="system the record comes from")],
    rater: Annotated[Line, Form(min_length=1, max_length=200, description="who rated the imported scores")],
) -> PatientPublic:
    """Creates a patient from a CSV or FHIR record; imported scores keep their source and rater.

    A multipart form: the identity (MRN, name, birth date) travels in the body, never in the URL,
    which proxies and servers log.
    """
    body = await record.read(MAX_BYTES + 1)
    if len(body) > MAX_BYTES:
        raise RuleError("record", "import.size", f"at most {MAX_BYTES} bytes", "(too large)")
    kind = (record.content_type or "").split(";")[0].strip()
    if kind in ("", "application/octet-stream") and record.filename:
        kind = "text/csv" if record.filename.lower().endswith(".csv") else "application/fhir+json"
    try:
        if kind == "text/csv":
            rec = rows_to_record(list(csv.DictReader(io.StringIO(body.decode("utf-8")))))
        elif kind in ("application/fhir+json", "application/json"):
            rec = record_from_bundle(json.loads(body))
        else:
            raise RuleError(
                "content-type", "import.media_type", "send text/csv or application/fhir+json", kind
            )
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RuleError(
            "body", "import.parse", "the body is not valid UTF-8 CSV or JSON", str(err)[:80]
        ) from None
    except InputError as err:
        if isinstance(err, RuleError):
            raise
        raise RuleError(err.field, f"import.{err.context}", err.rule, err.received) from None
    p = await run_in_threadpool(
        lambda: import_record(
            db, actor, rec, mrn=mrn, name=name, birth_date=birth_date, source=source, rater=rater
        )
    )
    return PatientPublic.model_validate(p)
