"""The trial figure: each arm's mean observed MADRS at its visits, with the 95 % band across replicates."""

from __future__ import annotations

from matplotlib.figure import Figure

from ketasim.trials.result import TrialResult

__all__ = ["plot_trial"]

_COLORS = ["#1f5fa8", "#c2571a", "#2b8a3e", "#7a3ea8", "#b8860b", "#d62728", "#17becf", "#555555"]


def plot_trial(result: TrialResult) -> Figure:
    """Mean observed MADRS per arm (lines) and the 2.5-97.5 % range of trial means (bands)."""
    fig = Figure(figsize=(8.5, 4.6))
    ax = fig.subplots()
    colors: dict[str, str] = {}
    starts = sorted({float(tr.times_h[0]) for tr in result.trajectories if tr.times_h.size})
    for tr in result.trajectories:
        if tr.times_h.size == 0:
            continue
        mean, lo, hi = tr.band()
        days = tr.times_h / 24.0
        color = colors.setdefault(tr.label, _COLORS[len(colors) % len(_COLORS)])
        phases = {t.phase for t in result.trajectories}
        label = tr.label if len(phases) == 1 or tr.arm == "all" else f"{tr.phase}: {tr.arm}"
        ax.plot(days, mean, color=color, lw=1.8, marker="o", ms=3, label=label)
        ax.fill_between(days, lo, hi, color=color, alpha=0.18, lw=0)
    for s in starts[1:]:
        ax.axvline(s / 24.0, color="0.5", lw=0.8, ls="--", zorder=0)
    ax.set_xlabel("days since the start of the trial")
    ax.set_ylabel("MADRS (observed, mean of arm)")
    ax.set_title(
        f"{result.title}\n{result.replicates} replicate trials; bands: 95 % of trial means", fontsize=9
    )
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
