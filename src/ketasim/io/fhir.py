"""FHIR R4 (4.0.1) Bundles of a patient record: Patient, MedicationAdministration and Observation.

Reading parses the Bundle with the R4 models of ``fhirclient`` (strict: types,
required elements, no unknown elements) and then takes what ketasim uses.
Codes (docs/data-formats.md): PHQ-9 total LOINC 44261-6, PHQ-9 item 9 LOINC
44260-8 (ordinal: answer list LL358-3), body weight LOINC 29463-7. MADRS and
QIDS-SR16 have no LOINC code that could be verified, so they use the local code
system :data:`SCALE_SYSTEM`. Routes use SNOMED CT. Any coding of a concept may
carry the code (not only the first). Quantities in another UCUM unit with a
known conversion are converted (``[lb_av]``, ``g``, ``ug``, ``mg/min``); any other
unit is an error naming the field. Only ``completed`` administrations and
``final``/``amended``/``corrected`` observations count; others, and observations
ketasim does not use (a PHQ-9 item other than 9, a blood pressure), are skipped and
listed in :attr:`BundleReading.skipped`. Hour 0 is the Patient's ``record-start``
extension (written by ketasim), else the earliest dose or score; never
``Bundle.timestamp``, which is when the Bundle was assembled. Entries are
identified by ``urn:uuid:`` full URLs, and references point at them.

>>> from ketasim.regimen.dose import nasal_session
>>> from ketasim.regimen.regimen import Regimen
>>> from ketasim.population.patients import Patient
>>> rec = PatientRecord(Patient(), Regimen.of(nasal_session(2)), (), datetime(2026, 1, 5, 9, tzinfo=UTC))
>>> bundle_to_record(record_to_bundle(rec)).regimen == rec.regimen
True
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ketasim.errors import InputError, UnitError
from ketasim.io.nonmem import COVARIATE_COLUMNS
from ketasim.population.patients import Patient
from ketasim.record import PatientRecord, ScoreObservation
from ketasim.regimen.dose import Dose, Drug, Route
from ketasim.regimen.regimen import Regimen
from ketasim.units import DoseAmount

__all__ = [
    "FHIR_JSON",
    "SCALE_SYSTEM",
    "BundleReading",
    "bundle_to_record",
    "read_bundle",
    "record_to_bundle",
]

FHIR_JSON = "application/fhir+json"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
SCALE_SYSTEM = "https://ketasim.org/fhir/CodeSystem/scales"
DRUG_SYSTEM = "https://ketasim.org/fhir/CodeSystem/drugs"
EXT = "https://ketasim.org/fhir/StructureDefinition/"
MRN_SYSTEM = "https://ketasim.org/fhir/NamingSystem/mrn"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
#: Namespace of the deterministic ``urn:uuid:`` of each entry (same record, same Bundle).
_NS = uuid.UUID("6f1d3c1e-5b7a-4e43-9c1f-2a8d3b9e7c40")

SCALE_CODES = {
    "phq9": (LOINC, "44261-6", "PHQ-9 total score"),
    "phq9_item9": (LOINC, "44260-8", "PHQ-9 item 9: thoughts better off dead or of hurting yourself"),
    "madrs": (SCALE_SYSTEM, "madrs", "MADRS total score"),
    "madrs_item10": (SCALE_SYSTEM, "madrs_item10", "MADRS item 10: suicidal thoughts"),
    "qids_sr16": (SCALE_SYSTEM, "qids_sr16", "QIDS-SR16 total score"),
}
_SCALE_OF = {(sys, code): name for name, (sys, code, _) in SCALE_CODES.items()}
#: LOINC answer list LL358-3 (PHQ-9 items): answer code -> (points, display).
PHQ_ANSWERS = {
    "LA6568-5": (0, "Not at all"),
    "LA6569-3": (1, "Several days"),
    "LA6570-1": (2, "More than half the days"),
    "LA6571-9": (3, "Nearly every day"),
}
_ANSWER_OF = {points: code for code, (points, _) in PHQ_ANSWERS.items()}
_ORDINAL = {"phq9_item9"}
ROUTES = {
    Route.IV: ("47625008", "Intravenous route"),
    Route.INTRANASAL: ("46713006", "Nasal route"),
    Route.ORAL: ("26643006", "Oral route"),
    Route.SUBLINGUAL: ("37839007", "Sublingual route"),
    Route.IM: ("78421000", "Intramuscular route"),
    Route.SC: ("34206005", "Subcutaneous route"),
}
_ROUTE_OF = {code: r for r, (code, _) in ROUTES.items()}
WEIGHT = "29463-7"
#: UCUM unit -> factor to ketasim's unit, per kind of quantity.
CONVERSIONS: dict[str, dict[str, float]] = {
    "kg": {"kg": 1.0, "g": 1e-3, "[lb_av]": 0.45359237},
    "mg": {"mg": 1.0, "g": 1e3, "ug": 1e-3},
    "mg/h": {"mg/h": 1.0, "mg/min": 60.0, "g/h": 1e3},
}
#: Patient fields carried as extensions (the CSV's covariate columns), with the UCUM unit of numbers.
_UNITS = {"bmi": "kg/m2", "adiponectin_ug_ml": "ug/mL", "b12_pg_ml": "pg/mL",
          "benzodiazepine_mg_day": "mg/d", "baseline_si": "{score}"}  # fmt: skip
_COVARIATES = {name: kind for name, kind, _ in COVARIATE_COLUMNS.values()}
_DONE = {"completed"}
_FINAL = {"final", "amended", "corrected"}


def _ts(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _urn(rec: PatientRecord, key: str) -> str:
    seed = "|".join((rec.identifier or "", rec.start.isoformat(), key))
    return f"urn:uuid:{uuid.uuid5(_NS, seed)}"


def _coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def _patient(rec: PatientRecord) -> dict[str, Any]:
    ext: list[dict[str, Any]] = [
        {"url": EXT + "record-start", "valueDateTime": _ts(rec.start)},
        {"url": EXT + "ancestry", "valueCode": rec.patient.ancestry},
        {"url": EXT + "age-at-start", "valueDecimal": rec.patient.age_years},
    ]
    for name, kind in _COVARIATES.items():
        value = getattr(rec.patient, name)
        if value is None:
            continue
        url = EXT + name.replace("_", "-")
        if kind == "flag":
            ext.append({"url": url, "valueBoolean": bool(value)})
        elif kind == "number":
            unit = _UNITS[name]
            ext.append(
                {"url": url, "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}}
            )
        else:
            ext.append({"url": url, "valueCode": value})
    res: dict[str, Any] = {
        "resourceType": "Patient",
        "id": "patient",
        "gender": rec.patient.sex,
        "extension": ext,
    }
    if rec.identifier:
        res["identifier"] = [{"system": MRN_SYSTEM, "value": rec.identifier}]
    if rec.name:
        res["name"] = [{"text": rec.name}]
    if rec.birth_date:
        res["birthDate"] = rec.birth_date.isoformat()
    return res


def _administration(rec: PatientRecord, dose: Dose, t: float, n: int, subject: str) -> dict[str, Any]:
    wt = rec.patient.weight_kg
    minutes = dose.infusion_hours(wt) * 60 if dose.route == Route.IV else 0.0
    if dose.devices:
        minutes = (dose.devices - 1) * dose.device_interval_h * 60
    if dose.drug.is_placebo:
        minutes = dose.duration_h * 60
    start = rec.at(t)
    code, display = ROUTES[dose.route]
    dosage: dict[str, Any] = {"route": {"coding": [_coding(SNOMED, code, display)]}}
    res: dict[str, Any] = {
        "resourceType": "MedicationAdministration",
        "id": f"dose-{n + 1}",
        "status": "completed",
        "medicationCodeableConcept": {"coding": [_coding(DRUG_SYSTEM, dose.drug.value)]},
        "subject": {"reference": subject},
        "effectivePeriod": {"start": _ts(start), "end": _ts(start + timedelta(minutes=minutes))},
        "dosage": dosage,
    }
    ext: list[dict[str, Any]] = []
    if dose.devices:
        ext = [
            {"url": EXT + "devices", "valueInteger": dose.devices},
            {"url": EXT + "device-interval-min", "valueDecimal": dose.device_interval_h * 60},
        ]
    elif dose.amount is not None:
        mg = dose.amount.mg(wt)
        dosage["dose"] = {"value": mg, "unit": "mg", "system": UCUM, "code": "mg"}
        if dose.amount.per_kg:
            ext = [{"url": EXT + "dose-per-kg", "valueDecimal": dose.amount.value}]
        if dose.route == Route.IV and minutes > 0:
            dosage["rateQuantity"] = {
                "value": mg / (minutes / 60),
                "unit": "mg/h",
                "system": UCUM,
                "code": "mg/h",
            }
    if ext:
        res["extension"] = ext
    return res


def _observation(rec: PatientRecord, o: ScoreObservation, n: int, subject: str) -> dict[str, Any]:
    system, code, display = SCALE_CODES[o.scale]
    res: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"score-{n + 1}",
        "status": "final",
        "category": [{"coding": [_coding(CATEGORY, "survey")]}],
        "code": {"coding": [_coding(system, code, display)]},
        "subject": {"reference": subject},
        "effectiveDateTime": _ts(rec.at(o.time_h)),
    }
    if o.scale in _ORDINAL:
        answer = _ANSWER_OF[int(o.value)]
        res["valueCodeableConcept"] = {"coding": [_coding(LOINC, answer, PHQ_ANSWERS[answer][1])]}
    elif float(o.value).is_integer():
        res["valueInteger"] = int(o.value)
    else:
        res["valueQuantity"] = {"value": o.value, "unit": "{score}", "system": UCUM, "code": "{score}"}
    return res


def record_to_bundle(rec: PatientRecord) -> dict[str, Any]:
    """A FHIR R4 ``collection`` Bundle of one patient's record (JSON-ready dict): every dose and covariate."""
    subject = _urn(rec, "Patient/patient")
    weight = {
        "resourceType": "Observation",
        "id": "weight",
        "status": "final",
        "category": [{"coding": [_coding(CATEGORY, "vital-signs")]}],
        "code": {"coding": [_coding(LOINC, WEIGHT, "Body weight")]},
        "subject": {"reference": subject},
        "effectiveDateTime": _ts(rec.start),
        "valueQuantity": {"value": rec.patient.weight_kg, "unit": "kg", "system": UCUM, "code": "kg"},
    }
    entries = [_patient(rec), weight]
    doses = [(d, t) for d in rec.regimen.doses for t in d.times()]
    entries += [_administration(rec, d, t, n, subject) for n, (d, t) in enumerate(doses)]
    entries += [_observation(rec, o, n, subject) for n, o in enumerate(rec.observations)]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _ts(rec.start),
        "entry": [{"fullUrl": _urn(rec, f"{r['resourceType']}/{r['id']}"), "resource": r} for r in entries],
    }


