"""PK in modal coordinates: the decomposition's checks and the kernels' fallback to matrices.

The compiled kernels step the PK of a patient whose matrix decomposes well (real eigenvalues,
eigenvector condition number at most 1e6) diagonally in w = V^-1 x; any other patient takes the
quarter-step matrix path. Both paths must agree with the numpy reference kernel, and which path
other patients take must not change a patient's result.
"""

from dataclasses import replace

import numpy as np
import pytest

from ketasim.engine.core import EngineResult
from ketasim.engine.flat import flatten
from ketasim.engine.kernel_jax import run_jax
from ketasim.engine.kernel_numba import engine_threads, run_numba
from ketasim.engine.kernel_numpy import run_numpy
from ketasim.engine.modal import cached_modal, modal_decomposition
from ketasim.engine.prepared import prepare
from ketasim.errors import InputError
from ketasim.model import default_model
from ketasim.population.virtual import TRD_TRIAL, sample_cohort
from ketasim.regimen.dose import iv_infusion, nasal_session
from ketasim.regimen.regimen import Regimen

FORCED = [0, 5, 36]  # patients sent down the matrix path


def _prepared():
    regimen = Regimen.of(iv_infusion("0.5 mg/kg", over="40 min"), nasal_session(3, at=72.0))
    cohort = sample_cohort(TRD_TRIAL, default_model(), 37, 5)
    t = np.concatenate([[0.0, 0.5, 1.0, 3.0], np.arange(1, 15) * 24.0])
    return prepare(default_model(), cohort, regimen, t, record_x=True)


def _forced(f):
    ok = f.modal_ok.copy()
    ok[FORCED] = False
    return replace(f, modal_ok=ok)


def _max_rel(p, got, ref):
    a, b = EngineResult(p, *got), EngineResult(p, *ref)
    m = float(np.max(np.abs(a.madrs() - b.madrs()) / b.madrs()))
    c, c_ref = a.concentration("ketamine"), b.concentration("ketamine")
    return max(m, float(np.max(np.abs(c - c_ref)) / np.abs(c_ref).max()))


def test_decomposition_reproduces_every_sampled_pk_matrix():
    A = _prepared().system.A
    m = modal_decomposition(A)
    assert m.ok.all()
    rebuilt = m.V * m.lam[:, None, :] @ m.Vinv
    assert np.abs(rebuilt - A).max() <= 1e-12 * np.abs(A).max()
    assert (m.lam < 0).all()  # every compartment drains


@pytest.mark.parametrize(
    "A",
    [
        [[0.0, 1.0], [-1.0, 0.0]],  # complex eigenvalues
        [[-1.0, 1.0], [0.0, -1.0]],  # defective: one eigenvector
        [[-1.0, 1.0], [0.0, -1.0 - 1e-9]],  # nearly defective: condition ~1e9
    ],
    ids=["complex", "defective", "ill-conditioned"],
)
def test_decomposition_refuses_what_the_modal_path_cannot_step(A):
    good = [[-2.0, 0.0], [1.0, -1.0]]
    m = modal_decomposition(np.array([good, A]))
    assert m.ok.tolist() == [True, False]
    assert np.array_equal(m.V[1], np.eye(2)) and np.array_equal(m.Vinv[1], np.eye(2))


def test_cached_decomposition_is_reused_only_for_the_same_matrices():
    A = _prepared().system.A
    first = cached_modal(A)
    assert cached_modal(A.copy()) is first
    B = A.copy()
    B[3, 0, 0] *= 1.0 + 1e-12  # one patient's clearance changed in the last digits
    other = cached_modal(B)
    assert other is not first
    assert not np.array_equal(other.lam[3], first.lam[3])
    np.testing.assert_array_equal(other.lam[:3], first.lam[:3])


def test_numba_mixes_both_paths_and_agrees_with_numpy():
    p = _prepared()
    f = flatten(p)
    ref = run_numpy(p)
    modal = run_numba(f, record_x=True)
    mixed = run_numba(_forced(f), record_x=True)
    assert _max_rel(p, modal, ref) <= 1e-9
    assert _max_rel(p, mixed, ref) <= 1e-9
    keep = np.setdiff1d(np.arange(p.N), FORCED)
    for a, b in zip(modal[:3], mixed[:3], strict=True):
        np.testing.assert_allclose(a[keep], b[keep], rtol=1e-13, atol=0.0)
    # the forced patients ran the matrix path: close to, but not bit-equal with, the modal path
    assert not np.array_equal(modal[0][FORCED], mixed[0][FORCED])


def test_jax_takes_the_matrix_path_when_any_patient_must():
    p = _prepared()
    f = flatten(p)
    ref = run_numpy(p)
    assert _max_rel(p, run_jax(f, record_x=True), ref) <= 1e-10
    assert _max_rel(p, run_jax(_forced(f), record_x=True), ref) <= 1e-10


def test_threads_split_the_blocks_without_changing_any_result(monkeypatch):
    p = _prepared()
    f = _forced(flatten(p))  # both paths, several blocks
    one = run_numba(f, record_x=True, threads=1)
    for threads in (2, 5):
        got = run_numba(f, record_x=True, threads=threads)
        for a, b in zip((*one[:3], *one[3]), (*got[:3], *got[3]), strict=True):
            assert np.array_equal(a, b)
    monkeypatch.setenv("KETASIM_THREADS", "3")
    assert engine_threads() == 3
    monkeypatch.setenv("KETASIM_THREADS", "two")
    with pytest.raises(InputError, match="KETASIM_THREADS"):
        engine_threads()
