"""Treatment sessions: schedule, record the dose and vitals, close; every rule checked first."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ketasim.store.crud.alerts import count_open_si, raise_alert
from ketasim.store.crud.audit import Actor, record, require
from ketasim.store.crud.patients import get_course, get_patient
from ketasim.store.errors import NotFoundError, RuleError
from ketasim.store.models import Contraindication, Device, Site, TreatmentSession, Vital
from ketasim.store.rules import check_close, check_dose, check_schedule, check_times, local_day
from ketasim.store.schemas import SessionCreate, SessionFields, VitalCreate
from ketasim.store.types import utcnow

__all__ = ["add_vital", "close_session", "create_session", "get_session", "list_sessions", "update_session"]

_LOAD = (selectinload(TreatmentSession.devices), selectinload(TreatmentSession.vitals))


def get_session(db: Session, actor: Actor, session_id: int) -> TreatmentSession:
    """One session of the actor's site."""
    s = db.scalar(
        select(TreatmentSession)
        .options(*_LOAD)
        .where(TreatmentSession.id == session_id, TreatmentSession.site_id == actor.site_id)
    )
    if s is None:
        raise NotFoundError("session", session_id)
    return s


def by_key(db: Session, actor: Actor, key: str) -> TreatmentSession | None:
    """The session already written under an idempotency key, if any."""
    return db.scalar(
        select(TreatmentSession)
        .options(*_LOAD)
        .where(TreatmentSession.site_id == actor.site_id, TreatmentSession.idempotency_key == key)
    )


def list_sessions(
    db: Session,
    actor: Actor,
    *,
    patient_id: int | None,
    day: str | None,
    limit: int,
    offset: int,
    vitals: bool = True,
    newest_first: bool = False,
) -> tuple[list[TreatmentSession], int]:
    """Sessions of the site, of one patient or one day, by scheduled time (``vitals=False``: lighter)."""
    q = select(TreatmentSession).where(TreatmentSession.site_id == actor.site_id)
    if patient_id is not None:
        get_patient(db, actor, patient_id)
        q = q.where(TreatmentSession.patient_id == patient_id)
    if day is not None:
        # A date, not its text: PostgreSQL has no date = varchar operator (the Today page sent text).
        q = q.where(TreatmentSession.day == date.fromisoformat(day))
    total = db.scalar(select(func.count()).select_from(q.subquery())) or 0
    load = _LOAD if vitals else (selectinload(TreatmentSession.devices),)
    order = (TreatmentSession.scheduled_at, TreatmentSession.id)
    q = q.order_by(*(c.desc() for c in order) if newest_first else order)
    rows = db.scalars(q.options(*load).limit(limit).offset(offset))
    return list(rows), total


def _apply(db: Session, actor: Actor, s: TreatmentSession, data: SessionFields) -> list[str]:
    fields = data.model_dump(
        exclude_unset=True, exclude={"devices", "course_id", "scheduled_at", "drug", "route"}
    )
    fields.pop("idempotency_key", None)
    fields.pop("override_reason", None)
    for k, v in fields.items():
        setattr(s, k, v)
    devices = (
        [d.given_at for d in data.devices] if data.devices is not None else [d.given_at for d in s.devices]
    )
    check_times(s)
    site = db.get_one(Site, actor.site_id)
    patient = get_patient(db, actor, s.patient_id, audit=False)
    earlier = db.scalars(
        select(TreatmentSession.dose_mg).where(
            TreatmentSession.course_id == s.course_id,
            TreatmentSession.scheduled_at < s.scheduled_at,
            TreatmentSession.status != "cancelled",
            TreatmentSession.dose_mg.is_not(None),
        )
    ).all()
    warnings = check_dose(
        site=site,
        patient=patient,
        session=s,
        earlier_doses=[d for d in earlier if d is not None],
        devices=devices,
    )
    if data.devices is not None:
        s.devices.clear()
        db.flush()
        s.devices.extend(Device(seq=k + 1, given_at=t) for k, t in enumerate(devices))
    return warnings


