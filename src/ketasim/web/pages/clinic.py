"""Today's schedule, the patient list and the patient page with its chart."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from ketasim.store.crud import alerts as alerts_crud
from ketasim.store.crud import patients as patients_crud
from ketasim.store.crud import records as records_crud
from ketasim.store.crud import scales as scales_crud
from ketasim.store.crud import sessions as sessions_crud
from ketasim.store.errors import RuleError
from ketasim.store.models import Patient, Site
from ketasim.store.scales import INSTRUMENTS
from ketasim.store.schemas import PatientSearch
from ketasim.web.deps import DbDep, IdPath, no_phi_in_query
from ketasim.web.model_bridge import patient_forecast
from ketasim.web.pages.deps import FormDep, PageDep
from ketasim.web.templating import render

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def today(request: Request, db: DbDep, signed: PageDep) -> HTMLResponse:
    """Today's sessions at the site."""
    site = db.get_one(Site, signed.actor.site_id)
    day = datetime.now(ZoneInfo(site.timezone)).date()
    rows, _ = sessions_crud.list_sessions(
        db, signed.actor, patient_id=None, day=day.isoformat(), limit=200, offset=0, vitals=False
    )
    names = {p.id: p.name for p in db.query(Patient).filter(Patient.id.in_({s.patient_id for s in rows}))}
    return render(request, "today.html", signed, sessions=rows, names=names, day=day, site=site)


#: The patient list's search term travels in the form body; a URL carrying one is refused.
NO_PHI_IN_URL = [Depends(no_phi_in_query("q", "name", "mrn", "birth_date"))]


@router.get("/patients", response_class=HTMLResponse, dependencies=NO_PHI_IN_URL)
def patients(request: Request, db: DbDep, signed: PageDep) -> HTMLResponse:
    """The site's patients."""
    rows, total = patients_crud.list_patients(db, signed.actor, q=None, limit=200, offset=0)
    return render(request, "patients.html", signed, patients=rows, total=total, q="")


@router.post("/patients", response_class=HTMLResponse, dependencies=NO_PHI_IN_URL)
def search_patients(request: Request, form: FormDep, db: DbDep, signed: PageDep) -> HTMLResponse:
    """The patient list filtered by a term sent in the form body (never in the URL)."""
    try:
        q = PatientSearch(q=str(form.get("q", ""))).q
    except ValidationError as err:
        rows, total = patients_crud.list_patients(db, signed.actor, q=None, limit=200, offset=0)
        message = "; ".join(e["msg"] for e in err.errors())
        return render(request, "patients.html", signed, 422, patients=rows, total=total, q="", error=message)
    rows, total = patients_crud.list_patients(db, signed.actor, q=q, limit=200, offset=0)
    return render(request, "patients.html", signed, patients=rows, total=total, q=q)


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
    return render(
        request,
        "patient.html",
        signed,
        patient=p,
        courses=courses,
        sessions=sessions,
        scales=scales,
        alerts=alerts,
        instruments=INSTRUMENTS,
        tz=db.get_one(Site, signed.actor.site_id).timezone,
    )


@router.get("/ui/patients/{patient_id}/chart.json")
def chart(db: DbDep, signed: PageDep, patient_id: IdPath) -> dict[str, Any]:
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
        "forecast": _forecast(db, signed, p.id),
        "sessions": [
            {
                "x": (s.dose_start_at or s.scheduled_at).isoformat(),
                "label": f"{s.drug} {s.dose_mg or ''} mg",
                "status": s.status,
            }
            for s in sessions
            if s.status != "cancelled"
        ],
    }


def _forecast(db: DbDep, signed: PageDep, patient_id: int) -> dict[str, Any]:
    """The patient's forecast for the chart, or why there is none (never an error on the page)."""
    try:
        record = records_crud.export_record(db, signed.actor, patient_id, audit=False)
    except RuleError as err:
        return {"available": False, "reason": err.rule}
    try:
        fc = patient_forecast(record, now=datetime.now(UTC))
    except RuleError as err:
        return {"available": False, "reason": f"{err.field}: {err.rule}"}
    out = asdict(fc)
    out["series"] = INSTRUMENTS[fc.scale].label if fc.scale in INSTRUMENTS else fc.scale
    out["total_max"] = INSTRUMENTS[fc.scale].total_max if fc.scale in INSTRUMENTS else 60
    return {"available": True, **out}
