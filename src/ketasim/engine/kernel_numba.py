"""The compiled time-stepping kernel (numba): patients in SIMD blocks.

The same algorithm as :mod:`ketasim.engine.kernel_numpy`. Patients are
processed in blocks of ``B``; every per-patient array keeps the patient index
last and every arithmetic loop runs over it innermost, so the compiler emits
vector instructions (the cores of a small machine give little; vector width is
the speed-up). The PK of a patient whose matrix decomposes well runs in modal
coordinates (:mod:`ketasim.engine.modal`: a diagonal multiply per quarter-step);
the others, in blocks of their own, through per-patient quarter-step matrices
(Taylor base, doubling, binary composition). The linear cascade uses only the
structural non-zeros of its step matrices; the Radau system of the synaptic
pools is reduced by block elimination (S and L are linear in N) to one 3x3
solve (adjugate). Agrees with the numpy reference to round-off (tested at 1e-12).
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit

from ketasim.engine.flat import Flat
from ketasim.engine.pkmatrices import DELTA_H
from ketasim.errors import InputError
from ketasim.pd.cascade import IDX

__all__ = ["engine_threads", "run_numba"]

# chain state indices from the chain's own table (module constants: the compiled kernel freezes them)
_EF, _M1, _M2, _X1, _X2 = (IDX[name] for name in ("EF", "M1", "M2", "X1", "X2"))


@njit(cache=True, error_model="numpy")
def _matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    n = a.shape[0]
    for i in range(n):
        for j in range(n):
            s = 0.0
            for k in range(n):
                s += a[i, k] * b[k, j]
            out[i, j] = s


@njit(cache=True, error_model="numpy")
def _quarter(A: np.ndarray, units: np.ndarray, phi_q: np.ndarray, psi_q: np.ndarray, col: int) -> None:
    """Quarter-step (Φ, Ψ) of one patient for every step length, into ``[..., col]``.

    The same algorithm as ``pkmatrices.quarter_matrices`` (Taylor base, doubling, composition).
    """
    n = A.shape[0]
    top = 1
    for k in range(units.shape[0]):
        b = 0
        u = units[k]
        while u > 0:
            b += 1
            u >>= 1
        top = max(top, b)
    lad_phi = np.empty((top, n, n))
    lad_psi = np.empty((top, n, n))
    term = np.eye(n)
    tmp = np.empty((n, n))
    phi = np.eye(n)
    psis = np.eye(n)
    for k in range(1, 20):
        _matmul(term, A, tmp)
        big = 0.0
        for i in range(n):
            for j in range(n):
                term[i, j] = tmp[i, j] * DELTA_H / k
                phi[i, j] += term[i, j]
                psis[i, j] += term[i, j] / (k + 1)
                big = max(big, abs(term[i, j]))
        if big < 1e-19:
            break
    lad_phi[0] = phi
    lad_psi[0] = psis * DELTA_H
    for lv in range(1, top):
        _matmul(lad_phi[lv - 1], lad_phi[lv - 1], lad_phi[lv])
        _matmul(lad_phi[lv - 1], lad_psi[lv - 1], tmp)
        for i in range(n):
            for j in range(n):
                lad_psi[lv, i, j] = lad_psi[lv - 1, i, j] + tmp[i, j]
    acc_phi = np.empty((n, n))
    acc_psi = np.empty((n, n))
    tmp2 = np.empty((n, n))
    for k in range(units.shape[0]):
        size = units[k]
        first = True
        bit = 0
        while size >> bit:
            if (size >> bit) & 1:
                if first:
                    acc_phi[:, :] = lad_phi[bit]
                    acc_psi[:, :] = lad_psi[bit]
                    first = False
                else:
                    _matmul(acc_phi, lad_psi[bit], tmp)
                    _matmul(acc_phi, lad_phi[bit], tmp2)
                    for i in range(n):
                        for j in range(n):
                            acc_psi[i, j] += tmp[i, j]
                            acc_phi[i, j] = tmp2[i, j]
            bit += 1
        for i in range(n):
            for j in range(n):
                phi_q[k, i, j, col] = acc_phi[i, j]
                psi_q[k, i, j, col] = acc_psi[i, j]


@njit(cache=True, error_model="numpy")
def _inv3(m: np.ndarray, out: np.ndarray) -> None:
    a, b, c = m[0, 0], m[0, 1], m[0, 2]
    d, e, f = m[1, 0], m[1, 1], m[1, 2]
    g, h, i = m[2, 0], m[2, 1], m[2, 2]
    c00, c01, c02 = e * i - f * h, -(d * i - f * g), d * h - e * g
    det = a * c00 + b * c01 + c * c02
    out[0, 0], out[1, 0], out[2, 0] = c00 / det, c01 / det, c02 / det
    out[0, 1] = -(b * i - c * h) / det
    out[1, 1] = (a * i - c * g) / det
    out[2, 1] = -(a * h - b * g) / det
    out[0, 2] = (b * f - c * e) / det
    out[1, 2] = -(a * f - c * d) / det
    out[2, 2] = (a * e - b * d) / det


@njit(cache=True, error_model="numpy")
def _pool_matrices(sigma, k_mat, tau_s, tau_l, sizes_h, ra, P_b, s_b, T_l, s_g, col):  # type: ignore[no-untyped-def]
    """Per step length: h·Mβ·A, Mβ·1, h·kmat·Mγ·A, Mγ·1 with Mx = (I + h·x·A)^-1, into ``[..., col]``."""
    beta = sigma / tau_s + k_mat
    gamma = sigma / tau_l
    m = np.empty((3, 3))
    inv = np.empty((3, 3))
    for k in range(sizes_h.shape[0]):
        h = sizes_h[k]
        for which in range(2):
            rate = beta if which == 0 else gamma
            for i in range(3):
                for j in range(3):
                    m[i, j] = (1.0 if i == j else 0.0) + h * rate * ra[i, j]
            _inv3(m, inv)
            for i in range(3):
                rs = 0.0
                for j in range(3):
                    rs += inv[i, j]
                    acc = 0.0
                    for q in range(3):
                        acc += inv[i, q] * ra[q, j]
                    if which == 0:
                        P_b[k, i, j, col] = h * acc
                    else:
                        T_l[k, i, j, col] = h * k_mat * acc
                if which == 0:
                    s_b[k, i, col] = rs
                else:
                    s_g[k, i, col] = rs


@njit(cache=True, error_model="numpy")
def _ipow(x: float, p: float) -> float:
    """x**p, by multiplication when p is a small whole number (the usual case)."""
    if p == int(p) and 0 <= p <= 8:
        out = 1.0
        for _ in range(int(p)):
            out *= x
        return out
    return x**p


@njit(cache=True, error_model="numpy")
def _physical(x: np.ndarray, Vm: np.ndarray, b: int, modal: bool, out: np.ndarray) -> None:
    """Patient ``b``'s PK state in physical coordinates (V·w when the block is modal)."""
    n = x.shape[0]
    for j in range(n):
        if modal:
            acc = 0.0
            for c_ in range(n):
                acc += Vm[j, c_, b] * x[c_, b]
            out[j] = acc
        else:
            out[j] = x[j, b]


