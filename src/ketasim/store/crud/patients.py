"""Patients, contraindication flags and treatment courses."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from ketasim.store.crud.audit import Actor, record, require
from ketasim.store.errors import NotFoundError, RuleError
from ketasim.store.models import Contraindication, Course, Patient
from ketasim.store.schemas import (
    ContraindicationCreate,
    CourseCreate,
    PatientCreate,
    PatientUpdate,
)
from ketasim.store.types import utcnow

__all__ = [
    "PROTOCOLS",
    "add_contraindication",
    "create_course",
    "create_patient",
    "get_course",
    "get_patient",
    "list_courses",
    "list_patients",
    "resolve_contraindication",
    "update_patient",
]

#: Protocols: the esketamine label (US PI) and the clinic's own IV ketamine protocol (off-label).
PROTOCOLS = {
    "esketamine_label": ("esketamine", "intranasal", "on_label", None, None),
    "ketamine_iv_clinic": ("racemic_ketamine", "iv", "off_label", 0.5, 40.0),
}
WRITERS = ("clinician",)


def get_patient(db: Session, actor: Actor, patient_id: int, *, audit: bool = True) -> Patient:
    """One patient of the actor's site; the read is audited."""
    # A request that touches one patient in several places looks them up once.
    cache: dict[int, Patient] = db.info.setdefault("patients", {})
    p = cache.get(patient_id)
    if p is None or p.site_id != actor.site_id:
        q = select(Patient).where(Patient.id == patient_id, Patient.site_id == actor.site_id)
        p = db.scalar(q.options(selectinload(Patient.contraindications)) if audit else q)
        if p is None:
            raise NotFoundError("patient", patient_id)
        cache[patient_id] = p
    # One read entry per patient and request: a page that loads five parts is one read.
    seen = db.info.setdefault("audited_reads", set())
    if audit and p.id not in seen:
        seen.add(p.id)
        record(db, actor, "read", "patient", p.id, patient_id=p.id)
    return p


def list_patients(
    db: Session, actor: Actor, *, q: str | None, limit: int, offset: int
) -> tuple[list[Patient], int]:
    """Patients of the actor's site, by name or MRN."""
    stmt = select(Patient).where(Patient.site_id == actor.site_id)
    if q and q.strip():
        # % and _ are text to the user, not wildcards: escape them (and the escape character).
        term = q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{term}%"
        stmt = stmt.where(or_(Patient.name.ilike(like, escape="\\"), Patient.mrn.ilike(like, escape="\\")))
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.scalars(
        stmt.options(selectinload(Patient.contraindications))
        .order_by(Patient.name)
        .limit(limit)
        .offset(offset)
    )
    record(db, actor, "read", "patient_list", None)
    return list(rows), total


def create_patient(db: Session, actor: Actor, data: PatientCreate) -> Patient:
    """A new patient; the same MRN twice in a site is refused."""
    require(actor, *WRITERS)
    if db.scalar(select(Patient.id).where(Patient.site_id == actor.site_id, Patient.mrn == data.mrn)):
        raise RuleError("mrn", "patient.duplicate", "a patient with this MRN exists in the site", data.mrn)
    if data.birth_date > utcnow().date():
        raise RuleError(
            "birth_date", "patient.birth_future", "must not be in the future", str(data.birth_date)
        )
    p = Patient(site_id=actor.site_id, **data.model_dump())
    db.add(p)
    db.flush()
    record(db, actor, "create", "patient", p.id, patient_id=p.id)
    return p


def update_patient(db: Session, actor: Actor, patient_id: int, data: PatientUpdate) -> Patient:
    """Changes a patient's details or covariates."""
    require(actor, *WRITERS)
    p = get_patient(db, actor, patient_id, audit=False)
    changes = data.model_dump(exclude_unset=True)
    for k, v in changes.items():
        if v is None and k not in ("weight_kg", "weight_measured_on", "death_date"):
            raise RuleError(k, "patient.required", "may not be null", None)
    for k, rule, what in (
        ("death_date", "patient.death_before_birth", "a death"),
        ("weight_measured_on", "weight.measured_before_birth", "a weight"),
    ):
        if changes.get(k) is not None and changes[k] < p.birth_date:
            raise RuleError(k, rule, f"{what} cannot precede birth ({p.birth_date})", str(changes[k]))
    for k, v in changes.items():
        setattr(p, k, v)
    record(db, actor, "update", "patient", p.id, patient_id=p.id)
    return p


def add_contraindication(
    db: Session, actor: Actor, patient_id: int, data: ContraindicationCreate
) -> Contraindication:
    """Flags a contraindication; scheduling is blocked until a clinician resolves it."""
    require(actor, *WRITERS)
    p = get_patient(db, actor, patient_id, audit=False)
    c = Contraindication(
        site_id=actor.site_id, patient_id=p.id, kind=data.kind, detail=data.detail, flagged_by=actor.user_id
    )
    db.add(c)
    db.flush()
    record(db, actor, "create", "contraindication", c.id, patient_id=p.id)
    return c


def resolve_contraindication(
    db: Session, actor: Actor, contraindication_id: int, note: str
) -> Contraindication:
    """A clinician resolves a flag, with a note."""
    require(actor, "clinician")
    c = db.scalar(
        select(Contraindication).where(
            Contraindication.id == contraindication_id, Contraindication.site_id == actor.site_id
        )
    )
    if c is None:
        raise NotFoundError("contraindication", contraindication_id)
    if c.resolved_at is not None:
        raise RuleError("id", "contraindication.resolved", "already resolved", contraindication_id)
    c.resolved_at, c.resolved_by, c.resolution_note = utcnow(), actor.user_id, note
    record(db, actor, "update", "contraindication", c.id, patient_id=c.patient_id, reason=note)
    return c


def create_course(db: Session, actor: Actor, patient_id: int, data: CourseCreate) -> Course:
    """Starts a course under a protocol; drug, route and label status follow from it."""
    require(actor, *WRITERS)
    p = get_patient(db, actor, patient_id, audit=False)
    drug, route, label, mgkg, minutes = PROTOCOLS[data.protocol]
    c = Course(
        site_id=actor.site_id,
        patient_id=p.id,
        protocol=data.protocol,
        drug=drug,
        route=route,
        label_status=label,
        start_date=data.start_date,
        mg_per_kg=data.mg_per_kg or mgkg if drug == "racemic_ketamine" else None,
        infusion_min=data.infusion_min or minutes if drug == "racemic_ketamine" else None,
    )
    db.add(c)
    db.flush()
    record(db, actor, "create", "course", c.id, patient_id=p.id)
    return c


def get_course(db: Session, actor: Actor, course_id: int) -> Course:
    """One course of the actor's site."""
    c = db.scalar(select(Course).where(Course.id == course_id, Course.site_id == actor.site_id))
    if c is None:
        raise NotFoundError("course", course_id)
    return c


def list_courses(db: Session, actor: Actor, patient_id: int) -> list[Course]:
    """A patient's courses, oldest first (an audited read)."""
    p = get_patient(db, actor, patient_id)
    return list(db.scalars(select(Course).where(Course.patient_id == p.id).order_by(Course.id)))
