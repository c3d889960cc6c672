"""The actor behind a request and the append-only audit log."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketasim.store.errors import ForbiddenError
from ketasim.store.models import AuditEvent

__all__ = ["Actor", "list_events", "record", "require"]

ROLES = ("viewer", "clinician", "admin")


@dataclass(frozen=True)
class Actor:
    """Who acts: user, site, role and where the request came from."""

    user_id: int
    site_id: int
    role: str
    ip: str | None = None


def require(actor: Actor, *roles: str) -> None:
    """Refuses the action unless the actor holds one of ``roles``."""
    if actor.role not in roles:
        raise ForbiddenError(f"role {actor.role!r} may not do this (needs {' or '.join(roles)})")


def record(
    db: Session,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: int | None,
    *,
    patient_id: int | None = None,
    reason: str | None = None,
    site_id: int | None = None,
) -> None:
    """Appends an audit event in the caller's transaction, so it commits with the change or not at all."""
    db.add(
        AuditEvent(
            site_id=actor.site_id if actor else site_id,
            actor_id=actor.user_id if actor else None,
            role=actor.role if actor else None,
            action=action,
            entity=entity,
            entity_id=entity_id,
            patient_id=patient_id,
            reason=reason,
            source_ip=actor.ip if actor else None,
        )
    )


def list_events(
    db: Session, actor: Actor, *, patient_id: int | None, limit: int, offset: int
) -> tuple[list[AuditEvent], int]:
    """A page of the site's audit log, newest first (admins only)."""
    require(actor, "admin")
    q = select(AuditEvent).where(AuditEvent.site_id == actor.site_id)
    if patient_id is not None:
        q = q.where(AuditEvent.patient_id == patient_id)
    total = db.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = db.scalars(q.order_by(AuditEvent.id.desc()).limit(limit).offset(offset)).all()
    return list(rows), total
