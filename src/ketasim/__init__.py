"""ketasim: a calibrated simulator and treatment planner for ketamine and esketamine therapy.

The public API, nothing else::

    from ketasim import Patient, Regimen, iv_infusion, nasal_session, simulate
    sol = simulate(Regimen.of(nasal_session(3)), Patient(weight_kg=80))
    sol.concentration("esketamine")
"""

from ketasim.errors import InputError, KetasimError, ModelError, UnitError
from ketasim.params import Evidence, Parameter, ParameterSet, Source, Variability
from ketasim.pk.metrics import AnalyteMetrics, pk_metrics
from ketasim.pk.models import DEFAULT_PK, EsketaminePK, PKLibrary, RacemicKetaminePK
from ketasim.population.patients import Patient
from ketasim.regimen.dose import (
    Dose,
    DoseEvent,
    Drug,
    Route,
    intramuscular,
    iv_bolus,
    iv_infusion,
    nasal_session,
    oral,
    placebo,
    subcutaneous,
    sublingual,
)
from ketasim.regimen.regimen import Regimen
from ketasim.simulate import simulate
from ketasim.solution import SimulationError, Solution, Status

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_PK",
    "AnalyteMetrics",
    "Dose",
    "DoseEvent",
    "Drug",
    "EsketaminePK",
    "Evidence",
    "InputError",
    "KetasimError",
    "ModelError",
    "PKLibrary",
    "Parameter",
    "ParameterSet",
    "Patient",
    "RacemicKetaminePK",
    "Regimen",
    "Route",
    "SimulationError",
    "Solution",
    "Source",
    "Status",
    "UnitError",
    "Variability",
    "intramuscular",
    "iv_bolus",
    "iv_infusion",
    "nasal_session",
    "oral",
    "pk_metrics",
    "placebo",
    "simulate",
    "subcutaneous",
    "sublingual",
]
