"""The result of a simulation: concentrations per analyte, effect site, status."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd

from ketasim.errors import InputError, KetasimError
from ketasim.regimen.dose import DoseEvent
from ketasim.units import MOLAR_MASS

__all__ = ["ALIASES", "SimulationError", "Solution", "Status"]


class Status(StrEnum):
    """Outcome of a solve; each value is the message a user sees."""

    SUCCESS = "success"
    NEGATIVE_STATE = "a state went negative beyond round-off: check the parameters"
    NON_FINITE = "the solution has non-finite values: check the parameters and doses"


class SimulationError(KetasimError):
    """A simulation finished with a status other than success (raised when ``throw=True``)."""


#: Analyte names by molecule; totals and drug names resolve to their parts.
ALIASES: Mapping[str, tuple[str, ...]] = {
    "ketamine": ("s_ketamine", "r_ketamine"),
    "norketamine": ("s_norketamine", "r_norketamine"),
    "esketamine": ("s_ketamine",),
    "noresketamine": ("s_norketamine",),
    "s_ketamine": ("s_ketamine",),
    "r_ketamine": ("r_ketamine",),
    "s_norketamine": ("s_norketamine",),
    "r_norketamine": ("r_norketamine",),
}

_KINDS = ("plasma", "effect", "unbound")


@dataclass(frozen=True)
class Solution:
    """Concentrations over time for one patient.

    ``plasma``, ``effect`` (effect site) and ``unbound`` (unbound effect site)
    map molecules (``s_ketamine``, ``r_ketamine``, ``s_norketamine``,
    ``r_norketamine``) to ng/mL; ``auc`` is the cumulative plasma AUC in
    ng·h/mL. Use :meth:`concentration` for totals such as ``ketamine`` or
    drug names such as ``esketamine``.
    """

    times_h: np.ndarray
    plasma: Mapping[str, np.ndarray]
    effect: Mapping[str, np.ndarray]
    unbound: Mapping[str, np.ndarray]
    auc: Mapping[str, np.ndarray]
    doses: tuple[DoseEvent, ...]
    status: Status = Status.SUCCESS
    madrs: np.ndarray | None = None
    items: np.ndarray | None = None
    latent: Mapping[str, np.ndarray] = field(default_factory=dict)
    occupancy: np.ndarray | None = None
    cadss: np.ndarray | None = None
    blood_pressure: np.ndarray | None = None

    def _parts(self, analyte: str) -> tuple[str, ...]:
        parts = ALIASES.get(analyte)
        if parts is None:
            raise InputError("solution", "analyte", f"unknown (known: {', '.join(ALIASES)})", analyte)
        return parts

    def concentration(self, analyte: str, kind: str = "plasma") -> np.ndarray:
        """ng/mL of ``analyte`` (an alias or molecule) in ``kind``: plasma, effect or unbound."""
        if kind not in _KINDS:
            raise InputError("solution", "kind", f"must be one of {', '.join(_KINDS)}", kind)
        source: Mapping[str, np.ndarray] = getattr(self, kind)
        total = np.zeros_like(self.times_h)
        for p in self._parts(analyte):
            if p in source:
                total = total + source[p]
        return total

    def unbound_um(self, molecule: str) -> np.ndarray:
        """Unbound effect-site concentration of one molecule in µM (what the receptor sees)."""
        return self.concentration(molecule, "unbound") / MOLAR_MASS[molecule]

    def cumulative_auc(self, analyte: str) -> np.ndarray:
        """Cumulative plasma AUC (ng·h/mL) of ``analyte`` from time 0."""
        total = np.zeros_like(self.times_h)
        for p in self._parts(analyte):
            if p in self.auc:
                total = total + self.auc[p]
        return total

    def to_frame(self) -> pd.DataFrame:
        """One row per time: ``time_h``, a ng/mL column per kind and molecule, then the PD layers."""
        data: dict[str, np.ndarray] = {"time_h": self.times_h}
        for kind in _KINDS:
            for k, v in getattr(self, kind).items():
                data[f"{kind}_{k}_ng_ml"] = v
        for name in ("occupancy", "cadss", "blood_pressure", "madrs"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        if self.items is not None:
            data["madrs_item10"] = self.items[:, 9]
        for k, v in self.latent.items():
            data[f"latent_{k}"] = v
        return pd.DataFrame(data)
