"""NONMEM-style dosing records: regimen <-> rows <-> CSV.

Columns (documented in docs/data-formats.md)::

    ID TIME AMT RATE DUR CMT EVID II ADDL MDV DV DRUG ROUTE DEVICE DOSEKG WT AGE SEXF ANCESTRY

``TIME`` in hours, ``AMT`` in mg (resolved with ``WT`` for mg/kg doses, whose
mg/kg amount is kept in ``DOSEKG``), ``RATE`` in mg/h for infusions given by
rate; infusions given by duration carry ``DUR`` (h) and ``RATE = AMT/DUR``.
``CMT``: 1 IV, 2 nasal, 3 oral, 4 sublingual, 5 IM, 6 SC. An esketamine nasal
session is one row per 28 mg device, numbered by ``DEVICE`` (1-3). Placebo
sessions are ``AMT = 0`` dose rows with their ``DRUG``. Rows with ``EVID = 0``
are observations and are not part of a regimen.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ketasim.errors import InputError
from ketasim.population.patients import Patient
from ketasim.record import PatientRecord, ScoreObservation
from ketasim.regimen.dose import CMT, Dose, Drug, Route
from ketasim.regimen.regimen import Regimen
from ketasim.units import DEVICE_MG, DoseAmount

__all__ = [
    "COLUMNS",
    "Subject",
    "observation_rows",
    "read_csv",
    "record_to_rows",
    "regimen_to_rows",
    "rows_to_observations",
    "rows_to_record",
    "rows_to_subjects",
    "write_csv",
]

COLUMNS = (
    "ID",
    "TIME",
    "AMT",
    "RATE",
    "DUR",
    "CMT",
    "EVID",
    "II",
    "ADDL",
    "MDV",
    "DV",
    "DRUG",
    "ROUTE",
    "DEVICE",
    "DOSEKG",
    "WT",
    "AGE",
    "SEXF",
    "ANCESTRY",
)
_ROUTE_OF_CMT = {v: k for k, v in CMT.items()}


@dataclass(frozen=True)
class Subject:
    """One subject of a dataset: covariates and regimen."""

    id: int
    patient: Patient
    regimen: Regimen


def _covariates(patient: Patient) -> dict[str, Any]:
    return {
        "WT": patient.weight_kg,
        "AGE": patient.age_years,
        "SEXF": 1 if patient.sex == "female" else 0,
        "ANCESTRY": patient.ancestry,
    }


def regimen_to_rows(regimen: Regimen, patient: Patient, subject_id: int = 1) -> list[dict[str, Any]]:
    """Dose records of one subject, repeats kept as ``II``/``ADDL``."""
    rows: list[dict[str, Any]] = []
    cov = _covariates(patient)
    for dose in regimen.doses:
        base: dict[str, Any] = {
            "ID": subject_id,
            "EVID": 1,
            "MDV": 1,
            "DV": None,
            "CMT": CMT[dose.route],
            "DRUG": dose.drug.value,
            "ROUTE": dose.route.value,
            "II": dose.ii_h,
            "ADDL": dose.addl,
            "DEVICE": 0,
            "DOSEKG": None,
            "RATE": 0.0,
            "DUR": None,
            **cov,
        }
        if dose.drug.is_placebo:
            rows.append(
                {
                    **base,
                    "TIME": dose.time_h,
                    "AMT": 0.0,
                    "DUR": dose.duration_h if dose.duration_h > 0 else None,
                }
            )
            continue
        if dose.devices:
            for k in range(dose.devices):
                rows.append(
                    {
                        **base,
                        "TIME": dose.time_h + k * dose.device_interval_h,
                        "AMT": DEVICE_MG,
                        "DEVICE": k + 1,
                    }
                )
            continue
        assert dose.amount is not None
        amt = dose.amount.mg(patient.weight_kg)
        row = {
            **base,
            "TIME": dose.time_h,
            "AMT": amt,
            "DOSEKG": dose.amount.value if dose.amount.per_kg else None,
        }
        if dose.rate_mg_h is not None:
            row["RATE"] = dose.rate_mg_h
        elif dose.duration_h > 0:
            row["DUR"] = dose.duration_h
            row["RATE"] = amt / dose.duration_h
        rows.append(row)
    return rows


def _num(row: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> float | None:
    raw = row.get(key)
    if raw is None or (isinstance(raw, str) and raw.strip() in ("", ".")):
        if required:
            raise InputError("nonmem", f"{where} {key}", "is required", raw)
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InputError("nonmem", f"{where} {key}", "must be a number", raw) from None
    if math.isnan(value):
        if required:
            raise InputError("nonmem", f"{where} {key}", "is required", raw)
        return None
    if math.isinf(value):
        raise InputError("nonmem", f"{where} {key}", "must be finite", raw)
    return value


def _int(row: Mapping[str, Any], key: str, where: str, default: int = 0) -> int:
    value = _num(row, key, where, required=False)
    if value is None:
        return default
    if value != int(value):
        raise InputError("nonmem", f"{where} {key}", "must be a whole number", row.get(key))
    return int(value)


def rows_to_subjects(rows: Iterable[Mapping[str, Any]]) -> list[Subject]:
    """Rebuilds each subject's patient and regimen from dose records (observations skipped)."""
    by_id: dict[int, list[tuple[int, Mapping[str, Any]]]] = {}
    for i, row in enumerate(rows):
        where = f"row {i + 1}"
        sid = _int(row, "ID", where, default=-1)
        if sid < 0:
            raise InputError("nonmem", f"{where} ID", "is required", row.get("ID"))
        by_id.setdefault(sid, []).append((i, row))
    return [_subject(sid, items) for sid, items in by_id.items()]


