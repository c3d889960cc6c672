"""Runs a trial: replicate trials in batches, each simulated stage by stage on the population engine.

Replicate ``r`` enrols patients with ids ``r*n .. r*n + n - 1`` (``n`` per
replicate), so replicates are independent and a patient is the same whatever
the batch, chunk or number of workers. A *stage* is a run of phases ending
where ``continue_if`` selects who goes on: the stage's paths are simulated from
time 0 to its end (the engine always starts at 0), selection is made on the
observed scores, and the next stage re-simulates the selected patients over the
longer horizon. Values up to a stage's end are kept from that stage, so the
scores used for selection are the scores the endpoints see.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from multiprocessing import get_context

import numpy as np

from ketasim.engine.core import Engine
from ketasim.model import Model, default_model
from ketasim.population.virtual import sample_cohort
from ketasim.trials.allocate import allocate
from ketasim.trials.calls import plan_calls
from ketasim.trials.checks import Plan, compile_plan
from ketasim.trials.data import ReplicateData
from ketasim.trials.design import TIME_TOL_H
from ketasim.trials.endpoints import endpoint_values
from ketasim.trials.evaluate import conditions
from ketasim.trials.result import TrialResult, summarise
from ketasim.trials.spec import TrialSpec

__all__ = ["DEFAULT_CHUNK", "BatchOutput", "default_workers", "run_batch", "run_trial", "run_trial_draws"]

#: Patients per engine run. Larger chunks gain little and, above ~1500, make OpenBLAS spread small
#: matrix products over threads, which is slower on a busy machine.
DEFAULT_CHUNK = 1000

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BatchOutput:
    """Per-replicate endpoint values and arm trajectories of a batch of replicates."""

    replicates: tuple[int, ...]
    values: dict[str, np.ndarray]  # endpoint id -> (replicates, rows)
    trajectories: dict[tuple[int, int], np.ndarray]  # (phase, arm) -> (replicates, visits)
    patients_simulated: int


def _chunks(rows: np.ndarray, size: int) -> Iterator[slice]:
    for lo in range(0, rows.size, size):
        yield slice(lo, min(lo + size, rows.size))


class _Batch:
    """The simulated record of a batch of replicates, filled stage by stage."""

    def __init__(self, plan: Plan, model: Model, replicates: tuple[int, ...], seed: int) -> None:
        d = plan.design
        self.plan, self.model, self.replicates, self.seed = plan, model, replicates, seed
        self.n = d.n_enrolled
        self.ids = np.concatenate([r * self.n + np.arange(self.n, dtype=np.int64) for r in replicates])
        self.cohort = sample_cohort(d.population, model, self.ids, seed)
        self.items = np.full((self.ids.size, d.times_h.size, 10), np.nan)
        self.arm = np.full((self.ids.size, len(d.phases)), -1, dtype=np.int64)
        self.alive = np.ones(self.ids.size, dtype=bool)
        self.simulated = 0

    def replicate(self, k: int) -> ReplicateData:
        rows = slice(k * self.n, (k + 1) * self.n)
        return ReplicateData(
            self.model, self.seed, self.replicates[k], self.plan.design.times_h,
            self.items[rows], self.arm[rows], self.cohort.take(rows),
        )  # fmt: skip

    def simulate(self, first: int, last: int, done_h: float, chunk: int) -> None:
        """Allocates phases first..last and simulates every live path to the end of ``last``."""
        d = self.plan.design
        for q in range(first, last + 1):
            allocate(d.phases[q], self.arm, self.alive, self.ids, self.n, self.seed)
        live = np.nonzero(self.alive)[0]
        keys, inverse = np.unique(self.arm[live, : last + 1], axis=0, return_inverse=True)
        paths = {tuple(int(a) for a in key): live[inverse.ravel() == i] for i, key in enumerate(keys)}
        times = d.times_h
        upto = times <= d.phases[last].end_h + TIME_TOL_H
        new = (times > done_h + TIME_TOL_H)[upto]
        cols = np.nonzero(upto)[0][new]
        engine = Engine(self.model, backend="numba")
        for call in plan_calls(d, paths):
            for part in _chunks(call.rows, chunk):
                rows = call.rows[part]
                mask = None if call.mask is None else call.mask[part]
                cohort = replace(self.cohort.take(rows), background=np.full(rows.size, call.background))
                res = engine.run(
                    cohort, call.regimen, times[upto], dose_mask=mask, ad_start_h=call.ad_start_h
                )
                it = res.items()
                assert it.shape[1] == int(upto.sum()), "output times must stay on the one-second lattice"
                self.items[rows[:, None], cols[None, :]] = it[:, new]
                self.simulated += rows.size

    def select(self, phase_index: int) -> None:
        """Keeps alive only the patients of ``phase_index`` who meet its continue_if."""
        phase = self.plan.design.phases[phase_index]
        for k in range(len(self.replicates)):
            data = self.replicate(k)
            who = np.nonzero(data.arm[:, phase.index] >= 0)[0]
            ok, _ = conditions(self.plan, data, phase.continue_if, who, phase)
            rows = k * self.n + who
            self.alive[rows] &= ok
            self.alive[k * self.n : (k + 1) * self.n][data.arm[:, phase.index] < 0] = False


def _trajectories(plan: Plan, data: ReplicateData, scale: str) -> dict[tuple[int, int], np.ndarray]:
    out = {}
    obs = data.observed(scale)
    for p in plan.design.phases:
        cols = plan.design.index_of(plan.design.phase_visits(p))
        for a in p.arms:
            who = data.arm[:, p.index] == a.index
            y = obs[np.ix_(who, cols)]
            out[(p.index, a.index)] = np.nanmean(y, axis=0) if who.any() else np.full(cols.size, np.nan)
    return out


def run_batch(
    plan: Plan, model: Model, replicates: tuple[int, ...], seed: int, chunk: int = DEFAULT_CHUNK
) -> BatchOutput:
    """Simulates and measures replicates ``replicates`` (one process's share of the work)."""
    batch = _Batch(plan, model, replicates, seed)
    done_h = -np.inf
    for first, last in plan.design.stages():
        batch.simulate(first, last, done_h, chunk)
        done_h = plan.design.phases[last].end_h
        if plan.design.phases[last].continue_if:
            batch.select(last)
    values: dict[str, list[list[float]]] = {ep.id: [] for ep in plan.endpoints}
    traj: dict[tuple[int, int], list[np.ndarray]] = {}
    for k in range(len(replicates)):
        data = batch.replicate(k)
        for ep in plan.endpoints:
            values[ep.id].append(endpoint_values(plan, data, ep))
        for key, y in _trajectories(plan, data, "madrs").items():
            traj.setdefault(key, []).append(y)
    return BatchOutput(
        replicates,
        {k: np.asarray(v, dtype=float).reshape(len(replicates), -1) for k, v in values.items()},
        {k: np.stack(v) for k, v in traj.items()},
        batch.simulated,
    )


def _batches(replicates: int, per_batch: int) -> list[tuple[int, ...]]:
    return [tuple(range(lo, min(lo + per_batch, replicates))) for lo in range(0, replicates, per_batch)]


def run_trial(
    spec: TrialSpec,
    *,
    model: Model | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    chunk: int = DEFAULT_CHUNK,
    progress: Progress | None = None,
) -> TrialResult:
    """Runs ``spec`` (its replicates and seed unless given) and summarises every endpoint.

    Deterministic for a seed: the same numbers whatever ``workers`` and ``chunk``.
    """
    model = default_model() if model is None else model
    return run_trial_draws(
        spec, (model,), replicates=replicates, seed=seed, workers=workers, chunk=chunk, progress=progress
    )


def run_trial_draws(
    spec: TrialSpec,
    models: Sequence[Model],
    *,
    replicates: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    chunk: int = DEFAULT_CHUNK,
    progress: Progress | None = None,
) -> TrialResult:
    """Like :func:`run_trial`, with the replicates split into equal runs, one per model.

    With models drawn from a parameter posterior the replicate spread is a posterior-predictive
    one: parameter uncertainty plus the sampling of a trial's patients. Replicate ``r`` uses
    the same patients whatever the models.
    """
    if not models:
        raise ValueError("run_trial_draws needs at least one model")
    if replicates is not None or seed is not None:
        spec = spec.model_copy(
            update={"replicates": replicates or spec.replicates, "seed": spec.seed if seed is None else seed}
        )
        spec = TrialSpec.model_validate(spec.model_dump(by_alias=True))
    plan = compile_plan(spec, models[0])
    # a batch holds a few chunks: later stages (selected patients only) still fill engine runs
    per_batch = max(1, 4 * chunk // plan.design.n_enrolled)
    jobs: list[tuple[Model, tuple[int, ...]]] = []
    for m, group in zip(models, np.array_split(np.arange(spec.replicates), len(models)), strict=True):
        if group.size:
            first, last = int(group[0]), int(group[-1]) + 1
            jobs += [(m, tuple(first + r for r in b)) for b in _batches(last - first, per_batch)]
    outputs: list[BatchOutput] = []
    done = 0
    if workers > 1 and len(jobs) > 1:
        ctx = get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=ctx) as pool:
            futures = [pool.submit(run_batch, plan, m, b, spec.seed, chunk) for m, b in jobs]
            for fut in as_completed(futures):
                outputs.append(fut.result())
                done += len(outputs[-1].replicates)
                if progress is not None:
                    progress(done, spec.replicates)
    else:
        for m, b in jobs:
            outputs.append(run_batch(plan, m, b, spec.seed, chunk))
            done += len(b)
            if progress is not None:
                progress(done, spec.replicates)
    outputs.sort(key=lambda o: o.replicates[0])
    return summarise(plan, outputs)


def default_workers() -> int:
    """Worker processes for a long run: one per CPU available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
