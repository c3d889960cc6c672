"""The one place where the app calls the model: the PK chain and the patient's forecast.

Everything the pages and API need from :mod:`ketasim`'s core goes through here.
The patient page's forecast is the personal one (:mod:`ketasim.personal`, the
fast MAP + Laplace path) when the patient has scores, and the population
forecast, labelled as such, when they have sessions but no scores yet; with it
comes the suggested window for the next booster. It suggests; nothing is
scheduled from it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import numpy as np

from ketasim.errors import InputError, KetasimError
from ketasim.pk.models import DEFAULT_PK
from ketasim.pk.report import parameter_sets_for
from ketasim.population.patients import Patient
from ketasim.record import PatientRecord
from ketasim.regimen.regimen import Regimen
from ketasim.simulate import simulate
from ketasim.store.errors import RuleError

__all__ = [
    "FORECAST_SCALES",
    "PKCurves",
    "PatientForecast",
    "default_scale",
    "patient_forecast",
    "simulate_pk",
]

MAX_DAYS = 120.0
MAX_POINTS = 2000


@dataclass(frozen=True)
class PKCurves:
    """Plasma and effect-site concentrations (ng/mL) of the drug and its metabolite over time."""

    times_h: list[float]
    series: dict[str, list[float]]
    doses_h: list[float]
    drug: str
    placeholders: list[str]


def simulate_pk(spec: list[dict[str, Any]], patient: dict[str, Any], days: float | None = None) -> PKCurves:
    """Simulates a regimen written as plain data (``Regimen.from_spec``) for one typical patient."""
    try:
        regimen = Regimen.from_spec(spec)
        person = Patient.from_mapping(patient)
        for dose in regimen.doses:
            DEFAULT_PK.check(dose.drug, dose.route)
        last = max((t for d in regimen.doses for t in d.times()), default=0.0)
        span_h = 24.0 * days if days is not None else last + 48.0
        if not 0 < span_h <= 24.0 * MAX_DAYS:
            raise RuleError(
                "days", "simulate.days", f"the simulated span lies within 0-{MAX_DAYS:g} days", days
            )
        # a coarse grid, refined for 4 h after every dose so that each peak is caught alike
        starts = [t for d in regimen.doses for t in d.times() if t <= span_h]
        fine = [t + k / 30.0 for t in starts for k in range(121)]
        ends = [t + d.infusion_hours(person.weight_kg) for d in regimen.doses for t in d.times()]
        times = np.union1d(np.linspace(0.0, span_h, MAX_POINTS), [x for x in fine + ends if x <= span_h])
        sol = simulate(regimen, person, times=times)
    except KetasimError as err:
        if isinstance(err, RuleError):
            raise
        raise RuleError(err.field, f"{err.context}.invalid", err.rule, err.received) from None
    drugs = sorted(d.value for d in regimen.drugs if not d.is_placebo)
    parent = "esketamine" if drugs == ["esketamine"] else "ketamine"
    metabolite = "noresketamine" if parent == "esketamine" else "norketamine"
    series = {
        f"{parent} plasma": sol.concentration(parent),
        f"{parent} effect site": sol.concentration(parent, "effect"),
        f"{metabolite} plasma": sol.concentration(metabolite),
    }
    placeholders = sorted(
        {
            f"{ps.name}.{p.name}"
            for drug in regimen.drugs
            if not drug.is_placebo
            for ps in parameter_sets_for(
                DEFAULT_PK, drug, frozenset(r for d, r in regimen.routes if d == drug)
            )
            for p in ps
            if p.placeholder
        }
    )
    return PKCurves(
        times_h=[float(t) for t in sol.times_h],
        series={k: [round(float(x), 4) for x in v] for k, v in series.items()},
        doses_h=regimen.session_times(),
        drug=parent,
        placeholders=placeholders,
    )


#: Posterior draws behind the page's forecast: enough for 2.5-97.5 % bands, small enough for a page view.
PAGE_DRAWS = 300
#: Days the page forecasts, and the clinician's default limit on P(relapse before the booster).
PAGE_DAYS = 28
PAGE_MAX_RISK = 0.1
#: The scales a forecast band can be drawn on (totals the model simulates and clinics record).
FORECAST_SCALES = ("madrs", "qids_sr16", "phq9")


def default_scale(record: PatientRecord) -> str | None:
    """The chart's forecast scale unless the clinician picks one: the MADRS when the record has one.

    The MADRS is the clinician-rated scale the relapse threshold is defined on; a PHQ-9 taken after
    it must not move the forecast to another panel. Without a MADRS, the record's latest scale
    (``None``: the forecast's own default).
    """
    return "madrs" if any(o.scale == "madrs" for o in record.observations) else None


@dataclass(frozen=True)
class PatientForecast:
    """The patient chart's forecast band, P(relapse by date) and the suggested booster window (JSON-ready)."""

    kind: Literal["personal", "population"]
    label: str
    scale: str
    approximate_link: bool
    times: list[str]
    median: list[float]
    bands: dict[str, dict[str, list[float]]]
    relapse_probability: list[float]
    event: str
    window: dict[str, Any] | None
    reason: str
    must_assess: bool
    safety_message: str | None
    notice: str
    warnings: list[str]
    seconds: float


def patient_forecast(
    record: PatientRecord,
    *,
    now: datetime | None = None,
    days: int = PAGE_DAYS,
    max_risk: float = PAGE_MAX_RISK,
    seed: int = 0,
    scale: str | None = None,
) -> PatientForecast:
    """The forecast of one patient's record: MAP + Laplace fit, band on ``scale``, booster window.

    The forecast starts at ``now`` (the clinic's present) or at the record's last session or score,
    whichever is later, so that no suggested date lies in the past. ``scale`` is the band's scale
    (one of :data:`FORECAST_SCALES`; default :func:`default_scale`); the relapse probability and
    the booster window are on the MADRS whatever the band's scale.
    """
    if scale is not None and scale not in FORECAST_SCALES:
        raise RuleError("scale", "forecast.scale", f"one of {', '.join(FORECAST_SCALES)}", scale)
    scale = scale or default_scale(record)
    from ketasim.personal.fit import LaplaceOptions, fit
    from ketasim.personal.forecast import LEVELS, forecast, last_event_h
    from ketasim.personal.plan import SUGGESTION, Plan, PlanOptions, plan_booster
    from ketasim.personal.safety import si_signal

    t0 = time.perf_counter()
    try:
        post = fit(record, options=LaplaceOptions(draws=PAGE_DRAWS), seed=seed)
        now_h = last_event_h(post.problem)
        if now is not None:
            now_h = max(now_h, record.hours(now))
        options = PlanOptions(
            max_risk=max_risk, horizon_days=days, max_draws=PAGE_DRAWS, seed=seed, now_h=now_h
        )
        plan: Plan | None = None
        try:
            plan = plan_booster(post, options)
        except InputError as err:
            # no ketamine or esketamine session to repeat: the forecast alone, without a window
            fc = forecast(post, days=float(days), now_h=now_h, max_draws=PAGE_DRAWS, seed=seed, scale=scale)
            reason = err.rule
        else:
            fc, reason = plan.no_booster, plan.reason
        if scale is not None and fc.scale != scale:
            fc = forecast(post, days=float(days), now_h=now_h, max_draws=PAGE_DRAWS, seed=seed, scale=scale)
    except KetasimError as err:
        raise RuleError(err.field, f"{err.context}.invalid", err.rule, err.received) from None
    at = record.at
    out = fc.as_dict(at)
    window = None
    if plan is not None and (plan.window_end_h is not None or plan.suggested_h is not None):
        w = plan.as_dict(at, record.patient.weight_kg)
        window = {**w["window"], "suggested": w["suggested_date"], "risk_limit": max_risk}
    bands = {}
    for level in LEVELS:
        lo, hi = fc.band(level)
        bands[f"{100 * level:.0f}"] = {"lower": _r(lo), "upper": _r(hi)}
    safety = si_signal(record)
    return PatientForecast(
        kind=fc.kind,
        label=out["label"],
        scale=fc.scale,
        approximate_link=fc.approximate_link,
        times=out["times"],
        median=_r(fc.predictive["q50"]),
        bands=bands,
        relapse_probability=out["event_probability_by"],
        event=out["event"],
        window=window,
        reason=reason,
        must_assess=safety.must_assess,
        safety_message=safety.message,
        notice=SUGGESTION,
        warnings=list(post.warnings),
        seconds=round(time.perf_counter() - t0, 3),
    )


def _r(x: Any) -> list[float]:
    return [round(float(v), 2) for v in x]
