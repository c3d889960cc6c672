"""Virtual patients: covariate distributions, between-subject variability, one seed per patient.

A :class:`PopulationSpec` describes who enters (age, weight, sex, ancestry,
baseline severity with inclusion limits, genotype frequencies, biomarkers,
suicidal ideation, benzodiazepines, background antidepressant).
:func:`sample_cohort` draws patients ``ids`` from it; every draw is a function
of (seed, patient id, stream), so patient ``i`` is the same whatever N or
chunking. Random effects come from the model's parameter variabilities, with
their published correlations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from ketasim.errors import InputError
from ketasim.model import Model
from ketasim.population.patients import BACKGROUND, PHYSIOLOGICAL, Cohort
from ketasim.population.rng import normal, truncated_normal, uniform

__all__ = ["TRD_TRIAL", "Dist", "PopulationSpec", "physiological", "random_effects", "sample_cohort"]


@dataclass(frozen=True)
class Dist:
    """A normal distribution truncated to [min, max]."""

    mean: float
    sd: float = 0.0
    min: float = -math.inf
    max: float = math.inf

    def __post_init__(self) -> None:
        for name in ("mean", "sd"):
            if not math.isfinite(getattr(self, name)):
                raise InputError("population", name, "must be finite", getattr(self, name))
        if self.sd < 0:
            raise InputError("population", "sd", "must be >= 0", self.sd)
        if self.min > self.max:
            raise InputError("population", "min", "must not exceed max", (self.min, self.max))


def physiological(name: str, d: Dist) -> Dist:
    """``d`` truncated to the physiological limits of covariate ``name`` (a missing min/max takes them).

    Raises :class:`InputError` naming ``name.min``, ``name.max`` or ``name.mean`` when a given limit
    lies outside the physiological range, or when the limits leave (almost) no one.
    """
    lo, hi, unit = PHYSIOLOGICAL[name]
    for side, v in (("min", d.min), ("max", d.max)):
        if math.isfinite(v) and not lo <= v <= hi:
            raise InputError(
                "population",
                f"{name}.{side}",
                f"must lie within the physiological limits {lo:g}-{hi:g} {unit}",
                v,
            )
    out = Dist(d.mean, d.sd, max(d.min, lo), min(d.max, hi))
    if out.sd == 0:
        if not out.min <= out.mean <= out.max:
            raise InputError(
                "population",
                f"{name}.mean",
                f"must lie within the limits {out.min:g}-{out.max:g} {unit}",
                d.mean,
            )
    elif ndtr((out.max - out.mean) / out.sd) - ndtr((out.min - out.mean) / out.sd) < 1e-6:
        raise InputError(
            "population",
            f"{name}.mean",
            f"leaves (almost) no one within the limits {out.min:g}-{out.max:g} {unit}: "
            "check mean, sd, min, max",
            d.mean,
        )
    return out


@dataclass(frozen=True)
class PopulationSpec:
    """Covariate distributions of a virtual population (defaults: a typical TRD trial)."""

    age_years: Dist = Dist(46.0, 12.0, 18.0, 64.0)
    weight_kg: Dist = Dist(82.0, 18.0, 45.0, 160.0)
    female: float = 0.62
    asian: float = 0.05
    japanese: float = 0.0
    baseline_madrs: Dist = Dist(33.0, 5.5, 24.0, 50.0)
    val66met: tuple[float, float, float] = (0.66, 0.31, 0.03)
    suicidal_ideation: float = 0.3
    benzodiazepine: float = 0.2
    benzodiazepine_mg_day: Dist = Dist(10.0, 6.0, 2.0, 40.0)
    background: str = "none"
    bmi: Dist = Dist(29.0, 6.0, 16.0, 55.0)
    adiponectin_ug_ml: Dist = Dist(8.0, 4.0, 1.0, 30.0)
    b12_pg_ml: Dist = Dist(550.0, 200.0, 150.0, 1500.0)
    fh_alcohol: float = 0.3
    prior_suicide_attempt: float = 0.3

    def __post_init__(self) -> None:
        for name in ("female", "asian", "japanese", "suicidal_ideation", "benzodiazepine",
                     "fh_alcohol", "prior_suicide_attempt"):  # fmt: skip
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise InputError("population", name, "must be a fraction within 0-1", v)
        if self.asian + self.japanese > 1.0:
            raise InputError(
                "population",
                "ancestry",
                "fractions must sum to at most 1",
                self.asian + self.japanese,
            )
        if len(self.val66met) != 3 or abs(sum(self.val66met) - 1.0) > 1e-6 or min(self.val66met) < 0:
            raise InputError("population", "bdnf_val66met", "three fractions summing to 1", self.val66met)
        for name in PHYSIOLOGICAL:
            object.__setattr__(self, name, physiological(name, getattr(self, name)))
        if self.background not in BACKGROUND:
            raise InputError(
                "population", "background", f"must be one of {', '.join(BACKGROUND)}", self.background
            )


#: A typical TRD trial population (ages 18-64, baseline MADRS >= 24; genotype counts of Laje 2012).
#: Every distribution is truncated to the physiological limits of :data:`PHYSIOLOGICAL` as well.
TRD_TRIAL = PopulationSpec()


def _tn(seed: int, ids: np.ndarray, stream: str, d: Dist) -> np.ndarray:
    return truncated_normal(seed, ids, stream, d.mean, d.sd, d.min, d.max)


def random_effects(model: Model, seed: int, ids: np.ndarray) -> dict[str, np.ndarray]:
    """Random effects of every parameter with variability (correlated where the sources say)."""
    etas: dict[str, np.ndarray] = {}
    for ps in model.parameter_sets():
        corr = {(a, b): r for a, b, r in ps.correlations}
        for p in ps:
            if p.variability is None or p.variability.omega == 0:
                continue
            key = f"{ps.name}.{p.name}"
            z = normal(seed, ids, "eta:" + key)
            for (a, b), r in corr.items():
                if b == p.name:  # second of a correlated pair: mix with the first's draw
                    z = r * normal(seed, ids, f"eta:{ps.name}.{a}") + math.sqrt(1 - r * r) * z
            etas[key] = p.variability.omega * z
    return etas


def sample_cohort(spec: PopulationSpec, model: Model, ids: np.ndarray | int, seed: int) -> Cohort:
    """Patients ``ids`` (an array, or N for ids 0..N-1) drawn from ``spec``."""
    ids = np.arange(ids) if isinstance(ids, int) else np.asarray(ids, dtype=np.int64)
    n = ids.size
    if n == 0:
        raise InputError("population", "n", "must be at least 1", n)
    u = uniform
    anc = u(seed, ids, "ancestry")
    asian = anc < spec.asian + spec.japanese
    japanese = anc < spec.japanese
    geno_u = u(seed, ids, "val66met")
    met = np.where(geno_u < spec.val66met[0], 0, np.where(geno_u < spec.val66met[0] + spec.val66met[1], 1, 2))
    baseline = _tn(seed, ids, "baseline", spec.baseline_madrs)
    si = u(seed, ids, "si") < spec.suicidal_ideation
    # item 10 at baseline: 2-4 with ideation, 0-1 without (MADRS anchors: 2 = fleeting thoughts)
    item10 = np.where(
        si, 2.0 + np.floor(3 * u(seed, ids, "si-level")), np.floor(2 * u(seed, ids, "si-level"))
    )
    bz_on = u(seed, ids, "benzo") < spec.benzodiazepine
    return Cohort(
        weight_kg=_tn(seed, ids, "weight", spec.weight_kg),
        age_years=_tn(seed, ids, "age", spec.age_years),
        female=u(seed, ids, "sex") < spec.female,
        asian=asian,
        japanese=japanese,
        baseline_madrs=baseline,
        baseline_si=np.minimum(item10, baseline),
        met_alleles=met.astype(np.int64),
        b12_pg_ml=_tn(seed, ids, "b12", spec.b12_pg_ml),
        adiponectin_ug_ml=_tn(seed, ids, "adiponectin", spec.adiponectin_ug_ml),
        bmi=_tn(seed, ids, "bmi", spec.bmi),
        fh_alcohol=u(seed, ids, "fh-alcohol") < spec.fh_alcohol,
        prior_suicide_attempt=u(seed, ids, "attempt") < spec.prior_suicide_attempt,
        benzodiazepine_mg_day=np.where(bz_on, _tn(seed, ids, "benzo-dose", spec.benzodiazepine_mg_day), 0.0),
        background=np.full(n, BACKGROUND.index(spec.background), dtype=np.int64),
        etas=random_effects(model, seed, ids),
    )


_SIMPLE = ("female", "suicidal_ideation", "benzodiazepine", "fh_alcohol", "prior_suicide_attempt")
_DISTS = ("age_years", "weight_kg", "bmi", "adiponectin_ug_ml", "b12_pg_ml", "benzodiazepine_mg_day")


def _dist(value: object, where: str) -> Dist:
    if not isinstance(value, dict):
        raise InputError("population", where, "must be a mapping {mean, sd, min, max}", value)
    unknown = set(value) - {"mean", "sd", "min", "max"}
    if unknown or "mean" not in value:
        raise InputError("population", where, "takes mean (required), sd, min, max", sorted(value))
    for k, v in value.items():
        _number(v, f"{where}.{k}")
    try:
        return Dist(**{k: float(v) for k, v in value.items()})
    except InputError as err:
        raise InputError("population", f"{where}.{err.field}", err.rule, err.received) from None


def _number(value: object, where: str) -> float:
    """A number of a population file (not text, not true/false)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError("population", where, "must be a number", value)
    return float(value)


