"""A protocol on a virtual population: decisions from observed scores, the engine segment by segment.

The horizon is cut into **segments** between the protocol's assessment days
(every ``assessment.every_days`` days, from day 0). At the start of a segment
each patient is assessed (observed score with rater noise, from the true
items at that moment, before any session of the day); each course decides the
sessions of the segment; the engine then runs the segment for the whole cohort,
resuming from the previous segment's final state. A segment's regimen holds one
slot per (day, dose level) that any patient uses, switched per patient by the
engine's dose mask; a segment nobody is dosed in still holds one masked slot
of the protocol's drug and route, so the PK blocks are the same in every
segment (the engine's resume rule).

Recorded: the true MADRS and the synaptic pools (labile N, stabilised S,
mature L) every day at the day's start (before that day's session), every
observed score, every session (day, dose level, kind, mg) and its dissociation
burden, the integral of the CADSS increase over the 6 h after the session
start (points x hours).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ketasim.engine.backend import Backend
from ketasim.engine.core import Engine, EngineResult
from ketasim.model import Model, default_model
from ketasim.pd.individual import individual_pd
from ketasim.population.patients import Cohort
from ketasim.population.virtual import PopulationSpec, sample_cohort
from ketasim.protocols.checks import check_protocol, thresholds
from ketasim.protocols.constraints import Rules
from ketasim.protocols.course import KINDS, Course, Given
from ketasim.protocols.dosing import Dosing
from ketasim.protocols.observe import noise_sd, observe
from ketasim.protocols.spec import Protocol
from ketasim.regimen.dose import Drug
from ketasim.regimen.regimen import Regimen
from ketasim.symptoms import item_scores

__all__ = ["DISSOCIATION_WINDOW_H", "ProtocolRun", "run_cohort", "simulate_protocol"]

#: Output times after each session start (h) for the dissociation integral: every 5 min in the first
#: hour (the peak), then 15 and 30 min steps to 6 h (trapezoid within 1 % of a 1-min grid).
DISSOCIATION_WINDOW_H = (
    np.concatenate([np.arange(0, 61, 5), np.arange(75, 121, 15), np.arange(150, 361, 30)]) / 60.0
)


@dataclass(frozen=True)
class ProtocolRun:
    """Everything recorded for one protocol on one cohort (N patients, ``days`` days).

    Sessions are flat arrays, in patient order and then day order.
    """

    protocol: Protocol
    days: int
    ids: np.ndarray  # (N,) patient ids
    weight_kg: np.ndarray  # (N,)
    madrs: np.ndarray  # (N, days + 1) true MADRS at each day's start
    pools: np.ndarray  # (N, days + 1, 3) labile, stabilised, mature pools
    assessment_days: np.ndarray  # (A,)
    observed: np.ndarray  # (N, A) observed scores on the protocol's scale
    session_patient: np.ndarray  # (S,) row of the patient (0..N-1)
    session_day: np.ndarray  # (S,)
    session_level: np.ndarray  # (S,) dose level (0 start, 1 titrated)
    session_kind: np.ndarray  # (S,) index into course.KINDS
    session_mg: np.ndarray  # (S,)
    session_cadss_h: np.ndarray  # (S,) CADSS points x hours
    observed_relapses: np.ndarray  # (N,) relapses confirmed on observed scores
    reinductions: np.ndarray  # (N,)
    stopped_day: np.ndarray  # (N,) day the patient left treatment, -1 if never

    @property
    def n(self) -> int:
        return int(self.ids.size)

    def sessions_per_patient(self) -> np.ndarray:
        return np.bincount(self.session_patient, minlength=self.n)

    def sessions_of(self, row: int) -> np.ndarray:
        """Days of patient ``row``'s sessions."""
        return self.session_day[self.session_patient == row]


def _slots(given: list[list[Given]], dosing: Dosing, today: int) -> list[tuple[int, int]]:
    """Sorted (day, level) engine slots used by anyone this segment (scaled doses share level 0)."""
    used = {_slot(g, dosing) for gs in given for g in gs}
    return sorted(used) or [(today, 0)]


