"""The forecast figure: observed scores, sessions, the fitted course, forecast bands, relapse threshold."""

from __future__ import annotations

from datetime import datetime

import matplotlib.dates as mdates
import numpy as np
from matplotlib.figure import Figure

from ketasim.figures import save  # noqa: F401  (selects the Agg backend before any figure)
from ketasim.personal.forecast import Forecast
from ketasim.personal.plan import Plan
from ketasim.personal.posterior import Posterior
from ketasim.symptoms import link

__all__ = ["plot_forecast"]

_BLUE = "#1f5fa8"


def plot_forecast(posterior: Posterior, fc: Forecast, plan: Plan | None = None) -> Figure:
    """Scores on the forecast's scale against dates, with P(event by date) below."""
    problem = posterior.problem
    rec = problem.record

    def dates(hours: np.ndarray) -> list[datetime]:
        return [rec.at(float(t)) for t in hours]

    fig = Figure(figsize=(9.0, 6.2))
    ax, ax2 = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1.2]})
    scale = fc.scale
    past = np.linspace(0.0, fc.now_h, max(2, int(fc.now_h / 6.0) + 1))
    if fc.now_h > 0:
        res = problem.run(posterior.thin(300), np.append(past, fc.now_h + 1.0))
        true = res.madrs()[:, : past.size]
        fitted = link(problem.model, np.median(true, axis=0), scale) if scale != "madrs_item10" else None
        if fitted is not None:
            ax.plot(dates(past), fitted, color="0.35", lw=1.2, label="fitted course (median, true score)")
    t = dates(fc.times_h)
    for level, alpha in ((0.95, 0.15), (0.8, 0.25), (0.5, 0.4)):
        lo, hi = fc.band(level)
        ax.fill_between(t, lo, hi, color=_BLUE, alpha=alpha, lw=0, label=f"{100 * level:.0f} % band")
    ax.plot(t, fc.predictive["q50"], color=_BLUE, lw=1.8, label="forecast median")
    obs = [(o.time_h, o.value) for o in rec.observations if o.scale == scale]
    if obs:
        ox, oy = zip(*obs, strict=True)
        ax.plot(dates(np.array(ox)), oy, "o", color="black", ms=4, label=f"observed {scale}")
    cut = float(link(problem.model, np.array(fc.cut), scale)) if scale != "madrs_item10" else None
    if cut is not None and fc.target == "relapse":
        approx = " (linked, approximate)" if fc.approximate_link else ""
        ax.axhline(cut, color="#c0392b", lw=1.0, ls="--", label=f"relapse threshold{approx}")
    for d in rec.regimen.doses:
        for s in d.times():
            for a in (ax, ax2):
                a.axvline(rec.at(s), color="0.6", lw=0.8, ls=":" if d.drug.is_placebo else "-", zorder=0)
    if plan is not None and plan.suggested_h is not None:
        for a in (ax, ax2):
            a.axvline(rec.at(plan.suggested_h), color="#2b8a3e", lw=1.4, ls="--")
        ax.plot([], [], color="#2b8a3e", ls="--", label="suggested booster (not scheduled)")
    if plan is not None and plan.window_start_h is not None and plan.window_end_h is not None:
        ax2.axvspan(rec.at(plan.window_start_h), rec.at(plan.window_end_h), color="#2b8a3e", alpha=0.12, lw=0)
    kind = "Population forecast (no scores)" if fc.kind == "population" else "Personal forecast"
    ax.set_title(f"{kind}: {scale}, {fc.draws} posterior draws")
    ax.set_ylabel(scale)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7, frameon=False, loc="best")
    ax.grid(alpha=0.3)
    ax2.plot(t, fc.event_by, color="#c0392b", lw=1.6)
    if plan is not None:
        ax2.axhline(plan.risk_limit, color="0.3", lw=0.8, ls="--")
    ax2.set_ylim(0, 1)
    ax2.set_ylabel(f"P({fc.target} by date)", fontsize=8)
    ax2.grid(alpha=0.3)
    ax2.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))  # type: ignore[no-untyped-call]
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig
