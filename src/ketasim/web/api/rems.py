"""The esketamine REMS Patient Monitoring Form of a session: read, answer, record its submission."""

from __future__ import annotations

from fastapi import APIRouter

from ketasim.store.crud import rems as crud
from ketasim.store.schemas import RemsFormPublic, RemsFormSubmit, RemsFormUpdate
from ketasim.web.api.common import ERRORS
from ketasim.web.deps import ActorDep, DbDep, IdPath, writers

router = APIRouter(tags=["rems"], responses=ERRORS, dependencies=[writers("clinician")])


@router.get("/sessions/{session_id}/rems-form")
def get_form(db: DbDep, actor: ActorDep, session_id: IdPath) -> RemsFormPublic:
    """The form as it would be submitted: the session's record, the answers, what is missing, the due date."""
    return crud.view_form(db, actor, session_id)


@router.put("/sessions/{session_id}/rems-form")
def update_form(db: DbDep, actor: ActorDep, session_id: IdPath, body: RemsFormUpdate) -> RemsFormPublic:
    """Stores the answers given (clinician); fields left out stay as they are, until submission."""
    return crud.update_form(db, actor, session_id, body)


@router.post("/sessions/{session_id}/rems-form/submit")
def submit_form(db: DbDep, actor: ActorDep, session_id: IdPath, body: RemsFormSubmit) -> RemsFormPublic:
    """Records that the complete form of a closed session was submitted, and its confirmation (clinician)."""
    return crud.submit_form(db, actor, session_id, body)
