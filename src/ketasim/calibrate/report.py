"""The fit report of a calibrated set as Markdown (docs/calibration.md is written by this)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ketasim.library.calibrated import CalibratedSet

__all__ = ["fit_markdown"]


def _f(x: Any, digits: int = 3) -> str:
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:.{digits}g}"
    return str(x)


def _largest_correlations(cal: CalibratedSet, k: int) -> list[tuple[str, str, float]]:
    """The ``k`` largest posterior correlations between refitted estimates (the identifiability report)."""
    cov = np.asarray(cal.fit.get("covariance_u", []), dtype=float)
    if cov.ndim != 2 or cov.shape[0] != len(cal.estimates):
        return []
    sd = np.sqrt(np.maximum(np.diag(cov), 1e-24))
    corr = cov / np.outer(sd, sd)
    free = [i for i, e in enumerate(cal.estimates) if not e.fixed]
    pairs = [(i, j) for n, i in enumerate(free) for j in free[n + 1 :]]
    pairs.sort(key=lambda ij: -abs(corr[ij]))
    return [(cal.estimates[i].name, cal.estimates[j].name, float(corr[i, j])) for i, j in pairs[:k]]


def fit_markdown(cal: CalibratedSet) -> str:
    """Markdown: how the set was made, every estimate with its interval, every target's fit."""
    fit = cal.fit
    lines = [
        f"# Calibration {cal.version}",
        "",
        f"Written by `{cal.command}` on {cal.created}. Method: {cal.method}.",
        "",
        f"* {fit['n_targets']} verified targets from {len(fit['studies'])} library specs "
        f"({', '.join(fit['studies'])}); {fit['n_estimated']} estimated quantities.",
        f"* Objective (half the sum of squared weighted residuals, priors included): "
        f"{fit['cost_prior']:.1f} at the priors, {fit['cost_fit']:.1f} after "
        f"{fit['iterations']} trust-region iterations in {fit.get('stages', 1)} stage(s) "
        f"({fit['evaluations']} evaluations, "
        f"{fit['seconds'] / 60:.0f} min); status: {fit['status']}",
        f"* Data chi-square {fit['chi2_data']:.1f}, {fit['chi2_per_dof']:.2f} per degree of freedom; "
        f"covariance inflated by {fit['covariance_inflation']:.2f}.",
        f"* Common random numbers: each spec simulated with about {fit['patients_per_spec']} enrolled "
        "patients per evaluation (replicates: "
        + ", ".join(f"{k} {v}" for k, v in fit["replicates"].items())
        + ").",
        "",
        "## Estimates",
        "",
        "Prior: the library value; 95 % interval from the Laplace approximation. *Identified*: the "
        "first-stage posterior SD (all quantities fitted) is under half the prior SD. The others are "
        "*held* at their library values and the identified ones refitted; for a held quantity the "
        "interval is the first stage's, the range the targets leave it. Posterior SDs include the "
        "covariance inflation, so they can exceed the prior SD.",
        "",
        "| quantity | prior | estimate | 95 % interval | posterior SD / prior SD | identified |",
        "|---|---|---|---|---|---|",
    ]
    post = fit.get("posterior_sd_in_prior_sds", {})
    for e in cal.estimates:
        lines.append(
            f"| `{e.name}` | {_f(e.prior)} | {_f(e.value)} | {_f(e.lo)} – {_f(e.hi)} | "
            f"{_f(post.get(e.name), 2)} | {'yes' if e.identified else 'no: held' if e.fixed else 'no'} |"
        )
    strong = fit.get("strong_correlations", [])
    if strong:
        lines += ["", "Strongly correlated estimates (|r| ≥ 0.8):", ""]
        lines += [f"* `{c['a']}` – `{c['b']}`: r = {c['r']}" for c in strong]
    else:
        head = "No two refitted estimates correlate with |r| ≥ 0.8. The largest posterior correlations:"
        lines += ["", head, ""]
        lines += [f"* `{a}` – `{b}`: r = {r:.2f}" for a, b, r in _largest_correlations(cal, 5)]
    lines += [
        "",
        "## Targets",
        "",
        "Predictions are means over the calibration replicates (ratios: geometric means). "
        "Residual = (fitted − observed) / σ on the target's scale; σ as listed.",
        "",
        "| target | source | observed | prior model | calibrated | σ (rule) | residual |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in fit["targets"]:
        lines.append(
            f"| {t['key'].rsplit(':', 1)[0]} | {t['source']} | {_f(t['observed'])} {t['unit']} | "
            f"{_f(t['prior_prediction'])} | {_f(t['fitted_prediction'])} | {_f(t['sigma'])} "
            f"({t['sigma_rule']}) | {t['residual']:+.2f} |"
        )
    lines.append("")
    return "\n".join(lines)
