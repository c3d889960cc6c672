r"""Per-patient matrices for exact PK quarter-steps, built by squaring from a 0.25 s base.

For each step length ``h`` of the grid the engine advances the PK in four
quarter-steps, so it needs :math:`\Phi = e^{Ah/4}` and :math:`\Psi = \int_0^{h/4} e^{As}ds`
per patient. With :math:`\delta` = 0.25 s, :math:`h/4 = h_{[s]}\,\delta`: the base pair
:math:`(\Phi(\delta), \Psi(\delta))` comes from a Taylor series (‖Aδ‖ < 1e-2), powers of
two by doubling :math:`\Phi(2t) = \Phi(t)^2`, :math:`\Psi(2t) = \Psi(t) + \Phi(t)\Psi(t)`,
and each quarter-step by composing the powers of two in the binary expansion of
:math:`h_{[s]}`. Every operation is batched over patients.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["DELTA_H", "quarter_matrices"]

DELTA_H = 0.25 / 3600.0  # the base step: 0.25 s in hours


def _base(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(Φ(δ), Ψ(δ)) by Taylor series; terms until they fall below round-off."""
    N, n, _ = A.shape
    Ad = A * DELTA_H
    eye = np.broadcast_to(np.eye(n), (N, n, n))
    phi = eye.copy()
    psi_sum = eye.copy()  # Σ (Aδ)^k/(k+1)!
    term = eye.copy()
    for k in range(1, 20):
        term = term @ Ad / k
        phi = phi + term
        psi_sum = psi_sum + term / (k + 1)
        if float(np.max(np.abs(term))) < 1e-19:
            break
    return phi, psi_sum * DELTA_H


def _compose(
    a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """(Φ(s+t), Ψ(s+t)) from (Φ(s), Ψ(s)) and (Φ(t), Ψ(t))."""
    return a[0] @ b[0], a[1] + a[0] @ b[1]


def quarter_matrices(A: np.ndarray, sizes_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Returns ``(Phi, Psi)`` of shape ``(K, N, n, n)``: quarter-step matrices for each step length."""
    sizes = [int(s) for s in sizes_s]
    top = max(1, max(sizes).bit_length())
    ladder = [_base(A)]
    for _ in range(1, top):
        ladder.append(_compose(ladder[-1], ladder[-1]))
    K = len(sizes)
    N, n, _ = A.shape
    Phi = np.empty((K, N, n, n))
    Psi = np.empty((K, N, n, n))
    for i, size in enumerate(sizes):
        acc: tuple[np.ndarray, np.ndarray] | None = None
        for bit in range(size.bit_length()):
            if size >> bit & 1:
                acc = ladder[bit] if acc is None else _compose(acc, ladder[bit])
        assert acc is not None
        Phi[i], Psi[i] = acc
    if not math.isfinite(float(np.max(np.abs(Phi)))):
        raise FloatingPointError("non-finite PK propagator")
    return Phi, Psi
