"""The reference time-stepping kernel, vectorised over patients with numpy.

Per step: the PK is advanced exactly in four quarter-steps; the receptor
drive and the other cascade inputs are evaluated at the five points; the
linear cascade is advanced exactly for the degree-4 input polynomial; the
synaptic pools take one Radau IIA step with the cascade's values at the
collocation nodes. Outputs are recorded at output times before that time's
events (pre-dose).
"""

from __future__ import annotations

import numpy as np

from ketasim.engine.prepared import Prepared
from ketasim.engine.radau import radau_nsl_step
from ketasim.pd.cascade import IDX
from ketasim.pd.receptor import drive

__all__ = ["Final", "run_numpy"]


Final = tuple[np.ndarray, np.ndarray, np.ndarray]


def run_numpy(p: Prepared) -> tuple[np.ndarray, np.ndarray, np.ndarray, Final]:
    """Runs the prepared problem; returns recorded (x, z, y) — (N, T, n), (N, T, nz), (N, T, 3) —
    and the final state (x, z, y)."""
    N, n = p.N, p.n
    nz = p.chain_a.shape[0]
    T = p.out_index.size
    x = p.x0.copy()
    z = p.z0.copy()
    y = p.y0.copy()
    xr = np.zeros((N, T, n)) if p.record_x else np.zeros((N, 0, n))
    zr = np.zeros((N, T, nz))
    yr = np.zeros((N, T, 3))
    grid = p.grid
    u = np.zeros((N, 5, 4))
    for s in range(grid.n_steps):
        t0 = int(grid.starts[s])
        k = int(grid.size_id[s])
        _record(p, t0, x, z, y, xr, zr, yr)
        bolus = p.schedule.boluses.get(t0)
        if bolus is not None:
            x = x + bolus
        imp = p.schedule.impulses.get(t0)
        if imp is not None:
            z[:, IDX["EF"]] += imp
        r = p.rate_at(s)
        phi, psi = p.phi[k], p.psi[k]
        xs = [x]
        for _ in range(4):
            nxt = np.einsum("nij,nj->ni", phi, xs[-1])
            if r is not None:
                nxt = nxt + np.einsum("nij,nj->ni", psi, r)
            xs.append(nxt)
        X5 = np.stack(xs, axis=1)  # (N, 5, n)
        q = np.einsum("nij,nj->ni", X5, p.row_q)
        o_int, d = drive(q, p.s_pyr, p.n_pyr, p.h_int)
        u[:, :, 0] = (1.0 - p.ind.beta_bz)[:, None] * d
        u[:, :, 1] = p.w_e * o_int + (p.w_hnk * np.einsum("nij,nj->ni", X5, p.row_h) if p.w_hnk else 0.0)
        u[:, :, 2] = (p.ind.new_ad & (t0 >= p.schedule.ad_start_s))[:, None]
        u[:, :, 3] = np.einsum("nij,nj->ni", X5, p.row_s)
        cs = p.chain[k]
        z_new = z @ cs.E.T + np.einsum("niu,ziu->nz", u, cs.W)
        nodes_m = np.empty((N, 3))
        nodes_x = np.empty((N, 3))
        for j in range(2):
            rows = z @ cs.R[j].T + np.einsum("niu,riu->nr", u, cs.WR[j])
            nodes_m[:, j] = p.ind.phi * (p.ind.ampa * rows[:, 0] + rows[:, 1])
            nodes_x[:, j] = p.ind.phi * (p.ind.ampa * rows[:, 2] + rows[:, 3])
        nodes_m[:, 2] = p.ind.phi * (p.ind.ampa * z_new[:, IDX["M1"]] + z_new[:, IDX["M2"]])
        nodes_x[:, 2] = p.ind.phi * (p.ind.ampa * z_new[:, IDX["X1"]] + z_new[:, IDX["X2"]])
        y = radau_nsl_step(y, float(grid.sizes_h[k]), nodes_x, nodes_m, p.ind.sigma, p.nsl)
        x = xs[4]
        z = z_new
    _record(p, grid.end, x, z, y, xr, zr, yr)
    return xr, zr, yr, (x, z, y)


def _record(
    p: Prepared, t: int, x: np.ndarray, z: np.ndarray, y: np.ndarray,
    xr: np.ndarray, zr: np.ndarray, yr: np.ndarray,
) -> None:  # fmt: skip
    j = p.out_slot.get(t)
    if j is None:
        return
    if p.record_x:
        xr[:, j] = x
    zr[:, j] = z
    yr[:, j] = y
