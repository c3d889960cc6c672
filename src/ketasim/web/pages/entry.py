"""Entering a session and a scale, item by item, with instant validation (HTMX fragments)."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from ketasim.store.crud import patients as patients_crud
from ketasim.store.crud import scales as scales_crud
from ketasim.store.crud import sessions as sessions_crud
from ketasim.store.crud.alerts import list_alerts
from ketasim.store.errors import RuleError
from ketasim.store.models import Site, User
from ketasim.store.scales import INSTRUMENTS
from ketasim.store.schemas import ScaleCreate, SessionCreate
from ketasim.web.deps import DbDep, IdPath, IdQuery
from ketasim.web.pages.deps import FormDep, PageDep
from ketasim.web.pages.forms import errors_of, local_input, local_time
from ketasim.web.templating import render

router = APIRouter()
ASCII_INT = re.compile(r"[0-9]{1,3}")
SESSION_FIELDS = ("course_id", "scheduled_at", "dose_mg", "lot", "lot_expiry", "override_reason")


def _session_input(form: dict[str, Any], tz: str) -> SessionCreate:
    data = {k: v for k, v in form.items() if k in SESSION_FIELDS and v not in ("", None)}
    if "scheduled_at" in data:
        # datetime-local carries no zone: it is the clinic's local time.
        with contextlib.suppress(ValueError):
            local = datetime.fromisoformat(str(data["scheduled_at"]))
            data["scheduled_at"] = local.replace(tzinfo=ZoneInfo(tz))
    return SessionCreate.model_validate(data)


@router.get("/patients/{patient_id}/sessions/new", response_class=HTMLResponse)
def session_form(request: Request, db: DbDep, signed: PageDep, patient_id: IdPath) -> HTMLResponse:
    """The form to schedule and record a session."""
    p = patients_crud.get_patient(db, signed.actor, patient_id)
    courses = [c for c in patients_crud.list_courses(db, signed.actor, p.id) if c.status == "active"]
    return render(request, "session_form.html", signed, patient=p, courses=courses, errors={}, values={})


@router.post("/ui/patients/{patient_id}/sessions/validate", response_class=HTMLResponse)
def session_validate(
    request: Request, form: FormDep, db: DbDep, signed: PageDep, patient_id: IdPath
) -> HTMLResponse:
    """Checks the form's fields as they are typed; answers the error list fragment."""
    tz = db.get_one(Site, signed.actor.site_id).timezone
    errors: dict[str, str] = {}
    try:
        _session_input(form, tz)
    except ValidationError as err:
        errors = {k: v for k, v in errors_of(err).items() if form.get(k) not in ("", None)}
    return render(request, "_errors.html", signed, errors=errors)


@router.post("/patients/{patient_id}/sessions/new", response_model=None)
def session_create(
    request: Request, form: FormDep, db: DbDep, signed: PageDep, patient_id: IdPath
) -> Response:
    """Schedules the session if every rule passes; otherwise shows the form with each refusal."""
    p = patients_crud.get_patient(db, signed.actor, patient_id)
    tz = db.get_one(Site, signed.actor.site_id).timezone
    try:
        data = _session_input(form, tz)
        with db.begin_nested():
            s, _ = sessions_crud.create_session(db, signed.actor, p.id, data)
    except (ValidationError, RuleError) as err:
        courses = [c for c in patients_crud.list_courses(db, signed.actor, p.id) if c.status == "active"]
        return render(
            request,
            "session_form.html",
            signed,
            status_code=422,
            patient=p,
            courses=courses,
            errors=errors_of(err),
            values=form,
        )
    return RedirectResponse(f"/patients/{p.id}?session={s.id}", status_code=303)