def population_from_mapping(data: dict[str, object]) -> PopulationSpec:
    """A :class:`PopulationSpec` from the plain data of trial and population files.

    Keys as in docs/trials.md: ``age_years``, ``weight_kg``, ``bmi``, ... as
    ``{mean, sd, min, max}``; ``female``, ``suicidal_ideation``, ``benzodiazepine``,
    ``fh_alcohol``, ``prior_suicide_attempt`` as fractions; ``ancestry: {asian,
    japanese}``; ``baseline: {scale: madrs, mean, sd, min, max}``;
    ``bdnf_val66met: {val_val, val_met, met_met}``; ``background:
    {oral_antidepressant: none | continuing | new_start | switch}``. ``n`` is ignored here.
    """
    kw: dict[str, object] = {}
    for key, value in data.items():
        if key == "n":
            continue
        if key in _SIMPLE:
            kw[key] = _number(value, key)
        elif key in _DISTS:
            kw[key] = _dist(value, key)
        elif key == "ancestry":
            if not isinstance(value, dict) or set(value) - {"asian", "japanese"}:
                raise InputError("population", "ancestry", "takes fractions asian, japanese", value)
            kw["asian"] = _number(value.get("asian", 0.0), "ancestry.asian")
            kw["japanese"] = _number(value.get("japanese", 0.0), "ancestry.japanese")
        elif key == "baseline":
            if not isinstance(value, dict) or value.get("scale", "madrs") != "madrs":
                raise InputError(
                    "population", "baseline.scale", "population files give MADRS baselines", value
                )
            kw["baseline_madrs"] = _dist({k: v for k, v in value.items() if k != "scale"}, "baseline")
        elif key == "bdnf_val66met":
            if not isinstance(value, dict) or set(value) != {"val_val", "val_met", "met_met"}:
                raise InputError("population", key, "takes val_val, val_met, met_met fractions", value)
            kw["val66met"] = tuple(_number(value[g], f"{key}.{g}") for g in ("val_val", "val_met", "met_met"))
        elif key == "background":
            if not isinstance(value, dict) or set(value) != {"oral_antidepressant"}:
                raise InputError(
                    "population", key, "takes oral_antidepressant: none|continuing|new_start|switch", value
                )
            kw["background"] = value["oral_antidepressant"]
        else:
            raise InputError("population", key, "unknown field (see docs/trials.md, population)", key)
    return PopulationSpec(**kw)  # type: ignore[arg-type]
