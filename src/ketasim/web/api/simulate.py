"""Simulate a protocol (education): the PK chain of a regimen for a typical patient."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from ketasim.web.api.common import ERRORS
from ketasim.web.deps import ActorDep
from ketasim.web.model_bridge import simulate_pk

router = APIRouter(tags=["simulate"], responses=ERRORS)


class DoseSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    drug: Literal["racemic_ketamine", "esketamine"]
    route: Literal["iv", "intranasal", "oral", "sublingual", "im", "sc"]
    dose: Annotated[str, Field(min_length=1, max_length=20, examples=["0.5 mg/kg", "56 mg"])]
    over: Annotated[str, Field(max_length=20, examples=["40 min"])] | None = None
    every: Annotated[str, Field(max_length=20, examples=["3.5 d"])] | None = None
    count: Annotated[int, Field(ge=1, le=60)] | None = None


class PatientSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    weight_kg: Annotated[float, Field(ge=30, le=250)] = 70.0
    age_years: Annotated[float, Field(ge=18, le=100)] = 45.0
    sex: Literal["female", "male"] = "female"
    ancestry: Literal["white", "black", "asian", "japanese", "other"] = "white"


class SimulateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    doses: Annotated[list[DoseSpec], Field(min_length=1, max_length=10)]
    patient: PatientSpec = PatientSpec()
    days: Annotated[float, Field(gt=0, le=120)] | None = None


class SimulateOut(BaseModel):
    times_h: list[float]
    series: dict[str, list[float]]
    doses_h: list[float]
    drug: str
    placeholders: list[str]
    mood_layer: bool
    note: str


NOTE = (
    "Concentrations only. The mood layer (NMDA block, BDNF/mTOR, synapses, MADRS) is in a "
    "patient's forecast (POST /api/patients/{id}/forecasts) and in `ketasim simulate`."
)


@router.post("/simulate/pk")
def simulate_protocol(actor: ActorDep, body: SimulateIn) -> SimulateOut:
    """Plasma and effect-site concentrations of a regimen; no patient data involved."""
    spec: list[dict[str, Any]] = [d.model_dump(exclude_none=True) for d in body.doses]
    curves = simulate_pk(spec, body.patient.model_dump(), body.days)
    return SimulateOut(
        times_h=curves.times_h,
        series=curves.series,
        doses_h=curves.doses_h,
        drug=curves.drug,
        placeholders=curves.placeholders,
        mood_layer=False,  # this endpoint returns concentrations; mood curves come from forecasts
        note=NOTE,
    )
