"""The full model as one ODE right-hand side, for a tight LSODA reference solution.

This is the model written out equation by equation (not through the engine's
step matrices): PK ``x' = A x + r``; the cascade stages and the synaptic pools
as in :mod:`ketasim.pd.cascade`; expectancy impulses and boluses as jumps
between integration segments. ``solve_reference`` integrates one patient of a
prepared run with scipy's LSODA and records the same states as the engine.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

from ketasim.engine.prepared import Prepared
from ketasim.errors import ModelError
from ketasim.pd.cascade import IDX

__all__ = ["solve_reference"]

_NZ = 14


def _rhs_factory(p: Prepared, i: int):  # type: ignore[no-untyped-def]
    m = p.model
    A = p.system.A[i]
    n = p.n
    row_q, row_s, row_h = p.row_q[i], p.row_s[i], p.row_h[i]
    ind = p.ind
    beta, phi, a, sigma = ind.beta_bz[i], ind.phi[i], ind.ampa, ind.sigma[i]
    new_ad = bool(ind.new_ad[i])
    gmax, tg = m.glutamate.value("GMAX"), m.glutamate.value("TAU_G")
    tb, we = m.bdnf.value("TAU_B"), m.bdnf.value("W_E")
    tm, tp = m.mtor.value("TAU_M"), m.mtor.value("TAU_P")
    tx = m.spine_timing.value("TAU_X")
    c = m.cascade
    tw, kn, tn = c.value("TAU_W"), c.value("K_N"), c.value("TAU_N")
    kst, mth, ts, kmat, tl = (
        c.value("K_STAB"),
        c.value("M_TH"),
        c.value("TAU_S"),
        c.value("K_MAT"),
        c.value("TAU_L"),
    )
    ns = m.nonspecific
    tef, kes, tes, tad = ns.value("TAU_EF"), ns.value("K_ES"), ns.value("TAU_ES"), ns.value("TAU_AD")
    ktol, ttol = m.acute.value("K_TOL"), m.acute.value("TAU_TOL")
    spyr, npyr, hint, wh = p.s_pyr, p.n_pyr, p.h_int, p.w_hnk
    ad_start_h = p.schedule.ad_start_s / 3600.0

    def rhs(t: float, yy: np.ndarray, r: np.ndarray) -> np.ndarray:
        x = yy[:n]
        G, B1, B2, M1, M2, P1, P2, X1, X2, W1, EF, ES, AD, TOL = yy[n : n + _NZ]
        N, S, L = yy[n + _NZ :]
        q = max(float(row_q @ x), 0.0)
        o_int = q / (1.0 + q)
        qp = q / spyr
        d = o_int**hint * (1.0 - qp / (1.0 + qp)) ** npyr
        u2 = we * o_int + wh * float(row_h @ x)
        M = phi * (a * M1 + M2)
        X = phi * (a * X1 + X2)
        cap = kst * max(M, 0.0) ** 4 / (mth**4 + max(M, 0.0) ** 4)
        on = 1.0 if (new_ad and t >= ad_start_h) else 0.0
        dz = [
            (gmax * (1.0 - beta) * d - G) / tg,
            (G - B1) / tb, (u2 - B2) / tb,
            (B1 - M1) / tm, (B2 - M2) / tm,
            (M1 - P1) / tp, (M2 - P2) / tp,
            (P1 - X1) / tx, (P2 - X2) / tx,
            (M1 - W1) / tw,
            -EF / tef, kes * EF - ES / tes, (on - AD) / tad,
            ktol * float(row_s @ x) - TOL / ttol,
        ]  # fmt: skip
        dn = [
            kn * X * (1.0 - N - S - L) - (sigma / tn + cap) * N,
            cap * N - (sigma / ts + kmat) * S,
            kmat * S - sigma / tl * L,
        ]
        return np.concatenate([A @ x + r, dz, dn])

    return rhs


def solve_reference(
    p: Prepared, i: int = 0, *, rtol: float = 1e-10, atol: float = 1e-14
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """LSODA solution of patient ``i``; returns recorded (x, z, y) as the engine does."""
    rhs = _rhs_factory(p, i)
    n = p.n
    sched = p.schedule
    breaks = sorted(
        {0, p.grid.end, sched.ad_start_s}
        | set(sched.boluses)
        | set(sched.impulses)
        | {e.start for e in sched.rates}
        | {e.end for e in sched.rates}
        | {int(t) for t in p.out_times_s}
    )
    breaks = [b for b in breaks if 0 <= b <= p.grid.end]
    y = np.zeros(n + _NZ + 3)
    T = p.out_times_s.size
    X, Z, Y = np.zeros((T, n)), np.zeros((T, _NZ)), np.zeros((T, 3))
    for a, b in zip(breaks, [*breaks[1:], None], strict=True):
        slot = p.out_slot.get(a)
        if slot is not None:
            X[slot], Z[slot], Y[slot] = y[:n], y[n : n + _NZ], y[n + _NZ :]
        if b is None:
            break
        if a in sched.boluses:
            y[:n] += sched.boluses[a][i]
        if a in sched.impulses:
            y[n + IDX["EF"]] += sched.impulses[a][i]
        r = np.zeros(n)
        for ev in sched.rates:
            if ev.start <= a < ev.end:
                r[ev.state] += ev.rate[i]
        sol = solve_ivp(
            lambda t, yy, r=r: rhs(t, yy, r), (a / 3600.0, b / 3600.0), y, method="LSODA",
            rtol=rtol, atol=atol,
        )  # fmt: skip
        if not sol.success:
            raise ModelError("reference", "lsoda", "integration failed", sol.message)
        y = sol.y[:, -1].copy()
    return X, Z, Y
