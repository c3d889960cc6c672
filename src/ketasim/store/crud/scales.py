"""Scale administrations, entered whole or item by item; suicide items raise alerts at once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ketasim.store.crud.alerts import raise_alert
from ketasim.store.crud.audit import Actor, record, require
from ketasim.store.crud.patients import get_patient
from ketasim.store.errors import NotFoundError, RuleError
from ketasim.store.models import Patient, ScaleAdministration, ScaleItem, Site, TreatmentSession, User
from ketasim.store.scales import INSTRUMENTS, score, si_signals
from ketasim.store.schemas import ScaleCreate
from ketasim.store.types import utcnow
from ketasim.store.validators import SKEW

__all__ = ["create_scale", "get_scale", "list_scales", "set_item"]


def get_scale(db: Session, actor: Actor, scale_id: int) -> ScaleAdministration:
    """One administration of the actor's site."""
    a = db.scalar(
        select(ScaleAdministration)
        .options(selectinload(ScaleAdministration.items))
        .where(ScaleAdministration.id == scale_id, ScaleAdministration.site_id == actor.site_id)
    )
    if a is None:
        raise NotFoundError("scale", scale_id)
    return a


def list_scales(
    db: Session,
    actor: Actor,
    patient_id: int,
    *,
    instrument: str | None,
    limit: int,
    offset: int,
    items: bool = True,
    newest_first: bool = True,
) -> tuple[list[ScaleAdministration], int]:
    """A patient's administrations, newest first (an audited read; ``items=False``: totals only).

    Newest first, so that a page of any size shows the latest scores; older ones follow by offset.
    """
    get_patient(db, actor, patient_id)
    q = select(ScaleAdministration).where(
        ScaleAdministration.site_id == actor.site_id, ScaleAdministration.patient_id == patient_id
    )
    if instrument:
        q = q.where(ScaleAdministration.instrument == instrument)
    total = db.scalar(select(func.count()).select_from(q.subquery())) or 0
    if items:
        q = q.options(selectinload(ScaleAdministration.items))
    order = (ScaleAdministration.administered_at, ScaleAdministration.id)
    q = q.order_by(*(c.desc() for c in order) if newest_first else order)
    rows = db.scalars(q.limit(limit).offset(offset))
    return list(rows), total


def _check_time(db: Session, patient: Patient, data: ScaleCreate) -> list[str]:
    at = data.administered_at
    if at > utcnow() + SKEW:
        raise RuleError("administered_at", "scale.time_future", "must not be in the future", at.isoformat())
    if at.date() < patient.birth_date:
        raise RuleError(
            "administered_at", "scale.time_before_birth", "must not precede birth", at.isoformat()
        )
    if patient.death_date is not None and at.date() > patient.death_date:
        raise RuleError(
            "administered_at", "scale.time_after_death", "must not follow a recorded death", at.isoformat()
        )
    flags: list[str] = []
    if data.instrument == "phq9":
        near = db.scalar(
            select(func.count()).where(
                ScaleAdministration.patient_id == patient.id,
                ScaleAdministration.instrument == "phq9",
                ScaleAdministration.administered_at > at - timedelta(days=14),
                ScaleAdministration.administered_at < at + timedelta(days=14),
            )
        )
        if near:
            flags.append("overlapping_recall")
    return flags


def _rescore(db: Session, actor: Actor, a: ScaleAdministration, extra_flags: list[str]) -> None:
    items = {i.item_no: i.value for i in a.items}
    sc = score(a.instrument, items)
    a.total, a.band = sc.total, sc.band
    a.flags = list(dict.fromkeys([*(f for f in a.flags if f != "incomplete"), *extra_flags, *sc.flags]))
    site = db.get_one(Site, actor.site_id)
    for sig in si_signals(a.instrument, items, madrs_cutoff=site.madrs_si_cutoff):
        raise_alert(
            db,
            actor,
            patient_id=a.patient_id,
            rule=sig.rule,
            severity=sig.severity,
            message=sig.message,
            source_kind="scale",
            source_id=a.id,
        )


