"""The session page: a clinician runs one treatment session from check-in to close.

Each step is a small form. On every change the step is tried against the same crud
and rule functions the API uses, inside a savepoint that is rolled back (a dry run),
so a rule shows in the page before anything is saved; saving runs them again and
keeps the change. Nothing here restates a rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketasim.store.crud import alerts as alerts_crud
from ketasim.store.crud import patients as patients_crud
from ketasim.store.crud import rems as rems_crud
from ketasim.store.crud import sessions as crud
from ketasim.store.crud.audit import record
from ketasim.store.errors import RuleError
from ketasim.store.models import ScaleAdministration, Site, TreatmentSession, User
from ketasim.store.rules import check_close
from ketasim.store.scales import INSTRUMENTS
from ketasim.store.schemas import SessionUpdate, VitalCreate
from ketasim.web.deps import DbDep, IdPath
from ketasim.web.pages.clinic import chart_forecast
from ketasim.web.pages.deps import FormDep, PageDep
from ketasim.web.pages.forms import errors_of, local_input, local_time
from ketasim.web.templating import render

router = APIRouter()


@dataclass(frozen=True)
class Step:
    """One form of the session page: the session fields it sets and its check-boxes."""

    title: str
    fields: tuple[str, ...]
    booleans: tuple[str, ...] = ()
    devices: bool = False


STEPS: Mapping[str, Step] = {
    "checkin": Step(
        "Check-in", ("arrival_at",), ("consent_on_file", "fasting_confirmed", "transport_confirmed")
    ),
    "dose": Step(
        "Dosing",
        (
            "dose_mg",
            "lot",
            "lot_expiry",
            "weight_kg",
            "weight_measured_on",
            "mg_per_kg",
            "infusion_min",
            "dose_start_at",
            "dose_end_at",
        ),
        devices=True,
    ),
    "effects": Step(
        "Dissociation and sedation", ("cadss", "moaas_min", "adverse_events"), ("pulse_oximetry",)
    ),
    "discharge": Step("Discharge", ("monitoring_end_at", "discharge_at"), ("discharge_ready",)),
}
POINTS = {"pre_dose": "Before dosing", "at_40min": "At 40 minutes", "discharge": "At discharge"}
#: The REMS monitoring form's yes/no questions, as the page asks them.
REMS_QUESTIONS = (
    ("vitals_acceptable_pre", "Vital signs acceptable before the dose"),
    ("vitals_acceptable_end", "Vital signs acceptable at the end of monitoring"),
    ("sedation", "Sedation"),
    ("dissociation", "Dissociation"),
    ("respiratory_depression", "Respiratory depression"),
    ("serious_adverse_event", "A serious adverse event"),
)
#: The concomitant medicine classes the form asks about.
REMS_CLASSES = (
    ("benzodiazepine", "benzodiazepines"),
    ("non_benzodiazepine_hypnotic", "non-benzodiazepine hypnotics"),
    ("opioid", "opioids"),
    ("psychostimulant", "psychostimulants"),
    ("maoi", "MAOIs"),
)
#: The vitals forms are steps too, one per time point.
VITAL_STEPS = {f"vitals_{p}": p for p in POINTS}
VITAL_FIELDS = ("measured_at", "sbp", "dbp", "hr", "spo2", "rr")
DEVICES = (1, 2, 3)


def _given(form: Mapping[str, Any], name: str) -> bool:
    return form.get(name) not in ("", None)


def step_input(form: Mapping[str, Any], step: Step, s: TreatmentSession, tz: str) -> SessionUpdate:
    """The step's form as the API's update: clinic-local times carry the site's zone."""
    data: dict[str, Any] = {}
    for name in step.fields:
        if _given(form, name):
            value = form[name]
            data[name] = local_time(value, tz) if name.endswith("_at") else value
    for name in step.booleans:
        data[name] = form.get(name) in ("on", "true", "1")
    if step.devices and s.drug == "esketamine":
        times = [local_time(form[f"device_{k}"], tz) for k in DEVICES if _given(form, f"device_{k}")]
        data["devices"] = [{"given_at": t} for t in times]
        if times:
            # For the nasal spray the dose runs from the first device to the last.
            data.setdefault("dose_start_at", times[0])
            data.setdefault("dose_end_at", times[-1])
    return SessionUpdate.model_validate(data)


