"""Every route against a tight LSODA solve of the published equations (rtol 1e-10)."""

import itertools

import numpy as np
import pytest

from ketasim.population.patients import Patient
from ketasim.regimen.dose import Dose, Drug, Route, iv_infusion, nasal_session
from ketasim.regimen.regimen import Regimen
from ketasim.simulate import simulate
from ketasim.units import DoseAmount
from tests.pk.oracles import esketamine_rhs, lsoda_piecewise, racemic_rhs

TIMES = np.concatenate([np.linspace(0, 1, 41), np.linspace(1.1, 24, 80)])


def _assert_close(got, want):
    scale = np.max(np.abs(want))
    assert scale > 0
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-7 * scale)


@pytest.mark.parametrize("route", ["iv", "oral", "sublingual", "im", "sc", "intranasal"])
def test_racemic_routes_match_lsoda(route):
    weight = 82.0
    rhs, conc, n, target, fabs, dur = racemic_rhs(weight, route)
    dose_mg = 0.5 * weight if route in ("iv", "im", "sc") else 50.0
    if route == "iv":
        regimen = Regimen.of(iv_infusion("0.5 mg/kg", over="40 min"))
        segments = [(0.0, 2 / 3, dose_mg / (2 / 3), None), (2 / 3, 24.0, 0.0, None)]
    else:
        regimen = Regimen.of(Dose(drug=Drug.RACEMIC_KETAMINE, route=Route(route), amount=DoseAmount(dose_mg)))
        if dur > 0:
            segments = [(0.0, dur, fabs * dose_mg / dur, None), (dur, 24.0, 0.0, None)]
        else:
            bolus = np.zeros(n)
            bolus[target] = fabs * dose_mg
            segments = [(0.0, 24.0, 0.0, bolus)]
    Y = lsoda_piecewise(rhs, np.zeros(n), segments, TIMES)
    ref = [conc(y) for y in Y]
    sol = simulate(regimen, Patient(weight_kg=weight), times=TIMES, pd=False)
    _assert_close(sol.concentration("ketamine"), np.array([r["ketamine"] for r in ref]))
    _assert_close(sol.concentration("norketamine"), np.array([r["norketamine"] for r in ref]))
    _assert_close(sol.concentration("ketamine", "effect"), np.array([r["ketamine_effect"] for r in ref]))


@pytest.mark.parametrize(("age", "ancestry"), [(45, "white"), (70, "asian"), (30, "japanese")])
def test_esketamine_nasal_session_matches_lsoda(age, ancestry):
    patient = Patient(age_years=age, ancestry=ancestry)
    rhs, frn, p = esketamine_rhs(age, patient.asian, patient.japanese)
    gap = 5 / 60
    fr = [frn, frn * p["FRN_LATER"], frn * p["FRN_LATER"]]
    # swallowed portions are zero-order over Dsw from each device: overlapping rates
    starts = [0.0, gap, 2 * gap]
    edges = sorted(set(starts + [s + p["DSW"] for s in starts] + [24.0]))
    segments = []
    for a, b in itertools.pairwise(edges):
        rate = sum(
            28 * (1 - f) * p["FGUT"] / p["DSW"]
            for s, f in zip(starts, fr, strict=True)
            if s <= a < s + p["DSW"]
        )
        bolus = None
        if a in starts:
            bolus = np.zeros(10)
            bolus[0] = 28 * fr[starts.index(a)]
        segments.append((a, b, (0.0, rate, 0.0), bolus))
    Y = lsoda_piecewise(rhs, np.zeros(10), segments, TIMES)
    sol = simulate(Regimen.of(nasal_session(3)), patient, times=TIMES, pd=False)
    _assert_close(sol.concentration("esketamine"), 1000 * Y[:, 3] / p["VC"])
    _assert_close(sol.concentration("noresketamine"), 1000 * Y[:, 7] / p["VCN"])
    _assert_close(sol.concentration("esketamine", "effect"), 1000 * Y[:, 9])


def test_esketamine_iv_and_oral_match_lsoda():
    rhs, _, p = esketamine_rhs(45, False, False)
    Y = lsoda_piecewise(
        rhs,
        np.zeros(10),
        [(0.0, 2 / 3, (28 / (2 / 3), 0.0, 0.0), None), (2 / 3, 24.0, (0.0, 0.0, 0.0), None)],
        TIMES,
    )
    sol = simulate(Regimen.of(iv_infusion("28 mg", over="40 min", drug="esketamine")), times=TIMES, pd=False)
    _assert_close(sol.concentration("esketamine"), 1000 * Y[:, 3] / p["VC"])
    dpo = p["DPO"]
    Y = lsoda_piecewise(
        rhs,
        np.zeros(10),
        [(0.0, dpo, (0.0, 0.0, 84 * p["FGUT"] / dpo), None), (dpo, 24.0, (0.0, 0.0, 0.0), None)],
        TIMES,
    )
    sol = simulate(
        Regimen.of(Dose(drug=Drug.ESKETAMINE, route=Route.ORAL, amount=DoseAmount(84.0))),
        times=TIMES,
        pd=False,
    )
    _assert_close(sol.concentration("esketamine"), 1000 * Y[:, 3] / p["VC"])
    _assert_close(sol.concentration("noresketamine"), 1000 * Y[:, 7] / p["VCN"])
