"""Figures of one simulated patient, and the helpers every figure module uses.

Figures are :class:`matplotlib.figure.Figure` objects drawn without pyplot: no
backend is chosen, no global figure state is kept, nothing is drawn at import.
Plotting never changes results. The other figure modules are
``trials.figures``, ``personal.figures`` and ``protocols.figures``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ketasim.solution import Solution

__all__ = ["mark_doses", "plot_pk", "plot_timeline", "save"]


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
    fig = Figure(figsize=(7.5, 4.2))
    ax = fig.subplots()
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
    """Writes a figure (PNG/SVG/PDF by suffix) atomically."""
    p = Path(path)
    tmp = p.with_name(f".{p.stem}.tmp{p.suffix}")
    fig.savefig(tmp, dpi=130)
    tmp.replace(p)


def plot_timeline(sol: Solution, title: str) -> Figure:
    """The whole chain for one patient: plasma, receptor, signalling, synapses, symptoms."""
    if sol.madrs is None or sol.occupancy is None:
        raise ValueError("plot_timeline needs a full simulation (pd=True)")
    days = sol.times_h / 24.0
    lat = sol.latent
    fig = Figure(figsize=(9.0, 11.0))
    axes = fig.subplots(5, 1, sharex=True)
    ax = axes[0]
    for name, color in (("ketamine", "#1f5fa8"), ("norketamine", "#c2571a")):
        c = sol.concentration(name)
        if c.max() > 0:
            ax.plot(days, c, color=color, lw=1.4, label=f"{name}, plasma")
            ax.plot(
                days, sol.concentration(name, "effect"), color=color, lw=1.0, ls="--", label=f"{name}, brain"
            )
    ax.set_ylabel("ng/mL")
    ax.set_title(title)
    ax = axes[1]
    ax.plot(days, sol.occupancy, color="#5a2d82", lw=1.4, label="interneuron NMDA block")
    ax.plot(days, lat["G"], color="#d62728", lw=1.2, label="glutamate surge (fraction)")
    ax.set_ylabel("receptor / surge")
    ax = axes[2]
    for key, color, label in (("B", "#2b8a3e", "BDNF release"), ("M", "#e6a700", "mTORC1 activity"),
                              ("F", "#8c564b", "fast functional term")):  # fmt: skip
        ax.plot(days, lat[key], color=color, lw=1.2, label=label)
    ax.set_ylabel("signalling")
    ax = axes[3]
    ax.stackplot(days, lat["N"], lat["S"], lat["L"], colors=["#9ecae1", "#4292c6", "#08306b"],
                 labels=["labile spines", "stabilised", "mature"])  # fmt: skip
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of deficit restored")
    ax = axes[4]
    ax.plot(days, sol.madrs, color="black", lw=1.8, label="MADRS total")
    base = float(sol.madrs[0])
    ax.axhline(0.5 * base, color="0.5", lw=0.8, ls=":", label="response (50 % of baseline)")
    ax.axhline(12, color="0.5", lw=0.8, ls="--", label="remission (MADRS ≤ 12)")
    ax.set_ylabel("MADRS")
    ax.set_ylim(0, max(60.0, base + 2) if base > 45 else base + 5)
    if sol.items is not None:
        ax2 = ax.twinx()
        ax2.plot(days, sol.items[:, 9], color="#d62728", lw=1.0, label="item 10: suicidal thoughts")
        ax2.set_ylim(0, 6)
        ax2.set_ylabel("item 10 (0-6)", color="#d62728")
    ax.set_xlabel("days since the first session")
    for a in axes:
        mark_doses(a, sol, days=True)
        a.legend(fontsize=7, frameon=False, loc="upper right")
        a.grid(alpha=0.3)
    fig.tight_layout()
    return fig
