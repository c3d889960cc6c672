"""Observed quantities of one replicate: scores, changes, definitions met, events, conditions.

Conventions (docs/trials.md): scores are observed (with rater noise) and taken
before any dose due at the same time; changes are from the score at the trial
start (``baseline: trial``) or at the phase start (``baseline: phase``); a
percent change with a zero baseline is undefined (NaN), and NaN never meets a
threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ketasim.trials.checks import DefinitionPlan, Plan
from ketasim.trials.data import ReplicateData, covariate
from ketasim.trials.design import TIME_TOL_H, ArmDesign, PhaseDesign
from ketasim.trials.measures import confirmation_visits, confirmed_events
from ketasim.trials.spec_base import time_h
from ketasim.trials.spec_endpoints import Condition

__all__ = [
    "Group",
    "at_risk",
    "condition",
    "conditions",
    "event_known_h",
    "events",
    "groups",
    "quantity",
    "state",
]


@dataclass(frozen=True)
class Group:
    """Patients of one arm of one phase, with the absolute time origin of their measures."""

    phase: PhaseDesign
    arm: ArmDesign
    patients: np.ndarray
    origin_h: float


def groups(
    plan: Plan,
    data: ReplicateData,
    phases: tuple[PhaseDesign, ...],
    origin: str,
    arm_ids: list[str] | None = None,
) -> list[Group]:
    """Every (phase, arm) group of ``phases`` (arms in ``arm_ids``, or all) with its patients."""
    out = []
    for p in phases:
        for a in p.arms:
            if arm_ids is not None and a.id not in arm_ids:
                continue
            who = np.nonzero(data.arm[:, p.index] == a.index)[0]
            out.append(Group(p, a, who, plan.design.origin_h(p, a, origin)))
    return out


def _score(data: ReplicateData, plan: Plan, scale: str, patients: np.ndarray, t_h: float) -> np.ndarray:
    j = int(plan.design.index_of(t_h))
    return data.observed(scale)[patients, j]


def quantity(
    plan: Plan, data: ReplicateData, kind: str, scale: str, g: Group, t_h: float, baseline: str
) -> np.ndarray:
    """Score, change or percent change from baseline at absolute time ``t_h`` for a group."""
    y = _score(data, plan, scale, g.patients, t_h)
    if kind in ("score", "mean"):
        return y
    b = _score(data, plan, scale, g.patients, 0.0 if baseline == "trial" else g.phase.start_h)
    if kind in ("change", "mean_change"):
        return y - b
    safe = np.where(b > 0, b, np.nan)
    return 100.0 * (y - b) / safe


def state(plan: Plan, data: ReplicateData, d: DefinitionPlan, g: Group, t_h: float) -> np.ndarray:
    """1/0 for a definition at ``t_h``; NaN where it is undefined.

    Over several visits (``at_least``/``of_last``, ``consecutive``) the definition's condition is
    taken at each of the last visits up to ``t_h`` (``t_h`` included); with ``once_between``, at
    the visits in the window from the group's origin, up to ``t_h``. A visit where the condition
    is undefined counts as not met; the result is undefined only when it is undefined at every
    visit looked at (or there is none).
    """
    s = d.spec
    if s.at_least is not None or s.consecutive is not None or d.between_h is not None:
        if d.between_h is not None:
            lo, hi = d.between_h
            v = plan.design.visits_h
            times = v[(v >= g.origin_h + lo - TIME_TOL_H) & (v <= min(g.origin_h + hi, t_h) + TIME_TOL_H)]
            need, last = 1, times.size
        else:
            v = plan.design.visits_h
            times = np.unique(np.append(v[v < t_h - TIME_TOL_H], t_h))
            need = s.at_least if s.at_least is not None else s.consecutive or 1
            last = s.of_last if s.of_last is not None else need
            times = times[-last:]
        if times.size == 0:
            return np.full(g.patients.size, np.nan)
        each = np.stack([_condition_at(plan, data, d, g, float(t)) for t in times], axis=1)
        met = (np.nan_to_num(each, nan=0.0) > 0.5).sum(axis=1) >= need
        if d.between_h is None and times.size < need:
            met[:] = False  # fewer visits so far than the definition asks for
        return np.where(np.isnan(each).all(axis=1), np.nan, met.astype(float))
    return _condition_at(plan, data, d, g, t_h)


def _condition_at(plan: Plan, data: ReplicateData, d: DefinitionPlan, g: Group, t_h: float) -> np.ndarray:
    """The definition's condition at one time: thresholds, a referenced definition, or a combination."""
    s = d.spec
    if d.parts:
        parts = [state(plan, data, p, g, t_h) for p in d.parts]
        stacked = np.stack(parts, axis=1)
        undefined = np.isnan(stacked)
        if d.form == "not":
            return 1.0 - parts[0]
        if d.form == "all":
            out = np.where((stacked == 0.0).any(axis=1), 0.0, np.where(undefined.any(axis=1), np.nan, 1.0))
            return out
        if d.form == "any":
            return np.where((stacked == 1.0).any(axis=1), 1.0, np.where(undefined.any(axis=1), np.nan, 0.0))
        return parts[0]  # of: the referenced definition
    ok = np.ones(g.patients.size, dtype=bool)
    undefined = np.zeros(g.patients.size, dtype=bool)
    for kind, lo, hi in (
        ("score", s.min, s.max),
        ("change", s.change_min, s.change_max),
        ("percent_change", s.percent_change_min, s.percent_change_max),
    ):
        if lo is None and hi is None:
            continue
        v = quantity(plan, data, kind, s.scale, g, t_h, s.baseline)
        undefined |= np.isnan(v)
        with np.errstate(invalid="ignore"):
            if lo is not None:
                ok &= v >= lo
            if hi is not None:
                ok &= v <= hi
    return np.where(undefined, np.nan, ok.astype(float))


