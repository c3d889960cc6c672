"""Forecasts: model suggestions and their review."""

from __future__ import annotations

from fastapi import APIRouter

from ketasim.store.crud import forecasts as crud
from ketasim.store.schemas import ForecastCreate, ForecastPublic, ForecastReview, Page
from ketasim.web.api.common import ERRORS
from ketasim.web.deps import ActorDep, DbDep, IdPath, PagingDep, writers

router = APIRouter(tags=["forecasts"], responses=ERRORS, dependencies=[writers("clinician", "admin")])


@router.get("/patients/{patient_id}/forecasts")
def list_forecasts(db: DbDep, actor: ActorDep, patient_id: IdPath, page: PagingDep) -> Page[ForecastPublic]:
    """A patient's forecasts, newest first."""
    rows, total = crud.list_forecasts(db, actor, patient_id, limit=page.limit, offset=page.offset)
    items = [ForecastPublic.model_validate(f) for f in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/patients/{patient_id}/forecasts", status_code=201)
def create_forecast(db: DbDep, actor: ActorDep, patient_id: IdPath, body: ForecastCreate) -> ForecastPublic:
    """Stores a model suggestion as pending; it changes nothing by itself."""
    return ForecastPublic.model_validate(crud.create_forecast(db, actor, patient_id, body))


@router.post("/forecasts/{forecast_id}/review")
def review_forecast(db: DbDep, actor: ActorDep, forecast_id: IdPath, body: ForecastReview) -> ForecastPublic:
    """A clinician accepts or dismisses a suggestion, with a note."""
    return ForecastPublic.model_validate(crud.review_forecast(db, actor, forecast_id, body.status, body.note))
