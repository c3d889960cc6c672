"""One patient's record as plain data: covariates, the doses given and the scores observed.

The personalisation code receives this value and never parses a file: the file
formats of a patient record (NONMEM-style CSV and FHIR R4, :mod:`ketasim.io`)
read and write it, so the clinic app and the personalisation code exchange the
same thing. Times are hours from ``start`` (UTC), as everywhere in the core.
Scales and their ranges come from the one registry, :data:`ketasim.symptoms.SCALES`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from ketasim.errors import InputError
from ketasim.population.patients import Patient
from ketasim.regimen.regimen import Regimen
from ketasim.symptoms import RECORDED, SCALES
from ketasim.units import DoseAmount

__all__ = ["PatientRecord", "ScoreObservation", "with_covariates"]


@dataclass(frozen=True)
class ScoreObservation:
    """One observed score: hours from the record's start, the scale and the value."""

    time_h: float
    scale: str
    value: float

    def __post_init__(self) -> None:
        if self.scale not in RECORDED:
            raise InputError("record", "scale", f"must be one of {', '.join(RECORDED)}", self.scale)
        lo, hi = SCALES[self.scale].minimum, SCALES[self.scale].maximum
        if not (math.isfinite(self.value) and lo <= self.value <= hi):
            raise InputError("record", "value", f"{self.scale} lies within {lo:g}-{hi:g}", self.value)
        if not math.isfinite(self.time_h):
            raise InputError("record", "time_h", "must be finite", self.time_h)


@dataclass(frozen=True)
class PatientRecord:
    """Covariates, regimen (as given) and observations of one patient, anchored at ``start``."""

    patient: Patient
    regimen: Regimen
    observations: tuple[ScoreObservation, ...]
    start: datetime
    identifier: str | None = None
    name: str | None = None
    birth_date: date | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise InputError("record", "start", "must carry a timezone (UTC)", self.start.isoformat())

    def at(self, time_h: float) -> datetime:
        """The UTC date and time of an offset in hours."""
        return self.start + timedelta(hours=time_h)

    def hours(self, when: datetime) -> float:
        """Hours from the start to ``when``."""
        return (when - self.start).total_seconds() / 3600.0


def with_covariates(record: PatientRecord, covariates: Mapping[str, Any]) -> PatientRecord:
    """The record with some covariates replaced (``Patient`` field names; validated)."""
    if not covariates:
        return record
    allowed = set(record.patient.__dataclass_fields__)
    unknown = sorted(set(covariates) - allowed)
    if unknown:
        raise InputError(
            "patient-data", unknown[0], f"unknown covariate (known: {', '.join(sorted(allowed))})", unknown
        )
    patient = record.patient.replace(**dict(covariates))
    regimen = record.regimen
    if patient.weight_kg != record.patient.weight_kg:
        # doses already given stay the mg given: a new weight must not rescale mg/kg prescriptions
        regimen = Regimen(
            tuple(
                replace(d, amount=DoseAmount(d.amount.mg(record.patient.weight_kg)))
                if d.amount is not None and d.amount.per_kg
                else d
                for d in regimen.doses
            )
        )
    return PatientRecord(
        patient, regimen, record.observations, record.start, record.identifier, record.name,
        record.birth_date, record.extra,
    )  # fmt: skip
