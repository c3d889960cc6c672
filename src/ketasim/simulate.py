"""The solve verb: ``simulate(regimen, patient) -> Solution``, from dose to MADRS.

>>> from ketasim.regimen.dose import iv_infusion
>>> from ketasim.regimen.regimen import Regimen
>>> sol = simulate(Regimen.of(iv_infusion("0.5 mg/kg", over="40 min")), times=[0, 2/3, 24])
>>> round(float(sol.concentration("ketamine")[1]))
253
>>> bool(sol.madrs[2] < sol.madrs[0])
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from ketasim.engine.core import LATENT, Engine
from ketasim.errors import InputError
from ketasim.model import Model, default_model
from ketasim.pk.solve import Trajectory
from ketasim.population.patients import Cohort, Patient
from ketasim.regimen.regimen import Regimen
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
    model: Model | None = None,
    etas: Mapping[str, float] | None = None,
    pd: bool = True,
    refine: int = 0,
    throw: bool = True,
) -> Solution:
    """Simulates one patient from dose to plasma, effect site, cascade and MADRS.

    Args:
        regimen: the doses (placebo sessions included).
        patient: covariates (default: a typical 70 kg, 45-year-old patient).
        times: output times in hours, taken before any dose at that time (default:
            every 5 min to ``days`` or to 2 days after the last dose). With
            ``pd=True`` they are placed on the engine's one-second lattice.
        model: the parameter sets and switches.
        etas: random effects keyed ``'<parameter set>.<parameter>'`` (default: typical).
        pd: simulate the cascade and symptoms too (else the exact PK alone).
        refine: halve the engine's steps this many times (convergence checks).
        throw: raise :class:`SimulationError` unless the status is success.
    """
    model = default_model() if model is None else model
    patient = patient or Patient()
    t = np.asarray(times if times is not None else default_times(regimen, days=days), dtype=float)
    cohort = Cohort.of([patient], {k: [v] for k, v in (etas or {}).items()})
    sol = _simulate_full(regimen, cohort, t, model, refine) if pd else _simulate_pk(regimen, cohort, t, model)
    if throw and sol.status != Status.SUCCESS:
        raise SimulationError("simulate", "status", sol.status.value, sol.status.name)
    return sol


def _status(*arrays: np.ndarray) -> Status:
    for a in arrays:
        if not np.all(np.isfinite(a)):
            return Status.NON_FINITE
    for a in arrays:
        if np.min(a, initial=0.0) < -1e-9 * max(1.0, float(np.max(np.abs(a), initial=0.0))):
            return Status.NEGATIVE_STATE
    return Status.SUCCESS


def _simulate_pk(regimen: Regimen, cohort: Cohort, t: np.ndarray, model: Model) -> Solution:
    system = model.pk.build_cohort(model.pk.routes_of(regimen), cohort)
    events = regimen.expand(float(cohort.weight_kg[0]))
    X, I = Trajectory(system, events).states(t)
    layers: dict[str, dict[str, np.ndarray]] = {"plasma": {}, "effect": {}, "unbound": {}, "auc": {}}
    for m in MOLECULES:
        key = f"plasma:{m}"
        if key not in system.outputs:
            continue
        layers["plasma"][m] = X @ system.outputs[key][0]
        layers["auc"][m] = I @ system.outputs[key][0]
        layers["effect"][m] = X @ system.outputs[f"effect:{m}"][0]
        layers["unbound"][m] = X @ system.outputs[f"unbound:{m}"][0]
    return Solution(
        t, layers["plasma"], layers["effect"], layers["unbound"], layers["auc"], events, _status(X)
    )


def _simulate_full(regimen: Regimen, cohort: Cohort, t: np.ndarray, model: Model, refine: int) -> Solution:
    res = Engine(model, refine=refine).run(cohort, regimen, t, record_x=True)
    times = res.times_h
    plasma, effect, unbound = {}, {}, {}
    for m in MOLECULES:
        if f"plasma:{m}" in res.prepared.system.outputs:
            plasma[m] = res.concentration(m, "plasma")[0]
            effect[m] = res.concentration(m, "effect")[0]
            unbound[m] = res.concentration(m, "unbound")[0]
    auc = {m: _trapezoid_cumulative(times, v) for m, v in plasma.items()}
    items = res.items()[0]
    latent = {name: res.latent(name)[0] for name in LATENT}
    return Solution(
        times_h=times, plasma=plasma, effect=effect, unbound=unbound, auc=auc,
        doses=regimen.expand(float(cohort.weight_kg[0])),
        status=_status(res.x, res.z, res.y),
        madrs=items.sum(axis=-1), items=items, latent=latent,
        occupancy=res.occupancy()[0], cadss=res.cadss()[0], blood_pressure=res.blood_pressure()[0],
    )  # fmt: skip


def _trapezoid_cumulative(t: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Cumulative trapezoid AUC on the output grid (the exact AUC is in :func:`pk_metrics`)."""
    out = np.zeros_like(c)
    out[1:] = np.cumsum(np.diff(t) * (c[1:] + c[:-1]) / 2.0)
    return out
