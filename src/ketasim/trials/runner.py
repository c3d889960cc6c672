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

from ketasim.engine.backend import Backend
from ketasim.engine.core import Engine
from ketasim.model import Model, default_model
from ketasim.pd.individual import individual_pd
from ketasim.population.patients import Cohort
from ketasim.population.rng import uniform
from ketasim.population.virtual import sample_cohort
from ketasim.regimen.regimen import Regimen
from ketasim.symptoms import item_scores
from ketasim.trials.allocate import allocate
from ketasim.trials.calls import Call, plan_calls
from ketasim.trials.checks import Plan, compile_plan
from ketasim.trials.data import ReplicateData
from ketasim.trials.design import TIME_TOL_H, TrialDesign
from ketasim.trials.endpoints import endpoint_values
from ketasim.trials.evaluate import Group, conditions, event_known_h, state
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
        # when a patient left the trial (inf: never): a dropout, or the end of event-driven follow-up
        self.dropout_h = np.full(self.ids.size, np.inf)
        self.stratum = np.full((self.ids.size, len(d.phases)), -1, dtype=np.int64)  # -1: none
        self.simulated = 0
        visits = d.visits_h
        near = (
            np.abs(d.times_h[:, None] - visits[None, :]).min(axis=1, initial=np.inf) if visits.size else None
        )
        self.visit_cols = np.ones(d.times_h.size, bool) if near is None else near <= TIME_TOL_H

    def replicate(self, k: int) -> ReplicateData:
        rows = slice(k * self.n, (k + 1) * self.n)
        return ReplicateData(
            self.model, self.seed, self.replicates[k], self.plan.design.times_h,
            self.items[rows], self.arm[rows], self.cohort.take(rows), self.dropout_h[rows], self.visit_cols,
            stratum=self.stratum[rows],
        )  # fmt: skip

    def _stratify(self, q: int, entering: np.ndarray) -> None:
        """The stratum of every entrant of phase ``q``: the first whose conditions hold (-1: none)."""
        phase = self.plan.design.phases[q]
        if not phase.strata:
            return
        for k in range(len(self.replicates)):
            data = self.replicate(k)
            rows = slice(k * self.n, (k + 1) * self.n)
            who = np.nonzero(entering[rows])[0]
            col = self.stratum[rows, q]
            for s, (_, where) in enumerate(phase.strata):
                ok, _ = conditions(self.plan, data, where, who, phase)
                col[who[ok & (col[who] < 0)]] = s

    def _drop_out(self, phase_index: int) -> None:
        """Draws who drops out of phase ``phase_index`` and when (constant hazard per arm)."""
        phase = self.plan.design.phases[phase_index]
        col = self.arm[:, phase_index]
        u = uniform(self.seed, self.ids, f"dropout:{phase.id}")
        for a in phase.arms:
            if a.dropout_per_week <= 0:
                continue
            who = (col == a.index) & np.isinf(self.dropout_h)
            t = -np.log(u[who]) / a.dropout_hazard_h
            self.dropout_h[np.nonzero(who)[0][t < phase.end_h - phase.start_h]] = (
                phase.start_h + t[t < phase.end_h - phase.start_h]
            )

    def simulate(self, first: int, last: int, done_h: float, chunk: int) -> None:
        """Allocates phases first..last and simulates every live path to the end of ``last``."""
        d = self.plan.design
        for q in range(first, last + 1):
            entering = self.alive & (self.dropout_h > d.phases[q].start_h + TIME_TOL_H)
            self._stratify(q, entering)
            strata = self.stratum[:, q] if d.phases[q].strata else None
            allocate(d.phases[q], self.arm, entering, self.ids, self.n, self.seed, strata)
            self._drop_out(q)
        live = np.nonzero(self.alive)[0]
        keys, inverse = np.unique(self.arm[live, : last + 1], axis=0, return_inverse=True)
        paths = {tuple(int(a) for a in key): live[inverse.ravel() == i] for i, key in enumerate(keys)}
        times = d.times_h
        upto = times <= d.phases[last].end_h + TIME_TOL_H
        new = (times > done_h + TIME_TOL_H)[upto]
        cols = np.nonzero(upto)[0][new]
        engine = Engine(self.model, backend=Backend.NUMBA)
        for call in plan_calls(d, paths):
            for part in _chunks(call.rows, chunk):
                rows = call.rows[part]
                mask = None if call.mask is None else call.mask[part]
                cohort = replace(
                    self.cohort.take(rows),
                    background=np.full(rows.size, call.background),
                    inpatient=np.full(rows.size, call.inpatient),
                )
                if self._decided(rows, last):
                    self._run_decided(engine, cohort, call, rows, mask, last, done_h)
                    self.simulated += rows.size
                    continue
                res = engine.run(
                    cohort, call.regimen, times[upto], dose_mask=mask, ad_start_h=call.ad_start_h
                )
                it = res.items()
                assert it.shape[1] == int(upto.sum()), "output times must stay on the one-second lattice"
                self.items[rows[:, None], cols[None, :]] = it[:, new]
                self.simulated += rows.size

    def _decided(self, rows: np.ndarray, last: int) -> bool:
        """Whether any of these patients is in an arm whose sessions are decided during the run."""
        for q, p in enumerate(self.plan.design.phases[: last + 1]):
            arms = [a.index for a in p.arms if a.has_rules]
            if arms and np.isin(self.arm[rows, q], arms).any():
                return True
        return False

    def _run_decided(
        self, engine: Engine, cohort: Cohort, call: Call, rows: np.ndarray, mask: np.ndarray | None,
        last: int, done_h: float,
    ) -> None:  # fmt: skip
        """Runs ``rows`` segment by segment between visits, deciding stop and titration rules.

        The protocols' mechanism (decision 0009): at each visit of a phase with rules the
        observed scores decide the per-patient dose mask of the sessions from that visit on
        (0: stopped, a factor: titrated), and the engine resumes from the previous segment's
        final state with the same regimen, so the PK blocks stay the same.
        """
        d = self.plan.design
        times = d.times_h[d.times_h <= d.phases[last].end_h + TIME_TOL_H]
        sessions = _sessions(call.regimen)
        mask = np.ones((rows.size, sessions.time_h.size)) if mask is None else np.array(mask, dtype=float)
        escalated = np.zeros(rows.size, dtype=bool)
        decisions = [
            float(v)
            for v in d.visits_h[d.visits_h < d.phases[last].end_h - TIME_TOL_H]
            if (q := _phase_at(d, float(v))) is not None
            and any(a.has_rules for a in d.phases[q].arms)
            and not ((sessions.time_h < v - TIME_TOL_H) & (sessions.end_h > v + TIME_TOL_H)).any()
        ]
        start, state = 0.0, None
        if done_h < 0:
            # the scores at time 0, before any session (a decision there needs them before a run)
            zero = np.zeros((rows.size, 1))
            baseline = item_scores(zero, zero, zero, zero, zero, individual_pd(self.model, cohort))
            self.items[rows, int(d.index_of(0.0))] = baseline[:, 0, :]
        for v in [*decisions, float(times[-1])]:
            if v > start + TIME_TOL_H:
                seg = times[(times >= start - TIME_TOL_H) & (times <= v + TIME_TOL_H)]
                res = engine.run(
                    cohort, call.regimen, seg, dose_mask=mask, ad_start_h=call.ad_start_h,
                    start_h=start, state=state,
                )  # fmt: skip
                state = res.final_state
                fresh = seg > done_h + TIME_TOL_H
                cols = d.index_of(seg[fresh])
                self.items[rows[:, None], cols[None, :]] = res.items()[:, fresh]
                start = v
            if v < times[-1] - TIME_TOL_H:
                self._decide(rows, mask, escalated, sessions, v)

    def _decide(
        self, rows: np.ndarray, mask: np.ndarray, escalated: np.ndarray, sessions: _Sessions, v: float
    ) -> None:
        """Applies the stop and titration rules of the arms in the phase at visit ``v`` to ``mask``."""
        d = self.plan.design
        q = _phase_at(d, v)
        assert q is not None
        phase = d.phases[q]
        in_phase = (sessions.time_h >= phase.start_h - TIME_TOL_H) & (
            sessions.time_h < phase.end_h - TIME_TOL_H
        )
        later = np.nonzero(in_phase & (sessions.time_h >= v - TIME_TOL_H))[0]
        earlier = in_phase & (sessions.time_h < v - TIME_TOL_H)
        given = (mask[:, earlier] > 0).sum(axis=1)
        slot_of = rows // self.n  # batch rows are ordered by replicate: slot k holds rows k*n .. k*n + n - 1
        data_of: dict[int, ReplicateData] = {}
        for a in phase.arms:
            if not a.has_rules:
                continue
            for slot in np.unique(slot_of[self.arm[rows, q] == a.index]).tolist():
                pos = np.nonzero((self.arm[rows, q] == a.index) & (slot_of == slot))[0]
                if slot not in data_of:
                    data_of[slot] = self.replicate(slot)
                data = data_of[slot]
                g = Group(phase, a, rows[pos] - slot * self.n, phase.start_h)

                def holds(name: str, g: Group = g, data: ReplicateData = data) -> np.ndarray:
                    return np.asarray(state(self.plan, data, self.plan.definitions[name], g, v) == 1.0)

                if a.titrate is not None and a.titrate_to is not None:
                    t = a.titrate
                    up = ~escalated[pos] & (given[pos] >= t.after_sessions)
                    if t.unless is not None:
                        up &= ~holds(t.unless)
                    factor = np.where(
                        sessions.active[later] & (sessions.amount[later] > 0),
                        np.maximum(
                            1.0,
                            a.titrate_to.value
                            / np.where(sessions.amount[later] > 0, sessions.amount[later], 1.0),
                        ),
                        1.0,
                    )
                    mask[np.ix_(pos[up], later)] *= factor[None, :]
                    escalated[pos[up]] = True
                stop = np.zeros(pos.size, dtype=bool)
                for rule in a.stop_when:
                    if rule.of is not None:
                        stop |= holds(rule.of)
                    else:
                        assert rule.sessions is not None and rule.without is not None
                        stop |= (given[pos] >= rule.sessions) & ~holds(rule.without)
                mask[np.ix_(pos[stop], later)] = 0.0

    def end_follow_up(self, phase_index: int) -> None:
        """Ends each patient's event-driven follow-up in ``phase_index`` when its event is known.

        The event (the phase's ``until``) is looked for at every visit of the phase on the observed
        scores; a patient leaves the trial after the visit at which it is known (its confirming
        visit), as after a dropout: nothing is observed later, and no later phase is entered.
        """
        phase = self.plan.design.phases[phase_index]
        assert phase.until is not None
        d = self.plan.definitions[phase.until]
        for k in range(len(self.replicates)):
            data = self.replicate(k)
            for a in phase.arms:
                who = np.nonzero(data.arm[:, phase.index] == a.index)[0]
                if who.size == 0:
                    continue
                known = event_known_h(self.plan, data, d, Group(phase, a, who, phase.start_h))
                rows = k * self.n + who
                self.dropout_h[rows] = np.minimum(self.dropout_h[rows], known)

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


