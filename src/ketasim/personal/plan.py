r"""The booster window: when the next booster keeps the forecast risk of relapse under a clinician's limit.

With no booster, the forecast gives :math:`R(t) = P(\text{event by } t)` for
the days ahead (:mod:`ketasim.personal.forecast`). A booster on day :math:`D`
protects only from then on, so the risk it leaves is :math:`R(t_D)`. Candidate
days are whole days after the planning time, at the time of day of the
patient's first session. The window is

* **earliest**: the first candidate day the constraints allow (one session a
  day, minimum hours between sessions, sessions in any 7 and 365 days, and for
  esketamine the US label's weekly caps: :class:`ketasim.protocols.constraints.Rules`);
* **latest**: the last allowed day with :math:`R(t_D) \le` the limit
  (:math:`R` never decreases, so every earlier allowed day is inside too).

The suggested date is the latest day of the window: the longest interval that
keeps the risk under the limit. The output compares the forecast with a booster
on that date and with none, and says why in plain language. It **suggests**; it
never schedules. A suicidal-ideation signal in the latest scores puts "a
clinician must assess first" at the top (:mod:`ketasim.personal.safety`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

import numpy as np

from ketasim.errors import InputError
from ketasim.personal.forecast import Forecast, Target, forecast, last_event_h
from ketasim.personal.posterior import Posterior
from ketasim.personal.safety import SafetySignal, si_signal
from ketasim.protocols.constraints import Rules
from ketasim.regimen.dose import Dose, Drug, Route
from ketasim.regimen.regimen import Regimen

__all__ = ["Plan", "PlanOptions", "plan_booster"]

#: Default minimum interval (h): the clinic reference's suggested warning under 72 h between sessions.
MIN_HOURS_DEFAULT = 72.0
SUGGESTION = "ketasim suggests; a clinician decides. Nothing has been scheduled."


@dataclass(frozen=True, kw_only=True)
class PlanOptions:
    """The clinician's limit and the clinic's rules (see the module doc)."""

    max_risk: float = 0.1
    target: Target = "relapse"
    horizon_days: int = 84
    min_hours_between_sessions: float = MIN_HOURS_DEFAULT
    max_sessions_per_week: int | None = None
    max_sessions_per_year: int | None = None
    label: Literal["auto", "none", "esketamine_us"] = "auto"
    now_h: float | None = None
    max_draws: int = 1000
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0.0 < self.max_risk < 1.0:
            raise InputError("plan", "max_risk", "must lie strictly between 0 and 1", self.max_risk)
        if not 7 <= self.horizon_days <= 365:
            raise InputError("plan", "horizon_days", "must lie within 7-365", self.horizon_days)
        if not 0.0 <= self.min_hours_between_sessions <= 2160.0:
            raise InputError(
                "plan",
                "min_hours_between_sessions",
                "must lie within 0-2160",
                self.min_hours_between_sessions,
            )
        if self.max_sessions_per_week is not None and not 1 <= self.max_sessions_per_week <= 7:
            raise InputError(
                "plan", "max_sessions_per_week", "must lie within 1-7", self.max_sessions_per_week
            )
        if self.max_sessions_per_year is not None and not 1 <= self.max_sessions_per_year <= 366:
            raise InputError(
                "plan", "max_sessions_per_year", "must lie within 1-366", self.max_sessions_per_year
            )
        if self.label not in ("auto", "none", "esketamine_us"):
            raise InputError("plan", "label", "must be auto, none or esketamine_us", self.label)
        if self.target not in ("relapse", "response_loss"):
            raise InputError("plan", "target", "must be relapse or response_loss", self.target)


@dataclass(frozen=True)
class Plan:
    """A suggested booster window with its reason, forecasts and safety note (a suggestion only)."""

    kind: Literal["personal", "population"]
    safety: SafetySignal
    booster: Dose
    window_start_h: float | None
    window_end_h: float | None
    window_open_ended: bool
    suggested_h: float | None
    risk_limit: float
    risk_if_suggested: float | None
    reason: str
    constraints: dict[str, Any]
    no_booster: Forecast
    with_booster: Forecast | None

    def as_dict(self, at: Any, weight_kg: float) -> dict[str, Any]:
        """JSON-ready (``at``: hours -> datetime)."""

        def date(t: float | None) -> str | None:
            return None if t is None else at(t).isoformat()

        b = self.booster
        return {
            "status": "suggestion",
            "notice": SUGGESTION,
            "clinician_must_assess_first": self.safety.must_assess,
            "safety": {"message": self.safety.message, "findings": list(self.safety.findings)},
            "kind": self.kind,
            "booster": {
                "drug": b.drug.value,
                "route": b.route.value,
                "mg": None if b.amount is None else round(b.amount.mg(weight_kg), 3),
            },
            "risk_limit": self.risk_limit,
            "target": self.no_booster.target,
            "window": {
                "earliest": date(self.window_start_h),
                "latest": date(self.window_end_h),
                "open_ended": self.window_open_ended,
            },
            "suggested_date": date(self.suggested_h),
            "risk_before_suggested_date": self.risk_if_suggested,
            "reason": self.reason,
            "constraints": self.constraints,
            "forecast_no_booster": self.no_booster.as_dict(at),
            "forecast_with_booster": None if self.with_booster is None else self.with_booster.as_dict(at),
        }


def _booster_template(regimen: Regimen) -> Dose:
    active = [d for d in regimen.doses if not d.drug.is_placebo]
    if not active:
        raise InputError(
            "plan", "regimen", "needs a ketamine or esketamine session to repeat as the booster", 0
        )
    last = max(active, key=lambda d: d.times()[-1])
    return replace(last, ii_h=0.0, addl=0)


def _rules(options: PlanOptions, booster: Dose) -> Rules:
    label = options.label
    if label == "auto":
        nasal = booster.drug == Drug.ESKETAMINE and booster.route == Route.INTRANASAL
        label = "esketamine_us" if nasal else "none"
    return Rules(
        options.min_hours_between_sessions / 24.0,
        options.max_sessions_per_week,
        options.max_sessions_per_year,
        label == "esketamine_us",
    )


def _pct(p: float) -> str:
    return f"{100 * p:.1f} %" if p >= 0.001 or p == 0 else "< 0.1 %"


def plan_booster(posterior: Posterior, options: PlanOptions | None = None) -> Plan:
    """The booster window of one fitted patient (see the module doc)."""
    opt = options or PlanOptions()
    problem = posterior.problem
    rec = problem.record
    weight = rec.patient.weight_kg
    booster = _booster_template(rec.regimen)
    rules = _rules(opt, booster)
    sessions = sorted({t for d in rec.regimen.doses if not d.drug.is_placebo for t in d.times()})
    ref = sessions[0]
    days = sorted({round((t - ref) / 24.0) for t in sessions})
    mg = [_session_mg(rec.regimen, ref, d, weight) for d in days]
    booster_mg = booster.amount.mg(weight) if booster.amount is not None else 0.0
    now = last_event_h(problem) if opt.now_h is None else opt.now_h
    first = math.floor((now - ref) / 24.0) + 1
    cand = np.arange(first, first + opt.horizon_days)
    cand_h = ref + 24.0 * cand
    grid = np.concatenate([[now], cand_h])
    common = {"now_h": now, "target": opt.target, "max_draws": opt.max_draws, "seed": opt.seed}
    none = forecast(posterior, times_h=grid, **common)  # type: ignore[arg-type]
    risk = none.event_by[1:]  # event at or before each candidate booster time
    allowed = np.array([rules.violation(days, mg, int(d), booster_mg) is None for d in cand])
    # the rules count whole days; the last session may have been at another time of day
    allowed &= cand_h - sessions[-1] >= opt.min_hours_between_sessions - 1e-9
    safe = risk <= opt.max_risk
    constraints = {
        "min_hours_between_sessions": opt.min_hours_between_sessions,
        "max_sessions_per_week": opt.max_sessions_per_week,
        "max_sessions_per_year": opt.max_sessions_per_year,
        "esketamine_label": rules.label,
        "horizon_days": opt.horizon_days,
    }
    at = rec.at
    limit = _pct(opt.max_risk)
    event = "relapse (true MADRS >= 22)" if opt.target == "relapse" else "loss of response"
    start = end = suggested = None
    open_ended = False
    if not allowed.any():
        reason = (
            f"No day in the next {opt.horizon_days} days satisfies the constraints; no booster suggested."
        )
    else:
        i0 = int(np.argmax(allowed))
        start = float(cand_h[i0])
        inside = allowed & safe
        if not safe[i0]:
            suggested = start
            reason = (
                f"The forecast risk of {event} before the earliest allowed date ({_day(at, start)}) is "
                f"{_pct(float(risk[i0]))}, above the {limit} limit: no booster date keeps it under the "
                "limit. The earliest allowed date is shown for the clinician to consider."
            )
            if none.event_by[0] > 0.5:
                reason += (
                    " The model already places the patient in relapse now: a re-induction may be needed."
                )
            start = None
        elif safe.all():
            end = float(cand_h[np.flatnonzero(inside)[-1]])
            open_ended = True
            reason = (
                f"Without a booster the forecast risk of {event} stays at or under the {limit} limit for the "
                f"next {opt.horizon_days} days ({_pct(float(risk[-1]))} by {_day(at, float(cand_h[-1]))}). "
                f"No booster is needed within this horizon; plan again after the next score."
            )
        else:
            last_safe = int(np.flatnonzero(~safe)[0]) - 1
            j = np.flatnonzero(inside[: last_safe + 1])[-1]
            end = suggested = float(cand_h[j])
            cross = float(cand_h[last_safe + 1])
            first_day, last_day = _day(at, start), _day(at, end)
            reason = (
                f"Without a booster the forecast risk of {event} passes the {limit} limit by "
                f"{_day(at, cross)} ({_pct(float(risk[last_safe + 1]))}). A booster from {first_day} "
                f"(the earliest date the constraints allow) to {last_day} keeps it at or under the limit "
                f"({_pct(float(risk[j]))} before {last_day}); the latest of these, {last_day}, is "
                "suggested: the longest interval within the limit."
            )
    with_b = None
    risk_s = None
    if suggested is not None:
        risk_s = float(risk[int(np.searchsorted(cand_h, suggested))])
        with_b = forecast(
            posterior,
            days=float(opt.horizon_days),
            schedule=Regimen.of(booster.at(suggested)),
            **common,  # type: ignore[arg-type]
        )
    full_none = forecast(posterior, days=float(opt.horizon_days), **common)  # type: ignore[arg-type]
    if posterior.kind == "population":
        reason = "Population forecast (the record has no scores; covariates only). " + reason
    return Plan(
        kind=posterior.kind,
        safety=si_signal(rec),
        booster=booster,
        window_start_h=start,
        window_end_h=end,
        window_open_ended=open_ended,
        suggested_h=suggested,
        risk_limit=opt.max_risk,
        risk_if_suggested=risk_s,
        reason=reason,
        constraints=constraints,
        no_booster=full_none,
        with_booster=with_b,
    )


def _session_mg(regimen: Regimen, ref: float, day: int, weight: float) -> float:
    for d in regimen.doses:
        if d.drug.is_placebo or d.amount is None:
            continue
        if any(round((t - ref) / 24.0) == day for t in d.times()):
            return d.amount.mg(weight)
    return 0.0


def _day(at: Any, t: float) -> str:
    when: datetime = at(t)
    return when.date().isoformat()
