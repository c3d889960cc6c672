"""Observed scores at a protocol's assessments, with rater noise that depends on (seed, patient, day).

The observation model is :func:`ketasim.symptoms.observe_scale` (noise per MADRS
item, or per linked total, rounded to the scale's integers); here its noise is
drawn from the counter-based generator of :mod:`ketasim.population.rng`, so a patient's
score on a day is the same whatever the cohort size or chunking, and every
protocol compared on the same patients sees the same rater on the same day
(common random numbers).
"""

from __future__ import annotations

import math

import numpy as np

from ketasim.model import Model
from ketasim.population.rng import normal
from ketasim.symptoms import LINKED_NOISE, SCALES, link

__all__ = ["noise_sd", "observe"]


def observe(
    model: Model, items: np.ndarray, scale: str, *, seed: int, ids: np.ndarray, day: int, noise: bool = True
) -> np.ndarray:
    """Observed totals on ``scale`` (N,) from true MADRS items (N, 10) on assessment ``day``."""
    if scale == "madrs":
        sigma = model.symptoms.value("SIGMA_ITEM") if noise else 0.0
        z = np.stack([normal(seed, ids, f"rater:madrs:{day}:{k}") for k in range(10)], axis=1)
        return np.clip(np.rint(items + sigma * z), 0.0, 6.0).sum(axis=1)
    expected = link(model, items.sum(axis=-1), scale)
    sd = LINKED_NOISE[scale] if noise else 0.0
    z1 = normal(seed, ids, f"rater:{scale}:{day}")
    return np.clip(np.rint(expected + sd * z1), 0.0, SCALES[scale][0])


def noise_sd(model: Model, scale: str, noise: bool = True) -> float:
    """SD of an observed total around the true score: rater noise and rounding (uniform, 1/12 per value)."""
    if scale == "madrs":
        sigma = model.symptoms.value("SIGMA_ITEM") if noise else 0.0
        return math.sqrt(10.0 * (sigma**2 + 1.0 / 12.0))
    sd = LINKED_NOISE[scale] if noise else 0.0
    return math.sqrt(sd**2 + 1.0 / 12.0)
