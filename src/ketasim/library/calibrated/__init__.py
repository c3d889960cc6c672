"""Calibrated parameter sets: what ``ketasim calibrate`` wrote, versioned, loaded as data.

A set lives in ``ketasim/library/calibrated/<version>.json``: the estimated
values and between-subject SDs (omega) with their 95 % intervals, whether the
targets identify each one, the targets and command behind them. The newest set
named in ``CURRENT`` is applied to the library priors to make ``DEFAULT_MODEL``;
``PRIOR_MODEL`` keeps the uncalibrated priors. Loading needs nothing but json.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ketasim.errors import InputError

__all__ = ["CURRENT", "CalibratedSet", "Estimate", "load", "load_current"]

#: the version applied to DEFAULT_MODEL (a file name in ketasim/library/calibrated, without .json)
CURRENT = "ketasim-2026.1"


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
    p = Path(path)
    if not p.is_file():
        raise InputError("calibrated", "path", "file not found", str(p))
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise InputError("calibrated", "path", f"is not valid JSON ({err.msg})", str(p)) from None
    return CalibratedSet.from_json(data, str(p))


def load_current() -> CalibratedSet | None:
    """The set named by ``CURRENT`` shipped in the package, or None before the first calibration."""
    ref = resources.files("ketasim.library") / "calibrated" / f"{CURRENT}.json"
    if not ref.is_file():
        return None
    return CalibratedSet.from_json(json.loads(ref.read_text(encoding="utf-8")), f"{CURRENT}.json")
