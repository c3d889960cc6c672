"""Calibrated parameter sets: what ``ketasim calibrate`` wrote, versioned, loaded as data.

A set lives beside this module, in ``ketasim/library/calibrated/<version>.json``:
the estimated values and between-subject SDs (omega) with their 95 % intervals,
whether the targets identify each one, the targets and command behind them. The
set named in ``CURRENT`` is applied to the library priors by
:func:`ketasim.model.default_model` (read on its first call, never at import);
``PRIOR_MODEL`` keeps the uncalibrated priors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ketasim.errors import InputError
from ketasim.files import read_data

__all__ = ["CURRENT", "DIR", "CalibratedSet", "Estimate", "load", "load_current"]

#: the version the default model applies (a file name in this folder, without .json)
CURRENT = "ketasim-2026.1"
#: the folder of the calibrated sets shipped with ketasim
DIR = Path(__file__).parent


@dataclass(frozen=True)
class Estimate:
    """One estimated quantity: ``Set.PARAM`` (a typical value) or ``Set.PARAM.omega``."""

    name: str
    value: float
    prior: float
    lo: float
    hi: float
    identified: bool
    fixed: bool = False  # not identified, so held at its library value (``value == prior``)

    @property
    def is_omega(self) -> bool:
        return self.name.endswith(".omega")


@dataclass(frozen=True)
class CalibratedSet:
    """A calibrated parameter set and the facts of the fit that made it."""

    version: str
    created: str
    command: str
    method: str
    estimates: tuple[Estimate, ...]
    fit: dict[str, Any] = field(default_factory=dict)

    def values(self) -> dict[str, float]:
        """``{"Set.PARAM": value}`` of the typical values."""
        return {e.name: e.value for e in self.estimates if not e.is_omega and not e.fixed}

    def omegas(self) -> dict[str, float]:
        """``{"Set.PARAM": omega}`` of the between-subject SDs."""
        return {e.name.removesuffix(".omega"): e.value for e in self.estimates if e.is_omega and not e.fixed}

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "created": self.created,
            "command": self.command,
            "method": self.method,
            "estimates": [e.__dict__ for e in self.estimates],
            "fit": self.fit,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], where: str) -> CalibratedSet:
        try:
            estimates = tuple(
                Estimate(
                    name=str(e["name"]),
                    value=float(e["value"]),
                    prior=float(e["prior"]),
                    lo=float(e["lo"]),
                    hi=float(e["hi"]),
                    identified=bool(e["identified"]),
                    fixed=bool(e.get("fixed", False)),
                )
                for e in data["estimates"]
            )
            return cls(
                version=str(data["version"]),
                created=str(data["created"]),
                command=str(data["command"]),
                method=str(data["method"]),
                estimates=estimates,
                fit=dict(data.get("fit", {})),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise InputError("calibrated", where, f"is not a calibrated set ({err!r})", where) from None


def load(path: str | Path) -> CalibratedSet:
    """Reads a calibrated set from a JSON file."""
    data = read_data(path, "calibrated", field="path")
    return CalibratedSet.from_json(data, str(path))


def load_current() -> CalibratedSet | None:
    """The set named by ``CURRENT`` shipped in the package, or None before the first calibration."""
    path = DIR / f"{CURRENT}.json"
    if not path.is_file():
        return None
    return CalibratedSet.from_json(read_data(path, "calibrated", field="path"), f"{CURRENT}.json")