# --- reading --------------------------------------------------------------------------------
@dataclass(frozen=True)
class BundleReading:
    """The record read from a Bundle, and what was skipped (``entry[i]: why``)."""

    record: PatientRecord
    skipped: tuple[str, ...]


def _when(value: Any, where: str) -> datetime:
    if value is None:
        raise InputError("fhir", where, "is required", None)
    text = value.isostring if hasattr(value, "isostring") else str(value)
    try:
        t = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise InputError("fhir", where, "must be an ISO 8601 date-time", text) from None
    if t.tzinfo is None:
        raise InputError("fhir", where, "must carry a timezone", text)
    return t.astimezone(UTC)


def _codes(concept: Any) -> list[tuple[str, str]]:
    return [(c.system or "", c.code or "") for c in (getattr(concept, "coding", None) or [])]


def _quantity(q: Any, where: str, unit: str) -> float:
    """The value of quantity ``q`` in ``unit``, converted from another UCUM unit where one is known."""
    if q is None or q.value is None:
        raise InputError("fhir", f"{where}.value", "is required", None)
    code = q.code or q.unit
    if not code:
        raise UnitError("fhir", f"{where}.code", f"is missing its unit (UCUM {unit})", q.as_json())
    factor = CONVERSIONS[unit].get(code)
    if factor is None:
        known = ", ".join(CONVERSIONS[unit])
        raise UnitError("fhir", f"{where}.code", f"unit must convert to {unit} (known: {known})", code)
    return float(q.value) * factor


