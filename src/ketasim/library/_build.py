"""Compact constructors for library files: one line per parameter, its source beside it."""

from __future__ import annotations

import math
from typing import Literal

from ketasim.params import Evidence, Parameter, Source, Variability

__all__ = ["assumed_first_order", "cv_to_omega", "omega_from_variance", "param", "src"]


def src(
    citation: str,
    locator: str = "",
    evidence: Evidence = Evidence.TRANSCRIPTION,
    doi: str = "",
    note: str = "",
) -> Source:
    """Builds a :class:`Source`."""
    return Source(citation=citation, locator=locator, evidence=evidence, doi=doi, note=note)


def cv_to_omega(cv: float) -> float:
    """SD of a log-normal eta for a coefficient of variation: ``sqrt(log(1 + CV^2))``."""
    return math.sqrt(math.log1p(cv * cv))


def omega_from_variance(variance: float) -> float:
    """SD of eta from the published variance omega^2."""
    return math.sqrt(variance)


def param(
    name: str,
    value: float,
    unit: str,
    bounds: tuple[float, float],
    description: str,
    source: Source,
    *,
    estimated: bool = False,
    omega: float | None = None,
    scale: Literal["log", "logit", "additive"] = "log",
    omega_source: Source | None = None,
    omega_placeholder: bool = False,
    placeholder: bool = False,
) -> Parameter:
    """Builds a :class:`Parameter`; ``omega`` adds between-subject variability."""
    variability = None
    if omega is not None:
        variability = Variability(
            omega=omega, scale=scale, source=omega_source or source, placeholder=omega_placeholder
        )
    return Parameter(
        name=name,
        value=value,
        unit=unit,
        lower=bounds[0],
        upper=bounds[1],
        description=description,
        source=source,
        estimated=estimated,
        variability=variability,
        placeholder=placeholder,
    )


def assumed_first_order(max_duration_h: float = 1.0) -> Parameter:
    """``DUR`` of an absorption set whose paper gives no zero-order release: none, by assumption."""
    return param(
        "DUR",
        0.0,
        "h",
        (0.0, max_duration_h),
        "zero-order release duration (none)",
        src("first-order absorption assumed", evidence=Evidence.ASSUMPTION),
    )
