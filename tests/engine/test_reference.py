"""The engine against a tight LSODA solution of the same equations, and its convergence order."""

import numpy as np
import pytest

from ketasim.engine.core import Engine, EngineResult
from ketasim.engine.ode import solve_reference
from ketasim.population.patients import Cohort, Patient
from ketasim.regimen.named import NAMED, load_regimen

PATIENTS = [
    Patient(),
    Patient(weight_kg=104, age_years=67, ancestry="japanese", val66met="met/met", baseline_madrs=41,
            baseline_si=3, benzodiazepine_mg_day=10, background_ad="new_start", bmi=35),
]  # fmt: skip


def _reference(res: EngineResult) -> EngineResult:
    n = res.prepared.N
    parts = [solve_reference(res.prepared, i) for i in range(n)]
    X, Z, Y = (np.stack([p[k] for p in parts]) for k in range(3))
    return EngineResult(res.prepared, X, Z, Y)


@pytest.mark.parametrize("name", sorted(NAMED))
def test_every_named_regimen_matches_lsoda(name):
    regimen = load_regimen(name)
    days = 120 if "3-weekly" in name or name == "esketamine-label" else 45
    t = np.concatenate([[0, 2, 4, 8], np.arange(1, days + 1) * 24.0])
    res = Engine().run(Cohort.of(PATIENTS), regimen, t, record_x=True)
    ref = _reference(res)
    err = np.abs(res.madrs() - ref.madrs()) / ref.madrs()
    assert err.max() <= 1e-5
    for analyte in ("s_ketamine", "s_norketamine"):
        c, c_ref = res.concentration(analyte), ref.concentration(analyte)
        scale = np.abs(c_ref).max(axis=1, keepdims=True)
        assert (np.abs(c - c_ref) / scale).max() <= 1e-6


def test_halving_the_grid_reduces_the_error_at_the_engine_order():
    regimen = load_regimen("iv-induction-6x2w")
    t = np.arange(0, 31) * 24.0
    ref = None
    errors = []
    for refine in range(3):
        res = Engine(refine=refine).run(Cohort.of(PATIENTS[:1]), regimen, t)
        if ref is None:
            X, Z, Y = solve_reference(res.prepared, 0, rtol=1e-12, atol=1e-16)
            ref = EngineResult(res.prepared, X[None], Z[None], Y[None]).madrs()
        errors.append(np.abs(res.madrs() - ref).max())
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(orders > 3.0), f"observed orders {orders} (errors {errors})"