def _ext(res: Any, name: str) -> Any:
    for e in getattr(res, "extension", None) or []:
        if e.url == EXT + name:
            for key in ("valueCode", "valueDecimal", "valueInteger", "valueBoolean", "valueQuantity",
                        "valueDateTime", "valueString"):  # fmt: skip
                v = getattr(e, key, None)
                if v is not None:
                    return v
    return None


def _parse(bundle: Any) -> Any:
    from fhirclient.models.bundle import Bundle
    from fhirclient.models.fhirabstractbase import FHIRValidationError

    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        got = bundle.get("resourceType") if isinstance(bundle, dict) else type(bundle).__name__
        raise InputError("fhir", "resourceType", "must be 'Bundle'", got)
    try:
        return Bundle(bundle, strict=True)
    except FHIRValidationError as err:
        path, leaf = _first_error(err, [])
        where = re.sub(r"entry\.(\d+)", r"entry[\1]", ".".join(path)) or "Bundle"
        message = re.sub(r" (on|for) <[^>]*>", "", str(leaf))
        missing = re.search(r'Non-optional property "(\w+)"', message)
        if missing:
            raise InputError("fhir", f"{where}.{missing.group(1)}", "is required (FHIR R4)", None) from None
        raise InputError("fhir", where, "is not valid FHIR R4", message) from None


