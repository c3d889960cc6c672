"""AUC0-inf and terminal half-life against a long LSODA solve of the published equations."""

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from ketasim.pk.metrics import pk_metrics
from ketasim.population.patients import Patient
from ketasim.regimen.dose import Dose, Drug, Route, iv_infusion, nasal_session
from ketasim.regimen.regimen import Regimen
from ketasim.units import DoseAmount
from tests.pk.oracles import racemic_rhs

WEIGHT = 70.0
HORIZON_H = 400.0


def _oracle(route: str, dose_mg: float) -> dict[str, tuple[float, float]]:
    """(AUC0-inf, terminal half-life) per analyte from LSODA with the AUC as extra states."""
    rhs, conc, n, target, fabs, dur = racemic_rhs(WEIGHT, route)

    def aug(t, y, rate):
        c = conc(y[:n])
        return [*rhs(t, y[:n], rate), c["ketamine"], c["norketamine"]]

    y = np.zeros(n + 2)
    t0 = 0.0
    if dur > 0:
        sol = solve_ivp(
            aug, (0, dur), y, args=(fabs * dose_mg / dur,), method="LSODA", rtol=1e-11, atol=1e-14
        )
        y, t0 = sol.y[:, -1], dur
    else:
        y[target] = fabs * dose_mg
    late = np.linspace(t0 + 60.0, t0 + 80.0, 3)  # terminal phase: other modes are e^-100 smaller
    sol = solve_ivp(
        aug,
        (t0, HORIZON_H),
        y,
        args=(0.0,),
        method="LSODA",
        rtol=1e-11,
        atol=1e-16,
        t_eval=[*late, HORIZON_H],
    )
    assert sol.success
    end = sol.y[:, -1]
    c_end = conc(end[:n])
    out = {}
    for j, name in enumerate(("ketamine", "norketamine")):
        assert c_end[name] < 1e-9 * end[n + j]  # nothing left to integrate
        logs = [math.log(conc(sol.y[:n, i])[name]) for i in range(late.size)]
        slope = (logs[-1] - logs[0]) / (late[-1] - late[0])
        out[name] = (end[n + j], math.log(2.0) / -slope)
    return out


@pytest.mark.parametrize("route", ["im", "sc", "sublingual", "intranasal", "oral"])
def test_racemic_auc_inf_and_half_life_match_long_integration(route):
    dose_mg = 35.0 if route in ("im", "sc") else 50.0
    regimen = Regimen.of(Dose(drug=Drug.RACEMIC_KETAMINE, route=Route(route), amount=DoseAmount(dose_mg)))
    got = pk_metrics(regimen, Patient(weight_kg=WEIGHT))
    want = _oracle(route, dose_mg)
    for name, (auc, half_life) in want.items():
        m = got[name]
        assert m.auc_0_inf_ng_h_ml == pytest.approx(auc, rel=1e-6)
        assert m.auc_0_inf_ng_h_ml >= m.auc_0_24_ng_h_ml > 0
        assert m.terminal_half_life_h == pytest.approx(half_life, rel=1e-3)


def test_iv_bolus_has_auc_inf_and_half_life():
    regimen = Regimen.of(Dose(drug=Drug.RACEMIC_KETAMINE, route=Route.IV, amount=DoseAmount(35.0)))
    m = pk_metrics(regimen, Patient(weight_kg=WEIGHT))["ketamine"]
    assert m.auc_0_inf_ng_h_ml == pytest.approx(_oracle("iv", 35.0)["ketamine"][0], rel=1e-6)
    assert math.isfinite(m.terminal_half_life_h)


def test_auc_inf_does_not_depend_on_when_doses_come():
    one = pk_metrics(Regimen.of(iv_infusion("0.5 mg/kg", over="40 min")), Patient(weight_kg=WEIGHT))
    two = pk_metrics(
        Regimen.from_spec(
            [{"drug": "racemic_ketamine", "route": "im", "dose": "20mg", "every": "2d", "count": 3}]
        ),
        Patient(weight_kg=WEIGHT),
    )
    im = pk_metrics(
        Regimen.of(Dose(drug=Drug.RACEMIC_KETAMINE, route=Route.IM, amount=DoseAmount(20.0))),
        Patient(weight_kg=WEIGHT),
    )
    assert one["ketamine"].auc_0_inf_ng_h_ml > 0
    assert two["ketamine"].auc_0_inf_ng_h_ml == pytest.approx(3 * im["ketamine"].auc_0_inf_ng_h_ml, rel=1e-9)


def test_esketamine_nasal_session_ends_with_a_bolus_and_keeps_its_terminal_phase():
    m = pk_metrics(Regimen.of(nasal_session(3)), analytes=("esketamine",))["esketamine"]
    assert m.auc_0_inf_ng_h_ml >= m.auc_0_24_ng_h_ml > 0
    assert math.isfinite(m.terminal_half_life_h)
