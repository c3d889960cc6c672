"""The benchmark results as the Markdown of docs/performance.md."""

from __future__ import annotations

from typing import Any

__all__ = ["markdown"]


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:,.2f}"


def markdown(r: dict[str, Any], command: str) -> str:
    m = r["machine"]
    lines = [
        "# Performance",
        "",
        f"Measured with `{command}` (results also in `benchmarks/results.json`).",
        "",
        f"Machine: {m['cpu']}, {m['logical_cores']} logical cores, {m['memory_gb']} GB; "
        f"{m['system']}; Python {m['python']}, numpy {m['numpy']}, scipy {m['scipy']}, numba {m['numba']}.",
        "",
        f"Workload: the full default model (exact PK, receptor, cascade, synaptic pools, symptoms) for "
        f"the same virtual TRD patients under `{r['regimen']}` (6 IV infusions in two weeks, then one every "
        f"3 weeks) for {r['days']} days, MADRS recorded weekly. Errors: the largest relative difference "
        f"of MADRS from a tight LSODA solution (rtol 1e-10) on the same patients.",
        "",
        "| method | patients | seconds | patient-years/s | ketasim speed-up | max rel. error of MADRS |",
        "|---|---|---|---|---|---|",
    ]
    for row in r["methods"]:
        if "error" in row:
            lines.append(f"| {row['method']} | — | — | — | — | {row['error']} |")
            continue
        speed = f"{row['engine_speedup']:,.0f}×" if "engine_speedup" in row else "1×"
        lines.append(
            f"| {row['method']} | {row['patients']:,} | {row['seconds']:.2f} | "
            f"{_fmt(row['patient_years_per_s'])} | {speed} | {row['max_rel_error_madrs']:.1e} |"
        )
    lines += [
        "",
        "Scaling (each size in a fresh process; per-patient summary rows kept, chunks of 5,000):",
        "",
        "| patients | workers | seconds | patient-years/s | peak memory (MB) |",
        "|---|---|---|---|---|",
    ]
    for row in [*r["scaling"], *r["dask"]]:
        workers = row["workers"] or "in process"
        lines.append(
            f"| {row['n']:,} | {workers} | {row['seconds']:.1f} | {_fmt(row['patient_years_per_s'])} | "
            f"{row['peak_memory_mb']:.0f} |"
        )
    return "\n".join(lines) + "\n"