def _subject(sid: int, items: Sequence[tuple[int, Mapping[str, Any]]]) -> Subject:
    first_where = f"row {items[0][0] + 1}"
    first = items[0][1]
    wt = _num(first, "WT", first_where)
    age = _num(first, "AGE", first_where, required=False)
    sexf = _int(first, "SEXF", first_where, default=1)
    ancestry = str(first.get("ANCESTRY") or "white")
    try:
        patient = Patient(
            weight_kg=wt if wt is not None else 70.0,
            age_years=age if age is not None else 45.0,
            sex="female" if sexf == 1 else "male",
            ancestry=ancestry,
        )
    except InputError as err:
        raise InputError("nonmem", f"{first_where} {err.field}", err.rule, err.received) from None

    doses: list[Dose] = []
    session: list[tuple[str, Mapping[str, Any]]] = []

    def flush() -> None:
        if session:
            doses.append(_nasal_session(session))
            session.clear()

    for i, row in items:
        where = f"row {i + 1}"
        evid = _int(row, "EVID", where, default=1)
        if evid == 0:
            continue
        if evid != 1:
            raise InputError("nonmem", f"{where} EVID", "must be 0 (observation) or 1 (dose)", evid)
        device = _int(row, "DEVICE", where)
        if device >= 1:
            if device == 1:
                flush()
            elif not session:
                raise InputError("nonmem", f"{where} DEVICE", "device > 1 without device 1", device)
            session.append((where, row))
            continue
        flush()
        doses.append(_dose(row, where))
    flush()
    return Subject(sid, patient, Regimen(tuple(doses)))


def _route(row: Mapping[str, Any], where: str) -> Route:
    cmt = _int(row, "CMT", where, default=-1)
    if cmt not in _ROUTE_OF_CMT:
        raise InputError("nonmem", f"{where} CMT", "must be 1-6 (see docs/data-formats.md)", row.get("CMT"))
    route = _ROUTE_OF_CMT[cmt]
    if row.get("ROUTE") not in (None, "") and Route.parse(str(row["ROUTE"]), f"{where} ROUTE") != route:
        raise InputError("nonmem", f"{where} ROUTE", f"does not match CMT {cmt}", row["ROUTE"])
    return route


def _dose(row: Mapping[str, Any], where: str) -> Dose:
    route = _route(row, where)
    drug = Drug.parse(str(row.get("DRUG") or "racemic_ketamine"), f"{where} DRUG")
    time = _num(row, "TIME", where)
    amt = _num(row, "AMT", where)
    assert time is not None and amt is not None
    ii = _num(row, "II", where, required=False) or 0.0
    addl = _int(row, "ADDL", where)
    rate = _num(row, "RATE", where, required=False) or 0.0
    dur = _num(row, "DUR", where, required=False)
    dosekg = _num(row, "DOSEKG", where, required=False)
    try:
        if drug.is_placebo:
            return Dose(drug=drug, route=route, time_h=time, duration_h=dur or 0.0, ii_h=ii, addl=addl)
        amount = DoseAmount(dosekg, per_kg=True) if dosekg is not None else DoseAmount(amt)
        if dur is not None:
            return Dose(
                drug=drug,
                route=route,
                amount=amount,
                time_h=time,
                duration_h=dur,
                ii_h=ii,
                addl=addl,
            )
        if rate > 0:
            return Dose(
                drug=drug,
                route=route,
                amount=amount,
                time_h=time,
                rate_mg_h=rate,
                ii_h=ii,
                addl=addl,
            )
        return Dose(drug=drug, route=route, amount=amount, time_h=time, ii_h=ii, addl=addl)
    except InputError as err:
        raise InputError("nonmem", f"{where} {err.field}", err.rule, err.received) from None


def _nasal_session(rows: Sequence[tuple[str, Mapping[str, Any]]]) -> Dose:
    where, first = rows[0]
    for k, (w, row) in enumerate(rows, start=1):
        if _int(row, "DEVICE", w) != k:
            raise InputError(
                "nonmem",
                f"{w} DEVICE",
                f"devices must count 1, 2, 3 (expected {k})",
                row.get("DEVICE"),
            )
        if _num(row, "AMT", w) != DEVICE_MG:
            raise InputError("nonmem", f"{w} AMT", "a nasal device row holds 28 mg", row.get("AMT"))
    t0 = _num(first, "TIME", where)
    assert t0 is not None
    interval = 5.0 / 60.0
    if len(rows) > 1:
        t1 = _num(rows[1][1], "TIME", rows[1][0])
        assert t1 is not None
        # device offsets are whole seconds or finer: undo the float drift of t0 + k·interval
        interval = round((t1 - t0) * 3600.0, 6) / 3600.0
    try:
        return Dose(
            drug=Drug.parse(str(first.get("DRUG") or "esketamine")),
            route=_route(first, where),
            devices=len(rows),
            time_h=t0,
            device_interval_h=interval,
            ii_h=_num(first, "II", where, required=False) or 0.0,
            addl=_int(first, "ADDL", where),
        )
    except InputError as err:
        raise InputError("nonmem", f"{where} {err.field}", err.rule, err.received) from None


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return repr(value)
    return str(value)


