"""The caller's site, its staff and its audit log."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from ketasim.store.crud import audit as audit_crud
from ketasim.store.crud import users as crud
from ketasim.store.models import Site
from ketasim.store.schemas import Page, SitePublic, SiteUpdate, UserCreate, UserPublic
from ketasim.web.api.common import ERRORS
from ketasim.web.deps import ActorDep, DbDep, IdQuery, PagingDep, writers

router = APIRouter(tags=["site"], responses=ERRORS, dependencies=[writers("admin")])


class AuditPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    at: datetime
    actor_id: int | None
    role: str | None
    action: str
    entity: str
    entity_id: int | None
    patient_id: int | None
    reason: str | None


@router.get("/site")
def get_site(db: DbDep, actor: ActorDep) -> SitePublic:
    """The caller's site and its thresholds."""
    return SitePublic.model_validate(db.get_one(Site, actor.site_id))


@router.patch("/site")
def update_site(db: DbDep, actor: ActorDep, body: SiteUpdate) -> SitePublic:
    """Changes the site's thresholds (admin)."""
    return SitePublic.model_validate(crud.update_site(db, actor, body))


@router.get("/users")
def list_users(db: DbDep, actor: ActorDep, page: PagingDep) -> Page[UserPublic]:
    """The site's staff (admin)."""
    rows, total = crud.list_users(db, actor, limit=page.limit, offset=page.offset)
    return Page(
        items=[UserPublic.model_validate(u) for u in rows], total=total, limit=page.limit, offset=page.offset
    )


@router.post("/users", status_code=201)
def create_user(db: DbDep, actor: ActorDep, body: UserCreate) -> UserPublic:
    """Adds a staff account to the site (admin)."""
    return UserPublic.model_validate(crud.create_user(db, actor, body))


@router.get("/audit")
def list_audit(db: DbDep, actor: ActorDep, page: PagingDep, patient_id: IdQuery = None) -> Page[AuditPublic]:
    """The site's audit log, newest first (admin)."""
    rows, total = audit_crud.list_events(
        db, actor, patient_id=patient_id, limit=page.limit, offset=page.offset
    )
    return Page(
        items=[AuditPublic.model_validate(r) for r in rows], total=total, limit=page.limit, offset=page.offset
    )
