"""Leave-one-study-out cross-validation: each study predicted by a fit that never saw it.

Studies that share patients (the spec's ``cohort``) leave together. A full
refit per left-out group costs a calibration each (hours on two cores), so
the refit is the one-step Gauss-Newton update from the full fit, on the
stored Jacobian of the data residuals (``fit.jacobian``):

.. math:: \\Delta u = -(J_R^T J_R + I)^{-1} (J_R^T r_R + u^*),

where :math:`R` are the remaining targets and the identity and :math:`u^*`
are the standard-normal priors' rows. It is exact for a model linear in its
parameters near the optimum and, like a refit warm-started at the full fit,
moves the parameters only as far as the left-out study pulled them. The
left-out study's prediction is then :math:`\\hat y + s \\odot J_c \\Delta u`, and
its interval is the one for a new trial: its sampling (the target's own SD),
the parameter uncertainty left by the remaining targets and the between-trial
heterogeneity estimated from the remaining targets only
(docs/decisions/0025-cross-validation.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import median
from typing import Any

import numpy as np

from ketasim.calibrate.heterogeneity import SHARE_MEASURES, Z95, Residual, group_of, tau_by_group
from ketasim.calibrate.library import library_specs
from ketasim.calibrate.validate import json_number, within
from ketasim.errors import InputError
from ketasim.library.calibrated import CalibratedSet

__all__ = ["CrossValidation", "HeldOut", "cross_validate"]


@dataclass(frozen=True)
class HeldOut:
    """One target predicted with its study left out."""

    study: str
    group: str
    key: str
    source: str
    unit: str
    observed: float
    predicted: float
    lo: float
    hi: float
    in_sample: float  # the full fit's prediction, for comparison

    @property
    def inside(self) -> bool:
        return within(self.lo, self.hi, self.observed)

    def as_dict(self) -> dict[str, Any]:
        num = json_number
        return {
            "study": self.study,
            "left_out_with": self.group,
            "key": self.key,
            "source": self.source,
            "unit": self.unit,
            "observed": self.observed,
            "predicted": num(self.predicted),
            "lo": num(self.lo),
            "hi": num(self.hi),
            "inside": self.inside,
            "in_sample_prediction": num(self.in_sample),
        }


def _rmse(xs: list[HeldOut]) -> float | None:
    errs = [(t.predicted - t.observed) ** 2 for t in xs if math.isfinite(t.predicted)]
    return round(math.sqrt(sum(errs) / len(errs)), 3) if errs else None


def _half(xs: list[HeldOut]) -> float | None:
    ws = [(t.hi - t.lo) / 2.0 for t in xs if math.isfinite(t.lo)]
    return round(float(median(ws)), 3) if ws else None


@dataclass(frozen=True)
class CrossValidation:
    """Every target predicted out of sample, and the summary the model card quotes."""

    version: str
    targets: tuple[HeldOut, ...]
    groups: tuple[tuple[str, tuple[str, ...]], ...]

    def summary(self) -> dict[str, Any]:
        ts = list(self.targets)
        points = [t for t in ts if t.unit == "points"]
        rates = [t for t in ts if t.unit in ("%", "pp")]
        return {
            "calibrated_set": self.version,
            "method": "leave one study out (shared cohorts together), one-step linearised refit",
            "interval": "95 % for a new trial: sampling + parameter uncertainty + between-trial SD",
            "n_targets": len(ts),
            "inside": sum(t.inside for t in ts),
            "fraction_inside": round(sum(t.inside for t in ts) / len(ts), 4) if ts else None,
            "rmse_points": _rmse(points),
            "n_points_targets": len(points),
            "rmse_rate_pp": _rmse(rates),
            "n_rate_targets": len(rates),
            "median_half_width_points": _half(points),
            "median_half_width_rate_pp": _half(rates),
            "studies": {
                s: {
                    "left_out_with": next(t.group for t in ts if t.study == s),
                    "targets": sum(t.study == s for t in ts),
                    "inside": sum(t.inside for t in ts if t.study == s),
                }
                for s in sorted({t.study for t in ts})
            },
        }

    def as_dict(self) -> dict[str, Any]:
        out = self.summary()
        out["groups"] = {g: list(studies) for g, studies in self.groups}
        out["targets"] = [t.as_dict() for t in self.targets]
        return out


def _groups(studies: list[str]) -> dict[str, str]:
    """Study -> the group it leaves with (its cohort, else itself)."""
    cohorts = {s.id: (getattr(s, "cohort", None) or s.id) for s in library_specs()}
    return {s: cohorts.get(s, s) for s in studies}


def cross_validate(cal: CalibratedSet) -> CrossValidation:
    """Leave-one-study-out predictions of every target of ``cal``'s fit."""
    fit = cal.fit
    jac = fit.get("jacobian")
    if not jac or "targets" not in fit:
        raise InputError(
            "crossval",
            "fit.jacobian",
            "the calibrated set must carry its Jacobian (recalibrate)",
            cal.version,
        )
    names = [e.name for e in cal.estimates]
    free = [names.index(n) for n in fit["jacobian_free"]]
    u_star = np.asarray(fit["u"], float)[free]
    J = np.asarray(jac, float)
    rows = fit["targets"]
    if J.shape != (len(rows), len(free)):
        raise InputError("crossval", "fit.jacobian", f"must be {len(rows)} x {len(free)}", J.shape)
    r = np.array([float(t["residual"]) for t in rows])
    sigma = np.array([float(t["sigma"]) for t in rows])
    log = np.array([t["scale"] == "log" for t in rows])
    fitted = np.array([math.nan if t["fitted_prediction"] is None else t["fitted_prediction"] for t in rows])
    pred_t = np.where(log, np.log(np.where(fitted > 0, fitted, np.nan)), fitted)
    obs = np.array([float(t["observed"]) for t in rows])
    obs_t = np.where(log, np.log(np.where(obs > 0, obs, np.nan)), obs)
    study = [t["key"].split(":", 1)[0] for t in rows]
    group_of_study = _groups(sorted(set(study)))
    grp = np.array([group_of_study[s] for s in study])
    ok = np.isfinite(r) & np.isfinite(pred_t)
    out: list[HeldOut] = []
    eye = np.eye(len(free))
    for g in sorted(set(grp.tolist())):
        c = grp == g
        keep = ~c & ok
        Jr, rr = J[keep], r[keep]
        H = Jr.T @ Jr + eye
        cov = np.linalg.pinv(H, hermitian=True)
        du = -cov @ (Jr.T @ rr + u_star)
        res_after = rr + Jr @ du
        dof = max(int(keep.sum()) - len(free), 1)
        cov = cov * max(1.0, float(res_after @ res_after) / dof)
        pred_r = pred_t[keep] + sigma[keep] * (Jr @ du)
        tau = tau_by_group(
            Residual(rows[k]["unit"], obs_t[k], p, sigma[k])
            for k, p in zip(np.flatnonzero(keep), pred_r, strict=True)
            if not log[k]
        )
        for k in np.flatnonzero(c):
            t = rows[k]
            jk = J[k]
            p = pred_t[k] + sigma[k] * float(jk @ du)
            var = sigma[k] ** 2 * (1.0 + float(jk @ cov @ jk))
            gname = group_of(t["unit"])
            if gname is not None and not log[k]:
                var += tau.get(gname, 0.0) ** 2
            half = Z95 * math.sqrt(var) if math.isfinite(var) else math.nan
            lo, hi = p - half, p + half
            if log[k]:
                p, lo, hi = math.exp(p), math.exp(lo), math.exp(hi)
            elif t["measure"] in SHARE_MEASURES:
                lo, hi = max(lo, 0.0), min(hi, 100.0)
            out.append(
                HeldOut(
                    study=study[k], group=g, key=t["key"], source=t["source"], unit=t["unit"],
                    observed=float(t["observed"]), predicted=p, lo=lo, hi=hi, in_sample=float(fitted[k]),
                )
            )  # fmt: skip
    groups = tuple(
        (g, tuple(sorted({s for s in study if group_of_study[s] == g}))) for g in sorted(set(grp.tolist()))
    )
    return CrossValidation(cal.version, tuple(out), groups)