def _first_error(err: Exception, path: list[str]) -> tuple[list[str], Exception]:
    """The first leaf error of fhirclient's nested validation errors, with its element path."""
    sub = getattr(err, "errors", None)
    if not sub:
        return path, err
    here = [*path, err.path] if getattr(err, "path", None) else path  # type: ignore[attr-defined]
    return _first_error(sub[0], here)


def read_bundle(bundle: Any) -> BundleReading:
    """Reads a Bundle written by :func:`record_to_bundle` (or one following the same codes)."""
    parsed = _parse(bundle)
    entries = [(f"entry[{i}].resource", e.resource) for i, e in enumerate(parsed.entry or [])]
    patients = [(w, r) for w, r in entries if r is not None and r.resource_type == "Patient"]
    if len(patients) != 1:
        raise InputError("fhir", "entry", "a patient record holds exactly one Patient", len(patients))
    pw, pres = patients[0]
    skipped: list[str] = []
    weight: float | None = None
    doses_at: list[tuple[datetime, Any, str]] = []
    obs_at: list[tuple[datetime, str, float, str]] = []
    for w, r in entries:
        kind = r.resource_type if r is not None else None
        if kind == "Observation":
            if r.status not in _FINAL:
                skipped.append(f"{w}: status {r.status}")
                continue
            codes = _codes(r.code)
            if (LOINC, WEIGHT) in codes:
                weight = _quantity(r.valueQuantity, f"{w}.valueQuantity", "kg")
                continue
            scale = next((_SCALE_OF[c] for c in codes if c in _SCALE_OF), None)
            if scale is None:
                skipped.append(f"{w}: code {'; '.join(f'{s}|{c}' for s, c in codes)} is not used by ketasim")
                continue
            at = _when(r.effectiveDateTime, f"{w}.effectiveDateTime")
            obs_at.append((at, scale, _score(r, scale, w), w))
        elif kind == "MedicationAdministration":
            if r.status not in _DONE:
                skipped.append(f"{w}: status {r.status}")
                continue
            start = r.effectivePeriod.start if r.effectivePeriod is not None else r.effectiveDateTime
            doses_at.append((_when(start, f"{w}.effective"), r, w))
        elif kind != "Patient":
            skipped.append(f"{w}: {kind} is not used by ketasim")
    events = [t for t, *_ in doses_at] + [t for t, *_ in obs_at]
    anchor = _ext(pres, "record-start")
    if anchor is not None:
        start = _when(anchor, f"{pw}.extension(record-start)")
    elif events:
        start = min(events)
    else:
        raise InputError("fhir", "entry", "a record needs a record-start, a dose or a score", None)
    patient = _read_patient(pres, pw, weight)

    def hours(t: datetime) -> float:
        return (t - start).total_seconds() / 3600.0

    doses = [_dose(r, w, hours(t), patient.weight_kg) for t, r, w in sorted(doses_at, key=lambda x: x[0])]
    observations = []
    for at, scale, value, w in sorted(obs_at, key=lambda x: x[0]):
        try:
            observations.append(ScoreObservation(hours(at), scale, value))
        except InputError as err:
            raise InputError("fhir", f"{w}.value", err.rule, err.received) from None
    ident = next((i.value for i in pres.identifier or [] if i.system == MRN_SYSTEM), None)
    name = next((n.text for n in pres.name or [] if n.text), None)
    born = date.fromisoformat(pres.birthDate.isostring) if pres.birthDate is not None else None
    record = PatientRecord(patient, Regimen(tuple(doses)), tuple(observations), start, ident, name, born)
    return BundleReading(record, tuple(skipped))


