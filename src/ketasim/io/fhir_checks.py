"""A patient's FHIR R4 Bundle, checked before :func:`ketasim.io.fhir.bundle_to_record` reads it.

Codes are those of docs/data-formats.md (PHQ-9 total LOINC 44261-6, the local
code system for the MADRS and QIDS-SR16). On top of the reader's own checks:

* every quantity carries its unit: scores ``{score}`` (or an integer value),
  body weight ``kg``, doses ``mg``, infusion rates ``mg/h`` (UCUM codes);
* no two scores of one code at the same ``effectiveDateTime``, no two
  administrations starting at the same time.

Every error names the entry (``entry[3].resource...``) and the field.
"""

from __future__ import annotations

from typing import Any

from ketasim.errors import InputError, UnitError
from ketasim.io.fhir import LOINC, WEIGHT, bundle_to_record
from ketasim.record import PatientRecord

__all__ = ["check_bundle", "record_from_bundle"]


def _unit(q: Any, where: str, expected: tuple[str, ...]) -> None:
    if not isinstance(q, dict):
        return  # the reader reports the missing quantity itself
    unit = q.get("code") or q.get("unit")
    if unit in (None, ""):
        raise UnitError("patient-data", f"{where}.code", f"is missing its unit (UCUM {expected[0]})", q)
    if unit not in expected:
        raise UnitError("patient-data", f"{where}.code", f"unit must be {' or '.join(expected)}", unit)


def _code(res: dict[str, Any]) -> tuple[str, str]:
    try:
        c = res["code"]["coding"][0]
        return str(c.get("system", "")), str(c.get("code", ""))
    except (KeyError, IndexError, TypeError):
        return "", ""


def check_bundle(bundle: Any) -> None:
    """The rules of the module doc; the reader checks structure, codes and ranges."""
    if not isinstance(bundle, dict) or not isinstance(bundle.get("entry"), list):
        return  # bundle_to_record names what is wrong
    scores: dict[tuple[str, str, str], str] = {}
    starts: dict[str, str] = {}
    for i, e in enumerate(bundle["entry"]):
        res = e.get("resource") if isinstance(e, dict) else None
        if not isinstance(res, dict):
            continue
        where = f"entry[{i}].resource"
        kind = res.get("resourceType")
        if kind == "Observation":
            system, code = _code(res)
            if (system, code) == (LOINC, WEIGHT):
                _unit(res.get("valueQuantity"), f"{where}.valueQuantity", ("kg",))
                continue
            if "valueQuantity" in res:
                _unit(res["valueQuantity"], f"{where}.valueQuantity", ("{score}",))
            key = (system, code, str(res.get("effectiveDateTime")))
            if key in scores:
                raise InputError(
                    "patient-data", f"{where}.effectiveDateTime",
                    f"duplicate timestamp: {scores[key]} has the same score at the same time", key[2],
                )  # fmt: skip
            scores[key] = where
        elif kind == "MedicationAdministration":
            dosage = res.get("dosage")
            if isinstance(dosage, dict):
                _unit(dosage.get("dose"), f"{where}.dosage.dose", ("mg",))
                if "rateQuantity" in dosage:
                    _unit(dosage["rateQuantity"], f"{where}.dosage.rateQuantity", ("mg/h",))
            period = res.get("effectivePeriod")
            start = str(period.get("start")) if isinstance(period, dict) else ""
            if start in starts:
                raise InputError(
                    "patient-data", f"{where}.effectivePeriod.start",
                    f"duplicate timestamp: {starts[start]} starts at the same time", start,
                )  # fmt: skip
            starts[start] = where


def record_from_bundle(bundle: Any) -> PatientRecord:
    """A checked patient record from a parsed FHIR Bundle."""
    check_bundle(bundle)
    return bundle_to_record(bundle)
