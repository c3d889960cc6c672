"""Counter-based random numbers: patient ``i`` draws the same values whatever N or chunking.

Each draw is a pure function of (seed, patient id, stream): SplitMix64 mixing
of the three, mapped to a uniform in (0, 1). Normals come from the inverse
normal CDF. Vectorised over patients; no generator state to carry.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

__all__ = ["normal", "stream_id", "truncated_normal", "uniform"]

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        x = x + _GOLD
        x = (x ^ (x >> np.uint64(30))) * _M1
        x = (x ^ (x >> np.uint64(27))) * _M2
        return x ^ (x >> np.uint64(31))


def stream_id(name: str) -> int:
    """A stable 32-bit number for a stream name (independent of Python's hash seed)."""
    h = 2166136261
    for ch in name.encode():
        h = ((h ^ ch) * 16777619) & 0xFFFFFFFF
    return h


def uniform(seed: int, ids: np.ndarray, stream: str) -> np.ndarray:
    """Uniform (0, 1) draws, one per id, for a named stream."""
    with np.errstate(over="ignore"):
        key = _mix(np.array(seed & 0xFFFFFFFFFFFFFFFF, dtype=np.uint64) + np.uint64(stream_id(stream)))
        x = _mix(np.asarray(ids, dtype=np.uint64) ^ key)
        x = _mix(x + key)
    return ((x >> np.uint64(11)).astype(np.float64) + 0.5) / float(1 << 53)


def normal(seed: int, ids: np.ndarray, stream: str) -> np.ndarray:
    """Standard normal draws, one per id."""
    return ndtri(uniform(seed, ids, stream))


def truncated_normal(
    seed: int, ids: np.ndarray, stream: str, mean: float, sd: float, lo: float, hi: float
) -> np.ndarray:
    """Normal(mean, sd) draws restricted to [lo, hi] by inverse-CDF sampling."""
    if sd == 0:
        return np.full(np.asarray(ids).shape, float(np.clip(mean, lo, hi)))
    a = ndtr((lo - mean) / sd)
    b = ndtr((hi - mean) / sd)
    u = uniform(seed, ids, stream)
    return mean + sd * ndtri(a + u * (b - a))
