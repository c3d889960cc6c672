r"""Shared matrices that advance the linear cascade exactly over one step.

Inside a step of length ``h`` the inputs ``u`` are known at the fractions
0, 1/4, 1/2, 3/4, 1 (from the exact PK) and interpolated by the degree-4
polynomial through them. For that input the solution of ``z' = Az + Bu`` is
exact: with :math:`u(\sigma h) = \sum_m a_m\sigma^m`,
:math:`z(\theta h) = e^{A\theta h}z_0 + \sum_m G_m(\theta) a_m`, where every
:math:`G_m` and :math:`e^{A\theta h}` are read off one matrix exponential of an
augmented system that generates the powers of :math:`\sigma`. The rates have
no between-patient variability, so these matrices are shared by every patient
and cached per step length.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from ketasim.engine.radau import RADAU_C
from ketasim.pd.cascade import IDX

__all__ = ["NODES", "NODE_ROWS", "ChainStep", "chain_step"]

NODES = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
#: Chain rows needed inside the step (for the synaptic pools): M1, M2, X1, X2.
NODE_ROWS = np.array([IDX["M1"], IDX["M2"], IDX["X1"], IDX["X2"]])
_VINV = np.linalg.inv(np.vander(NODES, 5, increasing=True))  # node values -> monomial coefficients


@dataclass(frozen=True)
class ChainStep:
    """``z(h) = E z0 + Σ_i W[:, i, :] u_i``; node rows ``R[j] z0 + Σ_i WR[j][:, i, :] u_i``."""

    E: np.ndarray  # (nz, nz)
    W: np.ndarray  # (nz, 5, nu)
    R: np.ndarray  # (2, 4, nz)   at the two interior Radau nodes
    WR: np.ndarray  # (2, 4, 5, nu)


def _response(A: np.ndarray, B: np.ndarray, h: float, theta: float) -> tuple[np.ndarray, np.ndarray]:
    """(e^{Aθh}, G) with G[m] the response at θh to input σ^m (σ = s/h), zero initial state.

    One exponential of the augmented system z' = Ah·z + Bh·w_4, w_j' = w_{j-1} (σ as time):
    started from w_{4-m} = 1 it feeds z the input σ^m/m!, so its columns hold every G[m] and
    its leading block is e^{Aθh}.
    """
    nz, nu = B.shape
    size = nz + 5 * nu
    M = np.zeros((size, size))
    M[:nz, :nz] = A * h
    M[:nz, nz + 4 * nu :] = B * h
    for j in range(1, 5):
        M[nz + j * nu : nz + (j + 1) * nu, nz + (j - 1) * nu : nz + j * nu] = np.eye(nu)
    X = scipy.linalg.expm(M * theta)
    G = np.empty((5, nz, nu))
    for m in range(5):
        G[m] = math.factorial(m) * X[:nz, nz + (4 - m) * nu : nz + (5 - m) * nu]
    return X[:nz, :nz].copy(), G


def chain_step(A: np.ndarray, B: np.ndarray, h: float) -> ChainStep:
    """The shared step matrices for step length ``h`` (hours)."""
    E, G1 = _response(A, B, h, 1.0)
    W = np.einsum("mzu,mi->ziu", G1, _VINV)
    R = np.empty((2, NODE_ROWS.size, A.shape[0]))
    WR = np.empty((2, NODE_ROWS.size, 5, B.shape[1]))
    for j, c in enumerate(RADAU_C[:2]):
        Ej, Gj = _response(A, B, h, float(c))
        R[j] = Ej[NODE_ROWS]
        WR[j] = np.einsum("mzu,mi->ziu", Gj[:, NODE_ROWS, :], _VINV)
    return ChainStep(E, W, R, WR)
