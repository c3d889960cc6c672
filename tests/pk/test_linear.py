"""Exactness of the matrix-exponential solution against closed forms."""

import numpy as np
import pytest
import scipy.linalg

from ketasim.library import PARAMETER_SETS
from ketasim.pk.linear import Propagator
from ketasim.population.patients import Patient
from ketasim.regimen.dose import intramuscular, iv_bolus, iv_infusion
from ketasim.regimen.regimen import Regimen
from ketasim.simulate import simulate
from tests.pk.oracles import three_compartment_infusion

K = PARAMETER_SETS["Kamp_2020_ketamine"].values()
KE0 = PARAMETER_SETS["Olofsen_2022_ketamine"].value("KE0")


def _kamp(weight):
    w = weight / 70
    return dict(
        V1=K["V1"] * w,
        CL=K["CL"] * w**0.75,
        Q2=K["Q2"] * w**0.75,
        V2=K["V2"] * w,
        Q3=K["Q3"] * w**0.75,
        V3=K["V3"] * w,
    )


@pytest.mark.parametrize("weight", [50.0, 70.0, 110.0])
def test_iv_infusion_equals_closed_form(weight):
    t = np.concatenate([np.linspace(0.01, 2 / 3, 20), np.linspace(0.7, 24, 60)])
    dose = 0.5 * weight
    sol = simulate(
        Regimen.of(iv_infusion("0.5 mg/kg", over="40 min")), Patient(weight_kg=weight), times=t, pd=False
    )
    exact = 1000 * three_compartment_infusion(t, dose, 2 / 3, **_kamp(weight))
    np.testing.assert_allclose(sol.concentration("ketamine"), exact, rtol=1e-10)


def test_effect_site_equals_closed_form():
    t = np.linspace(0.02, 12, 120)
    sol = simulate(Regimen.of(iv_infusion("35 mg", over="40 min")), times=t, pd=False)
    exact = 1000 * three_compartment_infusion(t, 35.0, 2 / 3, ke0=KE0, **_kamp(70.0))
    np.testing.assert_allclose(sol.concentration("ketamine", "effect"), exact, rtol=1e-10)


def test_bolus_equals_short_infusion_limit_and_mass_balance():
    """A bolus of D: AUC to infinity equals D/CL exactly."""
    sol = simulate(Regimen.of(iv_bolus("35 mg")), times=[0.0, 1.0, 200.0], pd=False)
    auc = sol.cumulative_auc("ketamine")[-1]
    assert auc == pytest.approx(35.0 / K["CL"] * 1000, rel=1e-9)


def test_first_order_absorption_equals_closed_form():
    """IM dose into a depot: check against expm of the same system computed by superposition."""
    a = PARAMETER_SETS["Clements_1982_ketamine_intramuscular"].values()
    p = _kamp(70.0)
    ka = a["KA"]
    t = np.linspace(0.05, 10, 60)
    sol = simulate(Regimen.of(intramuscular("35 mg")), times=t, pd=False)
    # closed form: convolution of ka·F·D·exp(-ka t) with the bolus response Σ A_i exp(-λ_i t)
    k10, k12, k13, k21, k31 = (
        p["CL"] / p["V1"],
        p["Q2"] / p["V1"],
        p["Q3"] / p["V1"],
        p["Q2"] / p["V2"],
        p["Q3"] / p["V3"],
    )
    lam = np.sort(
        -np.roots(
            [
                1,
                k10 + k12 + k13 + k21 + k31,
                k10 * k31 + k21 * k31 + k21 * k13 + k10 * k21 + k31 * k12,
                k10 * k21 * k31,
            ]
        ).real
    )
    c = np.zeros_like(t)
    for i, li in enumerate(lam):
        others = [lam[j] for j in range(3) if j != i]
        A = (k21 - li) * (k31 - li) / ((others[0] - li) * (others[1] - li)) / p["V1"]
        c += A * ka / (ka - li) * (np.exp(-li * t) - np.exp(-ka * t))
    exact = 1000 * a["F"] * 35.0 * c
    np.testing.assert_allclose(sol.concentration("ketamine"), exact, rtol=1e-10)


def test_propagator_matches_direct_expm_and_integral():
    rng = np.random.default_rng(3)
    A = -np.diag(rng.uniform(0.1, 3, 5)) + 0.05 * rng.uniform(0, 1, (5, 5))
    prop = Propagator(A)
    x0 = rng.uniform(0, 1, 5)
    r = rng.uniform(0, 1, 5)
    h = 0.37
    x1, integral = prop.step(x0, h, r)
    Ainv = np.linalg.inv(A)
    E = scipy.linalg.expm(A * h)
    np.testing.assert_allclose(x1, E @ x0 + Ainv @ (E - np.eye(5)) @ r, rtol=1e-12)
    psi = Ainv @ (E - np.eye(5))
    xi = Ainv @ (psi - h * np.eye(5))
    np.testing.assert_allclose(integral, psi @ x0 + xi @ r, rtol=1e-10)
