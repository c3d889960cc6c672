"""Today's schedule, the patient list and the patient page with its chart."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from ketasim.store.crud import alerts as alerts_crud
from ketasim.store.crud import patients as patients_crud
from ketasim.store.crud import records as records_crud
from ketasim.store.crud import rems as rems_crud
from ketasim.store.crud import scales as scales_crud
from ketasim.store.crud import sessions as sessions_crud
from ketasim.store.crud.overview import next_action, patient_glance
from ketasim.store.errors import RuleError
from ketasim.store.models import Patient, Site, User
from ketasim.store.scales import INSTRUMENTS
from ketasim.store.schemas import PatientSearch
from ketasim.web.deps import DbDep, IdPath, no_phi_in_query
from ketasim.web.forecast_cache import ForecastCache, record_version
from ketasim.web.model_bridge import FORECAST_SCALES, patient_forecast
from ketasim.web.pages.deps import FormDep, PageDep
from ketasim.web.templating import render

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def today(
    request: Request,
    db: DbDep,
    signed: PageDep,
    day: Annotated[date | None, Query(description="the site's calendar day")] = None,
) -> HTMLResponse:
    """The site's sessions of one clinic day (today unless picked), in the site's time zone."""
    site = db.get_one(Site, signed.actor.site_id)
    now = datetime.now(ZoneInfo(site.timezone))
    day = day or now.date()
    rows, _ = sessions_crud.list_sessions(
        db, signed.actor, patient_id=None, day=day.isoformat(), limit=200, offset=0
    )
    due, older_due = rems_crud.forms_due(db, signed.actor)
    wanted = {s.patient_id for s in rows} | {s.patient_id for s, _ in due}
    names = {p.id: p.name for p in db.query(Patient).filter(Patient.id.in_(wanted))}
    return render(
        request,
        "today.html",
        signed,
        sessions=rows,
        names=names,
        day=day,
        today=now.date(),
        previous=day - timedelta(days=1),
        following=day + timedelta(days=1),
        site=site,
        actions={s.id: next_action(site, s) for s in rows},
        rems_due=due,
        rems_older=older_due,
        rems_days=rems_crud.LISTED_DAYS,
    )


#: The patient list's search term travels in the form body; a URL carrying one is refused.
NO_PHI_IN_URL = [Depends(no_phi_in_query("q", "name", "mrn", "birth_date"))]
#: How the patient list sorts (the column's key; missing values last).
Sort = Literal["name", "latest", "alerts", "rems"]
SORTS = ("name", "latest", "alerts", "rems")


def _patient_list(
    request: Request,
    db: DbDep,
    signed: PageDep,
    q: str | None,
    sort: str,
    only_alerts: bool,
    status_code: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    rows, total = patients_crud.list_patients(db, signed.actor, q=q, limit=200, offset=0)
    glance = patient_glance(db, signed.actor, rows)
    if only_alerts:
        rows = [p for p in rows if glance[p.id].open_alerts]
    if sort == "latest":
        rows.sort(key=lambda p: glance[p.id].latest_at or datetime.min.replace(tzinfo=UTC), reverse=True)
    elif sort == "alerts":
        rows.sort(key=lambda p: -glance[p.id].open_alerts)
    elif sort == "rems":
        rows.sort(key=lambda p: (not glance[p.id].esketamine, glance[p.id].rems_enrolled))
    site = db.get_one(Site, signed.actor.site_id)
    return render(
        request,
        "patients.html",
        signed,
        status_code,
        patients=rows,
        total=total,
        q=q or "",
        error=error,
        glance=glance,
        sort=sort if sort in SORTS else "name",
        only_alerts=only_alerts,
        tz=site.timezone,
        site=site,
    )


@router.get("/patients", response_class=HTMLResponse, dependencies=NO_PHI_IN_URL)
def patients(
    request: Request,
    db: DbDep,
    signed: PageDep,
    sort: Annotated[Sort, Query(description="the column to sort by")] = "name",
    alerts: Annotated[bool, Query(description="only patients with open alerts")] = False,
) -> HTMLResponse:
    """The site's patients with their latest score, open alerts, REMS status and booster suggestion."""
    return _patient_list(request, db, signed, None, sort, alerts)


@router.post("/patients", response_class=HTMLResponse, dependencies=NO_PHI_IN_URL)
def search_patients(request: Request, form: FormDep, db: DbDep, signed: PageDep) -> HTMLResponse:
    """The patient list filtered by a term sent in the form body (never in the URL)."""
    sort = str(form.get("sort", "name"))
    sort = sort if sort in SORTS else "name"
    only = form.get("alerts") in ("on", "1", "true")
    try:
        q = PatientSearch(q=str(form.get("q", ""))).q
    except ValidationError as err:
        message = "; ".join(e["msg"] for e in err.errors())
        return _patient_list(request, db, signed, None, sort, only, 422, message)
    return _patient_list(request, db, signed, q, sort, only)