def bundle_to_record(bundle: Any) -> PatientRecord:
    """The record of :func:`read_bundle` (what was skipped is in its ``skipped``)."""
    return read_bundle(bundle).record


def _score(r: Any, scale: str, w: str) -> float:
    if r.valueCodeableConcept is not None:
        answers = [c for s, c in _codes(r.valueCodeableConcept) if s == LOINC and c in PHQ_ANSWERS]
        if scale not in _ORDINAL or not answers:
            raise InputError("fhir", f"{w}.valueCodeableConcept", "needs a LOINC answer of LL358-3",
                             _codes(r.valueCodeableConcept))  # fmt: skip
        return float(PHQ_ANSWERS[answers[0]][0])
    if r.valueInteger is not None:
        return float(r.valueInteger)
    if r.valueQuantity is not None:
        q = r.valueQuantity
        if not (q.code or q.unit):
            raise UnitError(
                "fhir", f"{w}.valueQuantity.code", "is missing its unit (UCUM {score})", q.as_json()
            )
        if (q.code or q.unit) != "{score}":
            raise UnitError("fhir", f"{w}.valueQuantity.code", "unit must be {score}", q.code or q.unit)
        if q.value is None:
            raise InputError("fhir", f"{w}.valueQuantity.value", "is required", None)
        return float(q.value)
    raise InputError("fhir", f"{w}.value", "must be a number", None)


def _read_patient(pres: Any, pw: str, weight: float | None) -> Patient:
    extra: dict[str, Any] = {}
    for name, kind in _COVARIATES.items():
        v = _ext(pres, name.replace("_", "-"))
        if v is None:
            continue
        field = f"{pw}.extension({name.replace('_', '-')})"
        if kind == "number":
            number = v.value if hasattr(v, "value") else v
            if isinstance(number, bool) or not isinstance(number, int | float):
                raise InputError("fhir", field, "must hold a number (valueDecimal or valueQuantity)", number)
            extra[name] = float(number)
        elif kind == "flag":
            if not isinstance(v, bool):
                raise InputError("fhir", field, "must be a valueBoolean", v)
            extra[name] = v
        else:
            if not isinstance(v, str):
                raise InputError("fhir", field, "must be a valueCode", v)
            extra[name] = v
    age = _ext(pres, "age-at-start")
    if age is not None and (isinstance(age, bool) or not isinstance(age, int | float)):
        raise InputError("fhir", f"{pw}.extension(age-at-start)", "must be a valueDecimal", age)
    try:
        return Patient(
            weight_kg=weight if weight is not None else 70.0,
            age_years=float(age) if age is not None else 45.0,
            sex=pres.gender or "female",
            ancestry=_ext(pres, "ancestry") or "white",
            **extra,
        )
    except InputError as err:
        raise InputError("fhir", f"{pw}.{err.field}", err.rule, err.received) from None


