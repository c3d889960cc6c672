"""The one place where the app calls the model: today the PK chain; the mood layer and forecasts later.

Everything the pages and API need from :mod:`ketasim`'s core goes through here,
so that the cascade and the personal forecast, when the core provides them,
are wired in by extending this module alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ketasim.errors import KetasimError
from ketasim.pk.models import DEFAULT_PK
from ketasim.pk.report import parameter_sets_for
from ketasim.population import Patient
from ketasim.regimen import Regimen
from ketasim.simulate import simulate
from ketasim.store.errors import RuleError

__all__ = ["MOOD_LAYER_AVAILABLE", "PKCurves", "simulate_pk"]

#: The dose → NMDA → BDNF/mTOR → synapses → MADRS layer arrives with the model's next release.
MOOD_LAYER_AVAILABLE = False
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