def vital_input(form: Mapping[str, Any], point: str, tz: str) -> VitalCreate:
    """A vitals form as the API's vital signs (empty optional fields left out)."""
    data: dict[str, Any] = {"point": point}
    for name in VITAL_FIELDS:
        if _given(form, name):
            data[name] = local_time(form[name], tz) if name == "measured_at" else form[name]
    return VitalCreate.model_validate(data)


def attempt(db: Session, action: Callable[[], object], *, keep: bool) -> dict[str, str]:
    """Runs ``action`` in a savepoint; keeps it only when asked and every rule passed."""
    savepoint = db.begin_nested()
    try:
        action()
        db.flush()
    except (ValidationError, RuleError) as err:
        savepoint.rollback()
        return errors_of(err)
    if keep:
        savepoint.commit()
    else:
        savepoint.rollback()
    return {}


def _try_step(
    db: Session, signed: PageDep, s: TreatmentSession, step: str, form: Mapping[str, Any], *, keep: bool
) -> dict[str, str]:
    tz = db.get_one(Site, signed.actor.site_id).timezone
    try:
        if step in STEPS:
            update = step_input(form, STEPS[step], s, tz)
            return attempt(db, lambda: crud.update_session(db, signed.actor, s.id, update), keep=keep)
        vital = vital_input(form, VITAL_STEPS[step], tz)
        return attempt(db, lambda: crud.add_vital(db, signed.actor, s.id, vital), keep=keep)
    except ValidationError as err:
        return errors_of(err)


def _values(s: TreatmentSession, tz: str) -> dict[str, str]:
    """The session's recorded fields as form values (times in the clinic's zone)."""
    out: dict[str, str] = {}
    for step in STEPS.values():
        for name in step.fields:
            v = getattr(s, name)
            if v is None:
                out[name] = ""
            elif isinstance(v, datetime):
                out[name] = local_input(v, tz)
            elif isinstance(v, float):
                out[name] = f"{v:g}"
            else:
                out[name] = str(v)
        for name in step.booleans:
            out[name] = "on" if getattr(s, name) else ""
    for k in DEVICES:
        out[f"device_{k}"] = local_input(s.devices[k - 1].given_at, tz) if len(s.devices) >= k else ""
    return out


def _clock(site: Site, s: TreatmentSession) -> dict[str, Any]:
    """The monitoring clock: its start and the due times of the timed steps."""
    first = s.devices[0].given_at if s.devices else s.dose_start_at
    if first is None:
        return {"start": None}
    lo, hi = site.bp40_window_min
    at40 = [round((v.measured_at - first).total_seconds() / 60) for v in s.vitals if v.point == "at_40min"]
    due: list[dict[str, Any]] = [
        {
            "what": f"BP at 40 min ({lo}-{hi} min after the first device)",
            "from": first + timedelta(minutes=lo),
            "until": first + timedelta(minutes=hi),
            "done": any(lo <= m <= hi for m in at40),
        }
    ]
    if s.drug == "esketamine":
        due.append(
            {
                "what": "end of monitoring, at least 120 min after the first device",
                "from": first + timedelta(minutes=120),
                "until": None,
                "done": (s.monitoring_min or 0) >= 120,
            }
        )
    elif s.infusion_min:
        due.append(
            {
                "what": f"end of the {s.infusion_min:g}-min infusion",
                "from": first + timedelta(minutes=s.infusion_min),
                "until": None,
                "done": s.dose_end_at is not None,
            }
        )
    return {"start": first, "due": due}


