"""Fit one patient: the fast MAP + Laplace path or the full posterior by SMC.

The inference method is an options object passed to one driver
(:class:`~ketasim.personal.laplace.LaplaceOptions` or
:class:`~ketasim.personal.smc.SMCOptions`); randomness comes from ``seed``
alone. A record without scores gets the prior: the population forecast,
labelled as such.

>>> from datetime import datetime, UTC
>>> from ketasim.record import PatientRecord, ScoreObservation
>>> from ketasim.population.patients import Patient
>>> from ketasim.regimen.dose import iv_infusion
>>> from ketasim.regimen.regimen import Regimen
>>> iv = Regimen.of(iv_infusion("0.5 mg/kg", over="40 min"))
>>> scores = (ScoreObservation(0.0, "madrs", 33),)
>>> rec = PatientRecord(Patient(), iv, scores, datetime(2026, 1, 5, tzinfo=UTC))
>>> fit(rec, options=LaplaceOptions(draws=50)).kind
'personal'
"""

from __future__ import annotations

from ketasim.engine.backend import Backend
from ketasim.errors import InputError
from ketasim.model import Model, default_model
from ketasim.personal.laplace import LaplaceOptions, fit_laplace
from ketasim.personal.posterior import Posterior
from ketasim.personal.problem import Problem
from ketasim.personal.smc import SMCOptions, fit_smc
from ketasim.record import PatientRecord

__all__ = ["METHODS", "LaplaceOptions", "SMCOptions", "fit", "options_for"]

#: ``map``: MAP + Laplace (fast path); ``smc``: the full posterior.
METHODS = ("map", "smc")


def options_for(method: str) -> LaplaceOptions | SMCOptions:
    """Default options of a method name (``map`` or ``smc``)."""
    if method == "map":
        return LaplaceOptions()
    if method == "smc":
        return SMCOptions()
    hint = "the full posterior is SMC (docs/decisions/0008-personalisation.md)" if method == "nuts" else None
    raise InputError("fit", "method", f"must be one of {', '.join(METHODS)}", method, hint=hint)


def fit(
    record: PatientRecord,
    *,
    options: LaplaceOptions | SMCOptions | None = None,
    model: Model | None = None,
    seed: int = 0,
    backend: Backend | str = Backend.NUMBA,
) -> Posterior:
    """Posterior of ``record``'s individual parameters (default: MAP + Laplace)."""
    model = default_model() if model is None else model
    problem = Problem.of(record, model, backend=backend)
    if isinstance(options, SMCOptions):
        return fit_smc(problem, options, seed=seed)
    return fit_laplace(problem, options, seed=seed)