def _slot(g: Given, dosing: Dosing) -> tuple[int, int]:
    return (g.day, g.level if dosing.by_devices else 0)


def _segment_regimen(
    slots: list[tuple[int, int]], given: list[list[Given]], dosing: Dosing
) -> tuple[Regimen, np.ndarray, np.ndarray, dict[tuple[int, int], int]]:
    """The segment's regimen, its dose mask (N, slots), slot start times (h) and slot -> column.

    Slots have distinct start times, so the engine's session k is the k-th slot in time.
    """
    slots = sorted(slots, key=lambda s: 24.0 * s[0] + dosing.offset_h(s[1]))
    times = np.array([24.0 * d + dosing.offset_h(lv) for d, lv in slots])
    index = {s: i for i, s in enumerate(slots)}
    regimen = Regimen(tuple(dosing.dose(lv, t) for (_, lv), t in zip(slots, times, strict=True)))
    mask = np.zeros((len(given), len(slots)))
    for row, gs in enumerate(given):
        for g in gs:
            mask[row, index[_slot(g, dosing)]] = dosing.scale(g.level)
    return regimen, mask, times, index


def _dissociation(res: EngineResult, times: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """CADSS points x hours of every (patient, slot) over the window after the slot start."""
    cad = res.cadss()
    t = res.times_h
    out = np.zeros(mask.shape)
    for k, t0 in enumerate(times):
        win = (t >= t0 - 1e-9) & (t <= t0 + DISSOCIATION_WINDOW_H[-1] + 1e-9)
        out[:, k] = np.trapezoid(cad[:, win], t[win], axis=1) * (mask[:, k] > 0)
    return out


def run_cohort(
    protocol: Protocol,
    cohort: Cohort,
    ids: np.ndarray,
    days: int,
    *,
    seed: int,
    model: Model | None = None,
    backend: Backend | str = Backend.NUMBA,
) -> ProtocolRun:
    """Simulates ``protocol`` on ``cohort`` (patients ``ids``) for ``days`` days."""
    model = default_model() if model is None else model
    dosing = check_protocol(protocol)
    every = protocol.assessment.every_days
    scale = protocol.assessment.scale
    noisy = protocol.assessment.rater_noise
    n = cohort.n
    rules, th, sd = Rules.of(protocol.constraints), thresholds(protocol, model), noise_sd(model, scale, noisy)
    courses = [Course(protocol, dosing, rules, th, sd) for _ in range(n)]
    engine = Engine(model, backend=backend)
    esketamine = dosing.drug == Drug.ESKETAMINE
    ind = individual_pd(model, cohort, esketamine=esketamine)
    zero = np.zeros((n, 1))
    items_now = item_scores(zero, zero, zero, zero, zero, ind)[:, 0, :]  # nothing given yet: baseline
    madrs = np.zeros((n, days + 1))
    pools = np.zeros((n, days + 1, 3))
    decision_days = np.arange(0, days, every)
    observed = np.zeros((n, decision_days.size))
    s_rows: list[int] = []
    s_given: list[Given] = []
    s_cadss: list[float] = []
    state = None
    for a, today in enumerate(decision_days.tolist()):
        until = min(today + every, days)
        obs = observe(model, items_now, scale, seed=seed, ids=ids, day=today, noise=noisy)
        observed[:, a] = obs
        given = [
            c.decide(today, until, c.observe(today, float(o))) for c, o in zip(courses, obs, strict=True)
        ]
        slots = _slots(given, dosing, today)
        regimen, mask, starts, index = _segment_regimen(slots, given, dosing)
        dosed = bool(mask.any())
        daily = 24.0 * np.arange(today, until + 1)
        fine = (starts[:, None] + DISSOCIATION_WINDOW_H[None, :]).ravel() if dosed else np.zeros(0)
        out_t = np.unique(np.concatenate([daily, fine[fine < daily[-1]]]))
        res = engine.run(
            cohort,
            regimen,
            out_t,
            dose_mask=mask,
            start_h=24.0 * today,
            state=state,
            record_x=dosed,
            esketamine=esketamine,
        )
        state = res.final_state
        at_day = np.searchsorted(res.times_h, daily - 1e-9)
        madrs[:, today : until + 1] = res.madrs()[:, at_day]
        for k, name in enumerate("NSL"):
            pools[:, today : until + 1, k] = res.latent(name)[:, at_day]
        items_now = res.items()[:, at_day[-1], :]
        if dosed:
            burden = _dissociation(res, starts, mask)
            for row, gs in enumerate(given):
                for g in gs:
                    s_rows.append(row)
                    s_given.append(g)
                    s_cadss.append(float(burden[row, index[_slot(g, dosing)]]))
    weight = np.asarray(cohort.weight_kg, dtype=float)
    # sessions in patient order, then day order (as simulated, they come segment by segment)
    order = sorted(range(len(s_rows)), key=lambda i: (s_rows[i], s_given[i].day))
    s_rows = [s_rows[i] for i in order]
    s_given = [s_given[i] for i in order]
    s_cadss = [s_cadss[i] for i in order]
    return ProtocolRun(
        protocol=protocol,
        days=days,
        ids=np.asarray(ids),
        weight_kg=weight,
        madrs=madrs,
        pools=pools,
        assessment_days=decision_days,
        observed=observed,
        session_patient=np.asarray(s_rows, dtype=np.int64),
        session_day=np.asarray([g.day for g in s_given], dtype=np.int64),
        session_level=np.asarray([g.level for g in s_given], dtype=np.int64),
        session_kind=np.asarray([KINDS.index(g.kind) for g in s_given], dtype=np.int64),
        session_mg=np.asarray([dosing.mg(g.level, weight[r]) for r, g in zip(s_rows, s_given, strict=True)]),
        session_cadss_h=np.asarray(s_cadss, dtype=float),
        observed_relapses=np.array([len(c.relapses) for c in courses]),
        reinductions=np.array([len(c.reinductions) for c in courses]),
        stopped_day=np.array([c.stopped_day for c in courses]),
    )


def simulate_protocol(
    protocol: Protocol,
    spec: PopulationSpec,
    n: int,
    *,
    days: int = 365,
    seed: int = 1,
    model: Model | None = None,
    backend: Backend | str = Backend.NUMBA,
    chunk: int = 2000,
) -> ProtocolRun:
    """``protocol`` on patients 0..n-1 drawn from ``spec`` (patient i from (seed, i) alone), in chunks."""
    model = default_model() if model is None else model
    parts: list[ProtocolRun] = []
    for lo in range(0, n, chunk):
        ids = np.arange(lo, min(n, lo + chunk))
        cohort = sample_cohort(spec, model, ids, seed)
        parts.append(run_cohort(protocol, cohort, ids, days, seed=seed, model=model, backend=backend))
    return _concat(parts)


def _concat(parts: list[ProtocolRun]) -> ProtocolRun:
    if len(parts) == 1:
        return parts[0]
    offsets = np.cumsum([0] + [p.n for p in parts[:-1]])
    cat = np.concatenate
    first = parts[0]
    return ProtocolRun(
        protocol=first.protocol,
        days=first.days,
        ids=cat([p.ids for p in parts]),
        weight_kg=cat([p.weight_kg for p in parts]),
        madrs=cat([p.madrs for p in parts]),
        pools=cat([p.pools for p in parts]),
        assessment_days=first.assessment_days,
        observed=cat([p.observed for p in parts]),
        session_patient=cat([p.session_patient + o for p, o in zip(parts, offsets, strict=True)]),
        session_day=cat([p.session_day for p in parts]),
        session_level=cat([p.session_level for p in parts]),
        session_kind=cat([p.session_kind for p in parts]),
        session_mg=cat([p.session_mg for p in parts]),
        session_cadss_h=cat([p.session_cadss_h for p in parts]),
        observed_relapses=cat([p.observed_relapses for p in parts]),
        reinductions=cat([p.reinductions for p in parts]),
        stopped_day=cat([p.stopped_day for p in parts]),
    )
