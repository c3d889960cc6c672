"""The validation report: one self-contained HTML file (figures embedded, no network)."""

from __future__ import annotations

import base64
import html
import io
import math

from matplotlib.figure import Figure

from ketasim.calibrate.validate import TargetResult, Validation
from ketasim.trials import TrialResult
from ketasim.trials.figures import plot_trial
from ketasim.trials.spec_base import time_h

__all__ = ["report_html"]


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _scatter(targets: tuple[TargetResult, ...]) -> Figure:
    groups = [
        ("MADRS points (means, changes, differences)", ("points",)),
        ("percent (rates, percent changes)", ("%", "pp")),
        ("other (ratios, effect sizes, coefficients)", ("ratio", "d", "SD per SD")),
    ]
    fig = Figure(figsize=(13.5, 4.6))
    axes = fig.subplots(1, 3)
    for ax, (title, units) in zip(axes, groups, strict=True):
        ts = [t for t in targets if t.unit in units and math.isfinite(t.predicted)]
        for t in ts:
            color = "#2b8a3e" if t.inside else "#c92a2a"
            lo = t.predicted - t.lo if math.isfinite(t.lo) else 0.0
            hi = t.hi - t.predicted if math.isfinite(t.hi) else 0.0
            ax.errorbar(t.observed, t.predicted, yerr=[[max(lo, 0.0)], [max(hi, 0.0)]], fmt="o", ms=4,
                        color=color, ecolor=color, alpha=0.8, lw=1)  # fmt: skip
        if ts:
            vals = [t.observed for t in ts] + [t.predicted for t in ts]
            a, b = min(vals), max(vals)
            pad = 0.08 * (b - a or 1.0)
            ax.plot([a - pad, b + pad], [a - pad, b + pad], color="0.5", lw=0.8, ls="--")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("published")
        ax.set_ylabel("predicted (mean; bars: 95 % of trials)")
        ax.grid(alpha=0.3)
    fig.suptitle(
        "Published vs predicted: green inside the 95 % range of simulated trials, red outside", fontsize=10
    )
    fig.tight_layout()
    return fig


def _trial_figure(res: TrialResult, targets: list[TargetResult]) -> Figure:
    fig = plot_trial(res)
    ax = fig.axes[0]
    for t in targets:
        ep = res.endpoint(t.endpoint)
        if (
            t.unit != "points"
            or ep.measure not in ("mean", "mean_change")
            or (ep.scale or "madrs") != "madrs"
        ):
            continue
        tr = next((x for x in res.trajectories if x.arm == (t.arm or "all") and x.phase in ep.phases), None)
        if tr is None or tr.times_h.size == 0 or ep.at is None:
            continue
        start = float(tr.times_h[0])
        x = (start + time_h(ep.at)) / 24.0
        y = t.observed if ep.measure == "mean" else float(tr.band()[0][0]) + t.observed
        ax.plot([x], [y], marker="D", ms=7, mfc="white", mec="black", mew=1.5, zorder=5)
    ax.plot([], [], marker="D", ms=7, mfc="white", mec="black", ls="none", label="published")
    ax.legend(fontsize=8, frameon=False)
    return fig


def _row(t: TargetResult) -> str:
    def f(x: float) -> str:
        return "—" if not math.isfinite(x) else f"{x:.3g}"

    cls = "in" if t.inside else "out"
    return (
        f"<tr class='{cls}'><td>{html.escape(t.study)}</td><td>{html.escape(t.source)}</td>"
        f"<td>{html.escape(t.description)}</td><td>{html.escape(t.arm or '')}</td>"
        f"<td>{f(t.observed)} {html.escape(t.unit)}</td><td>{f(t.predicted)}</td>"
        f"<td>{f(t.lo)} – {f(t.hi)}</td><td>{'yes' if t.inside else 'no'}</td></tr>"
    )


def report_html(v: Validation) -> str:
    """The whole report: summary, predicted-vs-observed plot, target table, each trial's figure."""
    s = v.summary()
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>ketasim validation</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px}"
        "tr.out td{background:#fde8e8}tr.in td{background:#eaf6ec}img{max-width:100%}</style></head><body>",
        "<h1>ketasim validation against the calibration library</h1>",
        f"<p>Model: <b>{html.escape(str(s['model']))}</b>. {s['targets']} published targets from "
        f"{s['studies']} studies; <b>{s['inside']} inside</b> the 95 % range of simulated trials of the "
        f"published size ({100 * (s['fraction_inside'] or 0):.0f} %; interval: "
        f"{html.escape(str(s['interval']))}). RMSE of predicted means: "
        f"{s['rmse_madrs_points']} MADRS points ({s['n_points_targets']} targets), "
        f"{s['rmse_percentage_points']} percentage points ({s['n_rate_targets']} rate targets).</p>",
        "<p>These targets are the ones the model was calibrated to (in-sample): see docs/model-card.md "
        "for what that does and does not show.</p>",
        f"<img alt='published vs predicted' src='{_png(_scatter(v.targets))}'>",
        "<h2>Targets</h2><table><tr><th>study</th><th>source</th><th>endpoint</th><th>arm</th>"
        "<th>published</th><th>predicted</th><th>95 % of trials</th><th>inside</th></tr>",
        *(_row(t) for t in v.targets),
        "</table><h2>Trials</h2>",
    ]
    for res in v.results:
        ts = [t for t in v.targets if t.study == res.id]
        inside = sum(t.inside for t in ts)
        parts.append(
            f"<h3>{html.escape(res.id)}: {html.escape(res.title)}</h3><p>{html.escape(res.citation)}. "
            f"{res.replicates} replicate trials of {res.n_enrolled}; "
            f"{inside} of {len(ts)} targets inside.</p>"
        )
        parts.append(f"<img alt='{html.escape(res.id)}' src='{_png(_trial_figure(res, ts))}'>")
    parts.append("</body></html>")
    return "\n".join(parts)
