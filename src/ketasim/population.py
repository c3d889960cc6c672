"""Patients: covariates that the model uses, validated at the edge.

One :class:`Patient` is a frozen record of covariates. The pharmacokinetic
models read weight (racemic ketamine, linear in weight), age (esketamine
hepatic blood flow above 60 y) and ancestry (esketamine: Asian on kel and
noresketamine CL/F, Japanese on nasal absorption), as in their source papers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Literal

from ketasim.errors import InputError

__all__ = ["ANCESTRIES", "Patient"]

ANCESTRIES = ("white", "black", "asian", "japanese", "other")
Sex = Literal["female", "male"]

WEIGHT_RANGE_KG = (30.0, 250.0)
AGE_RANGE_Y = (18.0, 100.0)


def _number(value: Any, field: str, lo: float, hi: float, unit: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError("patient", field, "must be a number", value)
    v = float(value)
    if not math.isfinite(v) or not lo <= v <= hi:
        raise InputError("patient", field, f"must lie within {lo:g}-{hi:g} {unit}", value)
    return v


@dataclass(frozen=True, kw_only=True)
class Patient:
    """Covariates of one patient.

    >>> Patient(weight_kg=80).weight_kg
    80.0
    """

    weight_kg: float = 70.0
    age_years: float = 45.0
    sex: Sex = "female"
    ancestry: str = "white"

    def __post_init__(self) -> None:
        object.__setattr__(self, "weight_kg", _number(self.weight_kg, "weight_kg", *WEIGHT_RANGE_KG, "kg"))
        object.__setattr__(self, "age_years", _number(self.age_years, "age_years", *AGE_RANGE_Y, "years"))
        if self.sex not in ("female", "male"):
            raise InputError("patient", "sex", "must be 'female' or 'male'", self.sex)
        if self.ancestry not in ANCESTRIES:
            raise InputError("patient", "ancestry", f"must be one of {', '.join(ANCESTRIES)}", self.ancestry)

    @property
    def asian(self) -> bool:
        """Asian ancestry (Japanese included), as coded by Perez-Ruixo 2021."""
        return self.ancestry in ("asian", "japanese")

    @property
    def japanese(self) -> bool:
        return self.ancestry == "japanese"

    def replace(self, **changes: Any) -> Patient:
        """Returns a copy with some covariates changed (validated)."""
        return replace(self, **changes)

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> Patient:
        """Builds a patient from plain data (YAML); unknown fields are an error."""
        allowed = set(cls.__dataclass_fields__)
        unknown = set(data) - allowed
        if unknown:
            raise InputError(
                "patient",
                sorted(unknown)[0],
                f"unknown field (allowed: {', '.join(sorted(allowed))})",
                sorted(unknown),
            )
        return cls(**data)
