"""Endpoint values of one replicate trial: per-arm samples, then the measure on them.

For every (phase, arm) group of an endpoint, the patients meeting ``among``
give a sample: values (scores, changes, 0/1 outcomes) or survival data
(time, event). A row pools the samples of its arm across the endpoint's phases
(all arms when the endpoint has neither ``arm`` nor ``by``); two-arm measures
compare the first arm's sample with the second's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ketasim.trials.checks import EndpointPlan, Plan, Row
from ketasim.trials.data import ReplicateData, covariate
from ketasim.trials.design import TIME_TOL_H
from ketasim.trials.evaluate import Group, at_risk, conditions, events, groups, quantity, state
from ketasim.trials.measures import (
    cohens_d,
    cox_binary,
    km_mean,
    km_median,
    km_survival,
    odds_ratio,
    standardized_beta,
)
from ketasim.trials.spec_base import time_h

__all__ = ["UNITS", "endpoint_values"]

SURVIVAL = ("median_time_to", "mean_time_to", "km", "hazard_ratio")
#: Unit of each measure's reported value.
UNITS = {
    "rate": "%",
    "mean": "points",
    "mean_change": "points",
    "mean_percent_change": "%",
    "median_time_to": "days",
    "mean_time_to": "days",
    "km": "% event-free",
    "hazard_ratio": "ratio",
    "odds_ratio": "ratio",
    "effect_size": "d",
    "standardized_beta": "SD per SD",
}


@dataclass
class _Sample:
    y: list[np.ndarray] = field(default_factory=list)
    X: list[np.ndarray] = field(default_factory=list)
    dur: list[np.ndarray] = field(default_factory=list)
    evt: list[np.ndarray] = field(default_factory=list)

    def extend(self, other: _Sample) -> None:
        self.y += other.y
        self.X += other.X
        self.dur += other.dur
        self.evt += other.evt

    def values(self) -> np.ndarray:
        return np.concatenate(self.y) if self.y else np.zeros(0)

    def survival(self) -> tuple[np.ndarray, np.ndarray]:
        if not self.dur:
            return np.zeros(0), np.zeros(0, bool)
        return np.concatenate(self.dur), np.concatenate(self.evt)


def _inner(ep: EndpointPlan) -> str:
    m = ep.spec.measure
    if m in ("difference", "effect_size"):
        assert ep.spec.in_ is not None
        return ep.spec.in_
    if m == "standardized_beta":
        return ep.spec.in_ or "mean_percent_change"
    return "rate" if m == "odds_ratio" else m


def _at_risk(plan: Plan, data: ReplicateData, ep: EndpointPlan, g: Group) -> np.ndarray:
    """Patients at risk of an event: meeting any at-risk definition at the phase start."""
    d = ep.definition
    assert d is not None
    if ep.spec.among:
        return np.ones(g.patients.size, bool)
    return at_risk(plan, data, d, g)


def _group_sample(plan: Plan, data: ReplicateData, ep: EndpointPlan, g: Group) -> _Sample:
    e = ep.spec
    s = _Sample()
    latest = np.full(g.patients.size, -np.inf)
    if e.stratum is not None:
        ids = [s for s, _ in g.phase.strata]
        code = ids.index(e.stratum) if e.stratum in ids else -2
        mine = (
            np.zeros(g.patients.size, bool)
            if data.stratum is None
            else data.stratum[g.patients, g.phase.index] == code
        )
        g = Group(g.phase, g.arm, g.patients[mine], g.origin_h)
        latest = latest[mine]
    if e.among:
        ok, latest = conditions(plan, data, e.among, g.patients, g.phase)
        g = Group(g.phase, g.arm, g.patients[ok], g.origin_h)
        latest = latest[ok]
    t_at = g.phase.end_h if e.at is None else g.origin_h + time_h(e.at)
    inner = _inner(ep)
    d = ep.definition
    if inner in ("rate", *SURVIVAL) and d is not None and (d.kind == "event" or inner in SURVIVAL):
        keep = _at_risk(plan, data, ep, g)
        g = Group(g.phase, g.arm, g.patients[keep], g.origin_h)
        start = np.maximum(g.origin_h, latest[keep])
        has, t, evaluable = events(plan, data, d, g, start)
        if inner in SURVIVAL:
            s.dur.append(t[evaluable])
            s.evt.append(has[evaluable])
        else:
            by = has & (t <= t_at - g.origin_h + TIME_TOL_H)
            s.y.append(by[evaluable].astype(float))
        return s
    if inner == "rate":
        assert d is not None
        y = state(plan, data, d, g, t_at)
        if e.missing == "non_responder":
            y = np.nan_to_num(y, nan=0.0)  # a patient without a value counts as not meeting it
    else:
        y = quantity(plan, data, inner, e.scale or "madrs", g, t_at, e.baseline)
    if e.measure == "standardized_beta":
        assert e.covariate is not None
        X = np.stack([covariate(data.cohort, c)[g.patients] for c in (e.covariate, *e.adjust)], axis=1)
        keep = ~np.isnan(y) & ~np.isnan(X).any(axis=1)
        s.y.append(y[keep])
        s.X.append(X[keep])
        return s
    s.y.append(y[~np.isnan(y)])
    return s


def _mean(y: np.ndarray, scale: float = 1.0) -> float:
    return float(scale * y.mean()) if y.size else math.nan


def _one(ep: EndpointPlan, s: _Sample, row: Row) -> float:
    m = ep.spec.measure
    if m == "rate":
        return _mean(s.values(), 100.0)
    if m in ("mean", "mean_change", "mean_percent_change"):
        return _mean(s.values())
    if m == "km":
        assert row.time_h is not None
        return 100.0 * km_survival(*s.survival(), row.time_h)
    if m == "median_time_to":
        return km_median(*s.survival()) / 24.0
    if m == "mean_time_to":
        return km_mean(*s.survival()) / 24.0
    assert m == "standardized_beta"
    y = s.values()
    X = np.concatenate(s.X) if s.X else np.zeros((0, 1))
    return standardized_beta(y, X)


def _two(ep: EndpointPlan, a: _Sample, b: _Sample) -> float:
    m = ep.spec.measure
    if m == "hazard_ratio":
        ta, ea = a.survival()
        tb, eb = b.survival()
        x = np.concatenate([np.ones(ta.size, bool), np.zeros(tb.size, bool)])
        beta = cox_binary(np.concatenate([ta, tb]), np.concatenate([ea, eb]), x)
        return math.exp(beta) if math.isfinite(beta) else math.nan
    ya, yb = a.values(), b.values()
    if m == "difference":
        scale = 100.0 if _inner(ep) == "rate" else 1.0
        return _mean(ya, scale) - _mean(yb, scale)
    if m == "odds_ratio":
        return odds_ratio(int(ya.sum()), ya.size, int(yb.sum()), yb.size)
    assert m == "effect_size"
    return cohens_d(ya, yb)


def endpoint_values(plan: Plan, data: ReplicateData, ep: EndpointPlan) -> list[float]:
    """One value per row of ``ep`` for this replicate (NaN where undefined, inf: median not reached)."""
    e = ep.spec
    data = data.with_missing(e.missing)
    scope = list(e.arms) if e.arms is not None else [e.arm] if e.arm is not None else None
    samples: dict[str, _Sample] = {}
    for g in groups(plan, data, ep.phases, e.from_, scope):
        samples.setdefault(g.arm.id, _Sample()).extend(_group_sample(plan, data, ep, g))
    out = []
    for row in ep.rows:
        if e.arms is not None:
            a, b = (samples.get(x, _Sample()) for x in e.arms)
            out.append(_two(ep, a, b))
            continue
        if row.label is None:
            pooled = _Sample()
            for s in samples.values():
                pooled.extend(s)
            out.append(_one(ep, pooled, row))
        else:
            out.append(_one(ep, samples.get(row.label, _Sample()), row))
    return out
