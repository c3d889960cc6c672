"""The libroadrunner peer: the exported SBML, one compiled model, patients in a loop.

:class:`RoadRunnerCohort` is also the SBML export's oracle in the tests.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from ketasim.bench.peers import Timing, Workload
from ketasim.engine.prepared import Prepared
from ketasim.errors import InputError
from ketasim.io.sbml import to_sbml
from ketasim.io.sbml_layout import Layout

__all__ = ["RoadRunnerCohort", "roadrunner_run"]


class RoadRunnerCohort:
    """One libroadrunner model of a prepared run, simulated for any of its patients.

    The model is compiled once (from patient 0's file); :meth:`simulate` resets
    it, sets one patient's values (:func:`patient_parameters`) and integrates to
    the run's output times. Needs libroadrunner (a test dependency). After
    doses late in a run SUNDIALS may print "t + h = t" warnings to standard
    output while CVODE restarts (docs/decisions/0005-sbml-export.md); the
    results are not affected.

    Args:
        prepared: the prepared run (its cohort, regimen and output times).
        rtol, atol: CVODE's relative and absolute tolerances (atol as in the benchmark: at 1e-14
            CVODE's restart after a dose rejected one patient's error weights, CV_ILL_INPUT).
    """

    def __init__(self, prepared: Prepared, *, rtol: float = 1e-10, atol: float = 1e-12) -> None:
        try:
            import roadrunner
        except ImportError:  # pragma: no cover - depends on the environment
            raise InputError(
                "sbml", "roadrunner", "libroadrunner is not installed", None, "pip install libroadrunner"
            ) from None
        self.prepared = prepared
        self._layout = Layout(prepared)
        self.rr: Any = roadrunner.RoadRunner(to_sbml(prepared, 0))
        integrator = self.rr.integrator
        integrator.relative_tolerance = rtol
        integrator.absolute_tolerance = atol
        # after each dose CVODE restarts with small steps; sparse output times need many steps
        integrator.maximum_num_steps = 10_000_000
        times = prepared.out_times_s / 3600.0
        self._skip = 0 if times[0] == 0.0 else 1
        self.times_h = np.concatenate([[0.0], times]) if self._skip else times

    def trajectories(self, i: int, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Values of SBML ids (states or rules) at the run's output times (pre-dose), patient ``i``."""
        values = self._layout.values(i)
        rr = self.rr
        rr.resetAll()
        for pid, value in values.items():
            rr.setValue(pid, value)
        res = np.asarray(rr.simulate(times=self.times_h, selections=["time", *ids]))
        return {pid: res[self._skip :, k + 1].copy() for k, pid in enumerate(ids)}

    def simulate(self, i: int) -> np.ndarray:
        """True MADRS total of patient ``i`` at the run's output times (pre-dose)."""
        return self.trajectories(i, ["madrs"])["madrs"]


@contextmanager
def _quiet_stdout() -> Iterator[None]:
    """CVODE prints restart warnings on the C stdout; keep the benchmark's output readable."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(devnull)
        os.close(saved)


def roadrunner_run(w: Workload, n: int, tolerances: tuple[float, float]) -> tuple[Timing, np.ndarray]:
    """libroadrunner (CVODE) on the exported SBML; model compilation is not timed."""
    rtol, atol = tolerances
    prepared = w.prepared(n)
    with _quiet_stdout():
        cohort = RoadRunnerCohort(prepared, rtol=rtol, atol=atol)
        t0 = time.perf_counter()
        madrs = np.stack([cohort.simulate(i) for i in range(n)])
        seconds = time.perf_counter() - t0
    return Timing(f"libroadrunner CVODE (rtol {rtol:g})", n, seconds, w.days / 365.0), madrs