def _dose(r: Any, where: str, t: float, weight_kg: float) -> Dose:
    drugs = [c for s, c in _codes(r.medicationCodeableConcept) if s == DRUG_SYSTEM]
    if not drugs:
        raise InputError("fhir", f"{where}.medicationCodeableConcept", f"needs a coding of {DRUG_SYSTEM}",
                         _codes(r.medicationCodeableConcept))  # fmt: skip
    dosage = r.dosage
    if dosage is None:
        raise InputError("fhir", f"{where}.dosage", "is required", None)
    routes = [c for s, c in _codes(dosage.route) if s == SNOMED and c in _ROUTE_OF]
    if not routes:
        known = ", ".join(f"{c} ({r_.value})" for r_, (c, _) in ROUTES.items())
        raise InputError(
            "fhir", f"{where}.dosage.route", f"needs a SNOMED CT route: {known}", _codes(dosage.route)
        )
    period = r.effectivePeriod
    minutes = 0.0
    if period is not None and period.end is not None:
        minutes = (
            _when(period.end, f"{where}.effectivePeriod.end") - _when(period.start, where)
        ).total_seconds() / 60
    devices = _ext(r, "devices")
    route = _ROUTE_OF[routes[0]]
    try:
        drug = Drug.parse(drugs[0])
    except InputError as err:
        raise InputError("fhir", f"{where}.medicationCodeableConcept", err.rule, err.received) from None
    amount: DoseAmount | None = None
    if not drug.is_placebo and devices is None:
        mg = _quantity(dosage.dose, f"{where}.dosage.dose", "mg")
        if dosage.rateQuantity is not None:
            _quantity(dosage.rateQuantity, f"{where}.dosage.rateQuantity", "mg/h")  # its unit is checked
        amount = DoseAmount(mg)
        per_kg = _ext(r, "dose-per-kg")
        if per_kg is not None:
            if isinstance(per_kg, bool) or not isinstance(per_kg, int | float):
                raise InputError("fhir", f"{where}.extension(dose-per-kg)", "must be a valueDecimal", per_kg)
            expected = float(per_kg) * weight_kg
            if abs(expected - mg) > 1e-3 * expected:
                raise InputError(
                    "fhir", f"{where}.dosage.dose.value",
                    f"the mg given must equal dose-per-kg × body weight = {expected:g} mg", mg,
                )  # fmt: skip
            amount = DoseAmount(float(per_kg), per_kg=True)
    try:
        if drug.is_placebo:
            return Dose(drug=drug, route=route, time_h=t, duration_h=minutes / 60)
        if devices is not None:
            minutes_apart = _ext(r, "device-interval-min")
            if minutes_apart is None:
                minutes_apart = 5.0
            if isinstance(minutes_apart, bool) or not isinstance(minutes_apart, int | float):
                raise InputError(
                    "fhir", f"{where}.extension(device-interval-min)", "must be a number", minutes_apart
                )
            interval = float(minutes_apart) / 60
            return Dose(drug=drug, route=route, devices=int(devices), time_h=t, device_interval_h=interval)
        duration = minutes / 60 if route == Route.IV else 0.0
        return Dose(drug=drug, route=route, amount=amount, time_h=t, duration_h=duration)
    except InputError as err:
        raise type(err)("fhir", f"{where}.{err.field}", err.rule, err.received) from None
