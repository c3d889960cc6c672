"""Calibration targets: each published value, the scale it is compared on and its weight.

A residual is ``(predicted - observed) / sigma`` on the target's scale: ratios
(odds, hazard) on the log scale, everything else as published. ``sigma`` is the
reported uncertainty where the publication gives one (SE; SD/sqrt(n); a CI's
half-width over z), else the sampling SD that follows from n (binomial for a
rate; standardised coefficients and effect sizes by their large-sample
formulas; a MADRS mean by the median SD the library reports; a median or mean time to an event
as for exponential times), else the spread of that endpoint over
simulated trials of the published size under the prior model (fixed before the
fit, so the weights do not move with the parameters; for a rate at least 15
percentage points, what about ten patients allow).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist, median
from typing import Literal

from ketasim.errors import InputError
from ketasim.trials import TrialSpec
from ketasim.trials.spec_base import time_h

__all__ = ["FitTarget", "fit_targets", "reported_sd_median"]

RATIO_MEASURES = ("odds_ratio", "hazard_ratio")


@dataclass(frozen=True)
class FitTarget:
    """One published value of one spec, ready to be compared with a prediction."""

    spec_id: str
    endpoint: str
    arm: str | None
    time_h: float | None
    source: str
    measure: str
    unit: str
    observed: float
    n: int | None
    transform: Literal["identity", "log"]
    sigma: float | None  # on the transformed scale; None: from simulated trials (see module doc)
    sigma_rule: str

    @property
    def key(self) -> str:
        arm = f"/{self.arm}" if self.arm else ""
        return f"{self.spec_id}:{self.endpoint}{arm}:{self.source}"

    def scaled(self, value: float) -> float:
        """``value`` on the comparison scale."""
        if self.transform == "log":
            return math.log(value) if value > 0 else -math.inf
        return value


def _sigma(
    measure: str, unit: str, observed: float, n: int | None, disp: object, imputed_sd: float | None
) -> tuple[float | None, str]:
    if disp is not None:
        se = getattr(disp, "se", None)
        sd = getattr(disp, "sd", None)
        ci = getattr(disp, "ci", None)
        if se is not None:
            return float(se), "reported SE"
        if sd is not None:
            if n is None:
                return None, "SD without n: simulated trials"
            return float(sd) / math.sqrt(n), "reported SD / sqrt(n)"
        if ci is not None:
            z = NormalDist().inv_cdf(0.5 + float(getattr(disp, "level", 0.95)) / 2.0)
            lo, hi = float(ci[0]), float(ci[1])
            if measure in RATIO_MEASURES:
                return (math.log(hi) - math.log(lo)) / (2.0 * z), "reported CI (log scale)"
            return (hi - lo) / (2.0 * z), "reported CI"
    if n is not None:
        if measure in ("rate", "km"):  # a share of patients (responding, or event-free)
            p = (observed / 100.0 * n + 0.5) / (n + 1.0)  # keeps 0 % and 100 % off zero weight
            return 100.0 * math.sqrt(p * (1.0 - p) / n), "binomial from n"
        if measure == "standardized_beta" and n > 3:
            return math.sqrt(max(1.0 - observed**2, 0.05) / (n - 3)), "standardised coefficient from n"
        if measure == "effect_size" and n > 2:
            return math.sqrt(4.0 / n + observed**2 / (2.0 * n)), "Cohen d from n (equal arms)"
        if measure == "median_time_to" and n > 0:
            # exponential times: the sample median's SD is median / (ln 2 sqrt(n))
            return abs(observed) / (math.log(2.0) * math.sqrt(n)), "median time from n (exponential)"
        if measure == "mean_time_to" and n > 0:
            return abs(observed) / math.sqrt(n), "mean time from n (exponential)"
        if unit == "points" and measure in ("mean", "mean_change") and imputed_sd is not None:
            return imputed_sd / math.sqrt(n), f"library median SD ({imputed_sd:.1f}) / sqrt(n)"
    return None, "simulated trials of the published size (prior model)"


def reported_sd_median(specs: list[TrialSpec]) -> float | None:
    """Median of the SDs the library's targets report for MADRS means and changes."""
    sds = [
        float(t.dispersion.sd)
        for s in specs
        for t in s.targets
        if t.dispersion is not None and t.dispersion.sd is not None
    ]
    return float(median(sds)) if sds else None


def fit_targets(spec: TrialSpec, imputed_sd: float | None = None) -> list[FitTarget]:
    """The spec's targets as fit targets (the endpoint's measure decides scale and weight).

    ``imputed_sd``: patient SD used for a mean with n but no dispersion (see
    :func:`reported_sd_median`).
    """
    from ketasim.trials.endpoints import UNITS

    endpoints = {e.id: e for e in spec.endpoints}
    out = []
    for k, t in enumerate(spec.targets):
        ep = endpoints.get(t.endpoint)
        if ep is None:
            raise InputError(
                "calibration", f"{spec.id}.targets[{k}].endpoint", "names no endpoint", t.endpoint
            )
        measure = str(ep.measure)
        transform: Literal["identity", "log"] = "log" if measure in RATIO_MEASURES else "identity"
        if transform == "log" and t.value <= 0:
            raise InputError("calibration", f"{spec.id}.targets[{k}].value", "a ratio must be > 0", t.value)
        unit = UNITS.get(measure, "")
        if measure == "difference":
            in_ = getattr(ep, "in_", None) or "mean_change"
            unit = "pp" if in_ == "rate" else UNITS[in_]
        sigma, rule = _sigma(measure, unit, float(t.value), t.n, t.dispersion, imputed_sd)
        out.append(
            FitTarget(
                spec_id=spec.id,
                endpoint=t.endpoint,
                arm=t.arm,
                time_h=None if t.time is None else time_h(t.time),
                source=t.source,
                measure=measure,
                unit=unit,
                observed=float(t.value),
                n=t.n,
                transform=transform,
                sigma=sigma,
                sigma_rule=rule,
            )
        )
    return out
