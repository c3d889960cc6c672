"""Typed, frozen model parameters: value, unit, bounds, fixed or estimated, variability, source.

Every number in ketasim's library is a :class:`Parameter`: it carries its unit,
plausible bounds, whether calibration may estimate it, its between-subject
variability, where it comes from (paper, table, line) and how well that was
checked, and a ``placeholder`` flag for values that stand in until a source is
found. Parameters are grouped in a :class:`ParameterSet`, one per paper.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Literal

import numpy as np

from ketasim.errors import ModelError

__all__ = ["Evidence", "Parameter", "ParameterSet", "Source", "Variability"]


class Evidence(StrEnum):
    """How a value was obtained (see docs/model.md, "Evidence tags")."""

    PRIMARY = "primary"  # read in the paper, label or abstract itself
    TRANSCRIPTION = "transcription"  # a faithful third-party copy of a primary table
    SECONDARY = "secondary"  # a review or monograph quoting the value
    DERIVED = "derived"  # computed from other sourced values
    ASSUMPTION = "assumption"  # a modelling choice, documented with its reason
    CALIBRATED = "calibrated"  # estimated by `ketasim calibrate` from the calibration targets


@dataclass(frozen=True, kw_only=True)
class Source:
    """Where a value comes from: citation, locator (table/figure/line), DOI and evidence."""

    citation: str
    evidence: Evidence
    locator: str = ""
    doi: str = ""
    note: str = ""

    def __str__(self) -> str:
        parts = [self.citation]
        if self.locator:
            parts.append(self.locator)
        parts.append(f"[{self.evidence.value}]")
        return ", ".join(parts)


@dataclass(frozen=True, kw_only=True)
class Variability:
    """Between-subject variability: ``omega`` is the SD of eta on the ``scale``.

    ``log``: P_i = P·exp(eta); ``logit``: logit(P_i) = logit(P) + eta;
    ``additive``: P_i = P + eta.
    """

    omega: float
    scale: Literal["log", "logit", "additive"]
    source: Source
    placeholder: bool = False

    def __post_init__(self) -> None:
        if not (math.isfinite(self.omega) and self.omega >= 0):
            raise ModelError("params", "omega", "must be finite and >= 0", self.omega)


@dataclass(frozen=True, kw_only=True)
class Parameter:
    """One model parameter with unit, bounds and source.

    >>> src = Source(citation="x", evidence=Evidence.ASSUMPTION)
    >>> p = Parameter(name="CL", value=84.0, unit="L/h", lower=10, upper=300,
    ...               description="clearance", source=src)
    >>> p.individual(0.0)
    84.0
    """

    name: str
    value: float
    unit: str
    lower: float
    upper: float
    description: str
    source: Source
    estimated: bool = False
    variability: Variability | None = None
    placeholder: bool = False

    def __post_init__(self) -> None:
        if not self.unit:
            raise ModelError("params", self.name, "needs a unit ('1' if dimensionless)", self.unit)
        for label, v in (("value", self.value), ("lower", self.lower), ("upper", self.upper)):
            if not math.isfinite(v):
                raise ModelError("params", f"{self.name}.{label}", "must be finite", v)
        if not self.lower <= self.value <= self.upper:
            raise ModelError(
                "params",
                self.name,
                f"value must lie within its bounds [{self.lower}, {self.upper}]",
                self.value,
            )

    def individual(self, eta: float = 0.0) -> float:
        """Returns the individual value for a random effect ``eta``."""
        if self.variability is None or eta == 0.0:
            return self.value
        scale = self.variability.scale
        if scale == "log":
            return self.value * math.exp(eta)
        if scale == "logit":
            logit = math.log(self.value / (1.0 - self.value)) + eta
            return 1.0 / (1.0 + math.exp(-logit))
        return self.value + eta

    def individual_array(self, eta: np.ndarray) -> np.ndarray:
        """Individual values for an array of random effects (vectorised :meth:`individual`)."""
        eta = np.asarray(eta, dtype=float)
        if self.variability is None:
            return np.full(eta.shape, self.value)
        scale = self.variability.scale
        out: np.ndarray
        if scale == "log":
            out = self.value * np.exp(eta)
        elif scale == "logit":
            logit = math.log(self.value / (1.0 - self.value)) + eta
            out = 1.0 / (1.0 + np.exp(-logit))
        else:
            out = self.value + eta
        return out

    def with_value(self, value: float) -> Parameter:
        """Returns a copy with a new value (bounds are checked)."""
        return replace(self, value=float(value))


@dataclass(frozen=True)
class ParameterSet:
    """A published parameter set: one paper, one file in ``ketasim.library``.

    Access values with ``ps.value("CL")`` or ``ps["CL"].value``; change them with
    ``ps.replace(CL=90.0)``, which returns a new set.
    """

    name: str
    title: str
    citation: str
    parameters: tuple[Parameter, ...]
    doi: str = ""
    notes: str = ""
    #: correlations between random effects: (parameter, parameter, coefficient)
    correlations: tuple[tuple[str, str, float], ...] = ()
    _index: Mapping[str, Parameter] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, Parameter] = {}
        for p in self.parameters:
            if p.name in index:
                raise ModelError("params", f"{self.name}.{p.name}", "names must be unique", p.name)
            index[p.name] = p
        object.__setattr__(self, "_index", index)
        for a, b, rho in self.correlations:
            for name in (a, b):
                if name not in index or index[name].variability is None:
                    raise ModelError(
                        "params",
                        f"{self.name}.correlations",
                        "must name parameters with variability",
                        name,
                    )
            if not -1.0 < rho < 1.0:
                raise ModelError("params", f"{self.name}.correlations", "must lie in (-1, 1)", rho)

    def __getitem__(self, name: str) -> Parameter:
        try:
            return self._index[name]
        except KeyError:
            raise ModelError(
                "params",
                name,
                f"not a parameter of {self.name}",
                name,
                hint=f"known: {', '.join(self._index)}",
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self.parameters)

    def __len__(self) -> int:
        return len(self.parameters)

    def value(self, name: str) -> float:
        """Returns the typical value of parameter ``name``."""
        return self[name].value

    def values(self) -> dict[str, float]:
        """Returns ``{name: typical value}``."""
        return {p.name: p.value for p in self.parameters}

    def replace(self, **values: float) -> ParameterSet:
        """Returns a copy with some typical values changed (bounds are checked)."""
        for name in values:
            self[name]  # raises on unknown names
        params = tuple(p.with_value(values[p.name]) if p.name in values else p for p in self.parameters)
        return replace(self, parameters=params)

    def replace_omegas(self, **omegas: float) -> ParameterSet:
        """Returns a copy with some between-subject SDs (omega) changed."""
        for name, omega in omegas.items():
            if self[name].variability is None:
                raise ModelError("params", f"{self.name}.{name}", "has no between-subject variability", omega)
        params = tuple(
            replace(p, variability=replace(p.variability, omega=float(omegas[p.name])))
            if p.name in omegas and p.variability is not None
            else p
            for p in self.parameters
        )
        return replace(self, parameters=params)

    def calibrated(
        self, values: Mapping[str, float], omegas: Mapping[str, float], source: Source
    ) -> ParameterSet:
        """A copy with calibrated values and omegas, each citing ``source`` (no longer placeholders)."""
        for name in (*values, *omegas):
            self[name]  # raises on unknown names
        out = []
        for p in self.parameters:
            if p.name in values:
                p = replace(p.with_value(values[p.name]), source=source, placeholder=False)
            if p.name in omegas:
                if p.variability is None:
                    where = f"{self.name}.{p.name}"
                    raise ModelError("params", where, "has no between-subject variability", 0)
                var = replace(p.variability, omega=float(omegas[p.name]), source=source, placeholder=False)
                p = replace(p, variability=var)
            out.append(p)
        return replace(self, parameters=tuple(out))

    def placeholders(self) -> list[str]:
        """Names of the values flagged as placeholders."""
        return [p.name for p in self.parameters if p.placeholder]

    def estimated(self) -> list[str]:
        """Names of the values that calibration may estimate."""
        return [p.name for p in self.parameters if p.estimated]
