"""One replicate trial's simulated record: true item scores, arms, covariates, and observed scores.

Observed scores come from :func:`ketasim.symptoms.observe_scale` (rater noise),
one time at a time, with a generator seeded by (spec seed, replicate, scale,
time in seconds). A patient's score at a time therefore does not depend on
which other times are recorded (adding an endpoint time changes no other
score), and scores seen for selection between phases are the very scores the
endpoints see later. MADRS total and item 10 share one draw of item noise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ketasim.model import Model
from ketasim.population.patients import Cohort
from ketasim.population.rng import stream_id
from ketasim.symptoms import observe_scale

__all__ = ["ReplicateData", "covariate"]


def _generator(seed: int, replicate: int, scale: str, t_h: float) -> np.random.Generator:
    family = "madrs_items" if scale in ("madrs", "madrs_item10") else scale
    return np.random.default_rng([seed, replicate, stream_id("observe:" + family), round(t_h * 3600.0)])


@dataclass
class ReplicateData:
    """The record of one replicate.

    ``items``: true MADRS items (patients, times, 10), NaN where a patient was
    not simulated (after leaving the trial). ``arm``: arm index per phase
    (patients, phases), -1 where the patient was not in the phase.
    """

    model: Model
    seed: int
    replicate: int
    times_h: np.ndarray
    items: np.ndarray
    arm: np.ndarray
    cohort: Cohort
    _obs: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.items.shape[0])

    def observed(self, scale: str) -> np.ndarray:
        """Observed scores on ``scale`` (patients, times); computed once per scale."""
        if scale not in self._obs:
            obs = np.empty(self.items.shape[:2])
            for j, t in enumerate(self.times_h):
                rng = _generator(self.seed, self.replicate, scale, float(t))
                obs[:, j] = observe_scale(self.model, self.items[:, j], scale, rng)
            self._obs[scale] = obs
        return self._obs[scale]


def covariate(cohort: Cohort, name: str) -> np.ndarray:
    """A covariate as floats (yes/no as 1/0); names in docs/trials.md, "Covariates"."""
    derived = {
        "suicidal_ideation": lambda: cohort.baseline_si >= 2.0,
        "met_carrier": lambda: cohort.met_alleles >= 1,
        "benzodiazepine": lambda: cohort.benzodiazepine_mg_day > 0,
    }
    value = derived[name]() if name in derived else getattr(cohort, name)
    return np.asarray(value, dtype=float)
