"""Populations too large for one engine call: chunks, streaming summaries, optional Dask.

Patient ``i`` is drawn from (seed, i) alone, so chunking, worker count and
scheduler never change a patient's result. Each chunk returns one summary row
per patient (covariates, outcomes, and optionally the weekly MADRS): memory
grows with the rows kept, not with the states simulated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ketasim.engine.backend import Backend
from ketasim.engine.core import Engine
from ketasim.errors import InputError
from ketasim.model import Model, default_model
from ketasim.population.outcomes import outcomes
from ketasim.population.virtual import PopulationSpec, sample_cohort
from ketasim.regimen.regimen import Regimen

__all__ = ["PopulationJob", "chunks", "run_chunk", "run_population"]


@dataclass(frozen=True)
class PopulationJob:
    """What to simulate: a population, a regimen, a horizon, assessment days."""

    spec: PopulationSpec
    regimen: Regimen
    days: int
    seed: int
    every_days: int = 7
    keep_trajectories: bool = False
    backend: Backend = Backend.NUMBA
    model: Model = field(default_factory=default_model)

    def __post_init__(self) -> None:
        object.__setattr__(self, "backend", Backend.parse(self.backend, "population", "backend"))

    def assessment_days(self) -> np.ndarray:
        d = np.arange(0, self.days + 1, self.every_days, dtype=float)
        return d if d[-1] == self.days else np.append(d, float(self.days))


def chunks(n: int, size: int) -> Iterator[tuple[int, int]]:
    """Consecutive (start, stop) patient id ranges."""
    if n < 1 or size < 1:
        raise InputError("population", "n", "must be at least 1", n)
    for lo in range(0, n, size):
        yield lo, min(n, lo + size)


def run_chunk(job: PopulationJob, lo: int, hi: int) -> pd.DataFrame:
    """Simulates patients lo..hi-1 and returns one summary row per patient."""
    ids = np.arange(lo, hi)
    cohort = sample_cohort(job.spec, job.model, ids, job.seed)
    days = job.assessment_days()
    res = Engine(job.model, backend=job.backend).run(cohort, job.regimen, days * 24.0)
    madrs = res.madrs()
    out = outcomes(madrs, days)
    frame = pd.DataFrame(
        {
            "patient": ids,
            "weight_kg": cohort.weight_kg,
            "age_years": cohort.age_years,
            "female": cohort.female,
            "met_alleles": cohort.met_alleles,
            "baseline_madrs": madrs[:, 0],
            "final_madrs": madrs[:, -1],
            "responded": out.responded,
            "remitted": out.remitted,
            "response_end": out.response_end,
            "remission_end": out.remission_end,
            "relapsed": out.relapsed,
            "time_to_response_d": out.time_to_response_d,
            "time_to_relapse_d": out.time_to_relapse_d,
            "share_in_response": out.share_in_response,
            "share_in_remission": out.share_in_remission,
        }
    )
    if job.keep_trajectories:
        for j, d in enumerate(days):
            frame[f"madrs_d{int(d)}"] = madrs[:, j].astype(np.float32)
    return frame


def run_population(
    job: PopulationJob,
    n: int,
    *,
    chunk_size: int = 2000,
    client: object | None = None,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """All n patients, chunk by chunk, locally or on a Dask client; rows in patient order."""
    parts: list[pd.DataFrame] = []
    if client is None:
        for lo, hi in chunks(n, chunk_size):
            parts.append(run_chunk(job, lo, hi))
            if progress is not None:
                progress(hi - lo)
    else:
        from distributed import as_completed

        futures = [client.submit(run_chunk, job, lo, hi, pure=False) for lo, hi in chunks(n, chunk_size)]  # type: ignore[attr-defined]
        for fut in as_completed(futures):
            frame = fut.result()
            parts.append(frame)
            if progress is not None:
                progress(len(frame))
    return pd.concat(parts).sort_values("patient").reset_index(drop=True)