def at_risk(plan: Plan, data: ReplicateData, d: DefinitionPlan, g: Group) -> np.ndarray:
    """Patients of the group at risk of event ``d``: meeting one of its at-risk definitions at the
    phase start (everyone when it has none)."""
    if not d.at_risk:
        return np.ones(g.patients.size, bool)
    risk = np.zeros(g.patients.size, bool)
    for name in d.at_risk:
        risk |= state(plan, data, plan.definitions[name], g, g.phase.start_h) == 1.0
    return risk


def _met_in_follow_up(
    plan: Plan, data: ReplicateData, d: DefinitionPlan, g: Group, start_h: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The group's follow-up visits (after its origin, to the phase end) and where ``d`` is met."""
    visits = plan.design.visits_in(g.phase, g.origin_h)
    if visits.size == 0 or g.patients.size == 0:
        return visits, np.zeros((g.patients.size, visits.size), bool)
    met = np.stack([state(plan, data, d, g, float(t)) for t in visits], axis=1)
    met = np.nan_to_num(met, nan=0.0) > 0.5
    met &= visits[None, :] > start_h[:, None] + TIME_TOL_H
    return visits, met


def event_known_h(plan: Plan, data: ReplicateData, d: DefinitionPlan, g: Group) -> np.ndarray:
    """When each at-risk patient's first event ``d`` in the phase is known (absolute h; inf: none).

    The event is looked for at every visit after the group's origin, as :func:`events` does; it is
    known at its own visit, or with ``confirm_within`` at the visit that confirms it.
    """
    out = np.full(g.patients.size, np.inf)
    visits, met = _met_in_follow_up(plan, data, d, g, np.full(g.patients.size, g.origin_h))
    if visits.size == 0:
        return out
    met &= at_risk(plan, data, d, g)[:, None]
    _, first = confirmed_events(met, visits, d.confirm_h)
    known = confirmation_visits(met, visits, d.confirm_h, first)
    return np.where(known >= 0, visits[np.maximum(known, 0)], np.inf)


def events(
    plan: Plan, data: ReplicateData, d: DefinitionPlan, g: Group, start_h: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First (confirmed) occurrence in follow-up, per patient of the group.

    Follow-up is the group's visits after ``start_h`` (per patient, absolute) up
    to the phase end (or the patient's dropout). Returns (event, time from the group's
    origin in hours, evaluable); without an event the time is the last follow-up visit
    (censored).
    """
    m = g.patients.size
    visits, met = _met_in_follow_up(plan, data, d, g, start_h)
    if visits.size == 0 or m == 0:
        return np.zeros(m, bool), np.zeros(m), np.zeros(m, bool)
    has, first = confirmed_events(met, visits, d.confirm_h)
    last = np.full(m, visits[-1])
    if data.dropout_h is not None:
        # a patient who dropped out is censored at the last follow-up visit before the dropout
        k = np.searchsorted(visits, data.dropout_h[g.patients] + TIME_TOL_H, side="right") - 1
        last = np.where(k >= 0, visits[np.clip(k, 0, visits.size - 1)], -np.inf)
    evaluable = last > start_h + TIME_TOL_H
    t = np.where(has, visits[np.maximum(first, 0)], last) - g.origin_h
    return has & evaluable, t, evaluable


def _condition_time(plan: Plan, c: Condition, phase: PhaseDesign, arm: ArmDesign) -> float:
    origin = plan.design.origin_h(phase, arm, c.from_)
    return phase.end_h if c.at is None else origin + time_h(c.at)


def condition(
    plan: Plan, data: ReplicateData, c: Condition, patients: np.ndarray, default: PhaseDesign
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each patient meets ``c``, and the absolute time it refers to (-inf: covariates)."""
    n = patients.size
    when = np.full(n, -np.inf)
    if c.covariate is not None:
        v = covariate(data.cohort, c.covariate)[patients]
        if c.min is None and c.max is None:
            return v == (1.0 if c.is_ is None or c.is_ else 0.0), when
        ok = np.ones(n, bool)
        if c.min is not None:
            ok &= v >= c.min
        if c.max is not None:
            ok &= v <= c.max
        return ok, when
    phase = default if c.phase is None else plan.design.phase(c.phase)
    ok = np.zeros(n, bool)
    arm_of = data.arm[patients, phase.index]
    for a in phase.arms:
        sel = np.nonzero(arm_of == a.index)[0]
        if sel.size == 0:
            continue
        g = Group(phase, a, patients[sel], plan.design.origin_h(phase, a, c.from_))
        t = _condition_time(plan, c, phase, a)
        when[sel] = t
        if c.of is not None:
            d = plan.definitions[c.of]
            if d.kind == "event":
                has, ev_t, _ = events(plan, data, d, g, np.full(sel.size, g.origin_h))
                ok[sel] = has & (ev_t <= t - g.origin_h + TIME_TOL_H)
            else:
                ok[sel] = state(plan, data, d, g, t) == 1.0
            continue
        assert c.measure is not None
        v = quantity(plan, data, c.measure, c.scale, g, t, c.baseline)
        with np.errstate(invalid="ignore"):
            hit = np.ones(sel.size, bool)
            if c.min is not None:
                hit &= v >= c.min
            if c.max is not None:
                hit &= v <= c.max
        ok[sel] = hit
    return ok, when


def conditions(
    plan: Plan, data: ReplicateData, conds: tuple[Condition, ...] | list[Condition], patients: np.ndarray,
    default: PhaseDesign,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """All of ``conds`` met, and the latest time they refer to (per patient)."""
    ok = np.ones(patients.size, bool)
    latest = np.full(patients.size, -np.inf)
    for c in conds:
        hit, when = condition(plan, data, c, patients, default)
        ok &= hit
        latest = np.maximum(latest, when)
    return ok, latest
