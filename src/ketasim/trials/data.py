"""One replicate trial's simulated record: true item scores, arms, covariates, and observed scores.

Observed scores come from :func:`ketasim.symptoms.observe_scale` (rater noise),
one time at a time, with a generator seeded by (spec seed, replicate, scale,
time in seconds). A patient's score at a time therefore does not depend on
which other times are recorded (adding an endpoint time changes no other
score), and scores seen for selection between phases are the very scores the
endpoints see later. MADRS total and item 10 share one draw of item noise.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ketasim.model import Model
from ketasim.population.patients import Cohort
from ketasim.population.rng import stream_id
from ketasim.symptoms import observe_scale

__all__ = ["ReplicateData", "covariate"]

_TOL_H = 0.5 / 3600.0  # times closer than this are the same time (the engine's one-second lattice)


def _generator(seed: int, replicate: int, scale: str, t_h: float) -> np.random.Generator:
    family = "madrs_items" if scale in ("madrs", "madrs_item10") else scale
    return np.random.default_rng([seed, replicate, stream_id("observe:" + family), round(t_h * 3600.0)])


@dataclass
class ReplicateData:
    """The record of one replicate.

    ``items``: true MADRS items (patients, times, 10), NaN where a patient was
    not simulated (after leaving the trial). ``arm``: arm index per phase
    (patients, phases), -1 where the patient was not in the phase. ``dropout_h``:
    when each patient left the trial early (inf: never): a dropout, or the visit at which
    the event of an event-driven phase (``until``) was known; nothing is observed after it.
    ``visits``: which of ``times_h`` are visits (default: all). ``locf``: observed
    scores missing after a dropout take the last observation at a visit before it.
    """

    model: Model
    seed: int
    replicate: int
    times_h: np.ndarray
    items: np.ndarray
    arm: np.ndarray
    cohort: Cohort
    dropout_h: np.ndarray | None = None
    visits: np.ndarray | None = None
    locf: bool = False
    stratum: np.ndarray | None = None  # (patients, phases): stratum index, -1 where none
    _obs: dict[str, np.ndarray] = field(default_factory=dict)
    _parent: ReplicateData | None = None

    @property
    def n(self) -> int:
        return int(self.items.shape[0])

    def observed(self, scale: str) -> np.ndarray:
        """Observed scores on ``scale`` (patients, times); computed once per scale.

        NaN after a patient's dropout (or, with ``locf``, the last observation at a visit).
        """
        if scale not in self._obs:
            if self._parent is not None:
                obs = self._parent.observed(scale).copy()
            else:
                obs = np.empty(self.items.shape[:2])
                for j, t in enumerate(self.times_h):
                    rng = _generator(self.seed, self.replicate, scale, float(t))
                    obs[:, j] = observe_scale(self.model, self.items[:, j], scale, rng)
                if self.dropout_h is not None:
                    obs[self.times_h[None, :] > self.dropout_h[:, None] + _TOL_H] = np.nan
            if self.locf and self.dropout_h is not None:
                obs = self._carried_forward(obs)
            self._obs[scale] = obs
        return self._obs[scale]

    def _carried_forward(self, obs: np.ndarray) -> np.ndarray:
        assert self.dropout_h is not None
        visits = np.ones(self.times_h.size, bool) if self.visits is None else self.visits
        out = obs.copy()
        for i in np.nonzero(np.isfinite(self.dropout_h))[0]:
            after = self.times_h > self.dropout_h[i] + _TOL_H
            seen = np.nonzero(~after & visits & ~np.isnan(obs[i]))[0]
            if seen.size and after.any():
                out[i, after] = obs[i, seen[-1]]
        return out

    def with_missing(self, convention: str) -> ReplicateData:
        """This record under a missing-data convention (``observed``, ``locf``, ``non_responder``).

        Only ``locf`` changes the observed scores; ``non_responder`` is applied by the rates.
        """
        if convention != "locf" or self.dropout_h is None:
            return self
        return replace(self, locf=True, _obs={}, _parent=self)


def covariate(cohort: Cohort, name: str) -> np.ndarray:
    """A covariate as floats (yes/no as 1/0); names in docs/trials.md, "Covariates"."""
    derived = {
        "suicidal_ideation": lambda: cohort.baseline_si >= 2.0,
        "met_carrier": lambda: cohort.met_alleles >= 1,
        "benzodiazepine": lambda: cohort.benzodiazepine_mg_day > 0,
    }
    value = derived[name]() if name in derived else getattr(cohort, name)
    return np.asarray(value, dtype=float)
