r"""The observation model of a patient's scores: each scale linked to the latent MADRS, its own noise.

Scores stay on the scale they were given on. The expected score is the
model's true MADRS total, its item 10, or the MADRS linked to PHQ-9 or
QIDS-SR16 (:func:`ketasim.symptoms.link`, approximate and flagged); the
observed score adds that scale's rater noise and is rounded:

.. math::

    y \sim N\big(f_s(\text{MADRS}(t;\theta)),\ s_s^2\big),\qquad
    s_{madrs}^2 = 10\,(\sigma_{item}^2 + \tfrac1{12}),\quad
    s_{item10}^2 = \sigma_{item}^2 + \tfrac1{12},\quad
    s_{linked}^2 = \sigma_{linked}^2 + \tfrac1{12}

the same noise the virtual patients' scores carry (:mod:`ketasim.symptoms`,
:func:`ketasim.protocols.observe.noise_sd`), the rounding as uniform noise.
PHQ-9 item 9 has no link to the model's state: it is read for the safety
signal only and does not enter the likelihood.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ketasim.engine.grid import to_seconds
from ketasim.model import Model
from ketasim.protocols.observe import noise_sd
from ketasim.record import PatientRecord
from ketasim.symptoms import SCALES, link

__all__ = ["FITTED", "LINKED", "Observations", "scale_noise_sd"]

#: Scales the likelihood uses (the others in a record are read for safety only).
FITTED = ("madrs", "madrs_item10", "phq9", "qids_sr16")
#: Scales reached through an approximate link from the MADRS (flagged in output).
LINKED = tuple(s for s, info in SCALES.items() if info.linked)
_LOG_2PI = math.log(2.0 * math.pi)


def scale_noise_sd(model: Model, scale: str) -> float:
    """SD of an observed score on ``scale`` around its expected value (rater noise and rounding)."""
    if scale == "madrs_item10":
        return math.sqrt(model.symptoms.value("SIGMA_ITEM") ** 2 + 1.0 / 12.0)
    return noise_sd(model, scale)


def expected(model: Model, items: np.ndarray, scale: str) -> np.ndarray:
    """Expected score on ``scale`` from true MADRS items ``(..., 10)``."""
    if scale == "madrs_item10":
        return items[..., 9]
    return link(model, items.sum(axis=-1), scale)


@dataclass(frozen=True)
class Observations:
    """The fitted scores of one record: times (h), scales, values and noise SDs, in time order."""

    time_h: np.ndarray
    scale: tuple[str, ...]
    value: np.ndarray
    sd: np.ndarray

    @classmethod
    def of(cls, record: PatientRecord, model: Model) -> Observations:
        obs = sorted((o for o in record.observations if o.scale in FITTED), key=lambda o: o.time_h)
        return cls(
            time_h=np.array([o.time_h for o in obs], float),
            scale=tuple(o.scale for o in obs),
            value=np.array([o.value for o in obs], float),
            sd=np.array([scale_noise_sd(model, o.scale) for o in obs], float),
        )

    @property
    def m(self) -> int:
        return int(self.time_h.size)

    def expected(self, model: Model, items: np.ndarray, out_s: np.ndarray) -> np.ndarray:
        """Expected value of every observation (P, m) from items (P, T, 10) recorded at ``out_s``.

        ``out_s`` are the engine's output times (whole seconds, sorted), which hold every observation time.
        """
        idx = np.searchsorted(out_s, to_seconds(self.time_h))
        at = items[:, idx, :]
        mu = np.empty((items.shape[0], self.m))
        for scale in set(self.scale):
            cols = np.array([s == scale for s in self.scale])
            mu[:, cols] = expected(model, at[:, cols, :], scale)
        return mu

    def loglik(self, mu: np.ndarray) -> np.ndarray:
        """Log density of every observation (P, m) given expected values ``mu`` (P, m)."""
        r = (self.value - mu) / self.sd
        return -0.5 * r * r - np.log(self.sd) - 0.5 * _LOG_2PI

    def residuals(self, mu: np.ndarray) -> np.ndarray:
        """Standardised residuals (P, m): the data rows of the least-squares MAP problem."""
        return (self.value - mu) / self.sd
