"""FHIR R4 Bundles of a patient record: Patient, MedicationAdministration and Observation.

Codes (docs/data-formats.md): PHQ-9 total LOINC 44261-6, PHQ-9 item 9 LOINC
44260-8, body weight LOINC 29463-7. MADRS and QIDS-SR16 have no LOINC code that
could be verified, so they use the local code system :data:`SCALE_SYSTEM`
(``madrs``, ``madrs_item10``, ``qids_sr16``). Routes use SNOMED CT (IV
47625008, nasal 46713006).

>>> from ketasim.regimen.dose import nasal_session
>>> from ketasim.regimen.regimen import Regimen
>>> from ketasim.population.patients import Patient
>>> from datetime import datetime, UTC
>>> rec = PatientRecord(Patient(), Regimen.of(nasal_session(2)), (), datetime(2026, 1, 5, 9, tzinfo=UTC))
>>> bundle_to_record(record_to_bundle(rec)).regimen == rec.regimen
True
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from ketasim.errors import InputError
from ketasim.population.patients import Patient
from ketasim.record import PatientRecord, ScoreObservation
from ketasim.regimen.dose import Dose, Drug, Route
from ketasim.regimen.regimen import Regimen
from ketasim.units import DoseAmount

__all__ = ["SCALE_SYSTEM", "bundle_to_record", "record_to_bundle"]

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
SCALE_SYSTEM = "https://ketasim.org/fhir/CodeSystem/scales"
DRUG_SYSTEM = "https://ketasim.org/fhir/CodeSystem/drugs"
EXT = "https://ketasim.org/fhir/StructureDefinition/"
MRN_SYSTEM = "https://ketasim.org/fhir/NamingSystem/mrn"

SCALE_CODES = {
    "phq9": (LOINC, "44261-6", "PHQ-9 total score"),
    "phq9_item9": (LOINC, "44260-8", "PHQ-9 item 9: thoughts better off dead or of hurting yourself"),
    "madrs": (SCALE_SYSTEM, "madrs", "MADRS total score"),
    "madrs_item10": (SCALE_SYSTEM, "madrs_item10", "MADRS item 10: suicidal thoughts"),
    "qids_sr16": (SCALE_SYSTEM, "qids_sr16", "QIDS-SR16 total score"),
}
_SCALE_OF = {(sys, code): name for name, (sys, code, _) in SCALE_CODES.items()}
ROUTES = {Route.IV: ("47625008", "Intravenous route"), Route.INTRANASAL: ("46713006", "Nasal route")}
_ROUTE_OF = {code: r for r, (code, _) in ROUTES.items()}
WEIGHT = "29463-7"


def _ts(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _patient(rec: PatientRecord) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Patient",
        "id": "patient",
        "gender": rec.patient.sex,
        "extension": [
            {"url": EXT + "ancestry", "valueCode": rec.patient.ancestry},
            {"url": EXT + "age-at-start", "valueDecimal": rec.patient.age_years},
        ],
    }
    if rec.identifier:
        res["identifier"] = [{"system": MRN_SYSTEM, "value": rec.identifier}]
    if rec.name:
        res["name"] = [{"text": rec.name}]
    if rec.birth_date:
        res["birthDate"] = rec.birth_date.isoformat()
    return res


def _administration(rec: PatientRecord, dose: Dose, t: float, n: int) -> dict[str, Any]:
    if dose.route not in ROUTES or dose.drug.is_placebo or dose.amount is None:
        raise InputError(
            "fhir", "regimen", "only ketamine IV and esketamine nasal sessions export", dose.route.value
        )
    mg = dose.amount.mg(rec.patient.weight_kg)
    minutes = dose.infusion_hours(rec.patient.weight_kg) * 60 if dose.route == Route.IV else 0.0
    if dose.devices:
        minutes = (dose.devices - 1) * dose.device_interval_h * 60
    start = rec.at(t)
    code, display = ROUTES[dose.route]
    dosage: dict[str, Any] = {
        "route": {"coding": [{"system": SNOMED, "code": code, "display": display}]},
        "dose": {"value": mg, "unit": "mg", "system": UCUM, "code": "mg"},
    }
    if dose.route == Route.IV and minutes > 0:
        dosage["rateQuantity"] = {
            "value": mg / (minutes / 60),
            "unit": "mg/h",
            "system": UCUM,
            "code": "mg/h",
        }
    res: dict[str, Any] = {
        "resourceType": "MedicationAdministration",
        "id": f"dose-{n + 1}",
        "status": "completed",
        "medicationCodeableConcept": {"coding": [{"system": DRUG_SYSTEM, "code": dose.drug.value}]},
        "subject": {"reference": "Patient/patient"},
        "effectivePeriod": {"start": _ts(start), "end": _ts(start + timedelta(minutes=minutes))},
        "dosage": dosage,
    }
    if dose.devices:
        res["extension"] = [
            {"url": EXT + "devices", "valueInteger": dose.devices},
            {"url": EXT + "device-interval-min", "valueDecimal": dose.device_interval_h * 60},
        ]
    return res


def _observation(rec: PatientRecord, o: ScoreObservation, n: int) -> dict[str, Any]:
    system, code, display = SCALE_CODES[o.scale]
    value = int(o.value) if float(o.value).is_integer() else None
    res: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"score-{n + 1}",
        "status": "final",
        "category": [
            {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "survey"}
                ]
            }
        ],
        "code": {"coding": [{"system": system, "code": code, "display": display}]},
        "subject": {"reference": "Patient/patient"},
        "effectiveDateTime": _ts(rec.at(o.time_h)),
    }
    if value is None:
        res["valueQuantity"] = {"value": o.value, "unit": "{score}", "system": UCUM, "code": "{score}"}
    else:
        res["valueInteger"] = value
    return res


def record_to_bundle(rec: PatientRecord) -> dict[str, Any]:
    """A FHIR R4 ``collection`` Bundle of one patient's record (JSON-ready dict)."""
    entries = [_patient(rec)]
    entries.append(
        {
            "resourceType": "Observation",
            "id": "weight",
            "status": "final",
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                            "code": "vital-signs",
                        }
                    ]
                }
            ],
            "code": {"coding": [{"system": LOINC, "code": WEIGHT, "display": "Body weight"}]},
            "subject": {"reference": "Patient/patient"},
            "effectiveDateTime": _ts(rec.start),
            "valueQuantity": {"value": rec.patient.weight_kg, "unit": "kg", "system": UCUM, "code": "kg"},
        }
    )
    doses = [(d, t) for d in rec.regimen.doses for t in d.times()]
    entries += [_administration(rec, d, t, n) for n, (d, t) in enumerate(doses)]
    entries += [_observation(rec, o, n) for n, o in enumerate(rec.observations)]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _ts(rec.start),
        "entry": [{"fullUrl": f"urn:ketasim:{r['resourceType']}/{r['id']}", "resource": r} for r in entries],
    }


