"""The solve verb: ``simulate(regimen, patient) -> Solution``.

>>> from ketasim.regimen import Regimen, iv_infusion
>>> sol = simulate(Regimen.of(iv_infusion("0.5 mg/kg", over="40 min")), times=[0, 2/3, 24])
>>> round(float(sol.concentration("ketamine")[1]))
253
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from ketasim.errors import InputError
from ketasim.pk.models import DEFAULT_PK, PKLibrary
from ketasim.pk.solve import Trajectory
from ketasim.population import Patient
from ketasim.regimen import Regimen
from ketasim.solution import SimulationError, Solution, Status

__all__ = ["default_times", "simulate"]

MOLECULES = ("s_ketamine", "r_ketamine", "s_norketamine", "r_norketamine")


def default_times(regimen: Regimen, *, days: float | None = None, step_h: float = 1 / 12) -> np.ndarray:
    """A grid every ``step_h`` hours to ``days`` (default: 2 days after the last dose)."""
    last = max((t for d in regimen.doses for t in d.times()), default=0.0)
    end = 24.0 * days if days is not None else last + 48.0
    if not (math.isfinite(end) and end > 0):
        raise InputError("simulate", "days", "must be positive", days)
    n = math.floor(end / step_h + 1e-9)
    grid = np.arange(n + 1) * step_h
    return np.union1d(grid, [t for d in regimen.doses for t in d.times() if t <= end])


def simulate(
    regimen: Regimen,
    patient: Patient | None = None,
    *,
    times: Sequence[float] | np.ndarray | None = None,
    days: float | None = None,
    pk: PKLibrary = DEFAULT_PK,
    etas: Mapping[str, float] | None = None,
    throw: bool = True,
) -> Solution:
    """Simulates one patient's plasma and effect-site concentrations under ``regimen``.

    Args:
        regimen: the doses.
        patient: covariates (default: a 70 kg, 45-year-old patient).
        times: output times in hours (default: every 5 min to ``days`` or to 2 days
            after the last dose).
        pk: the PK models and parameter sets.
        etas: random effects keyed ``'<parameter set>.<parameter>'`` (default: typical).
        throw: raise :class:`SimulationError` unless the status is success.
    """
    patient = patient or Patient()
    t = np.asarray(times if times is not None else default_times(regimen, days=days), dtype=float)
    system = pk.build(regimen, patient, etas)
    events = regimen.expand(patient.weight_kg)
    X, I = Trajectory(system, events).states(t)

    plasma: dict[str, np.ndarray] = {}
    effect: dict[str, np.ndarray] = {}
    unbound: dict[str, np.ndarray] = {}
    auc: dict[str, np.ndarray] = {}
    for m in MOLECULES:
        key = f"plasma:{m}"
        if key not in system.outputs:
            continue
        plasma[m] = X @ system.outputs[key][0]
        auc[m] = I @ system.outputs[key][0]
        effect[m] = X @ system.outputs[f"effect:{m}"][0]
        unbound[m] = X @ system.outputs[f"unbound:{m}"][0]

    status = Status.SUCCESS
    if not np.all(np.isfinite(X)):
        status = Status.NON_FINITE
    elif np.min(X, initial=0.0) < -1e-9 * max(1.0, float(np.max(np.abs(X), initial=0.0))):
        status = Status.NEGATIVE_STATE
    if throw and status != Status.SUCCESS:
        raise SimulationError("simulate", "status", status.value, status.name)
    return Solution(t, plasma, effect, unbound, auc, events, status)
