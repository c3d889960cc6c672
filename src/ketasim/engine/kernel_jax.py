"""The JAX kernel: the numpy reference algorithm as one ``lax.scan`` over steps, for GPUs.

Vectorised over patients like :mod:`ketasim.engine.kernel_numpy`; the step
loop is a scan whose per-step inputs (step-length id, bolus, impulse, rates,
output slot) are arrays, so it compiles once per shape and runs on any JAX
device. Double precision is switched on (the engine needs it); results match
the numpy kernel to 1e-10 on the CPU (tested). The PK steps in modal coordinates like the
numba kernel when every patient's PK matrix decomposes well, else through quarter-step matrices.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ketasim.engine.flat import Flat
from ketasim.engine.pkmatrices import DELTA_H, quarter_matrices
from ketasim.pd.cascade import IDX

jax.config.update("jax_enable_x64", True)  # type: ignore[no-untyped-call]

__all__ = ["run_jax"]

# chain state indices from the chain's own table (module constants: the compiled kernel freezes them)
_EF, _M1, _M2, _X1, _X2 = (IDX[name] for name in ("EF", "M1", "M2", "X1", "X2"))


def _solve_pools(y0: Any, h: Any, X: Any, M: Any, sigma: Any, nsl: Any, ra: Any) -> Any:
    k_n, tau_n, k_stab, m_th, tau_s, k_mat, tau_l = (nsl[i] for i in range(7))
    m = jnp.maximum(M, 0.0)
    cap = k_stab * m**4 / (m_th**4 + m**4)
    kx = k_n * X
    N = y0.shape[0]
    s = sigma[:, None]
    J = jnp.zeros((N, 3, 3, 3))
    J = J.at[:, :, 0, 0].set(-(kx + s / tau_n + cap))
    J = J.at[:, :, 0, 1].set(-kx)
    J = J.at[:, :, 0, 2].set(-kx)
    J = J.at[:, :, 1, 0].set(cap)
    J = J.at[:, :, 1, 1].set(jnp.broadcast_to(-(s / tau_s + k_mat), (N, 3)))
    J = J.at[:, :, 2, 1].set(k_mat)
    J = J.at[:, :, 2, 2].set(jnp.broadcast_to(-s / tau_l, (N, 3)))
    f = jnp.zeros((N, 3, 3)).at[:, :, 0].set(kx)
    a = h * ra  # (3, 3)
    K = jnp.einsum("ij,njab->niajb", -a, J).reshape(N, 9, 9) + jnp.eye(9)
    rhs = jnp.tile(y0, (1, 3)) + jnp.einsum("ij,nja->nia", a, f).reshape(N, 9)
    Y = jnp.linalg.solve(K, rhs[..., None])[..., 0]
    return Y[:, 6:9]


def run_jax(
    f: Flat, *, record_x: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Runs a flattened problem with JAX; returns recorded (x, z, y) and the final state."""
    N, n, _ = f.A.shape
    nz = f.E.shape[1]
    T = f.n_out
    # modal coordinates w = V^-1 x when every patient decomposes well, else the matrix path
    modal = bool(f.modal_ok.all())
    V, Vinv = f.modal_vec, f.modal_vec_inv
    if modal:
        tau = f.quarter_units * DELTA_H
        lt = f.modal_lam[None, :, :] * tau[:, None, None]  # (K, N, n)
        safe = np.where(lt == 0.0, 1.0, lt)
        phi = jnp.asarray(np.exp(lt))
        psi = jnp.asarray(np.where(lt == 0.0, 1.0, np.expm1(lt) / safe) * tau[:, None, None])
        bol = np.einsum("nij,bnj->bni", Vinv, f.boluses)
        x0 = np.einsum("nij,nj->ni", Vinv, f.x0)
        rq, rs, rh = (jnp.asarray(np.einsum("nj,nji->ni", r_, V)) for r_ in (f.row_q, f.row_s, f.row_h))
    else:
        phi_np, psi_np = quarter_matrices(f.A, f.quarter_units)
        phi, psi = jnp.asarray(phi_np), jnp.asarray(psi_np)
        bol, x0 = f.boluses, f.x0
        rq, rs, rh = jnp.asarray(f.row_q), jnp.asarray(f.row_s), jnp.asarray(f.row_h)
    E, W, R, WR = (jnp.asarray(a) for a in (f.E, f.W, f.R, f.WR))
    boluses = jnp.concatenate([jnp.asarray(bol), jnp.zeros((1, N, n))])
    impulses = jnp.concatenate([jnp.asarray(f.impulses), jnp.zeros((1, N))])
    n_rates = f.rate_state.shape[0]
    active = np.zeros((f.step_size.shape[0], max(n_rates, 1)))
    for s in range(f.step_size.shape[0]):
        active[s, f.rate_ids[f.rate_ptr[s] : f.rate_ptr[s + 1]]] = 1.0
    # input direction of each rate per patient: a unit vector, or its modal image V^-1 e
    onehot = np.zeros((max(n_rates, 1), N, n))
    if n_rates:
        onehot[np.arange(n_rates), :, f.rate_state] = 1.0
        if modal:
            onehot = np.einsum("nij,rnj->rni", Vinv, onehot)
    rate_vals = jnp.asarray(f.rate_vals if n_rates else np.zeros((1, N)))
    one_minus_beta = jnp.asarray(1.0 - f.beta)
    gain, sigma, new_ad = jnp.asarray(f.phi), jnp.asarray(f.sigma), jnp.asarray(f.new_ad)
    nsl, ra = jnp.asarray(f.nsl), jnp.asarray(f.radau_a)
    sizes_h = jnp.asarray(f.sizes_h)
    xs_in = {
        "k": jnp.asarray(f.step_size),
        "bolus": jnp.asarray(np.where(f.bolus_at >= 0, f.bolus_at, f.boluses.shape[0])),
        "impulse": jnp.asarray(np.where(f.impulse_at >= 0, f.impulse_at, f.impulses.shape[0])),
        "active": jnp.asarray(active),
        "ad": jnp.asarray(f.ad_on),
        "slot": jnp.asarray(f.out_at),
    }
    onehot_j = jnp.asarray(onehot)

    def record(buffers: Any, slot: Any, x: Any, z: Any, y: Any) -> Any:
        xb, zb, yb = buffers
        ok = slot >= 0
        i = jnp.maximum(slot, 0)
        zb = zb.at[:, i].set(jnp.where(ok, z, zb[:, i]))
        yb = yb.at[:, i].set(jnp.where(ok, y, yb[:, i]))
        if record_x:
            xb = xb.at[:, i].set(jnp.where(ok, x, xb[:, i]))
        return xb, zb, yb

    def step(carry: Any, inp: Any) -> Any:
        x, z, y, buffers = carry
        buffers = record(buffers, inp["slot"], x, z, y)
        x = x + boluses[inp["bolus"]]
        z = z.at[:, _EF].add(impulses[inp["impulse"]])
        r = jnp.einsum("r,rn,rnj->nj", inp["active"], rate_vals, onehot_j)
        k = inp["k"]
        ph, ps = phi[k], psi[k]
        nodes = [x]
        for _ in range(4):
            if modal:
                nodes.append(ph * nodes[-1] + ps * r)
            else:
                nodes.append(jnp.einsum("nij,nj->ni", ph, nodes[-1]) + jnp.einsum("nij,nj->ni", ps, r))
        X5 = jnp.stack(nodes, axis=1)
        q = jnp.maximum(jnp.einsum("nij,nj->ni", X5, rq), 0.0)
        o_int = q / (1.0 + q)
        qp = q / f.s_pyr
        d = o_int**f.h_int * (1.0 - qp / (1.0 + qp)) ** f.n_pyr
        u = jnp.stack(
            [
                one_minus_beta[:, None] * d,
                f.w_e * o_int + f.w_hnk * jnp.einsum("nij,nj->ni", X5, rh),
                jnp.broadcast_to((new_ad * inp["ad"])[:, None], q.shape),
                jnp.einsum("nij,nj->ni", X5, rs),
            ],
            axis=-1,
        )
        z_new = z @ E[k].T + jnp.einsum("niu,ziu->nz", u, W[k])
        rows = jnp.einsum("jrc,nc->njr", R[k], z) + jnp.einsum("niu,jriu->njr", u, WR[k])
        g = gain[:, None]
        m_nodes = jnp.concatenate(
            [
                g * (f.ampa * rows[:, :, 0] + rows[:, :, 1]),
                (gain * (f.ampa * z_new[:, _M1] + z_new[:, _M2]))[:, None],
            ],
            axis=1,
        )
        x_nodes = jnp.concatenate(
            [
                g * (f.ampa * rows[:, :, 2] + rows[:, :, 3]),
                (gain * (f.ampa * z_new[:, _X1] + z_new[:, _X2]))[:, None],
            ],
            axis=1,
        )
        y = _solve_pools(y, sizes_h[k], x_nodes, m_nodes, sigma, nsl, ra)
        return (nodes[4], z_new, y, buffers), None

    buffers0 = (jnp.zeros((N, T if record_x else 0, n)), jnp.zeros((N, T, nz)), jnp.zeros((N, T, 3)))
    carry0 = (jnp.asarray(x0), jnp.asarray(f.z0), jnp.asarray(f.y0), buffers0)
    (x, z, y, buffers), _ = jax.lax.scan(step, carry0, xs_in)
    if f.out_end >= 0:
        buffers = record(buffers, jnp.asarray(f.out_end), x, z, y)
    xb, zb, yb = (np.asarray(a) for a in buffers)
    x_end = np.asarray(x)
    if modal:  # back to physical coordinates
        xb = np.einsum("nij,ntj->nti", V, xb)
        x_end = np.einsum("nij,nj->ni", V, x_end)
    return xb, zb, yb, (x_end, np.asarray(z), np.asarray(y))
