r"""Per-patient PK in modal coordinates: :math:`A = V \Lambda V^{-1}`, decomposed once per run.

In the coordinates :math:`w = V^{-1}x` every PK quarter-step of length :math:`\tau` is diagonal:
:math:`w \leftarrow e^{\lambda\tau} w + \frac{e^{\lambda\tau}-1}{\lambda}\,V^{-1}r`, which is
exact like the matrix path of :mod:`ketasim.engine.pkmatrices` but costs n instead of n² products.
A patient whose eigenvalues are not all real, or whose eigenvector matrix is ill-conditioned
(round-off in :math:`V^{-1}` grows with its condition number), is marked for the matrix path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["MAX_CONDITION", "Modal", "modal_decomposition"]

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
    cond = np.linalg.cond(V)
    ok = real & np.isfinite(cond) & (cond <= max_condition)
    V = np.where(ok[:, None, None], V, eye)
    Vinv = np.linalg.inv(V)
    # the decomposition must reproduce A: a defective matrix passes eig but not this
    scale = np.maximum(np.abs(A).max(axis=(1, 2)), 1e-300)
    resid = np.abs(V * lam[:, None, :] @ Vinv - A).max(axis=(1, 2)) / scale
    ok &= resid <= 1e-9
    lam = np.where(ok[:, None], lam, 0.0)
    V = np.where(ok[:, None, None], V, eye)
    Vinv = np.where(ok[:, None, None], Vinv, eye)
    return Modal(np.ascontiguousarray(lam), np.ascontiguousarray(V), np.ascontiguousarray(Vinv), ok)
