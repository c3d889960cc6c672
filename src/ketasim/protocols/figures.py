"""Figures of strategy comparisons: the sessions/response frontier and individual booster intervals."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ketasim.protocols.compare import Comparison
from ketasim.protocols.intervals import Intervals

__all__ = ["plot_frontier", "plot_intervals"]

_COLORS = ["#1f5fa8", "#c2571a", "#2b8a3e", "#7a3ea8", "#a8861f", "#1f8fa8", "#a81f4f", "#555555"]


def plot_frontier(comparison: Comparison, title: str = "") -> Figure:
    """Sessions per patient-year against % of days in response, 95 % intervals on both axes.

    The line joins the protocols no other one beats on both (fewer sessions and more days in response).
    """
    fig = Figure(figsize=(7.2, 4.8))
    ax = fig.subplots()
    pts = []
    for k, s in enumerate(comparison.summaries):
        x, y = s.estimates["sessions_per_year"], s.estimates["days_in_response_pct"]
        assert x.mean is not None and y.mean is not None
        color = _COLORS[k % len(_COLORS)]
        ax.errorbar(
            x.mean,
            y.mean,
            xerr=[[x.mean - (x.lo or x.mean)], [(x.hi or x.mean) - x.mean]],
            yerr=[[y.mean - (y.lo or y.mean)], [(y.hi or y.mean) - y.mean]],
            fmt="o",
            color=color,
            capsize=3,
            label=s.name,
        )
        pts.append((x.mean, y.mean))
    front = sorted(p for p in pts if not any(_beats(q, p) for q in pts))
    if len(front) > 1:
        ax.plot(
            [p[0] for p in front],
            [p[1] for p in front],
            color="0.5",
            lw=1,
            ls="--",
            zorder=0,
            label="frontier",
        )
    first = comparison.summaries[0]
    ax.set_xlabel("sessions per patient-year")
    ax.set_ylabel("% of days in response (MADRS <= 50 % of baseline)")
    ax.set_title(title or f"{first.n} virtual patients, {first.days} days (95 % bootstrap intervals)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False, loc="best")
    fig.tight_layout()
    return fig


def _beats(q: tuple[float, float], p: tuple[float, float]) -> bool:
    """q has no more sessions and no fewer days in response than p, and differs from it."""
    return q[0] <= p[0] and q[1] >= p[1] and q != p


def plot_intervals(result: Intervals, title: str = "") -> Figure:
    """Histogram of each patient's longest interval, and the share kept by each interval per group."""
    fig = Figure(figsize=(10.0, 7.2))
    axes = fig.subplots(2, 2)
    weeks = result.candidates / 7.0
    resp = result.responder
    n = result.longest.size
    counts = [int((resp & (result.longest == 0)).sum())] + [
        int((result.longest == c).sum()) for c in result.candidates
    ]
    # the longest candidate keeps its patients at least that long: it is open-ended
    labels = ["<" + f"{weeks[0]:g}"] + [f"{w:g}" for w in weeks[:-1]] + [f"{weeks[-1]:g}+"]
    ax = axes[0, 0]
    ax.bar(range(len(counts)), 100.0 * np.asarray(counts) / n, color="#1f5fa8")
    ax.set_xticks(range(len(counts)), labels, fontsize=7)
    ax.set_xlabel("longest fixed booster interval that keeps the response (weeks)")
    ax.set_ylabel("% of patients")
    ax.set_title(f"no response to the induction: {100.0 * (~resp).mean():.0f} % (not shown)", fontsize=9)
    c = result.covariates
    third = {
        key: np.percentile(c[key][resp], [100 / 3, 200 / 3]) if resp.any() else np.zeros(2)
        for key in ("stress_factor", "baseline_madrs")
    }
    panels = [
        (
            "BDNF Val66Met",
            {
                "val/val": c["met_alleles"] == 0,
                "val/met": c["met_alleles"] == 1,
                "met/met": c["met_alleles"] == 2,
            },
        ),
        (
            "stress factor (spine loss)",
            {
                "low third": c["stress_factor"] <= third["stress_factor"][0],
                "high third": c["stress_factor"] > third["stress_factor"][1],
            },
        ),
        (
            "baseline MADRS",
            {
                "low third": c["baseline_madrs"] <= third["baseline_madrs"][0],
                "high third": c["baseline_madrs"] > third["baseline_madrs"][1],
            },
        ),
    ]
    for ax, (name, groups) in zip([axes[0, 1], axes[1, 0], axes[1, 1]], panels, strict=True):
        for k, (label, sel) in enumerate(groups.items()):
            x = result.longest[resp & sel]
            if x.size == 0:
                continue
            kept = [100.0 * float((x >= cand).mean()) for cand in result.candidates]
            ax.step(weeks, kept, where="post", color=_COLORS[k], label=f"{label} (n={x.size})")
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("booster interval (weeks)")
        ax.set_ylabel("% of induction responders kept")
        ax.set_ylim(-2, 102)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, frameon=False)
    b = result.booster
    booster = "1 session" if b.sessions == 1 else f"{b.sessions} sessions {b.spacing_days} days apart"
    fig.suptitle(
        title
        or f"{result.protocol}, boosters of {booster}: {n} virtual patients, {result.days} days, "
        f"kept = in response on >= {100 * result.min_share:g} % of days",
        fontsize=10,
    )
    fig.tight_layout()
    return fig
