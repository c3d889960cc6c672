"""The alerts inbox: open alerts, acknowledged only by a clinician with a note."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from ketasim.store.crud import alerts as crud
from ketasim.store.errors import ForbiddenError, RuleError
from ketasim.store.models import Patient
from ketasim.store.schemas import AlertAcknowledge
from ketasim.web.deps import DbDep, IdPath
from ketasim.web.pages.deps import PageDep
from ketasim.web.templating import render

router = APIRouter()


def _inbox(
    request: Request, db: DbDep, signed: PageDep, status_code: int = 200, error: str | None = None
) -> HTMLResponse:
    rows, _ = crud.list_alerts(db, signed.actor, open_only=True, patient_id=None, limit=200, offset=0)
    names = {p.id: p.name for p in db.query(Patient).filter(Patient.id.in_({a.patient_id for a in rows}))}
    return render(
        request, "alerts.html", signed, status_code=status_code, alerts=rows, names=names, error=error
    )


@router.get("/alerts", response_class=HTMLResponse)
def inbox(request: Request, db: DbDep, signed: PageDep) -> HTMLResponse:
    """Open alerts, newest first."""
    return _inbox(request, db, signed)


@router.post("/alerts/{alert_id}/acknowledge", response_model=None)
def acknowledge(
    request: Request,
    db: DbDep,
    signed: PageDep,
    alert_id: IdPath,
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Acknowledges an alert with the clinician's note."""
    try:
        body = AlertAcknowledge(note=note.strip())
        with db.begin_nested():
            crud.acknowledge(db, signed.actor, alert_id, body.note)
    except ValidationError:
        return _inbox(
            request, db, signed, 422, "A note of at least 3 characters is required to acknowledge an alert."
        )
    except RuleError as err:
        return _inbox(request, db, signed, 422, f"{err.rule} (rule {err.code})")
    except ForbiddenError:
        return _inbox(request, db, signed, 403, "Only a clinician can acknowledge an alert.")
    return RedirectResponse("/alerts", status_code=303)
