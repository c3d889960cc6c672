"""Between-trial heterogeneity: how much published trials differ from the model beyond sampling.

Trials of the same design differ by more than the sampling of their patients
(site, rater, population, era): a meta-analysis models this as a trial-level
random effect with variance :math:`\\tau^2`. ketasim estimates one
:math:`\\tau` per kind of quantity (MADRS points, rates in percentage points,
times in days) from the fit's residuals by the DerSimonian-Laird moment
estimator,

.. math:: \\hat\\tau^2 = \\max\\Big(0, \\frac{Q - k}{\\sum w - \\sum w^2 / \\sum w}\\Big),
   \\quad Q = \\sum w_i (y_i - \\hat y_i)^2, \\quad w_i = 1/s_i^2,

with :math:`s_i` the target's own sampling SD. The interval for *a new trial
like it* adds :math:`(1.96\\,\\tau)^2` to the squared half-widths of the interval
for *this trial again* (docs/decisions/0024-between-trial-heterogeneity.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["GROUPS", "SHARE_MEASURES", "Residual", "group_of", "tau_by_group", "widen"]

#: kinds of quantity that share a heterogeneity SD, by the targets' units
GROUPS: dict[str, tuple[str, ...]] = {
    "points": ("points",),
    "pp": ("%", "pp", "% event-free"),
    "days": ("days",),
}
Z95 = 1.959964


@dataclass(frozen=True)
class Residual:
    """One target: its unit, published value, prediction and sampling SD (same scale)."""

    unit: str
    observed: float
    predicted: float
    sigma: float


#: measures that are a share of patients (a rate, a Kaplan-Meier event-free share), kept in 0-100 %
SHARE_MEASURES = ("rate", "km")


def group_of(unit: str) -> str | None:
    """The heterogeneity group of a unit (None: no between-trial term, e.g. ratios and betas)."""
    return next((g for g, units in GROUPS.items() if unit in units), None)


def tau_by_group(residuals: Iterable[Residual]) -> dict[str, float]:
    """DerSimonian-Laird :math:`\\tau` of every group with at least three usable targets."""
    by: dict[str, list[Residual]] = {}
    for r in residuals:
        g = group_of(r.unit)
        ok = math.isfinite(r.observed) and math.isfinite(r.predicted) and math.isfinite(r.sigma)
        if g is not None and ok and r.sigma > 0:
            by.setdefault(g, []).append(r)
    out: dict[str, float] = {}
    for g, rs in sorted(by.items()):
        if len(rs) < 3:
            continue
        w = [1.0 / (r.sigma * r.sigma) for r in rs]
        q = sum(wi * (r.observed - r.predicted) ** 2 for wi, r in zip(w, rs, strict=True))
        sw, sw2 = sum(w), sum(wi * wi for wi in w)
        out[g] = math.sqrt(max(0.0, (q - len(rs)) / (sw - sw2 / sw)))
    return out


def widen(
    predicted: float, lo: float, hi: float, unit: str, tau: Mapping[str, float], *, rate: bool = False
) -> tuple[float, float]:
    """The new-trial interval: each side of ``[lo, hi]`` widened by ``1.96 tau`` in quadrature.

    A ``rate`` (a share of patients, :data:`SHARE_MEASURES`) stays within 0-100 %.
    """
    g = group_of(unit)
    t = tau.get(g, 0.0) if g is not None else 0.0
    if not (math.isfinite(lo) and math.isfinite(hi) and math.isfinite(predicted)) or t <= 0:
        return lo, hi
    extra = (Z95 * t) ** 2
    new_lo = predicted - math.sqrt(max(predicted - lo, 0.0) ** 2 + extra)
    new_hi = predicted + math.sqrt(max(hi - predicted, 0.0) ** 2 + extra)
    if rate:
        new_lo, new_hi = max(new_lo, 0.0), min(new_hi, 100.0)
    return new_lo, new_hi