@dataclass(frozen=True)
class _Sessions:
    """The sessions of a regimen in the engine's numbering: start, end of infusion, whether active,
    and the amount per session as written (mg, or mg/kg)."""

    time_h: np.ndarray
    end_h: np.ndarray
    active: np.ndarray
    amount: np.ndarray


def _sessions(regimen: Regimen) -> _Sessions:
    template = regimen.expand(1.0)  # at 1 kg, mg/kg amounts read as written
    n = 1 + max((e.session for e in template), default=-1)
    start, end, amount = np.zeros(n), np.zeros(n), np.zeros(n)
    active = np.zeros(n, dtype=bool)
    for e in template:
        if e.device <= 1:
            start[e.session] = e.time_h
        end[e.session] = max(end[e.session], e.time_h + e.duration_h)
        if not e.drug.is_placebo:
            active[e.session] = True
            amount[e.session] += e.amount_mg
    return _Sessions(start, end, active, amount)


def _phase_at(design: TrialDesign, t_h: float) -> int | None:
    """The phase running at ``t_h`` (its start included, its end not)."""
    for p in design.phases:
        if p.start_h - TIME_TOL_H <= t_h < p.end_h - TIME_TOL_H:
            return p.index
    return None


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
        if plan.design.phases[last].until is not None:
            batch.end_follow_up(last)
        batch.alive &= np.isinf(batch.dropout_h)  # who left (dropout, event) is not simulated further
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
    return summarise(plan, outputs, models[0])


def default_workers() -> int:
    """Worker processes for a long run: one per CPU available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
