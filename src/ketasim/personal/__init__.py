"""Personalisation: fit one patient's own scores, forecast their course, suggest the next booster window.

A record (:class:`~ketasim.record.PatientRecord`: covariates, sessions, scores on
their own scales) goes in; personalisation never parses a file (the readers are
in :mod:`ketasim.io`). :func:`~ketasim.personal.fit.fit`
returns the posterior of the patient's individual parameters (MAP + Laplace,
or the full posterior by tempered SMC); :func:`~ketasim.personal.forecast.forecast`
gives the score bands and P(relapse by date), and
:func:`~ketasim.personal.plan.plan_booster` the booster window that keeps that
risk under a clinician's limit. It suggests; a clinician decides.
"""

from ketasim.personal.fit import LaplaceOptions, SMCOptions, fit
from ketasim.personal.forecast import Forecast, forecast
from ketasim.personal.plan import Plan, PlanOptions, plan_booster
from ketasim.personal.posterior import Posterior

__all__ = [
    "Forecast",
    "LaplaceOptions",
    "Plan",
    "PlanOptions",
    "Posterior",
    "SMCOptions",
    "fit",
    "forecast",
    "plan_booster",
]
