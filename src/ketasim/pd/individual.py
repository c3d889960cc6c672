"""Individual pharmacodynamic parameters of every patient: covariates and random effects applied.

Responsiveness ``g`` (logit scale) carries the covariate effects with a
published direction (BMI, family history of alcohol use disorder, prior
suicide attempt, adiponectin, B12); BDNF Val66Met acts mechanistically (BDNF
secretion), benzodiazepines on the disinhibition drive. An oral antidepressant
taken alongside (continued or newly started) shifts responsiveness and lowers
the stress factor on spine loss (``BETA_AD_*``); an esketamine course shifts
responsiveness against racemic ketamine (``BETA_ESKETAMINE``). Inpatients' placebo
responsiveness, and so every session's expectancy impulse, is scaled by ``F_INPATIENT``
(a placeholder, decision 0034).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ketasim.library.Ketasim_2026_symptoms import ITEMS
from ketasim.model import Model
from ketasim.population.patients import BACKGROUND, STARTS_NEW_AD, Cohort

__all__ = ["IndividualPD", "individual_pd"]


@dataclass(frozen=True)
class IndividualPD:
    """Per-patient PD values (arrays of length N) and shared scalars."""

    g: np.ndarray
    sigma: np.ndarray
    placebo: np.ndarray
    ad_max: np.ndarray
    f_sec: np.ndarray
    phi: np.ndarray
    ampa: float
    beta_bz: np.ndarray
    new_ad: np.ndarray
    base_items: np.ndarray
    floor_items: np.ndarray
    a_w: float
    a_w_si: float
    w_sat: float
    r_p_max: float


def _z(x: np.ndarray, ref: float, sd: float) -> np.ndarray:
    return np.where(np.isnan(x), 0.0, (x - ref) / sd)


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1.0 - p))


def _items(model: Model, cohort: Cohort) -> tuple[np.ndarray, np.ndarray]:
    """Baseline and floor item scores (N, 10): item 10 from baseline SI, the rest by the profile."""
    s = model.symptoms
    w = np.array([s.value(f"W_{name.upper()}") for name in ITEMS[:9]])
    total = cohort.baseline_madrs
    item10 = np.minimum(cohort.baseline_si, np.minimum(6.0, total))
    rest = total - item10
    base = np.zeros((cohort.n, 10))
    # water-filling: scale the profile to the remaining total, no item above 6
    cap = np.full((cohort.n, 9), np.inf)
    for _ in range(9):
        free = np.isinf(cap)
        fixed_sum = np.where(free, 0.0, cap).sum(axis=1)
        wsum = np.where(free, w, 0.0).sum(axis=1)
        k = np.where(wsum > 0, (rest - fixed_sum) / np.where(wsum > 0, wsum, 1.0), 0.0)
        vals = np.where(free, w * k[:, None], cap)
        over = free & (vals > 6.0)
        if not over.any():
            break
        cap = np.where(over, 6.0, cap)
    base[:, :9] = np.minimum(vals, 6.0)
    base[:, 9] = item10
    floor_total = model.symptoms.value("FLOOR")
    share = base / np.where(total > 0, total, 1.0)[:, None]
    floor = np.minimum(base, floor_total * share)
    return base, floor


def individual_pd(model: Model, cohort: Cohort, *, esketamine: bool = False) -> IndividualPD:
    """Individual PD values of every patient in ``cohort``.

    ``esketamine`` marks a course of esketamine (its responsiveness shift applies to every patient).
    """
    s, c, ns = model.symptoms, model.cascade, model.nonspecific
    sw = model.switches
    g_par = s["G_TYP"]
    logit_g = _logit(g_par.individual_array(cohort.eta(f"{s.name}.G_TYP")))
    pr = model.predictors
    logit_g = logit_g + pr.value("BETA_BMI") * _z(cohort.bmi, pr.value("BMI_REF"), pr.value("BMI_SD"))
    logit_g = logit_g + pr.value("BETA_FH_ALCOHOL") * cohort.fh_alcohol
    logit_g = logit_g + pr.value("BETA_SUICIDE_ATTEMPT") * cohort.prior_suicide_attempt
    ad = model.adiponectin
    logit_g = logit_g + ad.value("BETA_ADIPONECTIN") * _z(
        cohort.adiponectin_ug_ml, ad.value("ADIPONECTIN_REF"), ad.value("ADIPONECTIN_SD")
    )
    if sw.b12_effect != "none":
        b = model.b12
        sign = 1.0 if sw.b12_effect == "published" else -1.0
        logit_g = logit_g + sign * b.value("BETA_B12") * _z(
            cohort.b12_pg_ml, b.value("B12_REF"), b.value("B12_SD")
        )
    on_ad = cohort.background != BACKGROUND.index("none")
    logit_g = logit_g + ns.value("BETA_AD_RESPONSE") * on_ad
    if esketamine:
        logit_g = logit_g + s.value("BETA_ESKETAMINE")
    g = 1.0 / (1.0 + np.exp(-logit_g))
    sigma = c["SIGMA_TYP"].individual_array(cohort.eta(f"{c.name}.SIGMA_TYP"))
    sigma = sigma * np.exp(-ns.value("BETA_AD_DURABILITY") * on_ad)

    f_sec = np.choose(
        cohort.met_alleles,
        [1.0, model.val66met.value("F_SEC_VALMET"), model.val66met.value("F_SEC_METMET")],
    )
    phi = f_sec * (0.0 if sw.mtor_inhibitor == "block" else 1.0)
    bz = model.benzodiazepine
    dose = cohort.benzodiazepine_mg_day
    beta = bz.value("BZ_MAX") * dose / (dose + bz.value("BZ_50")) if sw.benzodiazepine else np.zeros(cohort.n)
    base, floor = _items(model, cohort)
    placebo = ns["P_TYP"].individual_array(cohort.eta(f"{ns.name}.P_TYP"))
    if cohort.inpatient.any():
        # the one place the setting acts: outpatients keep their values bit for bit
        placebo = np.where(cohort.inpatient, placebo * ns.value("F_INPATIENT"), placebo)
    return IndividualPD(
        g=g,
        sigma=np.asarray(sigma, float),
        placebo=np.asarray(placebo, float),
        ad_max=ns["AD_MAX"].individual_array(cohort.eta(f"{ns.name}.AD_MAX")),
        f_sec=np.asarray(f_sec, float),
        phi=np.asarray(phi, float),
        ampa=0.0 if sw.ampa_blockade else 1.0,
        beta_bz=np.asarray(beta, float),
        new_ad=np.isin(cohort.background, [BACKGROUND.index(b) for b in STARTS_NEW_AD]),
        base_items=base,
        floor_items=floor,
        a_w=s.value("A_W"),
        a_w_si=s.value("A_W_SI"),
        w_sat=s.value("W_SAT"),
        r_p_max=ns.value("R_P_MAX"),
    )
