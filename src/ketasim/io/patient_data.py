"""Patient data in: a NONMEM-style CSV or a FHIR R4 Bundle (JSON), checked, with optional covariates.

>>> load_record("missing.csv")
Traceback (most recent call last):
...
ketasim.errors.InputError: [patient-data] field 'path': file not found; received 'missing.csv'
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ketasim.errors import InputError
from ketasim.io.nonmem import read_csv
from ketasim.io.record import PatientRecord
from ketasim.personal.data_csv import record_from_rows
from ketasim.personal.data_fhir import record_from_bundle

__all__ = ["check_record", "load_record", "with_covariates"]


def load_record(path: str | Path) -> PatientRecord:
    """Reads ``path``: ``.csv`` (NONMEM-style) or ``.json`` (FHIR R4 Bundle); errors name row and field."""
    p = Path(path)
    if not p.is_file():
        raise InputError("patient-data", "path", "file not found", str(path))
    suffix = p.suffix.lower()
    if suffix == ".csv":
        record = record_from_rows(read_csv(p))
    elif suffix == ".json":
        try:
            bundle = json.loads(p.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise InputError("patient-data", "path", "is not valid JSON", f"{p.name}: {err}") from None
        record = record_from_bundle(bundle)
    else:
        raise InputError("patient-data", "path", "must end in .csv (NONMEM-style) or .json (FHIR)", p.name)
    check_record(record)
    return record


def check_record(record: PatientRecord) -> None:
    """Record-level rules: nothing before hour 0 (the simulation starts there)."""
    for k, o in enumerate(sorted(record.observations, key=lambda o: o.time_h)):
        if o.time_h < 0:
            raise InputError(
                "patient-data", f"score {k + 1} ({o.scale})", "must not precede the record's start",
                record.at(o.time_h).isoformat(),
            )  # fmt: skip
    for d in record.regimen.doses:
        if d.time_h < 0:
            raise InputError(
                "patient-data",
                "session",
                "must not precede the record's start",
                record.at(d.time_h).isoformat(),
            )


def with_covariates(record: PatientRecord, covariates: Mapping[str, Any]) -> PatientRecord:
    """The record with some covariates replaced (``Patient`` field names; validated)."""
    if not covariates:
        return record
    allowed = set(record.patient.__dataclass_fields__)
    unknown = sorted(set(covariates) - allowed)
    if unknown:
        raise InputError(
            "patient-data", unknown[0], f"unknown covariate (known: {', '.join(sorted(allowed))})", unknown
        )
    patient = record.patient.replace(**dict(covariates))
    return PatientRecord(
        patient, record.regimen, record.observations, record.start, record.identifier, record.name,
        record.birth_date, record.extra,
    )  # fmt: skip
