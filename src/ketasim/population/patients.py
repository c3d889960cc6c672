"""Patients and cohorts: covariates the model uses, validated at the edge, as arrays for the engine.

One :class:`Patient` is a frozen record of covariates. A :class:`Cohort` holds
the covariates of many patients as arrays (one entry per patient), plus their
random effects (etas), for the population engine. Which covariate acts where,
and with what source, is listed in docs/model.md ("Covariates").
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

import numpy as np

from ketasim.errors import InputError

__all__ = [
    "ANCESTRIES",
    "BACKGROUND",
    "GENOTYPES",
    "PHYSIOLOGICAL",
    "STARTS_NEW_AD",
    "Cohort",
    "Patient",
]

ANCESTRIES = ("white", "black", "asian", "japanese", "other")
GENOTYPES = ("val/val", "val/met", "met/met")
#: Background oral antidepressant: none; continuing a steady one; a new start; a switch from the one taken
#: to a new one. The codes are the indices (``Cohort.background``).
BACKGROUND = ("none", "continuing", "new_start", "switch")
#: Backgrounds in which a new oral antidepressant starts (at the run's ``ad_start_h``).
STARTS_NEW_AD = ("new_start", "switch")
Sex = Literal["female", "male"]

WEIGHT_RANGE_KG = (30.0, 250.0)
AGE_RANGE_Y = (18.0, 100.0)

#: Physiological limits of every sampled continuous covariate (the ranges a :class:`Patient` accepts),
#: with units: a virtual population is always truncated to them.
PHYSIOLOGICAL: dict[str, tuple[float, float, str]] = {
    "weight_kg": (*WEIGHT_RANGE_KG, "kg"),
    "age_years": (*AGE_RANGE_Y, "years"),
    "baseline_madrs": (0.0, 60.0, "points"),
    "b12_pg_ml": (50.0, 3000.0, "pg/mL"),
    "adiponectin_ug_ml": (0.5, 60.0, "µg/mL"),
    "bmi": (12.0, 70.0, "kg/m²"),
    "benzodiazepine_mg_day": (0.0, 200.0, "mg/day diazepam-eq."),
}


def _number(value: Any, field_name: str, lo: float, hi: float, unit: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError("patient", field_name, "must be a number", value)
    v = float(value)
    if not math.isfinite(v) or not lo <= v <= hi:
        raise InputError("patient", field_name, f"must lie within {lo:g}-{hi:g} {unit}", value)
    return v


def _optional(value: Any, field_name: str, lo: float, hi: float, unit: str) -> float | None:
    return None if value is None else _number(value, field_name, lo, hi, unit)


def _choice(value: Any, field_name: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise InputError("patient", field_name, f"must be one of {', '.join(allowed)}", value)


@dataclass(frozen=True, kw_only=True)
class Patient:
    """Covariates of one patient (all optional, with typical defaults).

    >>> Patient(weight_kg=80, val66met="met/met").met_alleles
    2
    """

    weight_kg: float = 70.0
    age_years: float = 45.0
    sex: Sex = "female"
    ancestry: str = "white"
    baseline_madrs: float = 32.0
    baseline_si: float = 1.0
    val66met: str = "val/val"
    b12_pg_ml: float | None = None
    adiponectin_ug_ml: float | None = None
    bmi: float | None = None
    fh_alcohol: bool = False
    prior_suicide_attempt: bool = False
    benzodiazepine_mg_day: float = 0.0
    background_ad: str = "none"

    def __post_init__(self) -> None:
        s = object.__setattr__
        lim = PHYSIOLOGICAL
        for name in ("weight_kg", "age_years", "baseline_madrs", "benzodiazepine_mg_day"):
            s(self, name, _number(getattr(self, name), name, *lim[name]))
        s(self, "baseline_si", _number(self.baseline_si, "baseline_si", 0, 6, "points (MADRS item 10)"))
        for name in ("b12_pg_ml", "adiponectin_ug_ml", "bmi"):
            s(self, name, _optional(getattr(self, name), name, *lim[name]))
        if self.sex not in ("female", "male"):
            raise InputError("patient", "sex", "must be 'female' or 'male'", self.sex)
        _choice(self.ancestry, "ancestry", ANCESTRIES)
        _choice(self.val66met, "val66met", GENOTYPES)
        _choice(self.background_ad, "background_ad", BACKGROUND)
        for flag in ("fh_alcohol", "prior_suicide_attempt"):
            if not isinstance(getattr(self, flag), bool):
                raise InputError("patient", flag, "must be true or false", getattr(self, flag))
        if self.baseline_si > self.baseline_madrs:
            raise InputError(
                "patient", "baseline_si", "item 10 cannot exceed the MADRS total", self.baseline_si
            )

    @property
    def asian(self) -> bool:
        """Asian ancestry (Japanese included), as coded by Perez-Ruixo 2021."""
        return self.ancestry in ("asian", "japanese")

    @property
    def japanese(self) -> bool:
        return self.ancestry == "japanese"

    @property
    def met_alleles(self) -> int:
        return GENOTYPES.index(self.val66met)

    def replace(self, **changes: Any) -> Patient:
        """Returns a copy with some covariates changed (validated)."""
        return replace(self, **changes)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Patient:
        """Builds a patient from plain data (YAML); unknown fields are an error."""
        allowed = {f.name for f in fields(cls)}
        unknown = set(data) - allowed
        if unknown:
            raise InputError(
                "patient",
                sorted(unknown)[0],
                f"unknown field (allowed: {', '.join(sorted(allowed))})",
                sorted(unknown),
            )
        return cls(**dict(data))


def _nan(x: float | None) -> float:
    return math.nan if x is None else float(x)


@dataclass(frozen=True)
class Cohort:
    """Covariates and random effects of ``n`` patients, as arrays of length ``n``.

    Missing optional biomarkers are NaN (no covariate effect). ``etas`` maps
    ``'<parameter set>.<parameter>'`` to an array of random effects. ``inpatient`` marks patients
    treated on a ward (trial specs' ``setting``; default: nobody, so cohorts built before the
    setting existed are unchanged).
    """

    weight_kg: np.ndarray
    age_years: np.ndarray
    female: np.ndarray
    asian: np.ndarray
    japanese: np.ndarray
    baseline_madrs: np.ndarray
    baseline_si: np.ndarray
    met_alleles: np.ndarray
    b12_pg_ml: np.ndarray
    adiponectin_ug_ml: np.ndarray
    bmi: np.ndarray
    fh_alcohol: np.ndarray
    prior_suicide_attempt: np.ndarray
    benzodiazepine_mg_day: np.ndarray
    background: np.ndarray  # index into BACKGROUND: 0 none, 1 continuing, 2 new_start, 3 switch
    etas: Mapping[str, np.ndarray] = field(default_factory=dict)
    inpatient: np.ndarray = None  # type: ignore[assignment]  # None: all outpatients (set below)

    def __post_init__(self) -> None:
        n = self.weight_kg.shape[0]
        if self.inpatient is None:
            object.__setattr__(self, "inpatient", np.zeros(n, dtype=bool))  # type: ignore[unreachable]
        for f in fields(self):
            if f.name == "etas":
                continue
            arr = getattr(self, f.name)
            if not isinstance(arr, np.ndarray) or arr.shape != (n,):
                raise InputError(
                    "cohort", f.name, f"must be an array of length {n}", getattr(arr, "shape", arr)
                )
        for key, arr in self.etas.items():
            if arr.shape != (n,):
                raise InputError("cohort", f"etas[{key}]", f"must be an array of length {n}", arr.shape)

    @property
    def n(self) -> int:
        return int(self.weight_kg.shape[0])

    @classmethod
    def of(cls, patients: Sequence[Patient], etas: Mapping[str, Sequence[float]] | None = None) -> Cohort:
        """A cohort from patient records (random effects default to zero: typical patients)."""
        if not patients:
            raise InputError("cohort", "patients", "needs at least one patient", 0)
        arr = np.asarray
        return cls(
            weight_kg=arr([p.weight_kg for p in patients], float),
            age_years=arr([p.age_years for p in patients], float),
            female=arr([p.sex == "female" for p in patients], bool),
            asian=arr([p.asian for p in patients], bool),
            japanese=arr([p.japanese for p in patients], bool),
            baseline_madrs=arr([p.baseline_madrs for p in patients], float),
            baseline_si=arr([p.baseline_si for p in patients], float),
            met_alleles=arr([p.met_alleles for p in patients], np.int64),
            b12_pg_ml=arr([_nan(p.b12_pg_ml) for p in patients], float),
            adiponectin_ug_ml=arr([_nan(p.adiponectin_ug_ml) for p in patients], float),
            bmi=arr([_nan(p.bmi) for p in patients], float),
            fh_alcohol=arr([p.fh_alcohol for p in patients], bool),
            prior_suicide_attempt=arr([p.prior_suicide_attempt for p in patients], bool),
            benzodiazepine_mg_day=arr([p.benzodiazepine_mg_day for p in patients], float),
            background=arr([BACKGROUND.index(p.background_ad) for p in patients], np.int64),
            etas={k: np.asarray(v, float) for k, v in (etas or {}).items()},
        )

    def take(self, index: np.ndarray | slice) -> Cohort:
        """The sub-cohort at ``index``."""
        kw = {f.name: getattr(self, f.name)[index] for f in fields(self) if f.name != "etas"}
        return Cohort(**kw, etas={k: v[index] for k, v in self.etas.items()})

    def eta(self, key: str) -> np.ndarray:
        """Random effects for ``key`` (zeros when not set)."""
        return self.etas.get(key, np.zeros(self.n))
