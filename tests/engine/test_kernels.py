"""The compiled (numba) and JAX kernels against the numpy reference kernel.

The time-stepping of the kernels is compared with identical PK step matrices
(1e-12 for numba, 1e-10 for JAX); the numba kernel's own per-patient PK
matrices are compared with the numpy ones separately: the doubling that builds
them amplifies round-off (about 2^17 from the 0.25 s base), so two correct
implementations agree to ~1e-11 relative, which is far below the engine's
1e-6 tolerance on concentrations.
"""

from dataclasses import replace

import numpy as np
import pytest

from ketasim.engine.core import Engine, EngineResult
from ketasim.engine.flat import flatten
from ketasim.engine.kernel_jax import run_jax
from ketasim.engine.kernel_numba import _quarter, run_numba
from ketasim.engine.kernel_numpy import run_numpy
from ketasim.engine.pkmatrices import quarter_matrices
from ketasim.engine.prepared import prepare
from ketasim.model import default_model
from ketasim.population.virtual import TRD_TRIAL, sample_cohort
from ketasim.regimen.dose import iv_infusion, nasal_session, placebo
from ketasim.regimen.named import load_regimen
from ketasim.regimen.regimen import Regimen

SPEC = replace(TRD_TRIAL, background="new_start", benzodiazepine=0.5)


def _mixed() -> Regimen:
    return Regimen.of(
        placebo("saline", over="40 min"),
        iv_infusion("0.5 mg/kg", over="40 min", at=24.0),
        nasal_session(3, at=72.0),
        iv_infusion("35 mg", rate_mg_h=52.5, at=120.0),
    )


CASES = [
    (load_regimen("iv-6x2w-then-3-weekly"), 365),
    (load_regimen("esketamine-label"), 120),
    (_mixed(), 20),
]
IDS = ["iv-year", "esketamine-label", "mixed"]


def _prepared(regimen, days):
    cohort = sample_cohort(SPEC, default_model(), 37, 11)  # not a multiple of the SIMD block
    t = np.concatenate([[0.0, 1.0, 3.0], np.arange(1, days + 1, 3) * 24.0])
    return prepare(default_model(), cohort, regimen, t, record_x=True)


def _assert_close(p, got, ref, tol):
    a, b = EngineResult(p, *got), EngineResult(p, *ref)
    assert np.max(np.abs(a.madrs() - b.madrs()) / b.madrs()) <= tol
    for analyte in ("ketamine", "norketamine"):
        c, c_ref = a.concentration(analyte), b.concentration(analyte)
        assert np.max(np.abs(c - c_ref)) <= tol * max(float(np.abs(c_ref).max()), 1e-300)
    for name in ("G", "M", "X", "W", "N", "S", "L", "EF", "AD", "TOL"):
        u, v = a.latent(name), b.latent(name)
        assert np.max(np.abs(u - v)) <= tol * max(1.0, float(np.abs(v).max())), name


@pytest.mark.parametrize(("regimen", "days"), CASES, ids=IDS)
def test_numba_stepping_matches_numpy_to_1e12(regimen, days):
    p = _prepared(regimen, days)
    got = run_numba(flatten(p), record_x=True, matrices=(p.phi, p.psi))
    _assert_close(p, got, run_numpy(p), 1e-12)


@pytest.mark.parametrize(("regimen", "days"), CASES, ids=IDS)
def test_numba_end_to_end_matches_numpy(regimen, days):
    p = _prepared(regimen, days)
    _assert_close(p, run_numba(flatten(p), record_x=True), run_numpy(p), 1e-9)


def test_numba_pk_matrices_match_numpy():
    p = _prepared(_mixed(), 20)
    f = flatten(p)
    phi, psi = quarter_matrices(f.A, f.quarter_units)
    K, N, n, _ = phi.shape
    got_phi, got_psi = np.empty((K, n, n, 1)), np.empty((K, n, n, 1))
    for i in range(N):
        _quarter(f.A[i], f.quarter_units, got_phi, got_psi, 0)
        for k in range(K):
            assert np.abs(got_phi[k, ..., 0] - phi[k, i]).max() <= 1e-10 * np.abs(phi[k, i]).max()
            assert np.abs(got_psi[k, ..., 0] - psi[k, i]).max() <= 1e-10 * np.abs(psi[k, i]).max()


@pytest.mark.parametrize(("regimen", "days"), CASES, ids=IDS)
def test_jax_matches_numpy_to_1e10(regimen, days):
    p = _prepared(regimen, days)
    _assert_close(p, run_jax(flatten(p), record_x=True), run_numpy(p), 1e-10)


def test_backends_through_the_engine_front():
    cohort = sample_cohort(SPEC, default_model(), 5, 3)
    t = np.arange(0, 15) * 24.0
    ref = Engine(backend="numpy").run(cohort, _mixed(), t).madrs()
    for backend in ("numba", "jax"):
        got = Engine(backend=backend).run(cohort, _mixed(), t).madrs()
        np.testing.assert_allclose(got, ref, rtol=1e-9)


def test_backends_are_one_enum_and_a_refusal_names_the_field_and_the_choices():
    from ketasim.engine.backend import CPU_BACKENDS, Backend
    from ketasim.errors import InputError

    assert Engine(backend="numba").backend is Backend.NUMBA
    assert Engine(backend=Backend.JAX).backend == "jax"  # a StrEnum: files keep the plain name
    with pytest.raises(InputError) as err:
        Engine(backend="fortran")
    assert (err.value.field, err.value.received) == ("backend", "fortran")
    assert "numpy, numba, jax" in err.value.rule
    with pytest.raises(InputError) as err:
        Backend.parse("jax", "cli", "backend", CPU_BACKENDS)
    assert err.value.rule == "must be one of numba, numpy"