def create_session(
    db: Session, actor: Actor, patient_id: int, data: SessionCreate
) -> tuple[TreatmentSession, bool]:
    """Schedules (and optionally records) a session; returns it and whether it is new.

    A repeated idempotency key returns the session first written under it, so a
    client may retry a write whose answer it never saw.
    """
    require(actor, "clinician")
    if data.idempotency_key and (old := by_key(db, actor, data.idempotency_key)) is not None:
        return old, False
    patient = get_patient(db, actor, patient_id, audit=False)
    course = get_course(db, actor, data.course_id)
    if course.patient_id != patient.id:
        raise RuleError(
            "course_id", "session.course_patient", "the course belongs to another patient", data.course_id
        )
    site = db.get_one(Site, actor.site_id)
    day = local_day(data.scheduled_at, site)
    others = db.scalars(
        select(TreatmentSession).where(
            TreatmentSession.patient_id == patient.id,
            TreatmentSession.scheduled_at > data.scheduled_at - timedelta(days=15),
            TreatmentSession.scheduled_at < data.scheduled_at + timedelta(days=15),
        )
    ).all()
    unresolved = db.scalars(
        select(Contraindication.kind).where(
            Contraindication.patient_id == patient.id, Contraindication.resolved_at.is_(None)
        )
    ).all()
    warnings = check_schedule(
        site=site,
        patient=patient,
        course=course,
        drug=data.drug or course.drug,
        route=data.route or course.route,
        at=data.scheduled_at,
        others=others,
        open_unresolved=list(unresolved),
        open_si_alerts=count_open_si(db, actor.site_id, patient.id),
        override_reason=data.override_reason,
    )
    s = TreatmentSession(
        site_id=actor.site_id,
        patient_id=patient.id,
        course_id=course.id,
        idempotency_key=data.idempotency_key,
        scheduled_at=data.scheduled_at,
        day=day,
        drug=course.drug,
        route=course.route,
        mg_per_kg=course.mg_per_kg,
        infusion_min=course.infusion_min,
        weight_kg=patient.weight_kg,
        weight_measured_on=patient.weight_measured_on,
        override_reason=data.override_reason,
        created_by=actor.user_id,
        devices=[],
        vitals=[],
    )
    warnings += _apply(db, actor, s, data)
    s.warnings = warnings
    db.add(s)
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError:
        # A concurrent request with the same key won the race: answer with its session.
        if data.idempotency_key and (old := by_key(db, actor, data.idempotency_key)) is not None:
            return old, False
        raise
    record(db, actor, "create", "session", s.id, patient_id=patient.id)
    if data.override_reason and any(w.startswith("off-label") for w in warnings):
        record(db, actor, "override", "session", s.id, patient_id=patient.id, reason=data.override_reason)
    return s, True


def update_session(db: Session, actor: Actor, session_id: int, data: SessionFields) -> TreatmentSession:
    """Records dose details, devices, times and acute effects of an open session."""
    require(actor, "clinician")
    s = get_session(db, actor, session_id)
    if s.status in ("closed", "cancelled"):
        raise RuleError("status", "session.closed", "a closed or cancelled session cannot change", s.status)
    s.warnings = list(dict.fromkeys([*s.warnings, *_apply(db, actor, s, data)]))
    if s.status == "scheduled" and s.dose_start_at is not None:
        s.status = "in_progress"
    record(db, actor, "update", "session", s.id, patient_id=s.patient_id)
    return s


def add_vital(db: Session, actor: Actor, session_id: int, data: VitalCreate) -> Vital:
    """Adds a set of vital signs; high pressure or low saturation raises an alert for a clinician."""
    require(actor, "clinician")
    s = get_session(db, actor, session_id)
    if s.status in ("closed", "cancelled"):
        raise RuleError("status", "session.closed", "a closed or cancelled session cannot change", s.status)
    v = Vital(session_id=s.id, entered_by=actor.user_id, **data.model_dump())
    s.vitals.append(v)
    db.flush()
    record(db, actor, "create", "vital", v.id, patient_id=s.patient_id)
    pre = next((x for x in s.vitals if x.point == "pre_dose" and x is not v), None)
    checks = [
        (v.point == "pre_dose" and (v.sbp > 140 or v.dbp > 90), "bp.pre_dose_high", "warning",
         f"pre-dose BP {v.sbp}/{v.dbp} mmHg above 140/90: document proceed or delay"),
        (pre is not None and v.point != "pre_dose" and (v.sbp - pre.sbp >= 40 or v.dbp - pre.dbp >= 25),
         "bp.post_dose_rise", "high", f"BP rose to {v.sbp}/{v.dbp} mmHg (≥40 systolic or ≥25 diastolic)"),
        (v.spo2 is not None and v.spo2 < 92, "spo2.low", "high", f"SpO2 {v.spo2}% below 92%"),
    ]  # fmt: skip
    for fired, rule, severity, message in checks:
        if fired:
            raise_alert(
                db, actor, patient_id=s.patient_id, rule=rule, severity=severity, message=message,
                source_kind="vital", source_id=v.id,
            )  # fmt: skip
    return v


def close_session(db: Session, actor: Actor, session_id: int) -> TreatmentSession:
    """Closes a session once dose record, vitals, monitoring and discharge assessment are complete."""
    require(actor, "clinician")
    s = get_session(db, actor, session_id)
    if s.status in ("closed", "cancelled"):
        raise RuleError("status", "session.closed", "already closed or cancelled", s.status)
    check_close(db.get_one(Site, actor.site_id), s)
    s.status, s.closed_at, s.closed_by, s.discharge_assessed_by = (
        "closed",
        utcnow(),
        actor.user_id,
        actor.user_id,
    )
    record(db, actor, "sign", "session", s.id, patient_id=s.patient_id)
    return s