@njit(cache=True, error_model="numpy")
def _block(  # type: ignore[no-untyped-def]
    lo, hi, A, units, sizes_h, step_size, bolus_at, boluses, impulse_at, impulses, rate_ptr, rate_ids,
    rate_state, rate_vals, ad_on, out_at, out_end, E, W, R, WR, e_idx, w_idx, r_idx, wr_idx, ra,
    row_q, row_s, row_h, beta, phi_g, sigma, new_ad, ampa, s_pyr, n_pyr, h_int, w_e, w_hnk, nsl,
    record_x, lam, V, Vinv, perm, modal, x0, z0, y0, given_phi, given_psi, xr, zr, yr, xf, zf, yf,
):  # fmt: skip
    """Advances patients perm[lo..hi-1] over the whole grid.

    ``modal``: the block's PK runs in modal coordinates w = V^-1 x (diagonal quarter-steps);
    otherwise through per-patient quarter-step matrices. ``given_phi``/``given_psi``
    (K, N, n, n), when not empty, replace those matrices (used to test the stepping alone
    against the numpy kernel with identical matrices).
    """
    B = hi - lo
    pid = np.empty(B, np.int64)
    for b in range(B):
        pid[b] = perm[lo + b]
    n = A.shape[1]
    K = units.shape[0]
    S = step_size.shape[0]
    nz = E.shape[1]
    k_n, tau_n, k_stab, m_th, tau_s, k_mat, tau_l = nsl[0], nsl[1], nsl[2], nsl[3], nsl[4], nsl[5], nsl[6]
    m_th4 = m_th**4
    KM = 0 if modal else K
    phi_q = np.empty((KM, n, n, B))
    psi_q = np.empty((KM, n, n, B))
    KD = K if modal else 0
    dq = np.empty((KD, n, B))  # e^(λτ) per quarter-step length
    gq = np.empty((KD, n, B))  # (e^(λτ) - 1)/λ
    Vm = np.empty((n, n, B))
    Vi = np.empty((n, n, B))
    P_b = np.empty((K, 3, 3, B))
    s_b = np.empty((K, 3, B))
    T_l = np.empty((K, 3, 3, B))
    s_g = np.empty((K, 3, B))
    for b in range(B):
        if modal:
            for i_ in range(n):
                for j_ in range(n):
                    Vm[i_, j_, b] = V[pid[b], i_, j_]
                    Vi[i_, j_, b] = Vinv[pid[b], i_, j_]
            for kk in range(K):
                tau = units[kk] * DELTA_H
                for i_ in range(n):
                    lt = lam[pid[b], i_] * tau
                    dq[kk, i_, b] = math.exp(lt)
                    gq[kk, i_, b] = tau * math.expm1(lt) / lt if lt != 0.0 else tau
        elif given_phi.shape[0] > 0:
            for kk in range(K):
                for i_ in range(n):
                    for j_ in range(n):
                        phi_q[kk, i_, j_, b] = given_phi[kk, pid[b], i_, j_]
                        psi_q[kk, i_, j_, b] = given_psi[kk, pid[b], i_, j_]
        else:
            _quarter(A[pid[b]], units, phi_q, psi_q, b)
        _pool_matrices(sigma[pid[b]], k_mat, tau_s, tau_l, sizes_h, ra, P_b, s_b, T_l, s_g, b)
    rq = np.empty((n, B))
    rs = np.empty((n, B))
    rh = np.empty((n, B))
    for c_ in range(n):
        for b in range(B):
            if modal:  # the output rows act on w: row·V
                aq = as_ = ah = 0.0
                for j_ in range(n):
                    aq += row_q[pid[b], j_] * Vm[j_, c_, b]
                    as_ += row_s[pid[b], j_] * Vm[j_, c_, b]
                    ah += row_h[pid[b], j_] * Vm[j_, c_, b]
                rq[c_, b], rs[c_, b], rh[c_, b] = aq, as_, ah
            else:
                rq[c_, b] = row_q[pid[b], c_]
                rs[c_, b] = row_s[pid[b], c_]
                rh[c_, b] = row_h[pid[b], c_]
    one_minus_beta = np.empty(B)
    gain = np.empty(B)
    sig_n = np.empty(B)
    nad = np.empty(B)
    for b in range(B):
        one_minus_beta[b] = 1.0 - beta[pid[b]]
        gain[b] = phi_g[pid[b]]
        sig_n[b] = sigma[pid[b]] / tau_n
        nad[b] = new_ad[pid[b]]
    x = np.empty((n, B))
    z = np.empty((nz, B))
    y = np.empty((3, B))
    for b in range(B):
        for j in range(n):
            if modal:
                acc = 0.0
                for c_ in range(n):
                    acc += Vi[j, c_, b] * x0[pid[b], c_]
                x[j, b] = acc
            else:
                x[j, b] = x0[pid[b], j]
        for j in range(nz):
            z[j, b] = z0[pid[b], j]
        for j in range(3):
            y[j, b] = y0[pid[b], j]
    cur = np.empty((n, B))
    nxt = np.empty((n, B))
    u = np.zeros((5, 4, B))
    r = np.zeros((n, B))
    rho = np.zeros((n, B))
    xp = np.empty(n)
    zn = np.empty((nz, B))
    rows = np.empty((2, 4, B))
    mm = np.empty((3, B))
    kx = np.empty((3, B))
    al = np.empty((3, B))
    cap = np.empty((3, B))
    c = np.empty((3, B))
    C = np.empty((3, 3, B))
    Ts = np.empty((3, 3, B))
    M3 = np.empty((3, 3, B))
    rhs = np.empty((3, B))
    Nst = np.empty((3, B))
    s0 = np.empty((3, B))
    l0 = np.empty((3, B))
    for s in range(S):
        slot = out_at[s]
        if slot >= 0:
            for b in range(B):
                if record_x:
                    _physical(x, Vm, b, modal, xp)
                    for j in range(n):
                        xr[pid[b], slot, j] = xp[j]
                for j in range(nz):
                    zr[pid[b], slot, j] = z[j, b]
                for j in range(3):
                    yr[pid[b], slot, j] = y[j, b]
        bi = bolus_at[s]
        if bi >= 0:
            for j in range(n):
                for b in range(B):
                    if modal:
                        acc = 0.0
                        for c_ in range(n):
                            acc += Vi[j, c_, b] * boluses[bi, pid[b], c_]
                        x[j, b] += acc
                    else:
                        x[j, b] += boluses[bi, pid[b], j]
        im = impulse_at[s]
        if im >= 0:
            for b in range(B):
                z[_EF, b] += impulses[im, pid[b]]
        has_rate = rate_ptr[s + 1] > rate_ptr[s]
        if has_rate:
            r[:, :] = 0.0
            for q in range(rate_ptr[s], rate_ptr[s + 1]):
                rid = rate_ids[q]
                st = rate_state[rid]
                for b in range(B):
                    r[st, b] += rate_vals[rid, pid[b]]
            if modal:
                for a_ in range(n):
                    for b in range(B):
                        acc = 0.0
                        for c_ in range(n):
                            acc += Vi[a_, c_, b] * r[c_, b]
                        rho[a_, b] = acc
        k = step_size[s]
        h = sizes_h[k]
        adv = ad_on[s]
        cur[:, :] = x
        for node in range(5):
            if node > 0 and modal:
                for a_ in range(n):
                    if has_rate:
                        for b in range(B):
                            nxt[a_, b] = dq[k, a_, b] * cur[a_, b] + gq[k, a_, b] * rho[a_, b]
                    else:
                        for b in range(B):
                            nxt[a_, b] = dq[k, a_, b] * cur[a_, b]
                cur, nxt = nxt, cur
            elif node > 0:
                for a_ in range(n):
                    for b in range(B):
                        nxt[a_, b] = 0.0
                    for c_ in range(n):
                        for b in range(B):
                            nxt[a_, b] += phi_q[k, a_, c_, b] * cur[c_, b]
                    if has_rate:
                        for c_ in range(n):
                            for b in range(B):
                                nxt[a_, b] += psi_q[k, a_, c_, b] * r[c_, b]
                cur, nxt = nxt, cur
            if node == 0 and s > 0:
                # the effect sites never jump, so node 0 equals the last step's node 4
                for b in range(B):
                    u[0, 0, b] = u[4, 0, b]
                    u[0, 1, b] = u[4, 1, b]
                    u[0, 2, b] = nad[b] * adv
                    u[0, 3, b] = u[4, 3, b]
                continue
            for b in range(B):
                occ = 0.0
                cs = 0.0
                ch = 0.0
                for c_ in range(n):
                    v = cur[c_, b]
                    occ += rq[c_, b] * v
                    cs += rs[c_, b] * v
                    ch += rh[c_, b] * v
                occ = max(occ, 0.0)
                o_int = occ / (1.0 + occ)
                qp = occ / s_pyr
                d = _ipow(o_int, h_int) * _ipow(1.0 - qp / (1.0 + qp), n_pyr)
                u[node, 0, b] = one_minus_beta[b] * d
                u[node, 1, b] = w_e * o_int + w_hnk * ch
                u[node, 2, b] = nad[b] * adv
                u[node, 3, b] = cs
        zn[:, :] = 0.0
        for e in range(e_idx.shape[0]):
            ra_, ca_ = e_idx[e, 0], e_idx[e, 1]
            val = E[k, ra_, ca_]
            for b in range(B):
                zn[ra_, b] += val * z[ca_, b]
        for e in range(w_idx.shape[0]):
            a_, nd, v_ = w_idx[e, 0], w_idx[e, 1], w_idx[e, 2]
            val = W[k, a_, nd, v_]
            for b in range(B):
                zn[a_, b] += val * u[nd, v_, b]
        rows[:, :, :] = 0.0
        for e in range(r_idx.shape[0]):
            j, rr, c_ = r_idx[e, 0], r_idx[e, 1], r_idx[e, 2]
            val = R[k, j, rr, c_]
            for b in range(B):
                rows[j, rr, b] += val * z[c_, b]
        for e in range(wr_idx.shape[0]):
            j, rr, nd, v_ = wr_idx[e, 0], wr_idx[e, 1], wr_idx[e, 2], wr_idx[e, 3]
            val = WR[k, j, rr, nd, v_]
            for b in range(B):
                rows[j, rr, b] += val * u[nd, v_, b]
        for b in range(B):
            for j in range(2):
                mm[j, b] = gain[b] * (ampa * rows[j, 0, b] + rows[j, 1, b])
                kx[j, b] = k_n * gain[b] * (ampa * rows[j, 2, b] + rows[j, 3, b])
            mm[2, b] = gain[b] * (ampa * zn[_M1, b] + zn[_M2, b])
            kx[2, b] = k_n * gain[b] * (ampa * zn[_X1, b] + zn[_X2, b])
        # Radau IIA step of the pools by block elimination: S = s0 + Ts·N, L = l0 + Tl·S
        for j in range(3):
            for b in range(B):
                m = max(mm[j, b], 0.0)
                m4 = m * m * m * m
                cap[j, b] = k_stab * m4 / (m_th4 + m4)
                al[j, b] = kx[j, b] + sig_n[b] + cap[j, b]
        for ii in range(3):
            for b in range(B):
                s0[ii, b] = s_b[k, ii, b] * y[1, b]
                l0[ii, b] = s_g[k, ii, b] * y[2, b]
            for j in range(3):
                for b in range(B):
                    Ts[ii, j, b] = P_b[k, ii, j, b] * cap[j, b]
        for ii in range(3):
            for b in range(B):
                acc = s0[ii, b] + l0[ii, b]
                for q in range(3):
                    acc += T_l[k, ii, q, b] * s0[q, b]
                c[ii, b] = acc
            for j in range(3):
                for b in range(B):
                    acc = Ts[ii, j, b]
                    for q in range(3):
                        acc += T_l[k, ii, q, b] * Ts[q, j, b]
                    C[ii, j, b] = acc
        for ii in range(3):
            for b in range(B):
                acc_r = y[0, b]
                for j in range(3):
                    acc_r += h * ra[ii, j] * kx[j, b] * (1.0 - c[j, b])
                rhs[ii, b] = acc_r
            for j in range(3):
                for b in range(B):
                    acc = h * ra[ii, j] * al[j, b] + (1.0 if ii == j else 0.0)
                    for q in range(3):
                        acc += h * ra[ii, q] * kx[q, b] * C[q, j, b]
                    M3[ii, j, b] = acc
        for b in range(B):
            a0, a1, a2 = M3[0, 0, b], M3[0, 1, b], M3[0, 2, b]
            b0, b1, b2 = M3[1, 0, b], M3[1, 1, b], M3[1, 2, b]
            g0, g1, g2 = M3[2, 0, b], M3[2, 1, b], M3[2, 2, b]
            c00 = b1 * g2 - b2 * g1
            c01 = b2 * g0 - b0 * g2
            c02 = b0 * g1 - b1 * g0
            det = a0 * c00 + a1 * c01 + a2 * c02
            r0, r1, r2 = rhs[0, b], rhs[1, b], rhs[2, b]
            Nst[0, b] = (c00 * r0 + (a2 * g1 - a1 * g2) * r1 + (a1 * b2 - a2 * b1) * r2) / det
            Nst[1, b] = (c01 * r0 + (a0 * g2 - a2 * g0) * r1 + (a2 * b0 - a0 * b2) * r2) / det
            Nst[2, b] = (c02 * r0 + (a1 * g0 - a0 * g1) * r1 + (a0 * b1 - a1 * b0) * r2) / det
        for b in range(B):
            s_end = s0[2, b]
            for j in range(3):
                s_end += Ts[2, j, b] * Nst[j, b]
            l_end = l0[2, b]
            for q in range(3):
                sq = s0[q, b]
                for j in range(3):
                    sq += Ts[q, j, b] * Nst[j, b]
                l_end += T_l[k, 2, q, b] * sq
            y[0, b] = Nst[2, b]
            y[1, b] = s_end
            y[2, b] = l_end
        x[:, :] = cur
        z[:, :] = zn
    for b in range(B):
        _physical(x, Vm, b, modal, xp)
        for j in range(n):
            xf[pid[b], j] = xp[j]
        for j in range(nz):
            zf[pid[b], j] = z[j, b]
        for j in range(3):
            yf[pid[b], j] = y[j, b]
        if out_end >= 0:
            if record_x:
                for j in range(n):
                    xr[pid[b], out_end, j] = xp[j]
            for j in range(nz):
                zr[pid[b], out_end, j] = z[j, b]
            for j in range(3):
                yr[pid[b], out_end, j] = y[j, b]


