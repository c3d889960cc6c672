"""Safety alerts: raised by rules, acknowledged only by a clinician with a note, never auto-closed."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketasim.store.crud.audit import Actor, record, require
from ketasim.store.errors import NotFoundError, RuleError
from ketasim.store.models import Alert
from ketasim.store.types import utcnow

__all__ = ["acknowledge", "count_open_si", "list_alerts", "raise_alert"]


def raise_alert(
    db: Session,
    actor: Actor,
    *,
    patient_id: int,
    rule: str,
    severity: str,
    message: str,
    source_kind: str,
    source_id: int,
) -> Alert | None:
    """Raises an alert once per rule and source record (re-entering a value does not duplicate it)."""
    exists = db.scalar(
        select(Alert.id).where(
            Alert.site_id == actor.site_id,
            Alert.rule == rule,
            Alert.source_kind == source_kind,
            Alert.source_id == source_id,
        )
    )
    if exists is not None:
        return None
    a = Alert(
        site_id=actor.site_id,
        patient_id=patient_id,
        rule=rule,
        severity=severity,
        message=message,
        source_kind=source_kind,
        source_id=source_id,
    )
    db.add(a)
    db.flush()
    record(db, actor, "create", "alert", a.id, patient_id=patient_id)
    return a


def list_alerts(
    db: Session,
    actor: Actor,
    *,
    open_only: bool,
    patient_id: int | None,
    limit: int,
    offset: int,
) -> tuple[list[Alert], int]:
    """The site's alerts, newest first."""
    q = select(Alert).where(Alert.site_id == actor.site_id)
    if open_only:
        q = q.where(Alert.acknowledged_at.is_(None))
    if patient_id is not None:
        q = q.where(Alert.patient_id == patient_id)
    total = db.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = db.scalars(q.order_by(Alert.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def count_open_si(db: Session, site_id: int, patient_id: int) -> int:
    """Open suicidal-ideation alerts of a patient (they block scheduling)."""
    return (
        db.scalar(
            select(func.count()).where(
                Alert.site_id == site_id,
                Alert.patient_id == patient_id,
                Alert.rule.like("si.%"),
                Alert.acknowledged_at.is_(None),
            )
        )
        or 0
    )


def acknowledge(db: Session, actor: Actor, alert_id: int, note: str) -> Alert:
    """A clinician acknowledges an alert; the note is required and audited."""
    require(actor, "clinician")
    a = db.scalar(select(Alert).where(Alert.id == alert_id, Alert.site_id == actor.site_id))
    if a is None:
        raise NotFoundError("alert", alert_id)
    if a.acknowledged_at is not None:
        raise RuleError("id", "alert.acknowledged", "already acknowledged", alert_id)
    a.acknowledged_at, a.acknowledged_by, a.note = utcnow(), actor.user_id, note
    record(db, actor, "acknowledge", "alert", a.id, patient_id=a.patient_id, reason=note)
    return a
