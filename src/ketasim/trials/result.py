"""A trial's results: every endpoint row summarised over replicate trials, targets, trajectories.

Each row reports the mean of its per-replicate values and the 2.5 and 97.5 %
quantiles (linear interpolation): the range in which 95 % of trials of the
spec's size would land. Undefined replicate values (NaN: nobody to measure,
no Cox estimate) are left out and counted; a median not reached is +inf, kept
in the quantiles and left out of the mean. JSON writes non-finite numbers as
null (keys in docs/trials.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ketasim.symptoms import SCALES
from ketasim.trials.endpoints import UNITS
from ketasim.trials.spec_base import time_h

if TYPE_CHECKING:
    from ketasim.model import Model
    from ketasim.trials.checks import EndpointPlan, Plan
    from ketasim.trials.runner import BatchOutput

__all__ = ["EndpointResult", "RowResult", "TargetCheck", "Trajectory", "TrialResult", "interval", "summarise"]


def _quantile(v: np.ndarray, q: float) -> float:
    """Linear-interpolation quantile of sorted ``v`` that tolerates +inf."""
    pos = q * (v.size - 1)
    i = math.floor(pos)
    f = pos - i
    if f == 0 or i + 1 >= v.size:
        return float(v[i])
    if math.isinf(v[i + 1]) or math.isinf(v[i]):
        return math.inf
    return float(v[i] + f * (v[i + 1] - v[i]))


def interval(values: np.ndarray) -> tuple[float, float, float]:
    """(mean, 2.5 %, 97.5 %) over replicate values; NaN left out, +inf kept in the quantiles."""
    v = np.sort(values[~np.isnan(values)])
    if v.size == 0:
        return math.nan, math.nan, math.nan
    finite = v[np.isfinite(v)]
    mean = float(finite.mean()) if finite.size else float(v[0])
    return mean, _quantile(v, 0.025), _quantile(v, 0.975)


def _num(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 6)


@dataclass(frozen=True)
class RowResult:
    """One endpoint row over replicates."""

    label: str | None
    time_h: float | None
    values: np.ndarray

    @property
    def mean(self) -> float:
        return interval(self.values)[0]

    @property
    def lo(self) -> float:
        return interval(self.values)[1]

    @property
    def hi(self) -> float:
        return interval(self.values)[2]

    @property
    def n_defined(self) -> int:
        return int(np.isfinite(self.values).sum())

    @property
    def n_not_reached(self) -> int:
        return int(np.isposinf(self.values).sum())

    def as_dict(self, per_replicate: bool = False) -> dict[str, Any]:
        mean, lo, hi = interval(self.values)
        out: dict[str, Any] = {
            "arm": self.label,
            "time_h": self.time_h,
            "mean": _num(mean),
            "lo": _num(lo),
            "hi": _num(hi),
            "n_defined": self.n_defined,
            "n_not_reached": self.n_not_reached,
        }
        if per_replicate:
            out["values"] = [_num(x) for x in self.values]
        return out


@dataclass(frozen=True)
class EndpointResult:
    """An endpoint and its rows."""

    id: str
    measure: str
    unit: str
    scale: str | None
    of: str | None
    phases: tuple[str, ...]
    approximate: bool
    rows: tuple[RowResult, ...]
    at: str | None = None
    from_: str = "phase_start"

    def row(self, arm: str | None = None, time: str | float | None = None) -> RowResult:
        """The row of ``arm`` (and km ``time``: '7 d' or hours); the only row when there is one."""
        t = time_h(time) if isinstance(time, str) else time
        hits = [
            r for r in self.rows
            if (arm is None or r.label == arm) and (t is None or abs((r.time_h or 0.0) - t) < 1e-6)
        ]  # fmt: skip
        if len(hits) != 1:
            raise KeyError(f"endpoint {self.id}: no single row for arm={arm!r}, time={time!r}")
        return hits[0]


@dataclass(frozen=True)
class TargetCheck:
    """A published value next to the prediction of its endpoint row."""

    endpoint: str
    arm: str | None
    time_h: float | None
    observed: float
    dispersion: dict[str, Any] | None
    n: int | None
    source: str
    predicted: float
    lo: float
    hi: float

    @property
    def inside(self) -> bool | None:
        """Whether the published value lies in the 95 % interval of simulated trials."""
        if math.isnan(self.lo) or math.isnan(self.hi):
            return None
        return self.lo <= self.observed <= self.hi


@dataclass(frozen=True)
class Trajectory:
    """Mean observed MADRS of one arm at its phase's visits, per replicate (replicates, visits)."""

    phase: str
    arm: str
    times_h: np.ndarray
    values: np.ndarray

    @property
    def label(self) -> str:
        return self.phase if self.arm == "all" else self.arm

    def band(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean and 95 % band across replicates at each visit."""
        cols = [interval(self.values[:, j]) for j in range(self.values.shape[1])]
        return tuple(np.array([c[k] for c in cols]) for k in range(3))  # type: ignore[return-value]


@dataclass(frozen=True)
class TrialResult:
    """Everything a run reports."""

    id: str
    title: str
    citation: str
    replicates: int
    seed: int
    n_enrolled: int
    patients_simulated: int
    endpoints: tuple[EndpointResult, ...]
    targets: tuple[TargetCheck, ...]
    trajectories: tuple[Trajectory, ...]
    #: placeholder values the spec's own features rely on ('Set.PARAM'; today the inpatient setting's)
    placeholders: tuple[str, ...] = ()

    def endpoint(self, endpoint_id: str) -> EndpointResult:
        for e in self.endpoints:
            if e.id == endpoint_id:
                return e
        raise KeyError(endpoint_id)

    def as_dict(self, per_replicate: bool = False) -> dict[str, Any]:
        """JSON-able summary (keys documented in docs/trials.md)."""
        return {
            "id": self.id,
            "title": self.title,
            "citation": self.citation,
            "replicates": self.replicates,
            "seed": self.seed,
            "n_enrolled": self.n_enrolled,
            "patients_simulated": self.patients_simulated,
            "placeholders": list(self.placeholders),
            "endpoints": [
                {
                    "id": e.id,
                    "measure": e.measure,
                    "unit": e.unit,
                    "scale": e.scale,
                    "of": e.of,
                    "phases": list(e.phases),
                    "at": e.at,
                    "from": e.from_,
                    "approximate": e.approximate,
                    "rows": [r.as_dict(per_replicate) for r in e.rows],
                }
                for e in self.endpoints
            ],
            "targets": [
                {
                    "endpoint": t.endpoint,
                    "arm": t.arm,
                    "time_h": t.time_h,
                    "observed": t.observed,
                    "dispersion": t.dispersion,
                    "n": t.n,
                    "source": t.source,
                    "predicted": _num(t.predicted),
                    "lo": _num(t.lo),
                    "hi": _num(t.hi),
                    "inside": t.inside,
                }
                for t in self.targets
            ],
            "trajectories": [
                {
                    "phase": tr.phase,
                    "arm": tr.arm,
                    "times_d": [_num(t / 24.0) for t in tr.times_h],
                    "mean": [_num(x) for x in band[0]],
                    "lo": [_num(x) for x in band[1]],
                    "hi": [_num(x) for x in band[2]],
                }
                for tr in self.trajectories
                for band in [tr.band()]
            ],
        }


def _approximate(plan: Plan, ep: EndpointPlan) -> bool:
    scales = [ep.spec.scale or "madrs"]
    if ep.definition is not None:
        scales.append(ep.definition.spec.scale)
    return any(SCALES[s][1] for s in scales)


def summarise(plan: Plan, outputs: Sequence[BatchOutput], model: Model | None = None) -> TrialResult:
    """Stacks the batches' per-replicate values into rows, targets and trajectories.

    ``model`` (the run's) tells which of the values the spec's features use are placeholders.
    """
    endpoints = []
    for ep in plan.endpoints:
        vals = np.concatenate([o.values[ep.id] for o in outputs], axis=0)
        rows = tuple(RowResult(r.label, r.time_h, vals[:, j]) for j, r in enumerate(ep.rows))
        endpoints.append(
            EndpointResult(
                ep.id,
                ep.spec.measure,
                _difference_unit(ep) if ep.spec.measure == "difference" else UNITS[ep.spec.measure],
                ep.spec.scale if ep.definition is None else ep.definition.spec.scale,
                ep.spec.of,
                tuple(p.id for p in ep.phases),
                _approximate(plan, ep),
                rows,
                ep.spec.at,
                ep.spec.from_,
            )
        )
    result_eps = tuple(endpoints)
    by_id = {e.id: e for e in result_eps}
    targets = []
    for t in plan.spec.targets:
        row = by_id[t.endpoint].row(t.arm, t.time)
        mean, lo, hi = interval(row.values)
        disp = None if t.dispersion is None else t.dispersion.model_dump(exclude_none=True)
        targets.append(
            TargetCheck(t.endpoint, row.label, row.time_h, t.value, disp, t.n, t.source, mean, lo, hi)
        )
    traj = []
    d = plan.design
    for p in d.phases:
        times = d.times_h[d.index_of(d.phase_visits(p))]
        for a in p.arms:
            vals = np.concatenate([o.trajectories[(p.index, a.index)] for o in outputs], axis=0)
            traj.append(Trajectory(p.id, a.id, times, vals))
    return TrialResult(
        plan.spec.id,
        plan.spec.title,
        plan.spec.citation,
        plan.spec.replicates,
        plan.spec.seed,
        d.n_enrolled,
        sum(o.patients_simulated for o in outputs),
        result_eps,
        tuple(targets),
        tuple(traj),
        _placeholders(plan, model),
    )


def _placeholders(plan: Plan, model: Model | None) -> tuple[str, ...]:
    """Placeholder values that the spec's own features bring in (the inpatient setting's factor)."""
    if model is None or not plan.design.has_inpatients:
        return ()
    ns = model.nonspecific
    return (f"{ns.name}.F_INPATIENT",) if ns["F_INPATIENT"].placeholder else ()


def _difference_unit(ep: EndpointPlan) -> str:
    inner = ep.spec.in_ or "mean"
    return "% points" if inner == "rate" else UNITS[inner]
