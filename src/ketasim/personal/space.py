r"""The individual parameters a patient's scores inform, on a standard-normal prior scale.

A patient is the population model plus their own random effects. The fit works
in the space of standardised draws :math:`z \sim N(0, I)` that
:func:`ketasim.population.virtual.random_effects` turns into random effects
(:math:`\eta = \omega z`, correlated pairs mixed the same way), so the prior is
the calibrated population itself: typical values, between-patient SDs and the
covariate effects the engine applies to the patient's covariates. One more
quantity is estimated: the patient's true (untreated) MADRS, which sets the
item baselines and is observed only through noisy scores:

.. math::

    \text{MADRS}_0 = \mu_0 + s_0\,z_0 \quad (\text{clipped to } 1\text{-}60)

with :math:`\mu_0, s_0` the baseline distribution of the default TRD trial
population (:data:`ketasim.population.virtual.TRD_TRIAL`).

Estimated random effects: every pharmacodynamic parameter with between-patient
variability that acts on the patient (the new antidepressant's effect only
when one was newly started). The pharmacokinetic random effects stay at their
typical value: they move the MADRS by a fraction of a point after the first
day (docs/decisions/0008-personalisation.md, measured), far below the rater
noise, and the scores cannot tell them apart from responsiveness.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from ketasim.errors import InputError
from ketasim.model import Model
from ketasim.population.patients import STARTS_NEW_AD, Cohort, Patient
from ketasim.population.virtual import TRD_TRIAL

__all__ = ["BASELINE", "Quantity", "Space", "build_space"]

#: Name of the estimated true baseline MADRS.
BASELINE = "baseline_madrs"
#: Random effects that act only under a condition on the patient (key -> background_ad value).
_NEEDS_NEW_AD = "Ketasim_2026_nonspecific.AD_MAX"
#: Readable names of the pharmacodynamic random effects (docs/model.md §3-§4).
LABELS = {
    "Ketasim_2026_symptoms.G_TYP": "responsiveness g (share of baseline - floor the drug can remove)",
    "Ketasim_2026_cascade.SIGMA_TYP": "stress factor σ (speed of synaptic loss)",
    "Ketasim_2026_nonspecific.P_TYP": "placebo responsiveness p",
    "Ketasim_2026_nonspecific.AD_MAX": "new oral antidepressant effect",
    BASELINE: "true baseline MADRS (untreated)",
}
SHORT = {
    "Ketasim_2026_symptoms.G_TYP": "g",
    "Ketasim_2026_cascade.SIGMA_TYP": "sigma",
    "Ketasim_2026_nonspecific.P_TYP": "placebo",
    "Ketasim_2026_nonspecific.AD_MAX": "ad_max",
    BASELINE: BASELINE,
}


@dataclass(frozen=True)
class Quantity:
    """One estimated quantity: a random effect (``Set.PARAM``) or the baseline MADRS."""

    key: str
    short: str
    label: str
    omega: float  # SD of the random effect (eta) or of the baseline prior (points)
    mean: float = 0.0  # prior mean (points) for the baseline; 0 for random effects


@dataclass(frozen=True)
class Space:
    """The estimated quantities of one patient and how a draw becomes a cohort row.

    ``patient`` is the patient's covariate cohort of size one; :meth:`cohort`
    repeats it once per draw with the draw's random effects and baseline.
    """

    quantities: tuple[Quantity, ...]
    patient: Cohort
    #: correlated pairs of random effects, qualified names ``(Set.A, Set.B, r)``
    correlations: tuple[tuple[str, str, float], ...] = ()

    @property
    def dim(self) -> int:
        return len(self.quantities)

    @property
    def names(self) -> list[str]:
        return [q.short for q in self.quantities]

    def index(self, short: str) -> int:
        for i, q in enumerate(self.quantities):
            if q.short == short:
                return i
        raise InputError("personal", "quantity", f"unknown (known: {', '.join(self.names)})", short)

    def etas(self, z: np.ndarray) -> dict[str, np.ndarray]:
        """Random effects of draws ``z`` (P, dim), mixed as ``population.virtual.random_effects`` does."""
        z = np.atleast_2d(z)
        cols = {q.key: z[:, i] for i, q in enumerate(self.quantities) if q.key != BASELINE}
        out: dict[str, np.ndarray] = {}
        for i, q in enumerate(self.quantities):
            if q.key == BASELINE:
                continue
            zi = z[:, i]
            for a, b, r in self.correlations:  # qualified names; the second of a pair mixes in the first
                if b == q.key:
                    zi = r * cols.get(a, np.zeros(z.shape[0])) + math.sqrt(1 - r * r) * zi
            out[q.key] = q.omega * zi
        return out

    def baseline(self, z: np.ndarray) -> np.ndarray:
        """True baseline MADRS of draws ``z`` (P, dim)."""
        z = np.atleast_2d(z)
        for i, q in enumerate(self.quantities):
            if q.key == BASELINE:
                return np.clip(q.mean + q.omega * z[:, i], 1.0, 60.0)
        return np.repeat(self.patient.baseline_madrs, z.shape[0])

    def cohort(self, z: np.ndarray) -> Cohort:
        """One cohort row per draw: the patient's covariates with the draw's etas and baseline."""
        z = np.atleast_2d(z)
        n = z.shape[0]
        kw = {f.name: np.repeat(getattr(self.patient, f.name), n) for f in fields(Cohort) if f.name != "etas"}
        kw["baseline_madrs"] = self.baseline(z)
        kw["baseline_si"] = np.minimum(kw["baseline_si"], kw["baseline_madrs"])
        return Cohort(**kw, etas=self.etas(z))


def build_space(model: Model, patient: Patient) -> Space:
    """The quantities estimated for ``patient`` under ``model`` (see the module doc)."""
    quantities: list[Quantity] = []
    correlations: list[tuple[str, str, float]] = []
    for ps in model.pd_sets().values():
        for p in ps:
            if p.variability is None or p.variability.omega == 0:
                continue
            key = f"{ps.name}.{p.name}"
            if key == _NEEDS_NEW_AD and patient.background_ad not in STARTS_NEW_AD:
                continue
            quantities.append(Quantity(key, SHORT.get(key, key), LABELS.get(key, key), p.variability.omega))
        correlations.extend((f"{ps.name}.{a}", f"{ps.name}.{b}", r) for a, b, r in ps.correlations)
    b = TRD_TRIAL.baseline_madrs
    quantities.append(Quantity(BASELINE, BASELINE, LABELS[BASELINE], b.sd, b.mean))
    return Space(tuple(quantities), Cohort.of([patient]), tuple(correlations))