def create_scale(
    db: Session, actor: Actor, patient_id: int, data: ScaleCreate
) -> tuple[ScaleAdministration, bool]:
    """Records an administration (items may follow one by one); returns it and whether it is new."""
    require(actor, "clinician")
    if data.idempotency_key:
        old = db.scalar(
            select(ScaleAdministration.id).where(
                ScaleAdministration.site_id == actor.site_id,
                ScaleAdministration.idempotency_key == data.idempotency_key,
            )
        )
        if old is not None:
            return get_scale(db, actor, old), False
    patient = get_patient(db, actor, patient_id, audit=False)
    ins = INSTRUMENTS[data.instrument]
    if data.origin != "native":
        raise RuleError(
            "origin",
            "scale.converted_not_native",
            "a score converted from another scale is not a native score",
            data.origin,
        )
    if data.mode not in ins.modes:
        raise RuleError(
            "mode", "scale.mode", f"{ins.label} is administered by: {', '.join(ins.modes)}", data.mode
        )
    if data.session_id is not None:
        owner = db.scalar(
            select(TreatmentSession.patient_id).where(
                TreatmentSession.id == data.session_id, TreatmentSession.site_id == actor.site_id
            )
        )
        if owner != patient.id:
            raise RuleError(
                "session_id", "scale.session_patient", "must be a session of this patient", data.session_id
            )
    rater = actor.user_id if data.rater_id is None else data.rater_id
    if rater != actor.user_id:
        ok = db.scalar(
            select(User.id).where(
                User.id == rater, User.site_id == actor.site_id, User.role == "clinician", User.active
            )
        )
        if ok is None:
            raise RuleError(
                "rater_id", "scale.rater", "the rater must be an active clinician of the site", rater
            )
    flags = _check_time(db, patient, data)
    sc = score(data.instrument, data.items)
    if data.total is not None:
        if sc.total is None:
            raise RuleError("total", "scale.total_incomplete", "no total while items are missing", data.total)
        if data.total != sc.total:
            raise RuleError("total", "scale.total_mismatch", f"the items give {sc.total}", data.total)
    a = ScaleAdministration(
        site_id=actor.site_id,
        patient_id=patient.id,
        session_id=data.session_id,
        idempotency_key=data.idempotency_key,
        instrument=data.instrument,
        mode=data.mode,
        recall=data.recall,
        administered_at=data.administered_at,
        rater_id=rater,
        flags=[],
        items=[ScaleItem(item_no=k, value=v) for k, v in sorted(data.items.items())],
    )
    db.add(a)
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError:
        if data.idempotency_key:
            old = db.scalar(
                select(ScaleAdministration.id).where(
                    ScaleAdministration.site_id == actor.site_id,
                    ScaleAdministration.idempotency_key == data.idempotency_key,
                )
            )
            if old is not None:
                return get_scale(db, actor, old), False
        raise
    record(db, actor, "create", "scale", a.id, patient_id=patient.id)
    _rescore(db, actor, a, flags)
    return a, True


def set_item(db: Session, actor: Actor, scale_id: int, item_no: int, value: int) -> ScaleAdministration:
    """Sets one item's value, rescoring and raising any suicide-item alert immediately."""
    require(actor, "clinician")
    a = get_scale(db, actor, scale_id)
    items = {i.item_no: i.value for i in a.items}
    items[item_no] = value
    score(a.instrument, items)  # validates range and skip logic before anything is written
    row = next((i for i in a.items if i.item_no == item_no), None)
    if row is None:
        a.items.append(ScaleItem(item_no=item_no, value=value))
        a.items.sort(key=lambda i: i.item_no)
    else:
        row.value = value
    db.flush()
    record(db, actor, "update", "scale", a.id, patient_id=a.patient_id)
    _rescore(db, actor, a, [])
    return a