@njit(cache=True, error_model="numpy", nogil=True)
def _run(args, blocks, lam, V, Vinv, perm, x0, z0, y0, given_phi, given_psi, xr, zr, yr, xf, zf, yf):  # type: ignore[no-untyped-def]
    # without the GIL: threads run disjoint rows of ``blocks`` (lo, hi, modal) side by side
    for ib in range(blocks.shape[0]):
        _block(  # type: ignore[call-arg]
            blocks[ib, 0], blocks[ib, 1], *args, lam, V, Vinv, perm, blocks[ib, 2] == 1, x0, z0, y0,
            given_phi, given_psi, xr, zr, yr, xf, zf, yf,
        )  # fmt: skip


#: Patients per modal block: no per-patient matrices to keep in cache, so longer vector loops win
#: (measured: ~10 % faster per patient-step than 32; a patient's result does not depend on it).
MODAL_BLOCK = 128


def _blocks(n_modal: int, N: int, block: int) -> np.ndarray:
    """(lo, hi, modal) rows over the modal-first order: a block never mixes the two PK paths."""
    rows = [
        (lo, min(stop, lo + size), int(modal))
        for start, stop, modal, size in ((0, n_modal, True, MODAL_BLOCK), (n_modal, N, False, block))
        for lo in range(start, stop, size)
    ]
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def engine_threads() -> int:
    """Threads of one numba run: ``KETASIM_THREADS`` if set, else the cores this process may use."""
    raw = os.environ.get("KETASIM_THREADS", "").strip()
    if raw:
        if not raw.isdigit() or int(raw) < 1:
            raise InputError("engine", "KETASIM_THREADS", "must be a whole number of at least 1", raw)
        return int(raw)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _block_size(n: int) -> int:
    """Patients per matrix-path block: its quarter-step matrices stay near the L2 cache."""
    b = 32 * 49 // max(n * n, 1)
    return int(max(8, min(64, 1 << max(b, 1).bit_length() - 1)))


