"""The libroadrunner peer: the exported SBML, one compiled model, patients in a loop."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from ketasim.bench.peers import Timing, Workload
from ketasim.io.sbml import RoadRunnerCohort

__all__ = ["roadrunner_run"]


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
