"""Patient data in: a NONMEM-style CSV or a FHIR R4 Bundle (JSON), checked into a patient record.

>>> load_record("missing.csv")
Traceback (most recent call last):
...
ketasim.errors.InputError: [patient-data] field 'path': file not found; received 'missing.csv'
"""

from __future__ import annotations

from pathlib import Path

from ketasim.errors import InputError
from ketasim.files import load
from ketasim.io.fhir_checks import record_from_bundle
from ketasim.io.nonmem import read_csv
from ketasim.io.nonmem_checks import record_from_rows
from ketasim.record import PatientRecord

__all__ = ["check_record", "load_record"]


def load_record(path: str | Path) -> PatientRecord:
    """Reads ``path``: ``.csv`` (NONMEM-style) or ``.json`` (FHIR R4 Bundle); errors name row and field."""
    p = Path(path)
    if not p.is_file():
        raise InputError("patient-data", "path", "file not found", str(path))
    suffix = p.suffix.lower()
    if suffix == ".csv":
        record = record_from_rows(read_csv(p))
    elif suffix == ".json":
        record = load(p, "patient-data", record_from_bundle, field="path")
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
