r"""Three-stage Radau IIA collocation (order 5, L-stable) for the synaptic pools.

The pools are linear in (N, S, L) once the structural drive X and the mTORC1
activity M are known at the collocation nodes, so each step is one linear
solve of size 9 per patient:
:math:`Y_i = y_0 + h\sum_j a_{ij}(J_j Y_j + f_j)`, :math:`y_1 = Y_3`.
"""

from __future__ import annotations

import math

import numpy as np

from ketasim.pd.cascade import NSLParams

__all__ = ["RADAU_A", "RADAU_C", "nsl_jacobians", "radau_nsl_step"]

_S6 = math.sqrt(6.0)
RADAU_C = np.array([(4.0 - _S6) / 10.0, (4.0 + _S6) / 10.0, 1.0])
RADAU_A = np.array(
    [
        [(88.0 - 7.0 * _S6) / 360.0, (296.0 - 169.0 * _S6) / 1800.0, (-2.0 + 3.0 * _S6) / 225.0],
        [(296.0 + 169.0 * _S6) / 1800.0, (88.0 + 7.0 * _S6) / 360.0, (-2.0 - 3.0 * _S6) / 225.0],
        [(16.0 - _S6) / 36.0, (16.0 + _S6) / 36.0, 1.0 / 9.0],
    ]
)


def nsl_jacobians(
    X: np.ndarray, M: np.ndarray, sigma: np.ndarray, p: NSLParams
) -> tuple[np.ndarray, np.ndarray]:
    """Matrices J (…, 3, 3) and forcing f (…, 3) of y' = J y + f at given X, M."""
    cap = p.capture(M)
    kx = p.k_n * X
    shape = X.shape
    J = np.zeros((*shape, 3, 3))
    J[..., 0, 0] = -(kx + sigma / p.tau_n + cap)
    J[..., 0, 1] = -kx
    J[..., 0, 2] = -kx
    J[..., 1, 0] = cap
    J[..., 1, 1] = -(sigma / p.tau_s + p.k_mat)
    J[..., 2, 1] = p.k_mat
    J[..., 2, 2] = -sigma / p.tau_l
    f = np.zeros((*shape, 3))
    f[..., 0] = kx
    return J, f


def radau_nsl_step(
    y0: np.ndarray, h: float, X: np.ndarray, M: np.ndarray, sigma: np.ndarray, p: NSLParams
) -> np.ndarray:
    """Advances the pools one step. ``y0`` (N, 3); ``X``, ``M`` (N, 3) at the three nodes."""
    N = y0.shape[0]
    J, f = nsl_jacobians(X, M, sigma[:, None], p)  # (N, 3, 3, 3), (N, 3, 3)
    K = np.zeros((N, 9, 9))
    rhs = np.tile(y0, 3)
    for i in range(3):
        for j in range(3):
            a = h * RADAU_A[i, j]
            K[:, 3 * i : 3 * i + 3, 3 * j : 3 * j + 3] = -a * J[:, j]
            rhs[:, 3 * i : 3 * i + 3] += a * f[:, j]
        K[:, 3 * i : 3 * i + 3, 3 * i : 3 * i + 3] += np.eye(3)
    Y = np.linalg.solve(K, rhs[..., None])[..., 0]
    return Y[:, 6:9]