def render_session(
    request: Request,
    db: Session,
    signed: PageDep,
    s: TreatmentSession,
    *,
    errors: Mapping[str, Mapping[str, str]] | None = None,
    form: Mapping[str, Any] | None = None,
    step: str | None = None,
    saved: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    site = db.get_one(Site, signed.actor.site_id)
    patient = patients_crud.get_patient(db, signed.actor, s.patient_id, audit=False)
    values = _values(s, site.timezone)
    if form is not None and step is not None and step in STEPS:
        values.update({k: str(v) for k, v in form.items() if k != "csrf_token"})
        for name in STEPS[step].booleans:
            values[name] = "on" if form.get(name) else ""
    vital_form = {k: str(v) for k, v in form.items()} if form is not None and step in VITAL_STEPS else {}
    readiness: RuleError | None = None
    if s.status not in ("closed", "cancelled", "imported"):
        try:
            check_close(site, s)
        except RuleError as err:
            readiness = err
    vital_ids = {v.id for v in s.vitals}
    open_alerts, _ = alerts_crud.list_alerts(
        db, signed.actor, open_only=True, patient_id=s.patient_id, limit=200, offset=0
    )
    scales = db.scalars(
        select(ScaleAdministration)
        .where(ScaleAdministration.session_id == s.id, ScaleAdministration.site_id == s.site_id)
        .order_by(ScaleAdministration.administered_at)
    ).all()
    name = "_session_body.html" if request.headers.get("HX-Request") else "session.html"
    rems, provider = None, None
    if s.drug == "esketamine" and s.status != "cancelled":
        form_row = rems_crud.form_of(db, s)
        rems = rems_crud.describe(db, signed.actor, site, s, form_row)
        provider = form_row.monitoring_provider_id if form_row else None
    clinicians = db.scalars(
        select(User)
        .where(User.site_id == s.site_id, User.role == "clinician", User.active)
        .order_by(User.name)
    ).all()
    return render(
        request,
        name,
        signed,
        status_code=status_code,
        s=s,
        patient=patient,
        site=site,
        tz=site.timezone,
        now=datetime.now(ZoneInfo(site.timezone)),
        values=values,
        vital_form=vital_form,
        errors=errors or {},
        step=step,
        saved=saved,
        readiness=readiness,
        clock=_clock(site, s),
        screens=_screens(site, patient, s, open_alerts),
        session_alerts=[a for a in open_alerts if a.source_kind == "vital" and a.source_id in vital_ids],
        scales=scales,
        instruments=INSTRUMENTS,
        points=POINTS,
        steps=STEPS,
        editable=s.status in ("scheduled", "in_progress") and signed.user.role == "clinician",
        rems=rems,
        rems_provider=provider,
        rems_questions=REMS_QUESTIONS,
        rems_classes=REMS_CLASSES,
        clinicians=clinicians,
    )


def _screens(site: Site, patient: Any, s: TreatmentSession, open_alerts: list[Any]) -> list[dict[str, Any]]:
    """The check-in screens: what scheduling refused on, as the record stands now."""
    unresolved = [c.kind for c in patient.contraindications if c.resolved_at is None]
    si = [a for a in open_alerts if a.source_kind == "scale"]
    out = [
        {"what": "contraindications", "ok": not unresolved, "detail": ", ".join(unresolved) or "none"},
        {
            "what": "pregnancy",
            "ok": not patient.pregnancy_positive,
            "detail": "positive: confirm the clinician's decision before dosing"
            if patient.pregnancy_positive
            else "not positive",
        },
        {"what": "open suicidal-ideation alerts", "ok": not si, "detail": f"{len(si)} open"},
    ]
    if s.drug == "esketamine":
        out.append(
            {
                "what": "REMS",
                "ok": site.rems_certified and patient.rems_enrolled,
                "detail": ("site certified" if site.rems_certified else "site NOT certified")
                + ", "
                + ("patient enrolled" if patient.rems_enrolled else "patient NOT enrolled"),
            }
        )
    return out


def load_session(db: Session, signed: PageDep, session_id: int) -> TreatmentSession:
    db.expire_all()  # a savepoint may have changed the rows since they were loaded
    return crud.get_session(db, signed.actor, session_id)


@router.get("/sessions/{session_id}", response_class=HTMLResponse)
def session_page(request: Request, db: DbDep, signed: PageDep, session_id: IdPath) -> HTMLResponse:
    """The session page: check-in, vitals, dosing, monitoring, discharge and close."""
    s = load_session(db, signed, session_id)
    record(db, signed.actor, "read", "session", s.id, patient_id=s.patient_id)
    return render_session(request, db, signed, s)


def _known(step: str) -> None:
    if step not in STEPS and step not in VITAL_STEPS:
        raise RuleError("step", "page.step", f"one of {', '.join([*STEPS, *VITAL_STEPS])}", step)


@router.post("/ui/sessions/{session_id}/steps/{step}/check", response_class=HTMLResponse)
def step_check(
    request: Request, form: FormDep, db: DbDep, signed: PageDep, session_id: IdPath, step: str
) -> HTMLResponse:
    """Tries a step against every rule without saving it; answers the step's error list."""
    _known(step)
    s = load_session(db, signed, session_id)
    errors = _try_step(db, signed, s, step, form, keep=False)
    return render(request, "_step_errors.html", signed, step=step, step_errors=errors)


@router.post("/sessions/{session_id}/steps/{step}", response_class=HTMLResponse)
def step_save(
    request: Request, form: FormDep, db: DbDep, signed: PageDep, session_id: IdPath, step: str
) -> HTMLResponse:
    """Saves a step if every rule passes; otherwise shows the step with each refusal."""
    _known(step)
    s = load_session(db, signed, session_id)
    errors = _try_step(db, signed, s, step, form, keep=True)
    s = load_session(db, signed, session_id)
    if errors:
        # HTMX swaps only 2xx answers: the fragment carries the errors; a plain form post gets 422.
        code = 200 if request.headers.get("HX-Request") else 422
        return render_session(
            request, db, signed, s, errors={step: errors}, form=form, step=step, status_code=code
        )
    return render_session(request, db, signed, s, saved=step)


@router.post("/sessions/{session_id}/close", response_class=HTMLResponse)
def close(request: Request, db: DbDep, signed: PageDep, session_id: IdPath) -> HTMLResponse:
    """Closes (signs) the session once every closing rule passes."""
    s = load_session(db, signed, session_id)
    errors = attempt(db, lambda: crud.close_session(db, signed.actor, s.id), keep=True)
    s = load_session(db, signed, session_id)
    if errors:
        code = 200 if request.headers.get("HX-Request") else 422
        return render_session(
            request, db, signed, s, errors={"close": errors}, step="close", status_code=code
        )
    return render_session(request, db, signed, s, saved="close")


@router.get("/sessions/{session_id}/note", response_class=HTMLResponse)
def visit_note(
    request: Request,
    db: DbDep,
    signed: PageDep,
    session_id: IdPath,
    download: Annotated[bool, Query(description="as an HTML file to keep")] = False,
) -> HTMLResponse:
    """The printable visit note: session, vitals, scores, alerts, and the forecast as a suggestion."""
    s = load_session(db, signed, session_id)
    site = db.get_one(Site, signed.actor.site_id)
    patient = patients_crud.get_patient(db, signed.actor, s.patient_id, audit=False)
    alerts, _ = alerts_crud.list_alerts(
        db, signed.actor, open_only=False, patient_id=s.patient_id, limit=50, offset=0
    )
    scales = db.scalars(
        select(ScaleAdministration)
        .where(ScaleAdministration.session_id == s.id, ScaleAdministration.site_id == s.site_id)
        .order_by(ScaleAdministration.administered_at)
    ).all()
    users = {u.id: u.name for u in db.scalars(select(User).where(User.site_id == site.id))}
    record(db, signed.actor, "export" if download else "print", "session", s.id, patient_id=s.patient_id)
    response = render(
        request,
        "note.html",
        signed,
        s=s,
        patient=patient,
        site=site,
        tz=site.timezone,
        alerts=alerts,
        scales=scales,
        users=users,
        instruments=INSTRUMENTS,
        points=POINTS,
        forecast=chart_forecast(request, db, signed, s.patient_id),
        printed=datetime.now(ZoneInfo(site.timezone)),
        rems=rems_crud.describe(db, signed.actor, site, s, rems_crud.form_of(db, s))
        if s.drug == "esketamine" and s.status != "cancelled"
        else None,
    )
    if download:
        response.headers["Content-Disposition"] = f'attachment; filename="visit-note-session-{s.id}.html"'
    return response
