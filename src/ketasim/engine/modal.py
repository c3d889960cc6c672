r"""Per-patient PK in modal coordinates: :math:`A = V \Lambda V^{-1}`, decomposed once per run.

In the coordinates :math:`w = V^{-1}x` every PK quarter-step of length :math:`\tau` is diagonal:
:math:`w \leftarrow e^{\lambda\tau} w + \frac{e^{\lambda\tau}-1}{\lambda}\,V^{-1}r`, which is
exact like the matrix path of :mod:`ketasim.engine.pkmatrices` but costs n instead of n² products.
A patient whose eigenvalues are not all real, or whose eigenvector matrix is ill-conditioned
(round-off in :math:`V^{-1}` grows with its condition number), is marked for the matrix path.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

__all__ = ["MAX_CONDITION", "Modal", "cached_modal", "modal_decomposition"]

#: Largest eigenvector condition number accepted: round-off in the modal path stays below ~1e-10.
MAX_CONDITION = 1e6


@dataclass(frozen=True)
class Modal:
    """Eigen-decomposition of every patient's PK matrix; ``ok[i]`` False means the matrix path."""

    lam: np.ndarray  # (N, n) real eigenvalues, 1/h
    V: np.ndarray  # (N, n, n) eigenvectors in columns
    Vinv: np.ndarray  # (N, n, n)
    ok: np.ndarray  # (N,) bool


def modal_decomposition(A: np.ndarray, max_condition: float = MAX_CONDITION) -> Modal:
    """Decomposes each ``A[i]`` (N, n, n); patients that fail the checks get ``ok`` False."""
    N, n, _ = A.shape
    eye = np.broadcast_to(np.eye(n), (N, n, n))
    if N == 0:
        return Modal(np.zeros((0, n)), eye.copy(), eye.copy(), np.zeros(0, dtype=bool))
    lam_c, V_c = np.linalg.eig(A)
    real = np.all(np.imag(lam_c) == 0, axis=1) & np.all(np.imag(V_c) == 0, axis=(1, 2))
    lam = np.where(real[:, None], np.real(lam_c), 0.0)
    V = np.where(real[:, None, None], np.real(V_c), eye)
    Vinv = _inv(V)
    # Frobenius condition number: at least the 2-norm one, so the bound is kept, and free given V^-1
    with np.errstate(invalid="ignore"):
        cond = np.linalg.norm(V, axis=(1, 2)) * np.linalg.norm(Vinv, axis=(1, 2))
    ok = real & np.isfinite(cond) & (cond <= max_condition)
    V = np.where(ok[:, None, None], V, eye)
    Vinv = np.where(ok[:, None, None], Vinv, eye)
    # the decomposition must reproduce A: a defective matrix passes eig but not this
    scale = np.maximum(np.abs(A).max(axis=(1, 2)), 1e-300)
    resid = np.abs(V * lam[:, None, :] @ Vinv - A).max(axis=(1, 2)) / scale
    ok &= resid <= 1e-9
    lam = np.where(ok[:, None], lam, 0.0)
    V = np.where(ok[:, None, None], V, eye)
    Vinv = np.where(ok[:, None, None], Vinv, eye)
    return Modal(np.ascontiguousarray(lam), np.ascontiguousarray(V), np.ascontiguousarray(Vinv), ok)


def _inv(V: np.ndarray) -> np.ndarray:
    """Batched inverse; a singular matrix gets NaNs (its patient fails the checks) instead of an error."""
    try:
        return np.asarray(np.linalg.inv(V))
    except np.linalg.LinAlgError:
        out = np.full_like(V, np.nan)
        for i in range(V.shape[0]):
            with contextlib.suppress(np.linalg.LinAlgError):
                out[i] = np.linalg.inv(V[i])
        return out


#: Decompositions of recent runs, keyed by the PK matrices' bytes: a calibration re-runs the same
#: virtual patients (common random numbers) with PD-only changes, so their PK repeats exactly.
_CACHE: OrderedDict[bytes, Modal] = OrderedDict()
_CACHE_BYTES = 256 * 2**20


def cached_modal(A: np.ndarray) -> Modal:
    """:func:`modal_decomposition` of ``A``, reused when the same matrices were decomposed recently."""
    a = np.ascontiguousarray(A, dtype=float)
    h = hashlib.blake2b(repr(a.shape).encode(), digest_size=20)
    h.update(a.tobytes())
    key = h.digest()
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        return hit
    m = modal_decomposition(a)
    _CACHE[key] = m
    size = sum(x.nbytes for v in _CACHE.values() for x in (v.lam, v.V, v.Vinv, v.ok))
    while size > _CACHE_BYTES and len(_CACHE) > 1:
        _, old = _CACHE.popitem(last=False)
        size -= sum(x.nbytes for x in (old.lam, old.V, old.Vinv, old.ok))
    return m
