"""Treatment sessions: schedule, record, vitals, close."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from ketasim.store.crud import sessions as crud
from ketasim.store.crud.audit import record
from ketasim.store.schemas import Page, SessionCreate, SessionPublic, SessionUpdate, VitalCreate, VitalPublic
from ketasim.web.api.common import ERRORS
from ketasim.web.deps import ActorDep, DbDep, IdPath, IdQuery, PagingDep, writers

router = APIRouter(tags=["sessions"], responses=ERRORS, dependencies=[writers("clinician")])


@router.get("/sessions")
def list_sessions(
    db: DbDep,
    actor: ActorDep,
    page: PagingDep,
    patient_id: IdQuery = None,
    day: Annotated[date | None, Query(description="the site's calendar day")] = None,
) -> Page[SessionPublic]:
    """Sessions of the site, of one patient or one day."""
    rows, total = crud.list_sessions(
        db,
        actor,
        patient_id=patient_id,
        day=day.isoformat() if day else None,
        limit=page.limit,
        offset=page.offset,
    )
    items = [SessionPublic.model_validate(s) for s in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/patients/{patient_id}/sessions", status_code=201, responses={200: {"model": SessionPublic}})
def create_session(
    db: DbDep, actor: ActorDep, patient_id: IdPath, body: SessionCreate, response: Response
) -> SessionPublic:
    """Schedules a session after every safety rule passed; a repeated idempotency key answers 200."""
    s, new = crud.create_session(db, actor, patient_id, body)
    if not new:
        response.status_code = 200
    return SessionPublic.model_validate(s)


@router.get("/sessions/{session_id}")
def get_session(db: DbDep, actor: ActorDep, session_id: IdPath) -> SessionPublic:
    """One session."""
    s = crud.get_session(db, actor, session_id)
    record(db, actor, "read", "session", s.id, patient_id=s.patient_id)
    return SessionPublic.model_validate(s)


@router.patch("/sessions/{session_id}")
def update_session(db: DbDep, actor: ActorDep, session_id: IdPath, body: SessionUpdate) -> SessionPublic:
    """Records dose, devices, times and acute effects of an open session (clinician)."""
    return SessionPublic.model_validate(crud.update_session(db, actor, session_id, body))


@router.post("/sessions/{session_id}/vitals", status_code=201)
def add_vital(db: DbDep, actor: ActorDep, session_id: IdPath, body: VitalCreate) -> VitalPublic:
    """Adds vital signs; values out of the alert limits raise alerts (clinician)."""
    return VitalPublic.model_validate(crud.add_vital(db, actor, session_id, body))


@router.post("/sessions/{session_id}/close")
def close_session(db: DbDep, actor: ActorDep, session_id: IdPath) -> SessionPublic:
    """Closes (signs) a session once its record and monitoring are complete (clinician)."""
    return SessionPublic.model_validate(crud.close_session(db, actor, session_id))
