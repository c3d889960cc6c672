r"""Forecast of one patient's course under a proposed schedule: bands, predictive scores, P(relapse by date).

Each posterior draw is simulated from hour 0 through the record's sessions and
the proposed future ones (one engine call for all draws). Per output time:

* quantiles of the **true** MADRS over draws (parameter uncertainty only): the
  median and the 50, 80 and 95 % bands;
* quantiles of the **observed** score on the forecast's scale (parameter
  uncertainty and the scale's rater noise, drawn exactly as
  :func:`ketasim.symptoms.observe_scale` draws virtual patients' scores): what
  a future assessment will show, and what the honesty evaluation checks;
* :math:`P(\text{event by } t)`, the share of draws whose true MADRS reaches the
  event by :math:`t` (from the forecast's start on). ``relapse``: MADRS at or
  above the relapse cut-off (22, SUSTAIN-1, :mod:`ketasim.population.outcomes`);
  ``response_loss``: MADRS above half the draw's own true baseline. A draw's
  trajectory is deterministic given its parameters, so the probability is over
  the posterior; it never decreases with :math:`t`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import numpy as np

from ketasim.errors import InputError
from ketasim.personal.observations import LINKED
from ketasim.personal.posterior import Posterior
from ketasim.personal.problem import Problem
from ketasim.regimen.regimen import Regimen
from ketasim.symptoms import SCALES, observe_scale

__all__ = [
    "LEVELS",
    "QUANTILES",
    "RELAPSE_MIN",
    "Forecast",
    "Target",
    "forecast",
    "last_event_h",
    "primary_scale",
]

#: Central bands reported (probability mass).
LEVELS = (0.5, 0.8, 0.95)
#: Quantiles behind the median and the bands.
QUANTILES = (0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975)
#: Relapse cut-off on the MADRS (SUSTAIN-1; the default of ketasim.population.outcomes).
RELAPSE_MIN = 22.0
Target = Literal["relapse", "response_loss"]
_TOTALS = ("madrs", "qids_sr16", "phq9")


def _qkey(q: float) -> str:
    return f"q{100 * q:g}"


def primary_scale(problem: Problem) -> str:
    """The total scale of the record's latest fitted score (MADRS when there is none).

    Of several totals taken at that latest time, the MADRS wins, then the QIDS-SR16: the fewer
    approximate links between the forecast and the model's state, the better.
    """
    obs = problem.obs
    totals = [(t, s) for t, s in zip(obs.time_h, obs.scale, strict=True) if s in _TOTALS]
    if not totals:
        return "madrs"
    last = max(t for t, _ in totals)
    at_last = {s for t, s in totals if t == last}
    return next(s for s in _TOTALS if s in at_last)


@dataclass(frozen=True)
class Forecast:
    """Forecast bands and event probabilities of one patient (times in hours from the record start)."""

    kind: Literal["personal", "population"]
    start: datetime
    now_h: float
    times_h: np.ndarray
    madrs: dict[str, np.ndarray]
    scale: str
    predictive: dict[str, np.ndarray]
    event_by: np.ndarray
    target: Target
    cut: float
    future_sessions_h: tuple[float, ...]
    draws: int
    trajectories: np.ndarray = field(repr=False)  # (draws, T) true MADRS
    observed_draws: np.ndarray = field(repr=False)  # (draws, T) replicated observed scores on ``scale``

    @property
    def approximate_link(self) -> bool:
        """The forecast scale is reached through an approximate link from the MADRS."""
        return self.scale in LINKED

    def band(self, level: float, *, observed: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper edge of the central ``level`` band (observed score, or true MADRS)."""
        if level not in LEVELS:
            raise InputError("forecast", "level", f"must be one of {LEVELS}", level)
        q = self.predictive if observed else self.madrs
        lo = (1.0 - level) / 2.0
        return q[_qkey(lo)], q[_qkey(1.0 - lo)]

    def event_probability(self, until_h: float) -> float:
        """P(event at an output time before ``until_h``), from the forecast's start."""
        before = self.times_h < until_h - 1e-9
        return float(self.event_by[before][-1]) if before.any() else 0.0

    def as_dict(self, at: Any) -> dict[str, Any]:
        """JSON-ready: dates (``at``: hours -> datetime), bands and probabilities."""
        event = (
            f"true MADRS >= {self.cut:g}" if self.target == "relapse" else "true MADRS > 50 % of its baseline"
        )
        return {
            "kind": self.kind,
            "label": "population forecast (no scores: the patient's covariates only)"
            if self.kind == "population"
            else "personal forecast (fitted to the patient's scores)",
            "times": [at(t).isoformat() for t in self.times_h],
            "true_madrs": {k: _round(v) for k, v in self.madrs.items()},
            "scale": self.scale,
            "approximate_link": self.approximate_link,
            "observed": {k: _round(v) for k, v in self.predictive.items()},
            "event": event,
            "event_probability_by": _round(self.event_by, 4),
            "future_sessions": [at(t).isoformat() for t in self.future_sessions_h],
            "draws": self.draws,
        }


