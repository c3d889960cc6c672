"""The session page's REMS Patient Monitoring Form: answers saved and the submission recorded
through the API's own functions (decision 0029), answered as the session page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ketasim.store.crud import rems as crud
from ketasim.store.schemas import RemsFormSubmit, RemsFormUpdate
from ketasim.web.deps import DbDep, IdPath
from ketasim.web.pages.deps import FormListsDep, PageDep
from ketasim.web.pages.session import REMS_CLASSES as CLASSES
from ketasim.web.pages.session import REMS_QUESTIONS as QUESTIONS
from ketasim.web.pages.session import attempt, load_session, render_session

__all__ = ["CLASSES", "QUESTIONS", "router"]

router = APIRouter()

_YES_NO = {"yes": True, "no": False, "": None}


def _one(form: Mapping[str, list[str]], name: str) -> str:
    values = form.get(name) or [""]
    return values[-1].strip()


def _integer(raw: str) -> int | str | None:
    # ASCII digits become a number; anything else goes to the schema as typed, to be refused there
    return int(raw) if raw.isascii() and raw.isdigit() else (raw or None)


def form_input(form: Mapping[str, list[str]]) -> RemsFormUpdate:
    """The page's form as the API's answers: every field is sent, a blank one clears its answer."""
    data: dict[str, Any] = {}
    chosen = form.get("concomitant", [])
    if _one(form, "concomitant_none") == "on":
        data["concomitant"] = chosen  # "none of these" with a class ticked: the class wins, and says so
    else:
        data["concomitant"] = chosen or None
    data["ready_to_leave_min"] = _integer(_one(form, "ready_to_leave_min"))
    data["monitoring_provider_id"] = _integer(_one(form, "monitoring_provider_id"))
    for name, _ in QUESTIONS:
        raw = _one(form, name)
        data[name] = _YES_NO.get(raw, raw)
    return RemsFormUpdate.model_validate(data)


def _answer(
    request: Request, db: DbDep, signed: PageDep, session_id: int, step: str, errors: dict[str, str]
) -> HTMLResponse:
    s = load_session(db, signed, session_id)
    if errors:
        code = 200 if request.headers.get("HX-Request") else 422
        return render_session(request, db, signed, s, errors={step: errors}, status_code=code)
    return render_session(request, db, signed, s, saved=step)


@router.post("/sessions/{session_id}/rems-form", response_class=HTMLResponse)
def save_form(
    request: Request, form: FormListsDep, db: DbDep, signed: PageDep, session_id: IdPath
) -> HTMLResponse:
    """Saves the form's answers, or shows each refusal with its rule."""
    errors = attempt(db, lambda: crud.update_form(db, signed.actor, session_id, form_input(form)), keep=True)
    return _answer(request, db, signed, session_id, "rems", errors)


@router.post("/sessions/{session_id}/rems-form/submit", response_class=HTMLResponse)
def submit_form(
    request: Request, form: FormListsDep, db: DbDep, signed: PageDep, session_id: IdPath
) -> HTMLResponse:
    """Records the submission once the session is closed and every field is answered."""

    def submit() -> object:
        body = RemsFormSubmit(channel=_one(form, "channel"), confirmation=_one(form, "confirmation"))
        return crud.submit_form(db, signed.actor, session_id, body)

    errors = attempt(db, submit, keep=True)
    return _answer(request, db, signed, session_id, "rems_submit", errors)
