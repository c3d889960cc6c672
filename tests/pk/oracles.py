"""Independent oracles for the PK layer, written from the published equations.

The right-hand sides below are typed from the source models' ODEs (nlmixr2lib
transcriptions of Perez-Ruixo 2021 and Otto 2021, the Kamp 2020 three-compartment
structure), not from ketasim's matrices, and integrated with scipy's LSODA.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.integrate import solve_ivp

from ketasim.library import PARAMETER_SETS

P = {name: ps.values() for name, ps in PARAMETER_SETS.items()}


def racemic_rhs(weight: float, route: str):
    k = P["Kamp_2020_ketamine"]
    o = P["Otto_2021_norketamine"]
    e = P["Olofsen_2022_ketamine"]
    w = weight / 70.0
    V1, V2, V3 = k["V1"] * w, k["V2"] * w, k["V3"] * w
    CL, Q2, Q3 = k["CL"] * w**0.75, k["Q2"] * w**0.75, k["Q3"] * w**0.75
    Vn, CLn, Vpn, Qn = o["V_NK"] * w, o["CL_NK"] * w**0.75, o["VP_NK"], o["Q_NK"]
    ke0 = e["KE0"]
    absorption = {
        "oral": "Chong_2006_ketamine_oral",
        "sublingual": "Rolan_2014_ketamine_sublingual",
        "im": "Clements_1982_ketamine_intramuscular",
        "sc": "LeNedelec_2018_ketamine_subcutaneous",
        "intranasal": "Yanagihara_2003_ketamine_intranasal",
    }
    if route in absorption:
        a = P[absorption[route]]
        ka, share = a["KA"], a["F"] / (a["F"] + a["F_NK"])
        fabs, dur = a["F"] + a["F_NK"], a["DUR"]
    else:
        ka = share = 0.0
        fabs, dur = 1.0, 0.0

    def rhs(t, y, rate_in):
        k1, k2, k3, n1, n2, ke, ne, dep = y
        ck = k1 / V1
        d_dep = -ka * dep + (rate_in if route != "iv" else 0.0)
        d_k1 = (
            -CL * ck
            - Q2 * (ck - k2 / V2)
            - Q3 * (ck - k3 / V3)
            + ka * share * dep
            + (rate_in if route == "iv" else 0.0)
        )
        d_k2 = Q2 * (ck - k2 / V2)
        d_k3 = Q3 * (ck - k3 / V3)
        d_n1 = CL * ck - CLn * n1 / Vn - Qn * (n1 / Vn - n2 / Vpn) + ka * (1 - share) * dep
        d_n2 = Qn * (n1 / Vn - n2 / Vpn)
        d_ke = ke0 * (ck - ke)
        d_ne = ke0 * (n1 / Vn - ne)
        return [d_k1, d_k2, d_k3, d_n1, d_n2, d_ke, d_ne, d_dep]

    def conc(y):
        return {
            "ketamine": 1000 * y[0] / V1,
            "norketamine": 1000 * y[3] / Vn,
            "ketamine_effect": 1000 * y[5],
        }

    target = 0 if route == "iv" else 7
    return rhs, conc, 8, target, fabs, dur


def esketamine_rhs(age: float, asian: bool, japanese: bool):
    p = P["PerezRuixo_2021_esketamine"]
    e = P["Olofsen_2022_ketamine"]
    Qh = p["QH"] - p["QH_AGE"] * max(0.0, age - 60)
    kel = p["KEL"] * (p["KEL_ASIAN"] if asian else 1.0)
    kmet = p["KMET"]
    CLn = p["CLN"] * (p["CLN_ASIAN"] if asian else 1.0)
    Vc, Vp, Vp2, Vh = p["VC"], p["VP1"], p["VP2"], p["VH"]
    Q1, Q2, Vcn, Vpn, Q3 = p["Q1"], p["Q2"], p["VCN"], p["VPN"], p["Q3"]
    ka_n, ka_sw, ka_po = p["KA_N"], p["KA_SW"], p["KA_PO"]
    ke0 = e["KE0"]

    # nlmixr2lib PerezRuixo_2020_esketamine.R model() block, plus an effect site
    def rhs(t, y, rates):
        depot, depot2, depot3, central, p1, p2, liver, snk, psnk, eff = y
        r_central, r_depot2, r_depot3 = rates
        return [
            -ka_n * depot,
            -ka_sw * depot2 + r_depot2,
            -ka_po * depot3 + r_depot3,
            ka_n * depot
            + Q1 / Vp * p1
            + Q2 / Vp2 * p2
            + Qh / Vh * liver
            - (Q1 / Vc + Q2 / Vc + Qh / Vc) * central
            + r_central,
            Q1 / Vc * central - Q1 / Vp * p1,
            Q2 / Vc * central - Q2 / Vp2 * p2,
            ka_sw * depot2 + ka_po * depot3 + Qh / Vc * central - (Qh / Vh + kel + kmet) * liver,
            kmet * liver + Q3 / Vpn * psnk - (CLn / Vcn + Q3 / Vcn) * snk,
            Q3 / Vcn * snk - Q3 / Vpn * psnk,
            ke0 * (central / Vc - eff),
        ]

    frn = p["FRn"] * (p["FRN_JAPANESE"] if japanese else 1.0)
    return rhs, frn, p


def lsoda_piecewise(rhs, y0, segments, t_eval, rtol=1e-10, atol=1e-13):
    """Integrates across segments ``(t0, t1, rate_args, bolus_at_t0)``; returns states at t_eval."""
    y = np.array(y0, dtype=float)
    out = np.full((len(t_eval), len(y0)), np.nan)
    t_eval = np.asarray(t_eval)
    for t0, t1, args, bolus in segments:
        if bolus is not None:
            y = y + bolus
        for i in np.where(t_eval == t0)[0]:
            out[i] = y
        if t1 <= t0:
            continue
        mask = (t_eval > t0) & (t_eval <= t1)
        grid = np.unique(np.append(t_eval[mask], t1))
        sol = solve_ivp(
            lambda t, yy, args=args: rhs(t, yy, args),
            (t0, t1),
            y,
            method="LSODA",
            rtol=rtol,
            atol=atol,
            t_eval=grid,
            first_step=1e-6,
        )
        assert sol.success, sol.message
        if mask.any():
            out[mask] = sol.y[:, np.searchsorted(grid, t_eval[mask])].T
        y = sol.y[:, -1]
    return out


def three_compartment_infusion(t, dose_mg, tinf, V1, CL, Q2, V2, Q3, V3, ke0=None):
    """Closed-form central (or effect-site) concentration (mg/L) of a 3-compartment infusion.

    Eigenvalues from the trigonometric solution of the characteristic cubic
    (Cardano); coefficients from the classic macro-constant formulas.
    """
    k10, k12, k13, k21, k31 = CL / V1, Q2 / V1, Q3 / V1, Q2 / V2, Q3 / V3
    a0 = k10 * k21 * k31
    a1 = k10 * k31 + k21 * k31 + k21 * k13 + k10 * k21 + k31 * k12
    a2 = k10 + k12 + k13 + k21 + k31
    p = a1 - a2 * a2 / 3
    q = 2 * a2**3 / 27 - a1 * a2 / 3 + a0
    r1 = math.sqrt(-(p**3) / 27)
    phi = math.acos(-q / 2 / r1) / 3
    r2 = 2 * math.exp(math.log(r1) / 3)
    lam = [-(math.cos(phi + 2 * math.pi * j / 3) * r2 - a2 / 3) for j in range(3)]
    coef = []
    for i in range(3):
        li = lam[i]
        others = [lam[j] for j in range(3) if j != i]
        coef.append((k21 - li) * (k31 - li) / ((others[0] - li) * (others[1] - li)) / V1)
    rate = dose_mg / tinf
    t = np.asarray(t, dtype=float)
    c = np.zeros_like(t)
    for A, li in zip(coef, lam, strict=True):
        if ke0 is None:
            during = rate * A / li * (1 - np.exp(-li * t))
            after = rate * A / li * (1 - np.exp(-li * tinf)) * np.exp(-li * (t - tinf))
        else:
            # effect site: convolve with ke0·exp(-ke0 t); per mode, a two-exponential response
            def unit(tt, li=li, A=A):
                return A * ke0 / (ke0 - li) * ((1 - np.exp(-li * tt)) / li - (1 - np.exp(-ke0 * tt)) / ke0)

            during = rate * unit(t)
            after = rate * (unit(t) - unit(np.maximum(t - tinf, 0.0)))
        c += np.where(t <= tinf, during, after)
    return c
