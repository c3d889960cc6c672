"""One patient's record as plain data: covariates, the doses given and the scores observed.

Both file formats of a patient record (NONMEM-style CSV and FHIR R4) read and
write this value, so the clinic app and the personalisation code exchange the
same thing. Times are hours from ``start`` (UTC), as everywhere in the core.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ketasim.errors import InputError
from ketasim.population import Patient
from ketasim.regimen import Regimen

__all__ = ["SCALES", "PatientRecord", "ScoreObservation"]

#: Score observations a record carries: totals on their own scale and the suicide items.
SCALES = {
    "madrs": (0, 60),
    "madrs_item10": (0, 6),
    "phq9": (0, 27),
    "phq9_item9": (0, 3),
    "qids_sr16": (0, 27),
}


@dataclass(frozen=True)
class ScoreObservation:
    """One observed score: hours from the record's start, the scale and the value."""

    time_h: float
    scale: str
    value: float

    def __post_init__(self) -> None:
        if self.scale not in SCALES:
            raise InputError("record", "scale", f"must be one of {', '.join(SCALES)}", self.scale)
        lo, hi = SCALES[self.scale]
        if not (math.isfinite(self.value) and lo <= self.value <= hi):
            raise InputError("record", "value", f"{self.scale} lies within {lo}-{hi}", self.value)
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