# --- reading --------------------------------------------------------------------------------
def _get(obj: Any, key: str, where: str, kind: type | tuple[type, ...] = object) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise InputError("fhir", f"{where}.{key}", "is required", None)
    value = obj[key]
    if not isinstance(value, kind):
        raise InputError("fhir", f"{where}.{key}", "has the wrong type", value)
    return value


def _when(value: Any, where: str) -> datetime:
    try:
        t = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InputError("fhir", where, "must be an ISO 8601 date-time", value) from None
    if t.tzinfo is None:
        raise InputError("fhir", where, "must carry a timezone", value)
    return t.astimezone(UTC)


def _coding(res: dict[str, Any], key: str, where: str) -> tuple[str, str]:
    codings = _get(_get(res, key, where, dict), "coding", f"{where}.{key}", list)
    if not codings or not isinstance(codings[0], dict):
        raise InputError("fhir", f"{where}.{key}.coding", "needs a coding", codings)
    return str(codings[0].get("system", "")), str(codings[0].get("code", ""))


def _ext(res: dict[str, Any], name: str) -> Any:
    for e in res.get("extension", []):
        if isinstance(e, dict) and e.get("url") == EXT + name:
            return next((v for k, v in e.items() if k.startswith("value")), None)
    return None


def bundle_to_record(bundle: Any) -> PatientRecord:
    """Reads a Bundle written by :func:`record_to_bundle` (or one following the same codes)."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise InputError(
            "fhir", "resourceType", "must be 'Bundle'", getattr(bundle, "get", lambda _: None)("resourceType")
        )
    resources = []
    for i, e in enumerate(_get(bundle, "entry", "Bundle", list)):
        resources.append((f"entry[{i}].resource", _get(e, "resource", f"entry[{i}]", dict)))
    patients = [(w, r) for w, r in resources if r.get("resourceType") == "Patient"]
    if len(patients) != 1:
        raise InputError("fhir", "entry", "a patient record holds exactly one Patient", len(patients))
    pw, pres = patients[0]
    weight, doses_at, obs_at = 70.0, [], []
    for w, r in resources:
        kind = r.get("resourceType")
        if kind == "Observation":
            system, code = _coding(r, "code", w)
            at = _when(_get(r, "effectiveDateTime", w), f"{w}.effectiveDateTime")
            if (system, code) == (LOINC, WEIGHT):
                weight = float(
                    _get(_get(r, "valueQuantity", w, dict), "value", f"{w}.valueQuantity", (int, float))
                )
                continue
            if (system, code) not in _SCALE_OF:
                raise InputError(
                    "fhir", f"{w}.code", "unknown score code (see docs/data-formats.md)", f"{system}|{code}"
                )
            value = (
                r["valueInteger"] if "valueInteger" in r else _get(r, "valueQuantity", w, dict).get("value")
            )
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InputError("fhir", f"{w}.value", "must be a number", value)
            obs_at.append((at, _SCALE_OF[(system, code)], float(value), w))
        elif kind == "MedicationAdministration":
            doses_at.append(
                (
                    _when(
                        _get(_get(r, "effectivePeriod", w, dict), "start", w), f"{w}.effectivePeriod.start"
                    ),
                    r,
                    w,
                )
            )
    # The Bundle's timestamp anchors time 0 (as written); otherwise the earliest event does.
    times = [t for t, *_ in doses_at] + [t for t, *_ in obs_at]
    if bundle.get("timestamp"):
        start = _when(bundle["timestamp"], "Bundle.timestamp")
    elif times:
        start = min(times)
    else:
        raise InputError("fhir", "entry", "a record needs a timestamp, a dose or a score", None)
    try:
        patient = Patient(
            weight_kg=weight,
            age_years=float(_ext(pres, "age-at-start") or 45.0),
            sex=pres.get("gender", "female"),
            ancestry=_ext(pres, "ancestry") or "white",
        )
    except InputError as err:
        raise InputError("fhir", f"{pw}.{err.field}", err.rule, err.received) from None

    def hours(t: datetime) -> float:
        return (t - start).total_seconds() / 3600.0

    doses = [_dose(r, w, hours(t)) for t, r, w in sorted(doses_at, key=lambda x: x[0])]
    observations = []
    for at, scale, value, w in sorted(obs_at, key=lambda x: x[0]):
        try:
            observations.append(ScoreObservation(hours(at), scale, value))
        except InputError as err:
            raise InputError("fhir", f"{w}.value", err.rule, err.received) from None
    ident = next((i.get("value") for i in pres.get("identifier", []) if i.get("system") == MRN_SYSTEM), None)
    name = next((n.get("text") for n in pres.get("name", []) if isinstance(n, dict)), None)
    born = date.fromisoformat(pres["birthDate"]) if "birthDate" in pres else None
    return PatientRecord(patient, Regimen(tuple(doses)), tuple(observations), start, ident, name, born)


def _dose(r: dict[str, Any], where: str, t: float) -> Dose:
    _, drug_code = _coding(r, "medicationCodeableConcept", where)
    dosage = _get(r, "dosage", where, dict)
    _, route_code = _coding(dosage, "route", f"{where}.dosage")
    if route_code not in _ROUTE_OF:
        raise InputError(
            "fhir", f"{where}.dosage.route", "must be SNOMED 47625008 (IV) or 46713006 (nasal)", route_code
        )
    mg = _get(_get(dosage, "dose", f"{where}.dosage", dict), "value", f"{where}.dosage.dose", (int, float))
    period = r["effectivePeriod"]
    minutes = (
        _when(period.get("end", period["start"]), where) - _when(period["start"], where)
    ).total_seconds() / 60
    try:
        drug, route = Drug.parse(drug_code), _ROUTE_OF[route_code]
        if route == Route.INTRANASAL:
            devices = int(_ext(r, "devices") or round(mg / 28))
            interval = float(_ext(r, "device-interval-min") or 5.0) / 60
            return Dose(drug=drug, route=route, devices=devices, time_h=t, device_interval_h=interval)
        return Dose(drug=drug, route=route, amount=DoseAmount(float(mg)), time_h=t, duration_h=minutes / 60)
    except InputError as err:
        raise InputError("fhir", f"{where}.{err.field}", err.rule, err.received) from None
