"""Systematic resampling of weighted draws (one uniform, low variance).

>>> import numpy as np
>>> systematic(np.array([0.0, 1.0, 0.0]), 4, np.random.default_rng(0)).tolist()
[1, 1, 1, 1]
"""

from __future__ import annotations

import numpy as np

__all__ = ["ess", "systematic"]


def systematic(weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``n`` draws picked in proportion to ``weights`` (normalised here)."""
    w = np.asarray(weights, float)
    cdf = np.cumsum(w / w.sum())
    cdf[-1] = 1.0
    u = (rng.random() + np.arange(n)) / n
    return np.searchsorted(cdf, u, side="right").clip(0, w.size - 1)


def ess(weights: np.ndarray) -> float:
    """Effective sample size of normalised or unnormalised weights."""
    w = np.asarray(weights, float)
    s = w.sum()
    return float(s * s / np.sum(w * w)) if s > 0 else 0.0
