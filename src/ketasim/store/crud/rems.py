"""The esketamine REMS Patient Monitoring Form of a session: answers, what is missing, submission.

The form's record fields (patient, setting, date, dose, lot, minutes from the first device to
the end of monitoring, the three blood pressures, the monitoring provider) are read from the
session when the form is shown; only the answers the record does not hold are stored. The app
does not send the form: a clinician submits it (online or by fax) within 7 days of the session
and records here when and under which confirmation (decision 0029).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketasim.store.crud.audit import Actor, record, require
from ketasim.store.crud.patients import get_patient
from ketasim.store.crud.sessions import get_session
from ketasim.store.errors import RuleError
from ketasim.store.models import RemsForm, Site, TreatmentSession, User
from ketasim.store.schemas import RemsFormPublic, RemsFormSubmit, RemsFormUpdate
from ketasim.store.types import utcnow

__all__ = [
    "ANSWERS",
    "DUE_DAYS",
    "describe",
    "due_on",
    "form_of",
    "forms_due",
    "submit_form",
    "update_form",
    "view_form",
]

#: Calendar days after the session within which the form is submitted (the REMS requirement).
DUE_DAYS = 7
#: The answers the form stores (everything else is the session's record).
ANSWERS = (
    "concomitant",
    "ready_to_leave_min",
    "vitals_acceptable_pre",
    "vitals_acceptable_end",
    "sedation",
    "dissociation",
    "respiratory_depression",
    "serious_adverse_event",
)
#: Record fields the form needs, as the session holds them.
RECORDED = ("dose_mg", "lot", "monitoring_min", "bp_pre_dose", "bp_40min", "bp_end", "monitoring_provider")


def _session(db: Session, actor: Actor, session_id: int) -> TreatmentSession:
    s = get_session(db, actor, session_id)
    if s.drug != "esketamine":
        raise RuleError(
            "session_id", "rems.not_esketamine", "the REMS monitoring form is for esketamine sessions", s.drug
        )
    return s


def form_of(db: Session, s: TreatmentSession) -> RemsForm | None:
    """The session's stored answers, if any were given."""
    return db.scalar(select(RemsForm).where(RemsForm.session_id == s.id, RemsForm.site_id == s.site_id))


def _bp(s: TreatmentSession, point: str) -> str | None:
    # the latest reading of a time point is the one the form reports
    rows = [v for v in s.vitals if v.point == point]
    return f"{rows[-1].sbp}/{rows[-1].dbp}" if rows else None


def describe(
    db: Session, actor: Actor, site: Site, s: TreatmentSession, form: RemsForm | None
) -> RemsFormPublic:
    """The form as it would be submitted now, with what is missing and when it is due."""
    patient = get_patient(db, actor, s.patient_id, audit=False)
    earlier = db.scalar(
        select(TreatmentSession.id).where(
            TreatmentSession.patient_id == s.patient_id,
            TreatmentSession.drug == "esketamine",
            TreatmentSession.status != "cancelled",
            TreatmentSession.dose_mg.is_not(None),
            TreatmentSession.scheduled_at < s.scheduled_at,
        )
    )
    provider_id = form.monitoring_provider_id if form and form.monitoring_provider_id else s.closed_by
    provider = db.get(User, provider_id) if provider_id else None
    minutes = s.monitoring_min
    fields: dict[str, Any] = {
        "patient": patient.name,
        "birth_date": patient.birth_date.isoformat(),
        "sex": patient.sex,
        "rems_enrolled": patient.rems_enrolled,
        "first_treatment": earlier is None,
        "setting": f"outpatient: {site.name}",
        "treatment_date": s.day.isoformat(),
        "dose_mg": s.dose_mg,
        "lot": s.lot,
        "monitoring_min": None if minutes is None else round(minutes),
        "bp_pre_dose": _bp(s, "pre_dose"),
        "bp_40min": _bp(s, "at_40min"),
        "bp_end": _bp(s, "discharge"),
        "monitoring_provider": provider.name if provider else None,
    }
    answers = {k: getattr(form, k) if form else None for k in ANSWERS}
    missing = [k for k in RECORDED if fields[k] in (None, "")] + [k for k, v in answers.items() if v is None]
    due = due_on(s)
    today = utcnow().astimezone(ZoneInfo(site.timezone)).date()
    submitted = form is not None and form.submitted_at is not None
    status = "submitted" if submitted else "ready" if not missing and s.status == "closed" else "draft"
    return RemsFormPublic(
        session_id=s.id,
        status=status,
        due_on=due,
        overdue=not submitted and today > due,
        missing=missing,
        fields=fields,
        answers=answers,
        submitted_at=form.submitted_at if form else None,
        channel=form.channel if form else None,
        confirmation=form.confirmation if form else None,
    )