@router.get("/patients/{patient_id}", response_class=HTMLResponse)
def patient(request: Request, db: DbDep, signed: PageDep, patient_id: IdPath) -> HTMLResponse:
    """The patient page: details, flags, courses, sessions and observed scores."""
    p = patients_crud.get_patient(db, signed.actor, patient_id)
    courses = patients_crud.list_courses(db, signed.actor, patient_id)
    newest, _ = sessions_crud.list_sessions(
        db, signed.actor, patient_id=p.id, day=None, limit=200, offset=0, vitals=False, newest_first=True
    )
    sessions = list(reversed(newest))
    scales, _ = scales_crud.list_scales(
        db, signed.actor, p.id, instrument=None, limit=200, offset=0, items=False
    )
    alerts, _ = alerts_crud.list_alerts(db, signed.actor, open_only=True, patient_id=p.id, limit=50, offset=0)
    every, _ = alerts_crud.list_alerts(db, signed.actor, open_only=False, patient_id=p.id, limit=50, offset=0)
    users = {u.id: u.name for u in db.query(User).filter(User.site_id == signed.actor.site_id)}
    return render(
        request,
        "patient.html",
        signed,
        patient=p,
        courses=courses,
        sessions=sessions,
        scales=scales,
        alerts=alerts,
        acknowledged=[a for a in every if a.acknowledged_at is not None],
        users=users,
        instruments=INSTRUMENTS,
        tz=db.get_one(Site, signed.actor.site_id).timezone,
    )


#: The scale a clinician may pick for the chart's forecast band.
ForecastScale = Literal["madrs", "qids_sr16", "phq9"]


@router.get("/ui/patients/{patient_id}/chart.json")
def chart(
    request: Request,
    db: DbDep,
    signed: PageDep,
    patient_id: IdPath,
    scale: Annotated[
        ForecastScale | None, Query(description="the forecast's scale (default: the MADRS when recorded)")
    ] = None,
) -> dict[str, Any]:
    """Observed scores on their own scales, the session times and the forecast, for the patient chart."""
    p = patients_crud.get_patient(db, signed.actor, patient_id)
    scales, _ = scales_crud.list_scales(
        db, signed.actor, p.id, instrument=None, limit=200, offset=0, items=False
    )
    sessions, _ = sessions_crud.list_sessions(
        db, signed.actor, patient_id=p.id, day=None, limit=200, offset=0, vitals=False, newest_first=True
    )
    series: dict[str, dict[str, list[Any]]] = {}
    for a in reversed(scales):  # the newest 200, drawn in time order
        if a.total is None or a.instrument == "cssrs":
            continue
        s = series.setdefault(a.instrument, {"x": [], "y": [], "max": [INSTRUMENTS[a.instrument].total_max]})
        s["x"].append(a.administered_at.isoformat())
        s["y"].append(a.total)
    return {
        "series": {INSTRUMENTS[k].label: v for k, v in series.items()},
        "forecast": chart_forecast(request, db, signed, p.id, scale),
        "scales": {k: INSTRUMENTS[k].label for k in FORECAST_SCALES},
        "now": datetime.now(UTC).isoformat(),
        "sessions": [
            {
                "x": (s.dose_start_at or s.scheduled_at).isoformat(),
                "label": f"{s.drug} {s.dose_mg:g} mg" if s.dose_mg else f"{s.drug} (dose not recorded)",
                "status": s.status,
            }
            for s in sessions
            if s.status != "cancelled"
        ],
    }


def chart_forecast(
    request: Request, db: DbDep, signed: PageDep, patient_id: int, scale: str | None = None
) -> dict[str, Any]:
    """The patient's forecast for the chart, or why there is none (never an error on the page).

    Computed once per version of the record, calibrated set and hour, then served from the
    app's cache (decision 0032); a refusal is cached alike, so a record the fit refuses does not
    cost a fit on every view.
    """
    try:
        record = records_crud.export_record(db, signed.actor, patient_id, audit=False)
    except RuleError as err:
        return {"available": False, "reason": err.rule}
    # the forecast starts at the hour: within the hour every view shares one computation
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)

    def compute() -> dict[str, Any]:
        try:
            fc = patient_forecast(record, now=start, scale=scale)
        except RuleError as err:
            return {"available": False, "reason": f"{err.field}: {err.rule}"}
        out = asdict(fc)
        out["series"] = INSTRUMENTS[fc.scale].label if fc.scale in INSTRUMENTS else fc.scale
        out["total_max"] = INSTRUMENTS[fc.scale].total_max if fc.scale in INSTRUMENTS else 60
        return {"available": True, **out}

    cache: ForecastCache = request.app.state.forecasts
    key = (signed.actor.site_id, patient_id, scale)
    return cache.get(key, record_version(record, start), compute)
