r"""Esketamine and noresketamine: Perez-Ruixo 2021 in full, with an effect site.

States and equations (micro-constants k_xy = Q/V of the source compartment)::

    nasal'   = -ka_n·nasal
    swal'    = -ka_sw·swal                (filled zero-order over Dsw)
    po'      = -ka_po·po                  (filled zero-order over Dpo)
    C'       = ka_n·nasal + Q1/Vp1·P1 + Q2/Vp2·P2 + Qh/Vh·H - (Q1+Q2+Qh)/Vc·C [+ ka_sl·sl]
    P1'      = Q1/Vc·C - Q1/Vp1·P1        P2' = Q2/Vc·C - Q2/Vp2·P2
    H'       = ka_sw·swal + ka_po·po + Qh/Vc·C - (Qh/Vh + kel + kmet)·H
    N1'      = kmet·H + Q3/Vpn·N2 - (CLn + Q3)/Vcn·N1
    N2'      = Q3/Vcn·N1 - Q3/Vpn·N2
    E'       = ke0·(C/Vc - E)             NE' = ke0n·(N1/Vcn - NE)

A nasal device of 28 mg puts FRn into the nasal depot and (1 - FRn)·Fgut,
zero-order over Dsw, into the swallowed depot; the 2nd and 3rd devices of a
session have FRn·0.62. Covariates: Qh falls 2.19 L/h per year above 60 y;
Asian: kel·0.36, CLn·0.81; Japanese: FRn·1.34 (Perez-Ruixo 2021 Table 3).
All functions take arrays: one entry per patient.
"""

from __future__ import annotations

import numpy as np

from ketasim.errors import ModelError
from ketasim.params import ParameterSet
from ketasim.pk.linear import DoseInput, LinearSystem, RouteSpec
from ketasim.pk.racemic import individual, output_row
from ketasim.population.patients import Cohort
from ketasim.regimen.dose import Drug, Route

__all__ = ["build_esketamine"]


def build_esketamine(
    cohort: Cohort,
    routes: frozenset[Route],
    *,
    model: ParameterSet,
    effect: ParameterSet,
    binding: ParameterSet,
    sublingual: ParameterSet,
) -> LinearSystem:
    """Builds the esketamine block of every patient (routes: iv, intranasal, oral, sublingual)."""
    p = model
    N = cohort.n
    vc = individual(p, "VC", cohort)
    q1 = p.value("Q1")
    vp1 = individual(p, "VP1", cohort)
    q2 = p.value("Q2")
    vp2 = p.value("VP2")
    eta_qh = cohort.eta(f"{p.name}.QH")
    qh = (p.value("QH") - p.value("QH_AGE") * np.maximum(0.0, cohort.age_years - 60.0)) * np.exp(eta_qh)
    if np.any(qh <= 0):
        raise ModelError("pk", "QH", "hepatic blood flow must stay positive", float(np.min(qh)))
    vh = individual(p, "VH", cohort)
    kel = individual(p, "KEL", cohort) * np.where(cohort.asian, p.value("KEL_ASIAN"), 1.0)
    kmet = individual(p, "KMET", cohort)
    vcn = individual(p, "VCN", cohort)
    cln = individual(p, "CLN", cohort) * np.where(cohort.asian, p.value("CLN_ASIAN"), 1.0)
    vpn = p.value("VPN")
    q3 = p.value("Q3")
    ka_n = individual(p, "KA_N", cohort)
    ka_sw = individual(p, "KA_SW", cohort)
    ka_po = individual(p, "KA_PO", cohort)
    fgut = p.value("FGUT")
    frn = individual(p, "FRn", cohort) * np.where(cohort.japanese, p.value("FRN_JAPANESE"), 1.0)
    frn = np.minimum(frn, 1.0)
    ke0 = effect.value("KE0")
    ke0n = effect.value("KE0_NK")

    names = [
        "esk_nasal", "esk_swallowed", "esk_oral", "esk_central", "esk_shallow", "esk_deep",
        "esk_liver", "noresk_central", "noresk_peripheral", "esk_effect", "noresk_effect",
    ]  # fmt: skip
    with_sl = Route.SUBLINGUAL in routes
    if with_sl:
        names.append("esk_depot_sublingual")
    n = len(names)
    NAS, SW, PO, C, P1, P2, H, N1, N2, E, NE = range(11)
    A = np.zeros((N, n, n))
    A[:, NAS, NAS] = -ka_n
    A[:, SW, SW] = -ka_sw
    A[:, PO, PO] = -ka_po
    A[:, C, NAS] = ka_n
    A[:, C, P1] = q1 / vp1
    A[:, C, P2] = q2 / vp2
    A[:, C, H] = qh / vh
    A[:, C, C] = -(q1 + q2 + qh) / vc
    A[:, P1, C] = q1 / vc
    A[:, P1, P1] = -q1 / vp1
    A[:, P2, C] = q2 / vc
    A[:, P2, P2] = -q2 / vp2
    A[:, H, SW] = ka_sw
    A[:, H, PO] = ka_po
    A[:, H, C] = qh / vc
    A[:, H, H] = -(qh / vh + kel + kmet)
    A[:, N1, H] = kmet
    A[:, N1, N2] = q3 / vpn
    A[:, N1, N1] = -(cln + q3) / vcn
    A[:, N2, N1] = q3 / vcn
    A[:, N2, N2] = -q3 / vpn
    A[:, E, C] = ke0 / vc
    A[:, E, E] = -ke0
    A[:, NE, N1] = ke0n / vcn
    A[:, NE, NE] = -ke0n

    dsw = p.value("DSW")
    dpo = p.value("DPO")
    later = frn * p.value("FRN_LATER")
    spec: dict[tuple[Drug, Route], RouteSpec] = {
        (Drug.ESKETAMINE, Route.IV): RouteSpec((DoseInput(C, np.ones(N), None),)),
        (Drug.ESKETAMINE, Route.INTRANASAL): RouteSpec(
            (DoseInput(NAS, frn), DoseInput(SW, (1.0 - frn) * fgut, dsw)),
            (DoseInput(NAS, later), DoseInput(SW, (1.0 - later) * fgut, dsw)),
        ),
        (Drug.ESKETAMINE, Route.ORAL): RouteSpec((DoseInput(PO, np.full(N, fgut), dpo),)),
    }
    if with_sl:
        SL = 11
        ka_sl = individual(sublingual, "KA", cohort)
        f_sl = individual(sublingual, "F", cohort)
        A[:, SL, SL] = -ka_sl
        A[:, C, SL] = ka_sl
        spec[(Drug.ESKETAMINE, Route.SUBLINGUAL)] = RouteSpec(
            (DoseInput(SL, f_sl, sublingual.value("DUR")), DoseInput(PO, (1.0 - f_sl) * fgut, dpo))
        )
    spec = {k: v for k, v in spec.items() if k[1] in routes}

    fu = binding.value("FU_ESKETAMINE")
    fu_n = binding.value("FU_NORKETAMINE")
    outputs = {
        "plasma:s_ketamine": output_row(N, n, C, 1000.0 / vc),
        "plasma:s_norketamine": output_row(N, n, N1, 1000.0 / vcn),
        "effect:s_ketamine": output_row(N, n, E, 1000.0),
        "effect:s_norketamine": output_row(N, n, NE, 1000.0),
        "unbound:s_ketamine": output_row(N, n, E, fu * 1000.0),
        "unbound:s_norketamine": output_row(N, n, NE, fu_n * 1000.0),
    }
    return LinearSystem(tuple(names), A, spec, outputs, blocks=("esketamine",))
