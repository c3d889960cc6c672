"""Who enters a trial: covariate distributions, baseline severity with inclusion limits.

Every field is optional; an omitted one takes the value of ketasim's typical TRD
population (:data:`ketasim.population.virtual.TRD_TRIAL`). A baseline written on another
scale than MADRS is converted with the inverse of the approximate scale link
(:func:`ketasim.symptoms.link`).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Literal

from pydantic import Field, model_validator
from scipy.special import ndtr

from ketasim.errors import InputError
from ketasim.model import Model
from ketasim.population.patients import PHYSIOLOGICAL
from ketasim.population.virtual import TRD_TRIAL, Dist, PopulationSpec
from ketasim.symptoms import SCALES
from ketasim.trials.spec_base import SpecModel

__all__ = [
    "Ancestry",
    "Background",
    "BackgroundKind",
    "Baseline",
    "Distribution",
    "Genotypes",
    "Population",
    "Setting",
]

Fraction = float


class Distribution(SpecModel):
    """A normal distribution truncated to [min, max]; a missing limit is the physiological one."""

    mean: float = Field(description="mean")
    sd: float = Field(0.0, ge=0, description="standard deviation (0: everyone at the mean)")
    min: float | None = Field(None, description="lower truncation limit (inclusive)")
    max: float | None = Field(None, description="upper truncation limit (inclusive)")

    @model_validator(mode="after")
    def _limits(self) -> Distribution:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) must not exceed max ({self.max})")
        return self

    def dist(self) -> Dist:
        lo = -math.inf if self.min is None else self.min
        hi = math.inf if self.max is None else self.max
        return Dist(self.mean, self.sd, lo, hi)


class Baseline(Distribution):
    """Baseline severity on ``scale``; min/max are the inclusion limits."""

    scale: Literal["madrs", "hamd17", "phq9", "qids_sr16"] = Field(
        "madrs", description="scale the numbers are written on (others are converted to MADRS, approximate)"
    )

    @model_validator(mode="after")
    def _on_scale(self) -> Baseline:
        top = SCALES[self.scale][0]
        for name in ("mean", "min", "max"):
            v = getattr(self, name)
            if v is not None and not 0 <= v <= top:
                raise ValueError(f"{name} ({v}) must lie on the {self.scale} scale (0-{top:g})")
        lo = -math.inf if self.min is None else self.min
        hi = math.inf if self.max is None else self.max
        if self.sd > 0 and ndtr((hi - self.mean) / self.sd) - ndtr((lo - self.mean) / self.sd) < 1e-6:
            raise ValueError("the inclusion limits leave (almost) no one: check mean, sd, min and max")
        return self

    def madrs(self, model: Model) -> Dist:
        """The baseline as a MADRS distribution (inverse of the approximate link for other scales)."""
        d = self.dist()
        if self.scale == "madrs":
            return d
        a, b = _link_coefficients(model, self.scale)
        lo, hi, _ = PHYSIOLOGICAL["baseline_madrs"]
        # limits on the scale convert to MADRS limits; keep them on the MADRS scale (the link is linear)
        return Dist((d.mean - a) / b, d.sd / b, max((d.min - a) / b, lo), min((d.max - a) / b, hi))


def _link_coefficients(model: Model, scale: str) -> tuple[float, float]:
    """Intercept and slope of ``score = a + b * MADRS`` (see :func:`ketasim.symptoms.link`)."""
    lk = model.linking
    if scale == "hamd17":
        return 0.0, lk.value("HAMD_B")
    prefix = {"phq9": "PHQ9", "qids_sr16": "QIDS"}[scale]
    return lk.value(f"{prefix}_A"), lk.value(f"{prefix}_B")


class Genotypes(SpecModel):
    """BDNF Val66Met genotype frequencies (sum to 1)."""

    val_val: Fraction = Field(ge=0, le=1)
    val_met: Fraction = Field(ge=0, le=1)
    met_met: Fraction = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _sum(self) -> Genotypes:
        total = self.val_val + self.val_met + self.met_met
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"genotype fractions must sum to 1 (sum {total:g})")
        return self


class Ancestry(SpecModel):
    """Fractions of Asian (non-Japanese) and Japanese patients; the rest are other ancestries."""

    asian: Fraction = Field(0.0, ge=0, le=1)
    japanese: Fraction = Field(0.0, ge=0, le=1)

    @model_validator(mode="after")
    def _sum(self) -> Ancestry:
        if self.asian + self.japanese > 1.0 + 1e-9:
            raise ValueError("asian + japanese must not exceed 1")
        return self


BackgroundKind = Literal["none", "continuing", "new_start", "switch"]


class Background(SpecModel):
    """Background oral antidepressant: none, continuing (steady), new_start or switch at time 0."""

    oral_antidepressant: BackgroundKind = Field(
        "none",
        description="none, continuing (steady), new_start, or switch (from the one taken to a new one)",
    )


#: Where patients are treated (decision 0034): inpatients take a larger expectancy impulse per session.
Setting = Literal["outpatient", "inpatient"]


class Population(SpecModel):
    """Covariate distributions of the enrolled patients."""

    n: int | None = Field(
        None, ge=1, le=1_000_000, description="patients enrolled (or give each first-phase arm an n)"
    )
    age_years: Distribution | None = None
    weight_kg: Distribution | None = None
    female: Fraction | None = Field(None, ge=0, le=1)
    ancestry: Ancestry | None = None
    baseline: Baseline | None = None
    bdnf_val66met: Genotypes | None = None
    suicidal_ideation: Fraction | None = Field(
        None, ge=0, le=1, description="fraction with suicidal ideation at baseline (MADRS item 10 >= 2)"
    )
    benzodiazepine: Fraction | None = Field(None, ge=0, le=1, description="fraction taking a benzodiazepine")
    benzodiazepine_mg_day: Distribution | None = Field(
        None, description="diazepam-equivalent mg/day if taken"
    )
    bmi: Distribution | None = None
    adiponectin_ug_ml: Distribution | None = None
    b12_pg_ml: Distribution | None = None
    fh_alcohol: Fraction | None = Field(
        None, ge=0, le=1, description="fraction with a family history of alcohol use disorder"
    )
    prior_suicide_attempt: Fraction | None = Field(None, ge=0, le=1)
    background: Background | None = None
    setting: Setting = Field(
        "outpatient",
        description="outpatient, or inpatient (a placeholder factor on every session's expectancy impulse)",
    )

    def to_spec(self, model: Model) -> PopulationSpec:
        """The sampler's :class:`~ketasim.population.virtual.PopulationSpec` (omitted fields: TRD_TRIAL)."""
        changes: dict[str, object] = {}
        for name in (
            "age_years",
            "weight_kg",
            "benzodiazepine_mg_day",
            "bmi",
            "adiponectin_ug_ml",
            "b12_pg_ml",
        ):
            d = getattr(self, name)
            if d is not None:
                changes[name] = d.dist()
        for name in ("female", "suicidal_ideation", "benzodiazepine", "fh_alcohol", "prior_suicide_attempt"):
            v = getattr(self, name)
            if v is not None:
                changes[name] = v
        if self.ancestry is not None:
            changes["asian"] = self.ancestry.asian
            changes["japanese"] = self.ancestry.japanese
        if self.baseline is not None:
            changes["baseline_madrs"] = self.baseline.madrs(model)
        if self.bdnf_val66met is not None:
            g = self.bdnf_val66met
            changes["val66met"] = (g.val_val, g.val_met, g.met_met)
        if self.background is not None:
            changes["background"] = self.background.oral_antidepressant
        try:
            return replace(TRD_TRIAL, **changes)  # type: ignore[arg-type]
        except InputError as err:
            # the sampler calls the baseline baseline_madrs; the spec calls it baseline
            name = err.field.replace("baseline_madrs", "baseline", 1)
            raise InputError(err.context, name, err.rule, err.received) from None
