"""Patients, contraindication flags and courses."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from ketasim.store.crud import patients as crud
from ketasim.store.schemas import (
    ContraindicationCreate,
    ContraindicationPublic,
    ContraindicationResolve,
    CourseCreate,
    CoursePublic,
    Page,
    PatientCreate,
    PatientPublic,
    PatientSearch,
    PatientUpdate,
)
from ketasim.web.api.common import ERRORS
from ketasim.web.deps import ActorDep, DbDep, IdPath, PagingDep, no_phi_in_query, writers

router = APIRouter(tags=["patients"], responses=ERRORS, dependencies=[writers("clinician")])
#: Searching is a read sent as a POST: every signed-in role may do it.
search = APIRouter(tags=["patients"], responses=ERRORS)


@router.get("/patients", dependencies=[Depends(no_phi_in_query("q", "name", "mrn", "birth_date"))])
def list_patients(db: DbDep, actor: ActorDep, page: PagingDep) -> Page[PatientPublic]:
    """Patients of the site, by name. Searching is `POST /api/patients/search` (terms stay out of URLs)."""
    rows, total = crud.list_patients(db, actor, q=None, limit=page.limit, offset=page.offset)
    items = [PatientPublic.model_validate(p) for p in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@search.post("/patients/search", dependencies=[Depends(no_phi_in_query("q", "name", "mrn", "birth_date"))])
def search_patients(db: DbDep, actor: ActorDep, page: PagingDep, body: PatientSearch) -> Page[PatientPublic]:
    """Patients whose name or MRN contains the term (case-insensitive; `%` and `_` are plain text).

    A POST, so that the term (patient data) travels in the body and never in a logged URL; it is
    a read and needs no clinician role.
    """
    rows, total = crud.list_patients(db, actor, q=body.q, limit=page.limit, offset=page.offset)
    items = [PatientPublic.model_validate(p) for p in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/patients", status_code=201)
def create_patient(db: DbDep, actor: ActorDep, body: PatientCreate) -> PatientPublic:
    """Registers a patient (clinician)."""
    return PatientPublic.model_validate(crud.create_patient(db, actor, body))


@router.get("/patients/{patient_id}")
def get_patient(db: DbDep, actor: ActorDep, patient_id: IdPath) -> PatientPublic:
    """One patient (an audited read)."""
    return PatientPublic.model_validate(crud.get_patient(db, actor, patient_id))


@router.patch("/patients/{patient_id}")
def update_patient(db: DbDep, actor: ActorDep, patient_id: IdPath, body: PatientUpdate) -> PatientPublic:
    """Changes a patient's details or covariates (clinician)."""
    return PatientPublic.model_validate(crud.update_patient(db, actor, patient_id, body))


@router.post("/patients/{patient_id}/contraindications", status_code=201)
def add_contraindication(
    db: DbDep, actor: ActorDep, patient_id: IdPath, body: ContraindicationCreate
) -> ContraindicationPublic:
    """Flags a contraindication; it blocks scheduling until resolved (clinician)."""
    return ContraindicationPublic.model_validate(crud.add_contraindication(db, actor, patient_id, body))


@router.post("/contraindications/{contraindication_id}/resolve")
def resolve_contraindication(
    db: DbDep, actor: ActorDep, contraindication_id: IdPath, body: ContraindicationResolve
) -> ContraindicationPublic:
    """Resolves a contraindication flag with a note (clinician)."""
    return ContraindicationPublic.model_validate(
        crud.resolve_contraindication(db, actor, contraindication_id, body.note)
    )


@router.get("/patients/{patient_id}/courses")
def list_courses(db: DbDep, actor: ActorDep, patient_id: IdPath) -> list[CoursePublic]:
    """A patient's treatment courses."""
    return [CoursePublic.model_validate(c) for c in crud.list_courses(db, actor, patient_id)]


@router.post("/patients/{patient_id}/courses", status_code=201)
def create_course(db: DbDep, actor: ActorDep, patient_id: IdPath, body: CourseCreate) -> CoursePublic:
    """Starts a treatment course under a protocol (clinician)."""
    return CoursePublic.model_validate(crud.create_course(db, actor, patient_id, body))