def _scale_form(
    request: Request,
    db: DbDep,
    signed: PageDep,
    patient_id: int,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    p = patients_crud.get_patient(db, signed.actor, patient_id)
    site = db.get_one(Site, signed.actor.site_id)
    sessions, _ = sessions_crud.list_sessions(
        db, signed.actor, patient_id=p.id, day=None, limit=200, offset=0, vitals=False, newest_first=True
    )
    raters = db.scalars(
        select(User).where(User.site_id == site.id, User.role == "clinician", User.active).order_by(User.name)
    ).all()
    return render(
        request,
        "scale_new.html",
        signed,
        status_code=status_code,
        patient=p,
        tz=site.timezone,
        sessions=[s for s in sessions if s.status != "cancelled"],
        raters=raters,
        instruments=INSTRUMENTS,
        values=values,
        errors=errors,
    )


@router.get("/patients/{patient_id}/scales/new", response_class=HTMLResponse)
def scale_new(
    request: Request, db: DbDep, signed: PageDep, patient_id: IdPath, session_id: IdQuery = None
) -> HTMLResponse:
    """The form for a score given earlier: when, by whom, for which session."""
    tz = db.get_one(Site, signed.actor.site_id).timezone
    values = {
        "administered_at": local_input(datetime.now(UTC), tz),
        "rater_id": str(signed.user.id),
        "session_id": str(session_id or ""),
        "instrument": "madrs",
    }
    return _scale_form(request, db, signed, patient_id, values, {})


def _scale_input(form: dict[str, Any], tz: str) -> ScaleCreate:
    instrument = str(form.get("instrument", ""))
    data: dict[str, Any] = {
        "instrument": instrument,
        "administered_at": local_time(form["administered_at"], tz)
        if form.get("administered_at")
        else datetime.now(UTC),
        "mode": str(form.get("mode") or ("clinician" if instrument in ("madrs", "cssrs") else "self")),
    }
    for name in ("rater_id", "session_id", "recall"):
        if form.get(name) not in ("", None):
            data[name] = form[name]
    return ScaleCreate.model_validate(data)


@router.post("/patients/{patient_id}/scales/new", response_model=None)
def scale_create(request: Request, form: FormDep, db: DbDep, signed: PageDep, patient_id: IdPath) -> Response:
    """Opens an administration (now, or at the time given) to fill item by item."""
    p = patients_crud.get_patient(db, signed.actor, patient_id)
    tz = db.get_one(Site, signed.actor.site_id).timezone
    try:
        data = _scale_input(form, tz)
        with db.begin_nested():
            a, _ = scales_crud.create_scale(db, signed.actor, p.id, data)
    except (ValidationError, RuleError) as err:
        values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
        return _scale_form(request, db, signed, p.id, values, errors_of(err), 422)
    return RedirectResponse(f"/scales/{a.id}", status_code=303)


@router.get("/scales/{scale_id}", response_class=HTMLResponse)
def scale_page(request: Request, db: DbDep, signed: PageDep, scale_id: IdPath) -> HTMLResponse:
    """The item-by-item entry page, beside the patient's chart."""
    a = scales_crud.get_scale(db, signed.actor, scale_id)
    p = patients_crud.get_patient(db, signed.actor, a.patient_id)
    return render(
        request,
        "scale_entry.html",
        signed,
        scale=a,
        patient=p,
        tz=db.get_one(Site, signed.actor.site_id).timezone,
        rater=db.get(User, a.rater_id) if a.rater_id else None,
        ins=INSTRUMENTS[a.instrument],
        values={i.item_no: i.value for i in a.items},
        error=None,
        alerts=[],
    )


@router.put("/ui/scales/{scale_id}/items/{item_no}", response_class=HTMLResponse)
def scale_item(
    request: Request, form: FormDep, db: DbDep, signed: PageDep, scale_id: IdPath, item_no: int
) -> HTMLResponse:
    """Saves one item and answers the running total, band and any alert raised (HTMX fragment)."""
    raw = form.get(f"item{item_no}", "")
    error = None
    # ASCII digits only: int() would also take "３", "٣", "+3" and " 3".
    text = str(raw)
    if ASCII_INT.fullmatch(text):
        value = int(text)
    else:
        value, error = None, f"item {item_no}: a whole number is required (received {text[:20]!r})"
    if value is not None:
        try:
            with db.begin_nested():
                scales_crud.set_item(db, signed.actor, scale_id, item_no, value)
        except RuleError as err:
            error = f"{err.rule} (rule {err.code}; received {err.received!r})"
    a = scales_crud.get_scale(db, signed.actor, scale_id)
    db.expire(a)
    a = scales_crud.get_scale(db, signed.actor, scale_id)
    alerts = [
        x
        for x in list_alerts(db, signed.actor, open_only=True, patient_id=a.patient_id, limit=50, offset=0)[0]
        if x.source_kind == "scale" and x.source_id == a.id
    ]
    response = render(
        request,
        "_scale_status.html",
        signed,
        scale=a,
        ins=INSTRUMENTS[a.instrument],
        error=error,
        alerts=alerts,
    )
    if a.total is not None:
        response.headers["HX-Trigger"] = "chart-refresh"
    return response
