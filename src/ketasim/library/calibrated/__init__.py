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
from ketasim.files import load as fileload

__all__ = ["CURRENT", "DIR", "CalibratedSet", "Estimate", "load", "load_current"]

#: the version the default model applies (a file name in this folder, without .json)
CURRENT = "ketasim-2026.2"
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
    def from_json(cls, data: Any, where: str = "calibrated set") -> CalibratedSet:
        """A set from its JSON data; errors name the field (``estimates[2].value``), the rule and the value.

        ``where`` (the file) is said in errors too.
        """
        try:
            return cls._from_json(data)
        except InputError as err:
            raise (err if err.where else err.located(where)) from None

    @classmethod
    def _from_json(cls, data: Any) -> CalibratedSet:
        top = _mapping(data, "(root)")
        items = _get(top, "estimates", "(root)")
        if not isinstance(items, list):
            raise InputError("calibrated", "estimates", "must be a list of estimates", type(items).__name__)
        estimates = []
        for k, item in enumerate(items):
            e, at = _mapping(item, f"estimates[{k}]"), f"estimates[{k}]"
            estimates.append(
                Estimate(
                    name=_text(e, "name", at),
                    value=_number(e, "value", at),
                    prior=_number(e, "prior", at),
                    lo=_number(e, "lo", at),
                    hi=_number(e, "hi", at),
                    identified=_flag(e, "identified", at),
                    fixed=_flag(e, "fixed", at, default=False),
                )
            )
        fit = top.get("fit", {})
        if not isinstance(fit, dict):
            raise InputError("calibrated", "fit", "must be a mapping", type(fit).__name__)
        return cls(
            version=_text(top, "version", ""),
            created=_text(top, "created", ""),
            command=_text(top, "command", ""),
            method=_text(top, "method", ""),
            estimates=tuple(estimates),
            fit=dict(fit),
        )


def _mapping(data: Any, at: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InputError("calibrated", at, "must be a mapping", type(data).__name__)
    return data


def _get(data: dict[str, Any], key: str, at: str) -> Any:
    if key not in data:
        raise InputError("calibrated", _join(at, key), "is required", None)
    return data[key]


def _join(at: str, key: str) -> str:
    return key if at in ("", "(root)") else f"{at}.{key}"


def _text(data: dict[str, Any], key: str, at: str) -> str:
    value = _get(data, key, at)
    if not isinstance(value, str):
        raise InputError("calibrated", _join(at, key), "must be text", value)
    return value


def _number(data: dict[str, Any], key: str, at: str) -> float:
    value = _get(data, key, at)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError("calibrated", _join(at, key), "must be a number", value)
    return float(value)


def _flag(data: dict[str, Any], key: str, at: str, default: bool | None = None) -> bool:
    value = data.get(key, default) if default is not None else _get(data, key, at)
    if not isinstance(value, bool):
        raise InputError("calibrated", _join(at, key), "must be true or false", value)
    return value


def load(path: str | Path) -> CalibratedSet:
    """Reads a calibrated set from a JSON file; errors name the field, the file and its line."""
    return fileload(path, "calibrated", CalibratedSet._from_json, field="path")


def load_current() -> CalibratedSet | None:
    """The set named by ``CURRENT`` shipped in the package, or None before the first calibration."""
    path = DIR / f"{CURRENT}.json"
    if not path.is_file():
        return None
    return fileload(path, "calibrated", CalibratedSet._from_json, field="path")