def _round(x: np.ndarray, digits: int = 2) -> list[float]:
    return [round(float(v), digits) for v in x]


def forecast(
    posterior: Posterior,
    *,
    days: float = 28.0,
    now_h: float | None = None,
    schedule: Regimen | None = None,
    times_h: np.ndarray | None = None,
    scale: str | None = None,
    target: Target = "relapse",
    cut: float = RELAPSE_MIN,
    max_draws: int = 1000,
    seed: int = 0,
) -> Forecast:
    """Forecast ``days`` ahead of ``now_h`` (default: the record's last event) under ``schedule``.

    ``schedule`` holds the proposed future sessions (after ``now_h``); ``times_h`` replaces the
    daily output grid; ``scale`` is the scale of the predictive band (default: the record's).
    """
    problem = posterior.problem
    rec = problem.record
    last = last_event_h(problem)
    now = last if now_h is None else float(now_h)
    if now < last - 1e-9:
        raise InputError("forecast", "now", "must not precede the record's last session or score", now)
    if not 0 < days <= 365:
        raise InputError("forecast", "days", "must lie within 0-365", days)
    future = schedule or Regimen(())
    future_h = tuple(sorted(t for d in future.doses for t in d.times()))
    if future_h and future_h[0] <= now:
        raise InputError("forecast", "schedule", "proposed sessions must come after the forecast start", now)
    if scale is None:
        scale = primary_scale(problem)
    if scale not in SCALES or not (SCALES[scale].simulated and SCALES[scale].recorded):
        raise InputError("forecast", "scale", f"must be one of {', '.join(_TOTALS)}, madrs_item10", scale)
    grid = np.asarray(times_h, float) if times_h is not None else now + 24.0 * np.arange(int(days) + 1)
    if grid.size == 0 or grid[0] < now - 1e-9:
        raise InputError("forecast", "times", "must start at or after the forecast start", now)
    z = posterior.thin(max_draws)
    out = grid if grid[-1] > 0 else np.append(grid, 1.0)
    res = problem.run(z, out, regimen=rec.regimen + future)
    # the engine keeps output times in whole seconds: match each requested time within half a second
    k = np.searchsorted(res.times_h, grid - 0.5 / 3600.0)
    items = res.items()[:, k, :]
    madrs = items.sum(axis=-1)
    observed = observe_scale(problem.model, items, scale, np.random.default_rng(seed))
    limit = cut if target == "relapse" else 0.5 * problem.space.baseline(z)[:, None]
    event = madrs >= limit if target == "relapse" else madrs > limit
    by = np.maximum.accumulate(event, axis=1).mean(axis=0)
    return Forecast(
        kind=posterior.kind,
        start=rec.start,
        now_h=now,
        times_h=grid,
        madrs={_qkey(q): np.quantile(madrs, q, axis=0) for q in QUANTILES},
        scale=scale,
        predictive={_qkey(q): np.quantile(observed, q, axis=0) for q in QUANTILES},
        event_by=by,
        target=target,
        cut=cut,
        future_sessions_h=future_h,
        draws=int(z.shape[0]),
        trajectories=madrs,
        observed_draws=observed,
    )


def last_event_h(problem: Problem) -> float:
    """Hours from the record's start to its last session or score (0 for an empty record)."""
    rec = problem.record
    times = [o.time_h for o in rec.observations] + [t for d in rec.regimen.doses for t in d.times()]
    return max(times, default=0.0)
