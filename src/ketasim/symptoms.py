r"""From the latent state to symptom scores, and the rater-noise observation model.

True scores (no noise)::

    F      = tanh(W / W_SAT)                          fast functional term, 0..1
    Syn    = N + S + L                                share of the synaptic deficit restored
    R_drug = g·[1 - (1 - A_W·F)(1 - Syn)]             (item 10: A_W_SI instead of A_W)
    R_p    = 1 - exp(-(EF + ES))                      expectancy and non-specific improvement
    R_AD   = a·AD                                     newly started oral antidepressant
    item_k = floor_k + (base_k - floor_k)(1 - R_drug,k)(1 - R_p)(1 - R_AD)
    MADRS  = Σ item_k  (0-60)

Other scales are linked from the MADRS total through approximate published
anchors (:mod:`ketasim.library.Carmody_2006_scale_linking`); they are flagged
as approximate in output. Observed scores add rater noise per item (MADRS) or
per total (linked scales) and round to the scale's integers; the true state
never sees the noise.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np

from ketasim.errors import InputError
from ketasim.model import Model
from ketasim.pd.individual import IndividualPD
from ketasim.pd.nonspecific import r_ad, r_placebo

__all__ = [
    "RECORDED",
    "SCALES",
    "SIMULATED",
    "Scale",
    "ScaleInfo",
    "item_scores",
    "link",
    "observe_items",
    "observe_scale",
]

Scale = Literal["madrs", "madrs_item10", "phq9", "qids_sr16", "hamd17"]


class ScaleInfo(NamedTuple):
    """What ketasim knows of a scale: its range, and how the model reaches it."""

    #: highest score
    maximum: float
    #: linked from the MADRS total through approximate published anchors
    linked: bool
    #: the model simulates it (:func:`observe_scale`)
    simulated: bool = True
    #: a patient record may carry it (:class:`~ketasim.record.ScoreObservation`)
    recorded: bool = True
    #: lowest score
    minimum: float = 0.0


#: The one registry of scales: totals on their own scale and the suicide items.
SCALES: dict[str, ScaleInfo] = {
    "madrs": ScaleInfo(60.0, False),
    "madrs_item10": ScaleInfo(6.0, False),
    "phq9": ScaleInfo(27.0, True),
    "phq9_item9": ScaleInfo(3.0, False, simulated=False),
    "qids_sr16": ScaleInfo(27.0, True),
    "hamd17": ScaleInfo(52.0, True, recorded=False),
}
#: The scales :func:`observe_scale` draws.
SIMULATED = tuple(name for name, info in SCALES.items() if info.simulated)
#: The scales a patient record carries.
RECORDED = tuple(name for name, info in SCALES.items() if info.recorded)
#: Noise SD of a linked total (points of that scale): placeholders.
LINKED_NOISE = {"phq9": 2.0, "qids_sr16": 2.0, "hamd17": 2.0}


def item_scores(
    W: np.ndarray, syn: np.ndarray, ef: np.ndarray, es: np.ndarray, ad: np.ndarray, ind: IndividualPD
) -> np.ndarray:
    """True MADRS item scores, shape ``W.shape + (10,)``; inputs broadcast as (N, ...) arrays."""
    F = np.tanh(np.maximum(W, 0.0) / ind.w_sat)
    syn = np.clip(syn, 0.0, 1.0)
    extra = (1,) * (W.ndim - 1)
    g = ind.g.reshape(-1, *extra)
    keep_common = (1.0 - r_placebo(ef, es, ind.r_p_max)) * (1.0 - r_ad(ad, ind.ad_max.reshape(-1, *extra)))
    keep = g * (1.0 - (1.0 - ind.a_w * F) * (1.0 - syn))
    keep_si = g * (1.0 - (1.0 - ind.a_w_si * F) * (1.0 - syn))
    base = ind.base_items.reshape(ind.base_items.shape[0], *extra, 10)
    floor = ind.floor_items.reshape(ind.floor_items.shape[0], *extra, 10)
    factor = np.empty((*W.shape, 10))
    factor[..., :9] = ((1.0 - keep) * keep_common)[..., None]
    factor[..., 9] = (1.0 - keep_si) * keep_common
    return floor + (base - floor) * factor


def link(model: Model, madrs: np.ndarray, scale: str) -> np.ndarray:
    """Expected score on ``scale`` for a MADRS total (approximate for linked scales)."""
    lk = model.linking
    if scale == "madrs":
        return madrs
    if scale == "qids_sr16":
        return np.clip(lk.value("QIDS_A") + lk.value("QIDS_B") * madrs, 0.0, 27.0)
    if scale == "phq9":
        return np.clip(lk.value("PHQ9_A") + lk.value("PHQ9_B") * madrs, 0.0, 27.0)
    if scale == "hamd17":
        return np.clip(lk.value("HAMD_B") * madrs, 0.0, 52.0)
    raise InputError("symptoms", "scale", f"unknown scale (known: {', '.join(SIMULATED)})", scale)


def observe_items(items: np.ndarray, sigma_item: float, rng: np.random.Generator) -> np.ndarray:
    """Observed item scores: true score + rater noise, rounded to 0-6."""
    noisy = items + rng.normal(0.0, sigma_item, size=items.shape) if sigma_item > 0 else items
    return np.clip(np.rint(noisy), 0.0, 6.0)


def observe_scale(
    model: Model, items: np.ndarray, scale: str, rng: np.random.Generator, *, noise: bool = True
) -> np.ndarray:
    """Observed score on ``scale`` from true MADRS items (``(..., 10)``)."""
    sigma = model.symptoms.value("SIGMA_ITEM") if noise else 0.0
    if scale in ("madrs", "madrs_item10"):
        obs = observe_items(items, sigma, rng)
        return obs[..., 9] if scale == "madrs_item10" else obs.sum(axis=-1)
    expected = link(model, items.sum(axis=-1), scale)
    sd = LINKED_NOISE[scale] if noise else 0.0
    top = SCALES[scale][0]
    return np.clip(np.rint(expected + (rng.normal(0.0, sd, expected.shape) if sd > 0 else 0.0)), 0, top)
