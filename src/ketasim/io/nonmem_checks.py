"""A patient's NONMEM-style CSV, checked row by row before :func:`ketasim.io.nonmem.rows_to_record` reads it.

The format is docs/data-formats.md ("A patient's record"): dose rows, score rows
(``EVID = 0``, value in ``DV``, scale in ``SCALE``) and a ``UTC`` column. On top
of the reader's own checks, the personalisation input must satisfy:

* rows in time order (NONMEM's rule): a session row after a score row dated later
  contradicts the record;
* every ``UTC`` stamp agrees with its ``TIME`` (hours from the first row's stamp);
* no two scores of one scale, and no two sessions, at the same time;
* scores name a known ``SCALE`` (or ``DVID``; both must agree) and lie in its range (``DV``);
* covariate columns carry their unit in their name (``ADIPONECTIN_UG_ML``); a
  bare ``ADIPONECTIN`` is missing its unit. One value per record.

Every error names the row (1 = the first data row) and the column.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from ketasim.errors import InputError, UnitError
from ketasim.io.nonmem import COVARIATE_COLUMNS, read_covariates, rows_to_record, scale_of
from ketasim.record import PatientRecord
from ketasim.symptoms import RECORDED, SCALES

__all__ = ["COVARIATE_COLUMNS", "check_rows", "record_from_rows"]

#: Column stems that need a unit suffix, and the column to use instead.
_UNIT_STEMS = {
    "BMI": "BMI_KG_M2",
    "ADIPONECTIN": "ADIPONECTIN_UG_ML",
    "B12": "B12_PG_ML",
    "BZD": "BZD_MG_DAY",
    "BENZODIAZEPINE": "BZD_MG_DAY",
}
_UTC_TOLERANCE_S = 60.0


def _blank(v: Any) -> bool:
    return (
        v is None
        or (isinstance(v, str) and v.strip() in ("", "."))
        or (isinstance(v, float) and math.isnan(v))
    )


def _float(row: Mapping[str, Any], key: str, where: str) -> float | None:
    raw = row.get(key)
    if _blank(raw):
        return None
    try:
        v = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError("patient-data", f"{where} {key}", "must be a number", raw) from None
    if not math.isfinite(v):
        raise InputError("patient-data", f"{where} {key}", "must be finite", raw)
    return v


def _check_columns(header: Sequence[str]) -> None:
    for col in header:
        stem = col.upper()
        if stem in _UNIT_STEMS:
            raise UnitError(
                "patient-data", f"column {col}", "is missing its unit", col,
                hint=f"name the column {_UNIT_STEMS[stem]} ({COVARIATE_COLUMNS[_UNIT_STEMS[stem]][2]})",
            )  # fmt: skip
        for s, full in _UNIT_STEMS.items():
            if stem.startswith(s + "_") and stem not in COVARIATE_COLUMNS:
                raise UnitError(
                    "patient-data", f"column {col}", f"unit not supported (use {full})", col,
                    hint=f"convert to {COVARIATE_COLUMNS[full][2]}",
                )  # fmt: skip


def check_rows(rows: Sequence[Mapping[str, Any]]) -> None:
    """The rules of the module doc; raises :class:`~ketasim.errors.InputError` naming row and column."""
    if not rows:
        raise InputError("patient-data", "rows", "a record needs at least one row", 0)
    _check_columns(list(rows[0].keys()))
    anchor: datetime | None = None
    t_first: float | None = None
    latest: tuple[float, int] | None = None
    scores: dict[tuple[str, float], int] = {}
    sessions: dict[float, int] = {}
    for i, row in enumerate(rows):
        where = f"row {i + 1}"
        t = _float(row, "TIME", where)
        if t is None:
            raise InputError(
                "patient-data", f"{where} TIME", "is required (hours from the start)", row.get("TIME")
            )
        if t < 0:
            raise InputError(
                "patient-data", f"{where} TIME", "must be >= 0 (hours from the start)", row.get("TIME")
            )
        evid = _float(row, "EVID", where)
        is_score = evid == 0
        if latest is not None and t < latest[0]:
            kind = "a session" if not is_score else "a score"
            raise InputError(
                "patient-data", f"{where} TIME",
                f"rows must be in time order: {kind} dated before row {latest[1]} (TIME {latest[0]:g}) "
                "contradicts the record", row.get("TIME"),
            )  # fmt: skip
        latest = (t, i + 1) if latest is None or t >= latest[0] else latest
        anchor, t_first = _check_utc(row, where, t, anchor, t_first)
        if is_score:
            _check_score(row, where, t, scores, i)
        elif _float(row, "DEVICE", where) in (None, 0.0, 1.0):
            if t in sessions:
                raise InputError(
                    "patient-data", f"{where} TIME", f"duplicate timestamp: row {sessions[t]} has a session "
                    "at the same time", row.get("TIME"),
                )  # fmt: skip
            sessions[t] = i + 1


def _check_utc(
    row: Mapping[str, Any], where: str, t: float, anchor: datetime | None, t_first: float | None
) -> tuple[datetime | None, float | None]:
    raw = row.get("UTC")
    if _blank(raw):
        return anchor, t_first
    try:
        stamp = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise InputError("patient-data", f"{where} UTC", "must be an ISO 8601 date-time", raw) from None
    if stamp.tzinfo is None:
        raise InputError("patient-data", f"{where} UTC", "must carry a timezone", raw)
    if anchor is None or t_first is None:
        return stamp, t
    expected = anchor + timedelta(hours=t - t_first)
    if abs((stamp - expected).total_seconds()) > _UTC_TOLERANCE_S:
        raise InputError(
            "patient-data", f"{where} UTC",
            f"must agree with TIME {t:g} h (expected {expected.isoformat()} from the first stamp)", raw,
        )  # fmt: skip
    return anchor, t_first


def _check_score(
    row: Mapping[str, Any], where: str, t: float, scores: dict[tuple[str, float], int], i: int
) -> None:
    try:
        scale = scale_of(row, where)
    except InputError as err:
        raise InputError("patient-data", err.field, err.rule, err.received) from None
    if scale not in RECORDED:
        raise InputError(
            "patient-data", f"{where} SCALE", f"unknown scale (known: {', '.join(RECORDED)})", scale
        )
    dv = _float(row, "DV", where)
    lo, hi = SCALES[scale].minimum, SCALES[scale].maximum
    if dv is None or not lo <= dv <= hi:
        raise InputError(
            "patient-data", f"{where} DV", f"a {scale} score lies within {lo:g}-{hi:g}", row.get("DV")
        )
    if (scale, t) in scores:
        raise InputError(
            "patient-data", f"{where} TIME",
            f"duplicate timestamp: row {scores[(scale, t)]} has a {scale} score at the same time",
            row.get("TIME"),
        )  # fmt: skip
    scores[(scale, t)] = i + 1


def record_from_rows(rows: Sequence[Mapping[str, Any]]) -> PatientRecord:
    """A checked patient record from CSV rows (strings), extra covariate columns applied."""
    check_rows(rows)
    record = rows_to_record(rows)
    cov = read_covariates(rows, "patient-data")
    if not cov:
        return record
    try:
        patient = record.patient.replace(**cov)
    except InputError as err:
        col = next((c for c, (n, _, _) in COVARIATE_COLUMNS.items() if n == err.field), err.field)
        raise InputError("patient-data", f"column {col}", err.rule, err.received) from None
    return PatientRecord(
        patient, record.regimen, record.observations, record.start, record.identifier, record.name,
        record.birth_date, record.extra,
    )  # fmt: skip
