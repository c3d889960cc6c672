"""Rating-scale administrations, whole or item by item."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from ketasim.store.crud import scales as crud
from ketasim.store.crud.audit import record
from ketasim.store.schemas import ItemSet, Page, ScaleCreate, ScalePublic
from ketasim.web.api.common import ERRORS
from ketasim.web.deps import ActorDep, DbDep, IdPath, PagingDep, writers

router = APIRouter(tags=["scales"], responses=ERRORS, dependencies=[writers("clinician")])


@router.get("/patients/{patient_id}/scales")
def list_scales(
    db: DbDep,
    actor: ActorDep,
    patient_id: IdPath,
    page: PagingDep,
    instrument: Annotated[Literal["madrs", "phq9", "qids_sr16", "cssrs"] | None, Query()] = None,
    order: Annotated[Literal["newest", "oldest"], Query(description="newest first by default")] = "newest",
) -> Page[ScalePublic]:
    """A patient's scale administrations, newest first (``order=oldest`` for the other way)."""
    rows, total = crud.list_scales(
        db,
        actor,
        patient_id,
        instrument=instrument,
        limit=page.limit,
        offset=page.offset,
        newest_first=order == "newest",
    )
    items = [ScalePublic.model_validate(a) for a in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/patients/{patient_id}/scales", status_code=201, responses={200: {"model": ScalePublic}})
def create_scale(
    db: DbDep, actor: ActorDep, patient_id: IdPath, body: ScaleCreate, response: Response
) -> ScalePublic:
    """Records an administration; suicide items raise alerts at once (clinician)."""
    a, new = crud.create_scale(db, actor, patient_id, body)
    if not new:
        response.status_code = 200
    return ScalePublic.model_validate(a)


@router.get("/scales/{scale_id}")
def get_scale(db: DbDep, actor: ActorDep, scale_id: IdPath) -> ScalePublic:
    """One administration with its items."""
    a = crud.get_scale(db, actor, scale_id)
    record(db, actor, "read", "scale", a.id, patient_id=a.patient_id)
    return ScalePublic.model_validate(a)


@router.put("/scales/{scale_id}/items/{item_no}")
def set_item(
    db: DbDep, actor: ActorDep, scale_id: IdPath, item_no: Annotated[int, Path(ge=1, le=16)], body: ItemSet
) -> ScalePublic:
    """Sets one item; the answer carries the new total once complete (clinician)."""
    return ScalePublic.model_validate(crud.set_item(db, actor, scale_id, item_no, body.value))


@router.delete("/scales/{scale_id}/items/{item_no}")
def clear_item(
    db: DbDep, actor: ActorDep, scale_id: IdPath, item_no: Annotated[int, Path(ge=1, le=16)]
) -> ScalePublic:
    """Clears one item; the total is incomplete again until it is set (clinician)."""
    return ScalePublic.model_validate(crud.clear_item(db, actor, scale_id, item_no))
