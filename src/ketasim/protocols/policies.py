r"""Maintenance policies: at a decision time, when (if at all) the next booster starts.

A policy sees only what a clinic sees (:class:`PatientView`): the observed
scores at the protocol's assessments (rater noise included), the days of the
sessions given, the observed baseline and the protocol's definitions. It never
sees the virtual patient's true state. One policy object per patient holds what
that patient's policy remembers (the taper's step).

The forecast policy is a **stand-in** for the personalised forecast (DESIGN §5)
until that fitter exists. It uses the patient's observed scores only: the drift
of the score since each session, pooled over the patient's own inter-session
intervals by conjugate Bayesian regression, predicts the score at the next
slot:

.. math::

    b \mid y \sim N\!\left(\frac{S_{xy}/\sigma^2}{1/s_0^2 + S_{xx}/\sigma^2},\;
    \frac{1}{1/s_0^2 + S_{xx}/\sigma^2}\right),\qquad
    \hat y(t^*) = \bar y_c + \hat b\,(t^* - \bar t_c),\qquad
    \operatorname{Var} = \sigma^2\Big(1 + \frac1{n_c}\Big) + (t^* - \bar t_c)^2\operatorname{Var}(b)

with :math:`S_{xx}, S_{xy}` the within-interval sums of squares (days since the
session, score), :math:`\bar t_c, \bar y_c, n_c` the current interval's means and
count, :math:`s_0` the prior SD of the drift and :math:`\sigma` the larger of the
scale's known rater noise and the residual SD. The probability of the event
(score >= relapse cut-off, or above the response limit) at the next slot is
:math:`1 - \Phi((\tau - 0.5 - \hat y)/\sqrt{Var})` (scores are integers).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from scipy.stats import norm

from ketasim.protocols.checks import Thresholds
from ketasim.protocols.spec import (
    FixedPolicy,
    ForecastPolicy,
    Maintenance,
    SymptomPolicy,
    TaperPolicy,
)

__all__ = [
    "Fixed",
    "Forecast",
    "PatientView",
    "Policy",
    "RelapseOnly",
    "SymptomTriggered",
    "Taper",
    "make_policy",
    "relapse_probability",
]


@dataclass(frozen=True)
class PatientView:
    """What a policy may know at a decision on day ``today`` (proposals go in ``today..until-1``)."""

    today: int
    until: int
    obs_days: Sequence[int]
    obs: Sequence[float]
    baseline: float
    thresholds: Thresholds
    session_days: Sequence[int]
    anchor: int
    noise_sd: float

    @property
    def latest(self) -> float:
        return self.obs[-1]

    @property
    def responding(self) -> bool:
        return self.latest <= self.thresholds.response_fraction * self.baseline


class Policy(ABC):
    """Base class: ``propose`` returns the day the next booster starts, or None."""

    @abstractmethod
    def propose(self, view: PatientView) -> int | None:
        """The day the next booster starts for this patient, or None for no booster yet."""


class Fixed(Policy):
    """A booster every ``every_days`` after the last one (or after the induction)."""

    def __init__(self, spec: FixedPolicy) -> None:
        self.every = spec.every_days

    def propose(self, view: PatientView) -> int | None:
        day = max(view.anchor + self.every, view.today)
        return day if day < view.until else None


class Taper(Policy):
    """Interval steps: one wider after a booster given in response, one back (or to the first) if not."""

    def __init__(self, spec: TaperPolicy) -> None:
        self.steps = spec.intervals_days
        self.restart = spec.on_loss == "restart"
        self.step = 0

    def propose(self, view: PatientView) -> int | None:
        day = max(view.anchor + self.steps[self.step], view.today)
        if day >= view.until:
            return None
        if view.responding:
            self.step = min(self.step + 1, len(self.steps) - 1)
        else:
            self.step = 0 if self.restart else max(self.step - 1, 0)
        return day


class SymptomTriggered(Policy):
    """A booster on the assessment day when the observed score reaches the threshold."""

    def __init__(self, spec: SymptomPolicy) -> None:
        self.threshold = spec.threshold
        self.fraction = spec.fraction_of_baseline

    def propose(self, view: PatientView) -> int | None:
        limit = self.threshold if self.threshold is not None else (self.fraction or 0.0) * view.baseline
        return view.today if view.latest >= limit else None


class RelapseOnly(Policy):
    """No boosters (``relapse_only`` and ``none``); a re-induction follows a confirmed relapse if given."""

    def propose(self, view: PatientView) -> int | None:
        return None


class Forecast(Policy):
    """A booster when the forecast probability of the event at the next slot exceeds ``limit``."""

    def __init__(self, spec: ForecastPolicy, every_days: int) -> None:
        self.limit = spec.limit
        self.target = spec.target
        self.horizon = spec.horizon_days or every_days
        self.slope_sd = spec.slope_prior_sd / 7.0  # points per day

    def propose(self, view: PatientView) -> int | None:
        t = view.thresholds
        cut = (
            t.relapse_min if self.target == "relapse" else math.floor(t.response_fraction * view.baseline) + 1
        )
        p = relapse_probability(view, cut, view.today + self.horizon, self.slope_sd)
        return view.today if p > self.limit else None


def relapse_probability(view: PatientView, cut: float, at_day: int, slope_sd_per_day: float) -> float:
    """Forecast probability that the observed score on ``at_day`` is at least ``cut`` (see module doc)."""
    intervals = _intervals(view)
    current = intervals[-1] if intervals else []
    if not current:
        return 0.0  # no score since the last session: its effect is not yet seen
    sxx = sxy = syy = 0.0
    dof = 0
    for pts in intervals:
        if len(pts) < 2:
            continue
        tm = sum(p[0] for p in pts) / len(pts)
        ym = sum(p[1] for p in pts) / len(pts)
        sxx += sum((p[0] - tm) ** 2 for p in pts)
        sxy += sum((p[0] - tm) * (p[1] - ym) for p in pts)
        syy += sum((p[1] - ym) ** 2 for p in pts)
        dof += len(pts) - 1
    sigma2 = view.noise_sd**2
    if dof > 2:
        # residual variance around the pooled least-squares drift, when it exceeds the rater noise
        b_ls = sxy / sxx if sxx > 0 else 0.0
        sigma2 = max(sigma2, (syy - b_ls * sxy) / (dof - 1))
    precision = 1.0 / slope_sd_per_day**2 + sxx / sigma2
    slope = (sxy / sigma2) / precision
    tc = sum(p[0] for p in current) / len(current)
    yc = sum(p[1] for p in current) / len(current)
    t_star = at_day - view.session_days[-1]
    mean = yc + slope * (t_star - tc)
    var = sigma2 * (1.0 + 1.0 / len(current)) + (t_star - tc) ** 2 / precision
    return float(norm.sf((cut - 0.5 - mean) / math.sqrt(var)))


def _intervals(view: PatientView) -> list[list[tuple[float, float]]]:
    """Observed (days since the session, score) in each interval after a session, up to today.

    An assessment on a session day comes before that day's session, so it closes the interval before.
    """
    out: list[list[tuple[float, float]]] = []
    sessions = view.session_days
    for k, s in enumerate(sessions):
        lo = bisect_right(view.obs_days, s)
        hi = bisect_right(view.obs_days, sessions[k + 1]) if k + 1 < len(sessions) else len(view.obs_days)
        out.append([(view.obs_days[j] - s, view.obs[j]) for j in range(lo, hi)])
    return out


def make_policy(spec: Maintenance, every_days: int) -> Policy:
    """A fresh per-patient policy object for the maintenance spec."""
    if isinstance(spec, FixedPolicy):
        return Fixed(spec)
    if isinstance(spec, TaperPolicy):
        return Taper(spec)
    if isinstance(spec, SymptomPolicy):
        return SymptomTriggered(spec)
    if isinstance(spec, ForecastPolicy):
        return Forecast(spec, every_days)
    return RelapseOnly()