def run_numba(
    f: Flat,
    *,
    record_x: bool,
    matrices: tuple[np.ndarray, np.ndarray] | None = None,
    threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Runs a flattened problem; returns recorded (x, z, y) and the final state, like :func:`run_numpy`.

    ``matrices``: PK quarter-step matrices (K, N, n, n) to use instead of building them per block.
    ``threads``: blocks run on this many threads (default :func:`engine_threads`); a patient's
    result does not depend on it.
    """
    N, n, _ = f.A.shape
    nz = f.E.shape[1]
    T = f.n_out
    xr = np.zeros((N, T if record_x else 0, n))
    zr = np.zeros((N, T, nz))
    yr = np.zeros((N, T, 3))
    args = (
        f.A, f.quarter_units, f.sizes_h, f.step_size, f.bolus_at, f.boluses, f.impulse_at, f.impulses,
        f.rate_ptr, f.rate_ids, f.rate_state, f.rate_vals, f.ad_on, f.out_at, f.out_end, f.E, f.W, f.R,
        f.WR, f.e_idx, f.w_idx, f.r_idx, f.wr_idx, f.radau_a, f.row_q, f.row_s, f.row_h, f.beta, f.phi,
        f.sigma, f.new_ad, f.ampa, f.s_pyr, f.n_pyr, f.h_int, f.w_e, f.w_hnk, f.nsl, record_x,
    )  # fmt: skip
    empty = np.zeros((0, N, n, n))
    gphi, gpsi = matrices if matrices is not None else (empty, empty)
    # given matrices test the matrix path: no patient runs modal then
    ok = f.modal_ok if matrices is None else np.zeros(N, dtype=bool)
    perm = np.argsort(~ok, kind="stable").astype(np.int64)
    xf, zf, yf = np.empty((N, n)), np.empty((N, nz)), np.empty((N, 3))
    blocks = _blocks(int(ok.sum()), N, _block_size(n))
    rest = (
        f.modal_lam, f.modal_vec, f.modal_vec_inv, perm, f.x0, f.z0, f.y0,
        np.ascontiguousarray(gphi), np.ascontiguousarray(gpsi), xr, zr, yr, xf, zf, yf,
    )  # fmt: skip
    parts = [
        p for p in np.array_split(blocks, max(1, min(threads or engine_threads(), len(blocks)))) if len(p)
    ]
    if len(parts) == 1:
        _run(args, blocks, *rest)
    else:
        # every thread writes only its own patients' rows of the shared outputs
        with ThreadPoolExecutor(len(parts)) as pool:
            for fut in [pool.submit(_run, args, part, *rest) for part in parts]:
                fut.result()
    return xr, zr, yr, (xf, zf, yf)