def view_form(db: Session, actor: Actor, session_id: int) -> RemsFormPublic:
    """The session's form (an audited read of the patient's record)."""
    s = _session(db, actor, session_id)
    record(db, actor, "read", "rems_form", s.id, patient_id=s.patient_id)
    return describe(db, actor, db.get_one(Site, actor.site_id), s, form_of(db, s))


def _refuse_submitted(form: RemsForm | None) -> None:
    if form is not None and form.submitted_at is not None:
        raise RuleError(
            "status", "rems.submitted", "a submitted form cannot change", form.submitted_at.isoformat()
        )


def update_form(db: Session, actor: Actor, session_id: int, data: RemsFormUpdate) -> RemsFormPublic:
    """Stores the given answers (a clinician); the form stays editable until it is submitted."""
    require(actor, "clinician")
    s = _session(db, actor, session_id)
    if s.status == "cancelled":
        raise RuleError("status", "session.closed", "a cancelled session has no monitoring form", s.status)
    form = form_of(db, s)
    _refuse_submitted(form)
    given = data.model_dump(exclude_unset=True)
    provider = given.get("monitoring_provider_id")
    if provider is not None:
        ok = db.scalar(
            select(User.id).where(
                User.id == provider, User.site_id == actor.site_id, User.role == "clinician", User.active
            )
        )
        if ok is None:
            raise RuleError(
                "monitoring_provider_id",
                "rems.provider",
                "the monitoring provider must be an active clinician of the site",
                provider,
            )
    if "concomitant" in given and given["concomitant"] is not None:
        given["concomitant"] = sorted(set(given["concomitant"]))
    if form is None:
        form = RemsForm(site_id=s.site_id, session_id=s.id, updated_by=actor.user_id)
        db.add(form)
    for k, v in given.items():
        setattr(form, k, v)
    form.updated_by, form.updated_at = actor.user_id, utcnow()
    db.flush()
    record(db, actor, "update", "rems_form", s.id, patient_id=s.patient_id)
    return describe(db, actor, db.get_one(Site, actor.site_id), s, form)


def submit_form(db: Session, actor: Actor, session_id: int, data: RemsFormSubmit) -> RemsFormPublic:
    """Records that the complete form of a closed session was submitted, how and under which confirmation."""
    require(actor, "clinician")
    s = _session(db, actor, session_id)
    form = form_of(db, s)
    _refuse_submitted(form)
    if s.status != "closed":
        raise RuleError(
            "status", "rems.session_open", "the session is closed before its form is submitted", s.status
        )
    site = db.get_one(Site, actor.site_id)
    current = describe(db, actor, site, s, form)
    if current.missing or form is None:
        raise RuleError("missing", "rems.incomplete", "every field of the form is answered", current.missing)
    form.submitted_at, form.submitted_by = utcnow(), actor.user_id
    form.channel, form.confirmation = data.channel, data.confirmation
    if form.monitoring_provider_id is None:
        form.monitoring_provider_id = s.closed_by  # the provider the form was submitted with
    db.flush()
    record(db, actor, "submit", "rems_form", s.id, patient_id=s.patient_id)
    return describe(db, actor, site, s, form)


def due_on(s: TreatmentSession) -> date:
    """The last day the session's form may be submitted."""
    return s.day + timedelta(days=DUE_DAYS)


#: Today lists the unsubmitted forms of this many recent days one by one, and counts the older ones.
LISTED_DAYS = 60


def forms_due(db: Session, actor: Actor) -> tuple[list[tuple[TreatmentSession, date]], int]:
    """Closed esketamine sessions of the site whose form is not submitted yet: those of the last
    :data:`LISTED_DAYS` days, oldest first, with the day each is due, and how many older ones
    there are (so a forgotten form is never silently dropped)."""
    site = db.get_one(Site, actor.site_id)
    today = utcnow().astimezone(ZoneInfo(site.timezone)).date()
    submitted = select(RemsForm.session_id).where(
        RemsForm.site_id == actor.site_id, RemsForm.submitted_at.is_not(None)
    )
    pending = (
        TreatmentSession.site_id == actor.site_id,
        TreatmentSession.drug == "esketamine",
        TreatmentSession.status == "closed",
        TreatmentSession.id.not_in(submitted),
    )
    since = today - timedelta(days=LISTED_DAYS)
    rows = db.scalars(
        select(TreatmentSession)
        .where(*pending, TreatmentSession.day >= since)
        .order_by(TreatmentSession.day, TreatmentSession.id)
    ).all()
    older = db.scalar(
        select(func.count()).select_from(TreatmentSession).where(*pending, TreatmentSession.day < since)
    )
    return [(s, due_on(s)) for s in rows], int(older or 0)
