r"""The cascade from the disinhibition drive to synapses, as ordered first-order stages.

Linear signalling chain (rates shared by all patients; patient gains applied
to its outputs, which is exact because the chain is linear)::

    G'  = (GMAX·u1 - G)/τG                    glutamate surge, u1 = (1-β)·D
    B1' = (G - B1)/τB                          BDNF via AMPA (the surge route)
    B2' = (u2 - B2)/τB                         BDNF direct (eEF2 route), u2 = wE·O_int [+ wH·HNK]
    Mk' = (Bk - Mk)/τM                         mTORC1 pulse
    Pk' = (Mk - Pk)/τP                         synaptic proteins
    Xk' = (Pk - Xk)/τX                         structural drive (spine formation from 12-24 h)
    W1' = (M1 - W1)/τW                         fast, spine-independent functional term (surge route)
    M = φ(a·M1 + M2),  X = φ(a·X1 + X2),  W = φ·a·W1    φ: Val66Met secretion × mTOR switch, a: AMPA

The fast term follows the surge (AMPA) route only: the early response tracks
the peak of the glutamate surge, and NBQX-like AMPA blockade removes it
(Maeng 2008).

Synaptic pools (fractions of the stress-induced deficit, per patient)::

    N' = kN·X·(1 - N - S - L) - (σ/τN + c(M))·N     labile spines
    S' = c(M)·N - (σ/τS + kmat)·S                    stabilised by a later mTORC1 pulse
    L' = kmat·S - σ/τL·L                             mature
    c(M) = KSTAB·M⁴/(MTH⁴ + M⁴)

The same linear system also carries the non-specific components (expectancy
``EF``, ``ES``; background antidepressant ``AD``) and tolerance to dissociation
``TOL`` (see :mod:`ketasim.pd.nonspecific`, :mod:`ketasim.pd.acute`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ketasim.model import Model

__all__ = ["CHAIN_STATES", "IDX", "INPUTS", "STAGES", "Chain", "NSLParams", "chain", "nsl_rhs"]

CHAIN_STATES = ("G", "B1", "B2", "M1", "M2", "P1", "P2", "X1", "X2", "W1", "EF", "ES", "AD", "TOL")
INPUTS = ("u_surge", "u_direct", "u_ad", "u_tol")
IDX = {name: i for i, name in enumerate(CHAIN_STATES)}

#: The cascade's stages in order: (state, what it stands for, driven by).
STAGES = (
    ("O_int, D", "NMDA block on interneurons; disinhibition drive (inverted U)", "effect-site conc."),
    ("G", "prefrontal glutamate surge", "D"),
    ("B", "BDNF release (AMPA/L-VDCC route and direct eEF2 route)", "G, O_int"),
    ("M", "mTORC1 activity pulse", "B"),
    ("P", "synaptic proteins", "M"),
    ("X", "structural drive: spine formation", "P"),
    ("W", "fast spine-independent functional term", "M"),
    ("N", "labile new spines", "X, bounded by the deficit"),
    ("S", "spines stabilised by a later mTORC1 pulse", "N, M"),
    ("L", "mature spines", "S"),
)


@dataclass(frozen=True)
class Chain:
    """``z' = A z + B u`` shared by every patient (rates in 1/h)."""

    A: np.ndarray
    B: np.ndarray


def chain(model: Model) -> Chain:
    """The linear part of the cascade for ``model`` (time in hours)."""
    g, b, m = model.glutamate, model.bdnf, model.mtor
    c, ns, ac = model.cascade, model.nonspecific, model.acute
    tau_g, tau_b, tau_m = g.value("TAU_G"), b.value("TAU_B"), m.value("TAU_M")
    tau_p, tau_x = m.value("TAU_P"), model.spine_timing.value("TAU_X")
    tau_w = c.value("TAU_W")
    n = len(CHAIN_STATES)
    A = np.zeros((n, n))
    B = np.zeros((n, len(INPUTS)))

    def relax(state: str, tau: float, source: str | None = None) -> None:
        A[IDX[state], IDX[state]] = -1.0 / tau
        if source is not None:
            A[IDX[state], IDX[source]] = 1.0 / tau

    A[IDX["G"], IDX["G"]] = -1.0 / tau_g
    B[IDX["G"], 0] = g.value("GMAX") / tau_g
    relax("B1", tau_b, "G")
    relax("B2", tau_b)
    B[IDX["B2"], 1] = 1.0 / tau_b
    for k in ("1", "2"):
        relax("M" + k, tau_m, "B" + k)
        relax("P" + k, tau_p, "M" + k)
        relax("X" + k, tau_x, "P" + k)
    relax("W1", tau_w, "M1")
    A[IDX["EF"], IDX["EF"]] = -1.0 / ns.value("TAU_EF")
    A[IDX["ES"], IDX["ES"]] = -1.0 / ns.value("TAU_ES")
    A[IDX["ES"], IDX["EF"]] = ns.value("K_ES")
    tau_ad = ns.value("TAU_AD")
    A[IDX["AD"], IDX["AD"]] = -1.0 / tau_ad
    B[IDX["AD"], 2] = 1.0 / tau_ad
    A[IDX["TOL"], IDX["TOL"]] = -1.0 / ac.value("TAU_TOL")
    B[IDX["TOL"], 3] = ac.value("K_TOL")
    return Chain(A, B)


@dataclass(frozen=True)
class NSLParams:
    """Shared rates of the synaptic pools (per hour)."""

    k_n: float
    tau_n: float
    k_stab: float
    m_th: float
    tau_s: float
    k_mat: float
    tau_l: float

    @classmethod
    def of(cls, model: Model) -> NSLParams:
        c = model.cascade
        return cls(
            c.value("K_N"), c.value("TAU_N"), c.value("K_STAB"), c.value("M_TH"),
            c.value("TAU_S"), c.value("K_MAT"), c.value("TAU_L"),
        )  # fmt: skip

    def capture(self, M: np.ndarray) -> np.ndarray:
        """Capture rate c(M) of labile spines (1/h)."""
        m4 = np.maximum(M, 0.0) ** 4
        return self.k_stab * m4 / (self.m_th**4 + m4)


def nsl_rhs(y: np.ndarray, X: np.ndarray, M: np.ndarray, sigma: np.ndarray, p: NSLParams) -> np.ndarray:
    """Right-hand side of the synaptic pools; ``y`` is ``(..., 3)`` = (N, S, L)."""
    N, S, L = y[..., 0], y[..., 1], y[..., 2]
    cap = p.capture(M)
    dN = p.k_n * X * (1.0 - N - S - L) - (sigma / p.tau_n + cap) * N
    dS = cap * N - (sigma / p.tau_s + p.k_mat) * S
    dL = p.k_mat * S - sigma / p.tau_l * L
    return np.stack([dN, dS, dL], axis=-1)
