"""A prepared run flattened into plain arrays, for the compiled (numba) and JAX kernels.

Events become per-step indices: the bolus and expectancy impulse applied at a
step's start, the infusion rates active during it (CSR lists), the output slot
recorded at its start. Step matrices are indexed by step-length id.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ketasim.engine.modal import cached_modal
from ketasim.engine.prepared import Prepared
from ketasim.engine.radau import RADAU_A

__all__ = ["Flat", "flatten"]


@dataclass(frozen=True)
class Flat:
    """Plain arrays of one run (see :func:`flatten`)."""

    A: np.ndarray  # (N, n, n)
    modal_lam: np.ndarray  # (N, n) PK eigenvalues (see engine.modal)
    modal_vec: np.ndarray  # (N, n, n)
    modal_vec_inv: np.ndarray  # (N, n, n)
    modal_ok: np.ndarray  # (N,) False: the patient's PK takes the matrix path
    quarter_units: np.ndarray  # (K,) quarter-step length in 0.25 s units
    sizes_h: np.ndarray  # (K,)
    step_size: np.ndarray  # (S,)
    step_start: np.ndarray  # (S,)
    bolus_at: np.ndarray  # (S,) index into boluses or -1
    boluses: np.ndarray  # (B, N, n)
    impulse_at: np.ndarray  # (S,)
    impulses: np.ndarray  # (I, N)
    rate_ptr: np.ndarray  # (S + 1,)
    rate_ids: np.ndarray
    rate_state: np.ndarray  # (R,)
    rate_vals: np.ndarray  # (R, N)
    ad_on: np.ndarray  # (S,) 1 when the new antidepressant runs during the step
    out_at: np.ndarray  # (S,) output slot recorded at the step start, or -1
    out_end: int
    n_out: int
    E: np.ndarray  # (K, nz, nz)
    W: np.ndarray  # (K, nz, 5, nu)
    R: np.ndarray  # (K, 2, 4, nz)
    WR: np.ndarray  # (K, 2, 4, 5, nu)
    e_idx: np.ndarray  # (nnz, 2) structural non-zeros of E: (row, col)
    w_idx: np.ndarray  # (nnz, 3): (state, node, input)
    r_idx: np.ndarray  # (nnz, 3): (radau node, row, col)
    wr_idx: np.ndarray  # (nnz, 4): (radau node, row, node, input)
    radau_a: np.ndarray
    row_q: np.ndarray
    row_s: np.ndarray
    row_h: np.ndarray
    beta: np.ndarray
    phi: np.ndarray
    sigma: np.ndarray
    new_ad: np.ndarray
    ampa: float
    s_pyr: float
    n_pyr: float
    h_int: float
    w_e: float
    w_hnk: float
    nsl: np.ndarray  # k_n, tau_n, k_stab, m_th, tau_s, k_mat, tau_l
    x0: np.ndarray  # initial states
    z0: np.ndarray
    y0: np.ndarray


def flatten(p: Prepared) -> Flat:
    """Flattens a prepared run."""
    g = p.grid
    S = g.n_steps
    sched = p.schedule
    bolus_times = sorted(sched.boluses)
    bolus_index = {t: i for i, t in enumerate(bolus_times)}
    impulse_times = sorted(sched.impulses)
    impulse_index = {t: i for i, t in enumerate(impulse_times)}
    N, n = p.N, p.n
    boluses = np.stack([sched.boluses[t] for t in bolus_times]) if bolus_times else np.zeros((0, N, n))
    impulses = (
        np.stack([np.broadcast_to(np.asarray(sched.impulses[t], float), (N,)) for t in impulse_times])
        if impulse_times
        else np.zeros((0, N))
    )
    starts = g.starts
    bolus_at = np.array([bolus_index.get(int(t), -1) for t in starts], dtype=np.int64)
    impulse_at = np.array([impulse_index.get(int(t), -1) for t in starts], dtype=np.int64)
    out_at = np.array([p.out_slot.get(int(t), -1) for t in starts], dtype=np.int64)
    ptr = [0]
    ids: list[int] = []
    for s in range(S):
        ids.extend(p._rate_steps[s])
        ptr.append(len(ids))
    rates = sched.rates
    cs = p.chain
    E, Wm, Rm, WRm = (np.stack([getattr(c, a) for c in cs]) for a in ("E", "W", "R", "WR"))
    nsl = p.nsl
    modal = cached_modal(p.system.A)
    return Flat(
        A=np.ascontiguousarray(p.system.A),
        modal_lam=modal.lam,
        modal_vec=modal.V,
        modal_vec_inv=modal.Vinv,
        modal_ok=modal.ok,
        quarter_units=g.sizes.astype(np.int64),
        sizes_h=g.sizes_h.astype(float),
        step_size=g.size_id.astype(np.int64),
        step_start=starts.astype(np.int64),
        bolus_at=bolus_at,
        boluses=np.ascontiguousarray(boluses),
        impulse_at=impulse_at,
        impulses=np.ascontiguousarray(impulses),
        rate_ptr=np.asarray(ptr, dtype=np.int64),
        rate_ids=np.asarray(ids, dtype=np.int64),
        rate_state=np.asarray([r.state for r in rates], dtype=np.int64),
        rate_vals=np.ascontiguousarray(np.stack([r.rate for r in rates]) if rates else np.zeros((0, N))),
        ad_on=(starts >= sched.ad_start_s).astype(float),
        out_at=out_at,
        out_end=p.out_slot.get(int(g.end), -1),
        n_out=int(p.out_times_s.size),
        E=E,
        W=Wm,
        R=Rm,
        WR=WRm,
        e_idx=_nonzero(E),
        w_idx=_nonzero(Wm),
        r_idx=_nonzero(Rm),
        wr_idx=_nonzero(WRm),
        radau_a=RADAU_A.copy(),
        row_q=np.ascontiguousarray(p.row_q),
        row_s=np.ascontiguousarray(p.row_s),
        row_h=np.ascontiguousarray(p.row_h),
        beta=p.ind.beta_bz.astype(float),
        phi=p.ind.phi.astype(float),
        sigma=p.ind.sigma.astype(float),
        new_ad=p.ind.new_ad.astype(float),
        ampa=float(p.ind.ampa),
        s_pyr=p.s_pyr,
        n_pyr=p.n_pyr,
        h_int=p.h_int,
        w_e=p.w_e,
        w_hnk=p.w_hnk,
        nsl=np.array([nsl.k_n, nsl.tau_n, nsl.k_stab, nsl.m_th, nsl.tau_s, nsl.k_mat, nsl.tau_l]),
        x0=np.ascontiguousarray(p.x0),
        z0=np.ascontiguousarray(p.z0),
        y0=np.ascontiguousarray(p.y0),
    )


def _nonzero(stack: np.ndarray) -> np.ndarray:
    """Indices where any step length has a non-zero entry (the chain's structure)."""
    return np.argwhere(np.abs(stack).max(axis=0) > 0).astype(np.int64)
