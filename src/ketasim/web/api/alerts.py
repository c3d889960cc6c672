"""The alerts inbox."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ketasim.store.crud import alerts as crud
from ketasim.store.schemas import AlertAcknowledge, AlertPublic, Page
from ketasim.web.api.common import ERRORS
from ketasim.web.deps import ActorDep, DbDep, IdPath, IdQuery, PagingDep, writers

router = APIRouter(tags=["alerts"], responses=ERRORS, dependencies=[writers("clinician")])


@router.get("/alerts")
def list_alerts(
    db: DbDep,
    actor: ActorDep,
    page: PagingDep,
    open_only: Annotated[bool, Query(alias="open")] = True,
    patient_id: IdQuery = None,
) -> Page[AlertPublic]:
    """The site's alerts, newest first (open ones by default)."""
    rows, total = crud.list_alerts(
        db, actor, open_only=open_only, patient_id=patient_id, limit=page.limit, offset=page.offset
    )
    items = [AlertPublic.model_validate(a) for a in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge(db: DbDep, actor: ActorDep, alert_id: IdPath, body: AlertAcknowledge) -> AlertPublic:
    """Acknowledges an alert with a required note (clinician only)."""
    return AlertPublic.model_validate(crud.acknowledge(db, actor, alert_id, body.note))
