"""The estimated quantities and their priors, on unbounded scales.

Every library parameter flagged *estimated* is fitted, plus the between-subject
SDs (omega) of the four patient traits the trials' spread informs. Each is
mapped to an unbounded scale (log for positive values, logit for fractions,
none for signed coefficients) and given a normal prior centred on its library
value whose +/- 2 SD span its library bounds: the bounds already record the
plausible range, so the prior adds no new number. Omegas (placeholders in the
library) get a weak log-normal prior, SD 1 (a factor of 2.7), around their
library values. Parameters not
flagged estimated stay fixed at their sourced values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ketasim.model import Model

__all__ = ["OMEGAS", "Dimension", "Space", "default_space"]

#: traits whose between-patient spread the trials' response rates and SDs inform
OMEGAS = (
    "Ketasim_2026_symptoms.G_TYP",
    "Ketasim_2026_cascade.SIGMA_TYP",
    "Ketasim_2026_nonspecific.P_TYP",
    "Ketasim_2026_nonspecific.AD_MAX",
)
OMEGA_PRIOR_SD = 1.0
# at most 1.5 on the logit/log scale: wider spreads let the fit trade a trait's typical value
# for a bimodal population (tried with 4.0: the spreads ran to the bound and the fit degenerated)
OMEGA_BOUNDS = (0.05, 1.5)
_EDGE = 1e-3  # open bounds of 0 (or 1) are moved this far in, relative to the range


def _fwd(kind: str, x: float) -> float:
    if kind == "log":
        return math.log(x)
    if kind == "logit":
        return math.log(x / (1.0 - x))
    return x


def _inv(kind: str, y: float) -> float:
    if kind == "log":
        return math.exp(y)
    if kind == "logit":
        return 1.0 / (1.0 + math.exp(-y))
    return y


@dataclass(frozen=True)
class Dimension:
    """One estimated quantity: ``Set.PARAM`` or ``Set.PARAM.omega``."""

    name: str
    kind: Literal["log", "logit", "none"]
    prior: float  # natural scale
    lower: float
    upper: float
    prior_sd: float  # on the transformed scale

    @property
    def centre(self) -> float:
        return _fwd(self.kind, self.prior)

    def natural(self, u: float) -> float:
        """Natural value at standardised coordinate ``u`` (0 = prior), kept inside the bounds."""
        x = _inv(self.kind, self.centre + self.prior_sd * u)
        return min(max(x, self.lower), self.upper)

    def standardised(self, x: float) -> float:
        """Standardised coordinate of the natural value ``x`` (inverse of :meth:`natural`)."""
        x = min(max(x, self.lower), self.upper)
        return (_fwd(self.kind, x) - self.centre) / self.prior_sd

    def u_bounds(self) -> tuple[float, float]:
        return (
            (_fwd(self.kind, self.lower) - self.centre) / self.prior_sd,
            (_fwd(self.kind, self.upper) - self.centre) / self.prior_sd,
        )

    def transformed_sd_to_interval(self, u: float, sd_u: float, z: float = 1.959964) -> tuple[float, float]:
        """95 % interval on the natural scale from an SD of ``u``."""
        lo = _inv(self.kind, self.centre + self.prior_sd * (u - z * sd_u))
        hi = _inv(self.kind, self.centre + self.prior_sd * (u + z * sd_u))
        return lo, hi


@dataclass(frozen=True)
class Space:
    """The ordered dimensions of a fit."""

    dims: tuple[Dimension, ...]

    @property
    def names(self) -> list[str]:
        return [d.name for d in self.dims]

    def values(self, u: np.ndarray) -> dict[str, float]:
        return {d.name: d.natural(float(x)) for d, x in zip(self.dims, u, strict=True)}

    def model(self, base: Model, u: np.ndarray) -> Model:
        return base.with_values(self.values(u))

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        b = np.array([d.u_bounds() for d in self.dims])
        return b[:, 0], b[:, 1]


def _dimension(model: Model, qualified: str) -> Dimension:
    set_name, _, name = qualified.partition(".")
    ps = next(p for p in model.pd_sets().values() if p.name == set_name)
    p = ps[name]
    lower, upper = p.lower, p.upper
    kind: Literal["log", "logit", "none"]
    if lower >= 0.0 and upper <= 1.0 and p.unit == "1":
        kind = "logit"
        lower, upper = max(lower, _EDGE), min(upper, 1.0 - _EDGE)
    elif lower >= 0.0:
        kind = "log"
        lower = max(lower, _EDGE * upper)
    else:
        kind = "none"
    span = _fwd(kind, upper) - _fwd(kind, lower)
    return Dimension(qualified, kind, p.value, lower, upper, span / 4.0)


def default_space(model: Model) -> Space:
    """Every estimated parameter of ``model`` and the omegas of :data:`OMEGAS`."""
    dims = [_dimension(model, q) for q in model.estimated()]
    for q in OMEGAS:
        omega = model.value(f"{q}.omega")
        lo, hi = OMEGA_BOUNDS
        dims.append(Dimension(f"{q}.omega", "log", omega, lo, hi, OMEGA_PRIOR_SD))
    return Space(tuple(dims))
