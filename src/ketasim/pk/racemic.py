r"""Racemic ketamine: three-compartment disposition, two-compartment norketamine, effect sites.

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
half of the racemate; they are reported separately. With ``hnk=True``,
hydroxynorketamine (Simons 2022) is formed from 70 % of norketamine's
clearance: H1' = fmh·CLn/Vn·N1 - (CLh+Qh)/Vh·H1 + Qh/Vph·H2, H2' = ..., He'.
All functions take arrays: one entry per patient.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ketasim.params import ParameterSet
from ketasim.pk.linear import DoseInput, LinearSystem, RouteSpec
from ketasim.population.patients import Cohort
from ketasim.regimen.dose import Drug, Route

__all__ = ["build_racemic", "individual", "output_row"]


def individual(ps: ParameterSet, name: str, cohort: Cohort) -> np.ndarray:
    """Individual values of ``ps[name]`` for every patient (eta keyed ``'<set>.<name>'``)."""
    return ps[name].individual_array(cohort.eta(f"{ps.name}.{name}"))


def build_racemic(
    cohort: Cohort,
    routes: frozenset[Route],
    *,
    disposition: ParameterSet,
    metabolite: ParameterSet,
    effect: ParameterSet,
    binding: ParameterSet,
    absorption: Mapping[Route, ParameterSet],
    hnk: ParameterSet | None = None,
) -> LinearSystem:
    """Builds the racemic-ketamine block of every patient with depots for ``routes``."""
    N = cohort.n
    wt = cohort.weight_kg / disposition.value("WT_REF")
    v1 = individual(disposition, "V1", cohort) * wt
    v2 = disposition.value("V2") * wt
    v3 = disposition.value("V3") * wt
    cl = individual(disposition, "CL", cohort) * wt**0.75
    q2 = disposition.value("Q2") * wt**0.75
    q3 = disposition.value("Q3") * wt**0.75
    vn = individual(metabolite, "V_NK", cohort) * wt
    cln = individual(metabolite, "CL_NK", cohort) * wt**0.75
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
    ]
    K1, K2, K3, N1, N2, KE, NE = range(7)
    if hnk is not None:
        names += ["hnk_central", "hnk_peripheral", "hnk_effect"]
    first_depot = len(names)
    names += [f"ket_depot_{r.value}" for r in depots]
    n = len(names)
    A = np.zeros((N, n, n))
    A[:, K1, K1] = -(cl + q2 + q3) / v1
    A[:, K1, K2] = q2 / v2
    A[:, K1, K3] = q3 / v3
    A[:, K2, K1] = q2 / v1
    A[:, K2, K2] = -q2 / v2
    A[:, K3, K1] = q3 / v1
    A[:, K3, K3] = -q3 / v3
    A[:, N1, K1] = fm * cl / v1
    A[:, N1, N1] = -(cln + qn) / vn
    A[:, N1, N2] = qn / vpn
    A[:, N2, N1] = qn / vn
    A[:, N2, N2] = -qn / vpn
    A[:, KE, K1] = ke0 / v1
    A[:, KE, KE] = -ke0
    A[:, NE, N1] = ke0n / vn
    A[:, NE, NE] = -ke0n

    outputs: dict[str, np.ndarray] = {}
    if hnk is not None:
        H1, H2, HE = 7, 8, 9
        vh = hnk.value("V_HNK") * wt
        vph = hnk.value("VP_HNK")
        clh = hnk.value("CL_HNK") * wt**0.75
        qh = hnk.value("Q_HNK") * wt**0.75
        A[:, H1, N1] = hnk.value("FM_HNK") * cln / vn
        A[:, H1, H1] = -(clh + qh) / vh
        A[:, H1, H2] = qh / vph
        A[:, H2, H1] = qh / vh
        A[:, H2, H2] = -qh / vph
        A[:, HE, H1] = ke0n / vh
        A[:, HE, HE] = -ke0n
        for analyte in ("s_hnk", "r_hnk"):
            outputs[f"plasma:{analyte}"] = output_row(N, n, H1, 0.5 * 1000.0 / vh)
            outputs[f"effect:{analyte}"] = output_row(N, n, HE, 0.5 * 1000.0)

    spec: dict[tuple[Drug, Route], RouteSpec] = {}
    if Route.IV in routes:
        spec[(Drug.RACEMIC_KETAMINE, Route.IV)] = RouteSpec((DoseInput(K1, np.ones(N), None),))
    for i, route in enumerate(depots):
        d = first_depot + i
        ps = absorption[route]
        f = individual(ps, "F", cohort)
        f_nk = individual(ps, "F_NK", cohort)
        ka = individual(ps, "KA", cohort)
        share = f / (f + f_nk)
        A[:, d, d] = -ka
        A[:, K1, d] = ka * share
        A[:, N1, d] = ka * (1.0 - share)
        spec[(Drug.RACEMIC_KETAMINE, route)] = RouteSpec((DoseInput(d, f + f_nk, ps.value("DUR")),))

    fs = disposition.value("F_S")
    fu_k = binding.value("FU_KETAMINE")
    fu_n = binding.value("FU_NORKETAMINE")
    for analyte, frac in (("s", fs), ("r", 1.0 - fs)):
        outputs[f"plasma:{analyte}_ketamine"] = output_row(N, n, K1, frac * 1000.0 / v1)
        outputs[f"plasma:{analyte}_norketamine"] = output_row(N, n, N1, frac * 1000.0 / vn)
        outputs[f"effect:{analyte}_ketamine"] = output_row(N, n, KE, frac * 1000.0)
        outputs[f"effect:{analyte}_norketamine"] = output_row(N, n, NE, frac * 1000.0)
        outputs[f"unbound:{analyte}_ketamine"] = output_row(N, n, KE, fu_k * frac * 1000.0)
        outputs[f"unbound:{analyte}_norketamine"] = output_row(N, n, NE, fu_n * frac * 1000.0)
    return LinearSystem(tuple(names), A, spec, outputs, blocks=("racemic_ketamine",))


def output_row(N: int, n: int, index: int, value: np.ndarray | float) -> np.ndarray:
    """An output row (N, n) reading state ``index`` with weight ``value``."""
    row = np.zeros((N, n))
    row[:, index] = value
    return row
