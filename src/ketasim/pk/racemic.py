r"""Racemic ketamine: three-compartment disposition, two-compartment norketamine, effect site.

Structure (Kamp 2020 disposition, Otto 2021 norketamine, Olofsen 2022 effect site)::

    K1' = -(CL+Q2+Q3)/V1·K1 + Q2/V2·K2 + Q3/V3·K3 + Σ ka·φ·depot
    K2' = Q2/V1·K1 - Q2/V2·K2          K3' = Q3/V1·K1 - Q3/V3·K3
    N1' = fm·CL/V1·K1 - (CLn+Qn)/Vn·N1 + Qn/Vpn·N2 + Σ ka·(1-φ)·depot
    N2' = Qn/Vn·N1 - Qn/Vpn·N2
    Ke' = ke0·(K1/V1 - Ke)             Ne' = ke0n·(N1/Vn - Ne)
    depot' = -ka·depot                 (one depot per extravascular route)

A dose by an extravascular route enters its depot with fraction F + F_NK
(zero-order over DUR when DUR > 0); the depot empties with rate ka, a share
φ = F/(F + F_NK) into ketamine and the rest into norketamine (first pass).
S- and R-ketamine share this disposition (see ``Kamp_2020_ketamine``): each is
half of the racemate; they are reported separately.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ketasim.params import ParameterSet
from ketasim.pk.linear import DoseInput, LinearSystem, RouteSpec
from ketasim.population import Patient
from ketasim.regimen import Drug, Route

__all__ = ["build_racemic"]


def individual(ps: ParameterSet, name: str, etas: Mapping[str, float]) -> float:
    """Individual value of ``ps[name]`` with the eta keyed ``'<set>.<name>'`` (0 if absent)."""
    return ps[name].individual(etas.get(f"{ps.name}.{name}", 0.0))


def build_racemic(
    patient: Patient,
    routes: frozenset[Route],
    *,
    disposition: ParameterSet,
    metabolite: ParameterSet,
    effect: ParameterSet,
    binding: ParameterSet,
    absorption: Mapping[Route, ParameterSet],
    etas: Mapping[str, float],
) -> LinearSystem:
    """Builds the racemic-ketamine block for ``patient`` with depots for ``routes``."""
    wt = patient.weight_kg / disposition.value("WT_REF")
    v1 = individual(disposition, "V1", etas) * wt
    v2 = disposition.value("V2") * wt
    v3 = disposition.value("V3") * wt
    cl = individual(disposition, "CL", etas) * wt**0.75
    q2 = disposition.value("Q2") * wt**0.75
    q3 = disposition.value("Q3") * wt**0.75
    vn = individual(metabolite, "V_NK", etas) * wt
    cln = individual(metabolite, "CL_NK", etas) * wt**0.75
    vpn = metabolite.value("VP_NK")
    qn = metabolite.value("Q_NK")
    fm = metabolite.value("FM")
    ke0 = effect.value("KE0")
    ke0n = effect.value("KE0_NK")

    depots = sorted((r for r in routes if r != Route.IV), key=lambda r: r.value)
    names = [
        "ket_central",
        "ket_shallow",
        "ket_deep",
        "nk_central",
        "nk_peripheral",
        "ket_effect",
        "nk_effect",
    ] + [f"ket_depot_{r.value}" for r in depots]
    n = len(names)
    A = np.zeros((n, n))
    K1, K2, K3, N1, N2, KE, NE = range(7)
    A[K1, K1] = -(cl + q2 + q3) / v1
    A[K1, K2] = q2 / v2
    A[K1, K3] = q3 / v3
    A[K2, K1] = q2 / v1
    A[K2, K2] = -q2 / v2
    A[K3, K1] = q3 / v1
    A[K3, K3] = -q3 / v3
    A[N1, K1] = fm * cl / v1
    A[N1, N1] = -(cln + qn) / vn
    A[N1, N2] = qn / vpn
    A[N2, N1] = qn / vn
    A[N2, N2] = -qn / vpn
    A[KE, K1] = ke0 / v1
    A[KE, KE] = -ke0
    A[NE, N1] = ke0n / vn
    A[NE, NE] = -ke0n

    spec: dict[tuple[Drug, Route], RouteSpec] = {}
    if Route.IV in routes:
        spec[(Drug.RACEMIC_KETAMINE, Route.IV)] = RouteSpec((DoseInput(K1, 1.0, None),))
    for i, route in enumerate(depots):
        d = 7 + i
        ps = absorption[route]
        f = individual(ps, "F", etas)
        f_nk = individual(ps, "F_NK", etas)
        ka = individual(ps, "KA", etas)
        share = f / (f + f_nk)
        A[d, d] = -ka
        A[K1, d] = ka * share
        A[N1, d] = ka * (1.0 - share)
        spec[(Drug.RACEMIC_KETAMINE, route)] = RouteSpec((DoseInput(d, f + f_nk, ps.value("DUR")),))

    fs = disposition.value("F_S")
    fu_k = binding.value("FU_KETAMINE")
    fu_n = binding.value("FU_NORKETAMINE")
    outputs: dict[str, np.ndarray] = {}
    for analyte, frac in (("s", fs), ("r", 1.0 - fs)):
        outputs[f"plasma:{analyte}_ketamine"] = _row(n, K1, frac * 1000.0 / v1)
        outputs[f"plasma:{analyte}_norketamine"] = _row(n, N1, frac * 1000.0 / vn)
        outputs[f"effect:{analyte}_ketamine"] = _row(n, KE, frac * 1000.0)
        outputs[f"effect:{analyte}_norketamine"] = _row(n, NE, frac * 1000.0)
        outputs[f"unbound:{analyte}_ketamine"] = _row(n, KE, fu_k * frac * 1000.0)
        outputs[f"unbound:{analyte}_norketamine"] = _row(n, NE, fu_n * frac * 1000.0)
    return LinearSystem(tuple(names), A, spec, outputs, blocks=("racemic_ketamine",))


def _row(n: int, index: int, value: float) -> np.ndarray:
    row = np.zeros(n)
    row[index] = value
    return row