def write_csv(path: str | Path, rows: Iterable[Mapping[str, Any]]) -> None:
    """Writes rows with every float at full (round-trip) precision."""
    rows = list(rows)
    extra = sorted({k for r in rows for k in r} - set(COLUMNS))
    header = list(COLUMNS) + extra
    tmp = Path(path).with_suffix(Path(path).suffix + ".tmp")
    with tmp.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for r in rows:
            w.writerow([_fmt(r.get(c)) for c in header])
    tmp.replace(path)


def read_csv(path: str | Path) -> list[dict[str, Any]]:
    """Reads a NONMEM-style CSV into rows (strings; parsed by :func:`rows_to_subjects`)."""
    p = Path(path)
    if not p.is_file():
        raise InputError("nonmem", "path", "file not found", str(path))
    with p.open(newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or "ID" not in reader.fieldnames:
            raise InputError("nonmem", "header", "needs at least ID, TIME, AMT, CMT, EVID", reader.fieldnames)
        return [dict(r) for r in reader]


# --- score observations (EVID = 0 rows) and whole patient records --------------------------------
def observation_rows(
    observations: Iterable[ScoreObservation], patient: Patient, subject_id: int = 1
) -> list[dict[str, Any]]:
    """Observation records: ``EVID = 0``, ``MDV = 0``, the score in ``DV`` and its scale in ``SCALE``."""
    cov = _covariates(patient)
    return [
        {
            "ID": subject_id,
            "TIME": o.time_h,
            "AMT": None,
            "RATE": None,
            "CMT": None,
            "EVID": 0,
            "MDV": 0,
            "DV": o.value,
            "SCALE": o.scale,
            **cov,
        }
        for o in observations
    ]


def rows_to_observations(rows: Iterable[Mapping[str, Any]]) -> dict[int, list[ScoreObservation]]:
    """Score observations by subject, from the ``EVID = 0`` rows (dose rows skipped)."""
    out: dict[int, list[ScoreObservation]] = {}
    for i, row in enumerate(rows):
        where = f"row {i + 1}"
        if _int(row, "EVID", where, default=1) != 0:
            continue
        sid = _int(row, "ID", where, default=-1)
        if sid < 0:
            raise InputError("nonmem", f"{where} ID", "is required", row.get("ID"))
        if _int(row, "MDV", where, default=0) == 1:
            continue
        time, dv = _num(row, "TIME", where), _num(row, "DV", where)
        assert time is not None and dv is not None
        try:
            obs = ScoreObservation(time, str(row.get("SCALE") or ""), dv)
        except InputError as err:
            raise InputError("nonmem", f"{where} {err.field.upper()}", err.rule, err.received) from None
        out.setdefault(sid, []).append(obs)
    return out


def record_to_rows(record: PatientRecord, subject_id: int = 1) -> list[dict[str, Any]]:
    """A patient record as rows: dose rows and observation rows, in time order, with ``UTC`` stamps."""
    rows = regimen_to_rows(record.regimen, record.patient, subject_id) + observation_rows(
        record.observations, record.patient, subject_id
    )
    rows.sort(key=lambda r: (r["TIME"], -r["EVID"], r.get("DEVICE") or 0))
    for r in rows:
        r["UTC"] = record.at(r["TIME"]).isoformat()
    return rows


def rows_to_record(rows: Sequence[Mapping[str, Any]]) -> PatientRecord:
    """Rebuilds one subject's record; the ``UTC`` column of the first row anchors time 0."""
    subjects = rows_to_subjects(rows)
    if len(subjects) != 1:
        raise InputError("nonmem", "ID", "a patient record holds exactly one subject", len(subjects))
    first = rows[0]
    stamp, t0 = first.get("UTC"), _num(first, "TIME", "row 1")
    try:
        start = datetime.fromisoformat(str(stamp))
    except ValueError:
        raise InputError(
            "nonmem", "row 1 UTC", "must be an ISO 8601 date-time with timezone", stamp
        ) from None
    if start.tzinfo is None:
        raise InputError("nonmem", "row 1 UTC", "must carry a timezone", stamp)
    assert t0 is not None
    obs = rows_to_observations(rows).get(subjects[0].id, [])
    return PatientRecord(
        subjects[0].patient,
        subjects[0].regimen,
        tuple(obs),
        start.astimezone(UTC) - timedelta(hours=t0),
    )
