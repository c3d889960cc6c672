"""NONMEM-style dosing records: regimen <-> rows <-> CSV.

Columns (documented in docs/data-formats.md)::

    ID TIME AMT RATE DUR CMT EVID II ADDL MDV DV DRUG ROUTE DEVICE DOSEKG WT AGE SEXF ANCESTRY

``TIME`` in hours, ``AMT`` in mg: the amount given. A mg/kg prescription keeps
its mg/kg amount in ``DOSEKG``; ``AMT`` must then equal ``DOSEKG × WT``.
``RATE`` in mg/h for infusions given by rate; infusions given by duration carry
``DUR`` (h) and ``RATE = AMT/DUR``. ``CMT``: 1 IV, 2 nasal, 3 oral, 4
sublingual, 5 IM, 6 SC. An esketamine nasal session is one row per 28 mg
device, numbered by ``DEVICE`` (1-3). A placebo session is an ``EVID = 2``
(other-type event) row with ``PLACEBO = 1`` and its ``DRUG``: NM-TRAN rejects a
dose record of ``AMT = 0``. Rows with ``EVID = 0`` are observations (``DV``;
scale in ``SCALE`` and numerically in ``DVID``) and are not part of a regimen.
Rows are written in time order, observations before doses at the same time: a
score at a dose time is taken before the dose, as everywhere in ketasim.
Extra covariates are written in the columns of :data:`COVARIATE_COLUMNS`.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from ketasim.errors import InputError
from ketasim.population.patients import BACKGROUND, GENOTYPES, Patient
from ketasim.record import PatientRecord, ScoreObservation
from ketasim.regimen.dose import CMT, Dose, Drug, Route
from ketasim.regimen.regimen import Regimen
from ketasim.symptoms import RECORDED
from ketasim.units import DEVICE_MG, DoseAmount

__all__ = [
    "COLUMNS",
    "COVARIATE_COLUMNS",
    "DVID",
    "TEXT_COLUMNS",
    "Subject",
    "csv_text",
    "format_value",
    "observation_rows",
    "read_covariates",
    "read_csv",
    "record_to_rows",
    "regimen_to_rows",
    "rows_to_observations",
    "rows_to_record",
    "rows_to_subjects",
    "scale_of",
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
    "DVID",
    "PLACEBO",
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
#: Readable text columns: a control stream gives them ``=DROP`` in ``$INPUT``; all others are numeric.
TEXT_COLUMNS = frozenset({"DRUG", "ROUTE", "ANCESTRY", "SCALE", "UTC", "VAL66MET", "BACKGROUND_AD"})
#: Numeric observation type of each scale (NONMEM cannot read the text ``SCALE``).
DVID: dict[str, int] = {"madrs": 1, "madrs_item10": 2, "phq9": 3, "phq9_item9": 4, "qids_sr16": 5}
_SCALE_OF_DVID = {v: k for k, v in DVID.items()}
assert set(DVID) == set(RECORDED), "every recorded scale needs a DVID"
#: Relative tolerance of ``AMT = DOSEKG × WT`` (AMT written with 3-4 significant figures passes).
_AMT_RTOL = 1e-3

#: Extra covariate columns: column -> (Patient field, kind, unit); kind: number, flag or a choice list.
COVARIATE_COLUMNS: dict[str, tuple[str, Any, str]] = {
    "BMI_KG_M2": ("bmi", "number", "kg/m²"),
    "ADIPONECTIN_UG_ML": ("adiponectin_ug_ml", "number", "µg/mL"),
    "B12_PG_ML": ("b12_pg_ml", "number", "pg/mL"),
    "BZD_MG_DAY": ("benzodiazepine_mg_day", "number", "mg/day diazepam equivalent"),
    "BASELINE_SI": ("baseline_si", "number", "points (MADRS item 10)"),
    "VAL66MET": ("val66met", GENOTYPES, ""),
    "BACKGROUND_AD": ("background_ad", BACKGROUND, ""),
    "FH_ALCOHOL": ("fh_alcohol", "flag", "1 = yes"),
    "SUICIDE_ATTEMPT": ("prior_suicide_attempt", "flag", "1 = yes"),
}


@dataclass(frozen=True)
class Subject:
    """One subject of a dataset: covariates and regimen."""

    id: int
    patient: Patient
    regimen: Regimen


def _covariates(patient: Patient) -> dict[str, Any]:
    out: dict[str, Any] = {
        "WT": patient.weight_kg,
        "AGE": patient.age_years,
        "SEXF": 1 if patient.sex == "female" else 0,
        "ANCESTRY": patient.ancestry,
    }
    for col, (name, kind, _) in COVARIATE_COLUMNS.items():
        value = getattr(patient, name)
        if value is not None:
            out[col] = int(value) if kind == "flag" else value
    return out


def read_covariates(rows: Sequence[Mapping[str, Any]], domain: str = "nonmem") -> dict[str, Any]:
    """The extra covariates (``Patient`` fields) in the :data:`COVARIATE_COLUMNS` of ``rows``.

    A covariate has one value per subject; blank cells are skipped. Errors name row and column.
    """
    out: dict[str, Any] = {}
    seen: dict[str, tuple[str, int]] = {}
    for i, row in enumerate(rows):
        for col, (name, kind, _) in COVARIATE_COLUMNS.items():
            raw = row.get(col)
            if _blank(raw):
                continue
            text = str(raw).strip()
            if col in seen and seen[col][0] != text:
                raise InputError(
                    domain, f"row {i + 1} {col}",
                    f"a covariate has one value per record (row {seen[col][1]}: {seen[col][0]})", raw,
                )  # fmt: skip
            seen[col] = (text, i + 1)
            if kind == "number":
                try:
                    value = float(text)
                except ValueError:
                    raise InputError(domain, f"row {i + 1} {col}", "must be a number", raw) from None
                if not math.isfinite(value):
                    raise InputError(domain, f"row {i + 1} {col}", "must be finite", raw)
                out[name] = value
            elif kind == "flag":
                if text not in ("0", "1", "0.0", "1.0"):
                    raise InputError(domain, f"row {i + 1} {col}", "must be 0 or 1", raw)
                out[name] = float(text) == 1.0
            else:
                if text.lower() not in kind:
                    raise InputError(domain, f"row {i + 1} {col}", f"must be one of {', '.join(kind)}", raw)
                out[name] = text.lower()
    return out


def _blank(v: Any) -> bool:
    return (
        v is None
        or (isinstance(v, str) and v.strip() in ("", "."))
        or (isinstance(v, float) and math.isnan(v))
    )


def regimen_to_rows(regimen: Regimen, patient: Patient, subject_id: int = 1) -> list[dict[str, Any]]:
    """Dose records of one subject in time order, repeats kept as ``II``/``ADDL``."""
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
                    "EVID": 2,
                    "PLACEBO": 1,
                    "TIME": dose.time_h,
                    "AMT": None,
                    "RATE": None,
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
    _check_sessions_apart(regimen)
    # stable: devices of one session keep their order; a dose between two devices lands between them
    rows.sort(key=lambda r: float(r["TIME"]))
    return rows


def _check_sessions_apart(regimen: Regimen) -> None:
    """Two overlapping nasal sessions of one drug could not be told apart in the rows: refused."""
    spans = sorted(
        (t, t + (d.devices - 1) * d.device_interval_h, d.drug.value)
        for d in regimen.doses
        if d.devices
        for t in d.times()
    )
    for (t0, end0, drug0), (t1, _, drug1) in itertools.pairwise(spans):
        if drug0 == drug1 and t1 <= end0:
            raise InputError(
                "nonmem", "regimen", "nasal sessions of one drug must not overlap (their devices would mix)",
                f"sessions at {t0:g} h and {t1:g} h",
            )  # fmt: skip


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

    extra = read_covariates([row for _, row in items])
    if extra:
        try:
            patient = patient.replace(**extra)
        except InputError as err:
            col = next((c for c, (n, _, _) in COVARIATE_COLUMNS.items() if n == err.field), err.field)
            raise InputError("nonmem", f"{first_where} {col}", err.rule, err.received) from None

    # a nasal session's devices may be interleaved with other doses: group them by drug and route
    entries: list[Dose | list[tuple[str, Mapping[str, Any]]]] = []
    sessions: dict[tuple[Drug, Route], list[tuple[str, Mapping[str, Any]]]] = {}
    for i, row in items:
        where = f"row {i + 1}"
        evid = _int(row, "EVID", where, default=1)
        if evid == 0:
            continue
        if evid == 2:
            if _int(row, "PLACEBO", where) == 1:
                entries.append(_placebo(row, where))
            continue  # any other EVID 2 row is an event ketasim does not model
        if evid != 1:
            raise InputError(
                "nonmem", f"{where} EVID", "must be 0 (observation), 1 (dose) or 2 (placebo session)", evid
            )
        device = _int(row, "DEVICE", where)
        if device >= 1:
            key = (Drug.parse(str(row.get("DRUG") or "esketamine"), f"{where} DRUG"), _route(row, where))
            if device == 1:
                sessions[key] = [(where, row)]
                entries.append(sessions[key])
            elif key not in sessions:
                raise InputError("nonmem", f"{where} DEVICE", "device > 1 without device 1", device)
            else:
                sessions[key].append((where, row))
            continue
        entries.append(_dose(row, where, patient.weight_kg))
    doses = [e if isinstance(e, Dose) else _nasal_session(e) for e in entries]
    return Subject(sid, patient, Regimen(tuple(doses)))


def _route(row: Mapping[str, Any], where: str) -> Route:
    cmt = _int(row, "CMT", where, default=-1)
    if cmt not in _ROUTE_OF_CMT:
        raise InputError("nonmem", f"{where} CMT", "must be 1-6 (see docs/data-formats.md)", row.get("CMT"))
    route = _ROUTE_OF_CMT[cmt]
    if row.get("ROUTE") not in (None, "") and Route.parse(str(row["ROUTE"]), f"{where} ROUTE") != route:
        raise InputError("nonmem", f"{where} ROUTE", f"does not match CMT {cmt}", row["ROUTE"])
    return route


def _placebo(row: Mapping[str, Any], where: str) -> Dose:
    drug = Drug.parse(str(row.get("DRUG") or ""), f"{where} DRUG")
    if not drug.is_placebo:
        raise InputError("nonmem", f"{where} DRUG", "a PLACEBO = 1 row names a placebo drug", row.get("DRUG"))
    time = _num(row, "TIME", where)
    assert time is not None
    try:
        return Dose(
            drug=drug,
            route=_route(row, where),
            time_h=time,
            duration_h=_num(row, "DUR", where, required=False) or 0.0,
            ii_h=_num(row, "II", where, required=False) or 0.0,
            addl=_int(row, "ADDL", where),
        )
    except InputError as err:
        raise InputError("nonmem", f"{where} {err.field}", err.rule, err.received) from None


def _dose(row: Mapping[str, Any], where: str, weight_kg: float) -> Dose:
    route = _route(row, where)
    drug = Drug.parse(str(row.get("DRUG") or "racemic_ketamine"), f"{where} DRUG")
    if drug.is_placebo:
        raise InputError(
            "nonmem", f"{where} EVID",
            "a placebo session is an EVID 2 row with PLACEBO 1 (NONMEM rejects a dose of AMT 0)", 1,
        )  # fmt: skip
    time = _num(row, "TIME", where)
    amt = _num(row, "AMT", where)
    assert time is not None and amt is not None
    if amt <= 0:
        raise InputError("nonmem", f"{where} AMT", "a dose record (EVID 1) gives an amount > 0 (mg)", amt)
    ii = _num(row, "II", where, required=False) or 0.0
    addl = _int(row, "ADDL", where)
    rate = _num(row, "RATE", where, required=False) or 0.0
    # NONMEM reads a blank cell as 0: a DUR or DOSEKG of 0 means none was given
    dur = _num(row, "DUR", where, required=False) or None
    dosekg = _num(row, "DOSEKG", where, required=False) or None
    if dosekg is not None:
        # AMT is the amount given; DOSEKG only records how it was prescribed
        wt = _num(row, "WT", where, required=False) or weight_kg
        if abs(amt - dosekg * wt) > _AMT_RTOL * dosekg * wt:
            raise InputError(
                "nonmem", f"{where} AMT",
                f"AMT (mg given) must equal DOSEKG × WT = {dosekg * wt:g} mg",
                f"AMT {amt:g}, DOSEKG {dosekg:g}",
            )  # fmt: skip
    try:
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


def format_value(value: Any) -> str:
    """One CSV cell: empty for missing, floats (NumPy's too) at round-trip precision, never a repr.

    >>> import numpy as np
    >>> [format_value(v) for v in (np.float64(5.0), np.int64(3), True, None, float("nan"), "iv")]
    ['5.0', '3', '1', '', '', 'iv']
    """
    if value is None:
        return ""
    if isinstance(value, bool | np.bool_ | numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        x = float(value)
        if math.isnan(x):
            return ""
        if math.isinf(x):
            raise InputError("nonmem", "value", "must be finite to be written", x)
        return repr(x)
    return str(value)


def csv_text(rows: Iterable[Mapping[str, Any]]) -> str:
    """The CSV text of ``rows``: :data:`COLUMNS` first, other columns sorted; one formatter for all."""
    rows = list(rows)
    extra = sorted({k for r in rows for k in r} - set(COLUMNS))
    header = list(COLUMNS) + extra
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([format_value(r.get(c)) for c in header])
    return out.getvalue()


def write_csv(path: str | Path, rows: Iterable[Mapping[str, Any]]) -> None:
    """Writes rows with every float at full (round-trip) precision (see :func:`csv_text`)."""
    tmp = Path(path).with_suffix(Path(path).suffix + ".tmp")
    tmp.write_text(csv_text(rows))
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
    """Observation records: ``EVID = 0``, ``MDV = 0``, the score in ``DV``, scale in ``SCALE``/``DVID``."""
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
            "DVID": DVID[o.scale],
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
        scale = scale_of(row, where)
        try:
            obs = ScoreObservation(time, scale, dv)
        except InputError as err:
            raise InputError("nonmem", f"{where} {err.field.upper()}", err.rule, err.received) from None
        out.setdefault(sid, []).append(obs)
    return out


def scale_of(row: Mapping[str, Any], where: str) -> str:
    """The scale of an observation row: ``SCALE``, or ``DVID`` alone; both must agree."""
    text = str(row.get("SCALE") or "").strip()
    if text and text not in DVID:
        raise InputError("nonmem", f"{where} SCALE", f"unknown scale (known: {', '.join(DVID)})", text)
    dvid = _int(row, "DVID", where, default=0)
    if dvid == 0:
        return text
    if dvid not in _SCALE_OF_DVID:
        known = ", ".join(f"{v} {k}" for k, v in DVID.items())
        raise InputError("nonmem", f"{where} DVID", f"unknown observation type (known: {known})", dvid)
    if text and text != _SCALE_OF_DVID[dvid]:
        raise InputError("nonmem", f"{where} DVID", f"does not match SCALE {text} (DVID {DVID[text]})", dvid)
    return _SCALE_OF_DVID[dvid]


def record_to_rows(record: PatientRecord, subject_id: int = 1) -> list[dict[str, Any]]:
    """A patient record as rows, in time order with ``UTC`` stamps; scores before doses at one time."""
    rows = regimen_to_rows(record.regimen, record.patient, subject_id) + observation_rows(
        record.observations, record.patient, subject_id
    )
    # stable sort: doses keep regimen_to_rows's order; a score at a dose time is pre-dose
    rows.sort(key=lambda r: (float(r["TIME"]), r["EVID"] != 0))
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
