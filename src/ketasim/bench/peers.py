"""The same patients and regimen run by ketasim's engine and by peer solvers.

Peers: scipy's ``solve_ivp`` LSODA on the model's right-hand side
(:mod:`ketasim.engine.ode`), looping over patients; libroadrunner (CVODE) on
the exported SBML, looping over patients with per-patient parameters set on
one loaded model. A tight LSODA run (rtol 1e-10) is the reference for the
error of every method.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ketasim.engine.backend import Backend
from ketasim.engine.core import Engine, EngineResult
from ketasim.engine.ode import solve_reference
from ketasim.engine.prepared import Prepared, prepare
from ketasim.model import Model, default_model
from ketasim.population.patients import Cohort
from ketasim.population.virtual import TRD_TRIAL, PopulationSpec, sample_cohort
from ketasim.regimen.regimen import Regimen

__all__ = ["Timing", "Workload", "engine_run", "lsoda_run", "reference_madrs"]


@dataclass(frozen=True)
class Workload:
    """Patients, regimen and outputs shared by every method."""

    regimen: Regimen
    days: int = 365
    every_days: int = 7
    seed: int = 2026
    spec: PopulationSpec = TRD_TRIAL
    model: Model = field(default_factory=default_model)

    @property
    def times_h(self) -> np.ndarray:
        return np.arange(0, self.days + 1, self.every_days) * 24.0

    def cohort(self, n: int, start: int = 0) -> Cohort:
        return sample_cohort(self.spec, self.model, np.arange(start, start + n), self.seed)

    def prepared(self, n: int, start: int = 0) -> Prepared:
        return prepare(self.model, self.cohort(n, start), self.regimen, self.times_h, pk_matrices=False)


@dataclass(frozen=True)
class Timing:
    """Throughput of one method: patients simulated and wall seconds."""

    method: str
    patients: int
    seconds: float
    years: float

    @property
    def patient_years_per_s(self) -> float:
        return self.patients * self.years / self.seconds


def engine_run(w: Workload, n: int, backend: Backend | str = Backend.NUMBA) -> tuple[Timing, np.ndarray]:
    """ketasim's engine, all patients in one call (sampling and preparation included)."""
    t0 = time.perf_counter()
    res = Engine(w.model, backend=backend).run(w.cohort(n), w.regimen, w.times_h)
    madrs = res.madrs()
    return Timing(f"ketasim engine ({backend})", n, time.perf_counter() - t0, w.days / 365.0), madrs


def _madrs_of(
    p: Prepared, solve: Callable[[Prepared, int], tuple[np.ndarray, np.ndarray, np.ndarray]]
) -> np.ndarray:
    parts = [solve(p, i) for i in range(p.N)]
    X, Z, Y = (np.stack([q[k] for q in parts]) for k in range(3))
    return EngineResult(p, X, Z, Y).madrs()


def lsoda_run(w: Workload, n: int, rtol: float, atol: float) -> tuple[Timing, np.ndarray]:
    """scipy LSODA, one patient at a time."""
    p = w.prepared(n)
    t0 = time.perf_counter()
    madrs = _madrs_of(p, lambda q, i: solve_reference(q, i, rtol=rtol, atol=atol))
    return Timing(f"scipy LSODA (rtol {rtol:g})", n, time.perf_counter() - t0, w.days / 365.0), madrs


def reference_madrs(w: Workload, n: int) -> np.ndarray:
    """The tight reference: LSODA with rtol 1e-10."""
    return _madrs_of(w.prepared(n), lambda q, i: solve_reference(q, i, rtol=1e-10, atol=1e-14))


def max_rel_error(madrs: np.ndarray, ref: np.ndarray) -> float:
    return float(np.max(np.abs(madrs - ref) / ref))
