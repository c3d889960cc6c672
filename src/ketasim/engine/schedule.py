"""Dose events of a cohort turned into engine inputs on the one-second lattice.

Every patient shares the event times of one regimen; amounts are per patient
(weight-based doses, skipped sessions). An event's inputs follow its route in
the patient's PK system: boluses into a state, or constant rates over the
infusion or zero-order absorption time. Each session (placebo or active) also
gives an expectancy impulse, scaled by the patient's placebo responsiveness,
unless it is given under anaesthesia or sedation (decision 0031): the masked
session keeps its drug inputs and gives no impulse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ketasim.engine.grid import to_seconds
from ketasim.errors import InputError
from ketasim.model import Model
from ketasim.pd.individual import IndividualPD
from ketasim.pd.nonspecific import expectancy_impulse
from ketasim.pk.linear import LinearSystem
from ketasim.population.patients import Cohort
from ketasim.regimen.dose import DoseEvent
from ketasim.regimen.regimen import Regimen

__all__ = ["RateEvent", "Schedule", "build_schedule"]


@dataclass(frozen=True)
class RateEvent:
    """A constant per-patient rate (mg/h) into ``state`` on [start, end) seconds."""

    start: int
    end: int
    state: int
    rate: np.ndarray


@dataclass(frozen=True)
class Schedule:
    """Boluses, rates, expectancy impulses and event times of one engine run."""

    boluses: Mapping[int, np.ndarray]  # time_s -> (N, n) mg added to the states
    rates: tuple[RateEvent, ...]
    impulses: Mapping[int, np.ndarray]  # time_s -> (N,) expectancy added
    events_s: frozenset[int]  # every time where something starts or stops
    ad_start_s: int
    doses: tuple[DoseEvent, ...]


def build_schedule(
    model: Model,
    system: LinearSystem,
    regimen: Regimen,
    cohort: Cohort,
    ind: IndividualPD,
    *,
    dose_mask: np.ndarray | None = None,
    ad_start_h: float = 0.0,
) -> Schedule:
    """Engine inputs for ``regimen`` given to every patient of ``cohort``.

    ``dose_mask`` (N, sessions) switches individual sessions off (0) or scales
    them; placebo sessions are included in the session count.
    """
    template = regimen.expand(1.0)
    n_sessions = 1 + max((e.session for e in template), default=-1)
    mask = np.ones((cohort.n, n_sessions)) if dose_mask is None else np.asarray(dose_mask, dtype=float)
    if mask.shape != (cohort.n, n_sessions):
        raise InputError("engine", "dose_mask", f"must have shape ({cohort.n}, {n_sessions})", mask.shape)
    weights = cohort.weight_kg
    boluses: dict[int, np.ndarray] = {}
    rates: list[RateEvent] = []
    impulses: dict[int, np.ndarray] = {}
    events: set[int] = {to_seconds(ad_start_h).item()}
    per_patient_amounts = _amounts(regimen, weights)
    for index, e in enumerate(template):
        t = int(to_seconds(e.time_h))
        events.add(t)
        attend = mask[:, e.session]
        # one expectancy impulse per session; a session under anaesthesia or sedation has no
        # subjective experience to expect from, so it gives none (its drug inputs are unchanged)
        if e.device <= 1 and e.under is None:
            amp = ind.placebo * expectancy_impulse(model, e.drug, e.route) * (attend > 0)
            impulses[t] = impulses.get(t, 0.0) + amp
        if e.drug.is_placebo:
            continue
        amount = per_patient_amounts[:, index] * attend
        spec = system.routes[(e.drug, e.route)]
        for inp in spec.inputs(e.device):
            dose = amount * inp.fraction
            duration = e.duration_h if inp.duration_h is None else inp.duration_h
            dur_s = int(to_seconds(duration))
            if dur_s > 0:
                rates.append(RateEvent(t, t + dur_s, inp.state, dose / (dur_s / 3600.0)))
                events.add(t + dur_s)
            else:
                vec = boluses.setdefault(t, np.zeros((cohort.n, system.n)))
                vec[:, inp.state] += dose
    return Schedule(boluses, tuple(rates), impulses, frozenset(events), int(to_seconds(ad_start_h)), template)


def _amounts(regimen: Regimen, weights: np.ndarray) -> np.ndarray:
    """(N, E) mg of every expanded event for every patient; mg/kg doses scale with weight.

    Amounts are affine in weight (fixed or per kg), so two expansions give them all.
    """
    a1 = np.array([e.amount_mg for e in regimen.expand(1.0)])
    a2 = np.array([e.amount_mg for e in regimen.expand(2.0)])
    return a1[None, :] + (a2 - a1)[None, :] * (weights[:, None] - 1.0)
