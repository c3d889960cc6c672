"""A patient's FHIR R4 Bundle, checked before :func:`ketasim.io.fhir.read_bundle` reads it.

The reader parses the Bundle against R4 (fhirclient's models), converts or refuses
units (scores ``{score}`` or an integer, body weight to ``kg``, doses to ``mg``,
rates to ``mg/h``) and skips what does not count. On top of that, no two scores of
one code at the same ``effectiveDateTime`` and no two administrations starting at
the same time, among the entries that count (``final`` scores, ``completed`` doses).

Every error names the entry (``entry[3].resource...``) and the field.
"""

from __future__ import annotations

from typing import Any

from ketasim.errors import InputError
from ketasim.io.fhir import LOINC, WEIGHT, read_bundle
from ketasim.record import PatientRecord

__all__ = ["check_bundle", "record_from_bundle"]


def _code(res: dict[str, Any]) -> tuple[str, str]:
    try:
        c = res["code"]["coding"][0]
    except (KeyError, IndexError, TypeError):
        return "", ""
    if not isinstance(c, dict):
        return "", ""  # not R4: the reader names it
    return str(c.get("system", "")), str(c.get("code", ""))


def check_bundle(bundle: Any) -> None:
    """The rules of the module doc; the reader checks structure, codes, units and ranges."""
    if not isinstance(bundle, dict) or not isinstance(bundle.get("entry"), list):
        return  # read_bundle names what is wrong
    scores: dict[tuple[str, str, str], str] = {}
    starts: dict[str, str] = {}
    for i, e in enumerate(bundle["entry"]):
        res = e.get("resource") if isinstance(e, dict) else None
        if not isinstance(res, dict):
            continue
        where = f"entry[{i}].resource"
        kind = res.get("resourceType")
        if kind == "Observation" and res.get("status") in ("final", "amended", "corrected"):
            system, code = _code(res)
            if (system, code) == (LOINC, WEIGHT):
                continue
            key = (system, code, str(res.get("effectiveDateTime")))
            if key in scores:
                raise InputError(
                    "patient-data", f"{where}.effectiveDateTime",
                    f"duplicate timestamp: {scores[key]} has the same score at the same time", key[2],
                )  # fmt: skip
            scores[key] = where
        elif kind == "MedicationAdministration" and res.get("status") == "completed":
            period = res.get("effectivePeriod")
            start = (
                str(period.get("start")) if isinstance(period, dict) else str(res.get("effectiveDateTime"))
            )
            if start in starts:
                raise InputError(
                    "patient-data", f"{where}.effectivePeriod.start",
                    f"duplicate timestamp: {starts[start]} starts at the same time", start,
                )  # fmt: skip
            starts[start] = where


def record_from_bundle(bundle: Any) -> PatientRecord:
    """A checked patient record from a parsed FHIR Bundle."""
    check_bundle(bundle)
    return read_bundle(bundle).record
