"""Figures (matplotlib, no display needed). Plotting never changes results."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ketasim.solution import Solution

__all__ = ["mark_doses", "plot_pk", "save"]


def mark_doses(ax: Axes, sol: Solution, *, days: bool = False) -> None:
    """Shades infusions and marks other doses (placebos dashed)."""
    scale = 24.0 if days else 1.0
    for e in sol.doses:
        t = e.time_h / scale
        if e.duration_h > 0:
            ax.axvspan(t, (e.time_h + e.duration_h) / scale, color="0.85", lw=0, zorder=0)
        else:
            ax.axvline(t, color="0.6", lw=0.8, ls="--" if e.drug.is_placebo else ":", zorder=0)


def plot_pk(sol: Solution, analytes: Sequence[tuple[str, str]], title: str) -> Figure:
    """Parent, metabolite and effect-site concentrations against time, doses marked."""
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    colors = ["#1f5fa8", "#c2571a", "#2b8a3e", "#7a3ea8"]
    for (name, role), color in zip(analytes, colors, strict=False):
        ax.plot(
            sol.times_h,
            sol.concentration(name),
            color=color,
            lw=1.8,
            label=f"{name} ({role}), plasma",
        )
        ax.plot(
            sol.times_h,
            sol.concentration(name, "effect"),
            color=color,
            lw=1.2,
            ls="--",
            label=f"{name}, effect site",
        )
    mark_doses(ax, sol)
    ax.set_xlabel("time since first dose (h)")
    ax.set_ylabel("concentration (ng/mL)")
    ax.set_title(title)
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def save(fig: Figure, path: str | Path) -> None:
    """Writes a figure (PNG/SVG/PDF by suffix) atomically and closes it."""
    p = Path(path)
    tmp = p.with_name(f".{p.stem}.tmp{p.suffix}")
    fig.savefig(tmp, dpi=130)
    plt.close(fig)
    tmp.replace(p)
