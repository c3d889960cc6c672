"""Forecasts: model suggestions stored for a clinician's review; never applied automatically."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketasim.store.crud.audit import Actor, record, require
from ketasim.store.crud.patients import get_course, get_patient
from ketasim.store.errors import NotFoundError, RuleError
from ketasim.store.models import Forecast
from ketasim.store.schemas import ForecastCreate
from ketasim.store.types import utcnow

__all__ = ["create_forecast", "get_forecast", "list_forecasts", "review_forecast"]


def create_forecast(db: Session, actor: Actor, patient_id: int, data: ForecastCreate) -> Forecast:
    """Stores a suggestion (status pending) produced by the model for this patient."""
    require(actor, "clinician", "admin")
    p = get_patient(db, actor, patient_id, audit=False)
    if data.course_id is not None and get_course(db, actor, data.course_id).patient_id != p.id:
        raise RuleError(
            "course_id", "forecast.course_patient", "must be a course of this patient", data.course_id
        )
    if data.window_start and data.window_end and data.window_end < data.window_start:
        raise RuleError(
            "window_end", "forecast.window_order", "must not precede window_start", str(data.window_end)
        )
    payload = data.model_dump(mode="json")
    f = Forecast(
        site_id=actor.site_id,
        patient_id=p.id,
        course_id=data.course_id,
        kind=data.kind,
        model=data.model,
        model_version=data.model_version,
        inputs_hash=data.inputs_hash,
        scale=data.scale,
        trajectory=payload["trajectory"],
        window_start=data.window_start,
        window_end=data.window_end,
    )
    db.add(f)
    db.flush()
    record(db, actor, "create", "forecast", f.id, patient_id=p.id)
    return f


def get_forecast(db: Session, actor: Actor, forecast_id: int) -> Forecast:
    """One forecast of the actor's site."""
    f = db.scalar(select(Forecast).where(Forecast.id == forecast_id, Forecast.site_id == actor.site_id))
    if f is None:
        raise NotFoundError("forecast", forecast_id)
    return f


def list_forecasts(
    db: Session, actor: Actor, patient_id: int, *, limit: int, offset: int
) -> tuple[list[Forecast], int]:
    """A patient's forecasts, newest first (an audited read)."""
    get_patient(db, actor, patient_id)
    q = select(Forecast).where(Forecast.site_id == actor.site_id, Forecast.patient_id == patient_id)
    total = db.scalar(select(func.count()).select_from(q.subquery())) or 0
    return list(db.scalars(q.order_by(Forecast.id.desc()).limit(limit).offset(offset))), total


def review_forecast(db: Session, actor: Actor, forecast_id: int, status: str, note: str) -> Forecast:
    """A clinician accepts or dismisses a suggestion; no dose or schedule changes by itself."""
    require(actor, "clinician")
    f = get_forecast(db, actor, forecast_id)
    if f.status != "pending":
        raise RuleError("status", "forecast.reviewed", "already reviewed", f.status)
    f.status, f.reviewed_by, f.reviewed_at, f.review_note = status, actor.user_id, utcnow(), note
    record(db, actor, "update", "forecast", f.id, patient_id=f.patient_id, reason=note)
    return f
