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
        f"Measured with `{command}` (results also in `benchmarks/results/engine.json` when written "
        "with `--out`; `make bench`).",
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
    lines += _goals(r)
    return "\n".join(lines) + "\n"


def _goals(r: dict[str, Any]) -> list[str]:
    """The issue's goals against this run, and where the engine's time goes."""
    by = {row["method"]: row for row in r["methods"] if "error" not in row}
    engine = r["methods"][0]
    rr = [row for name, row in by.items() if name.startswith("libroadrunner")]
    ls = [row for name, row in by.items() if name.startswith("scipy LSODA")]
    best_scale = max(row["patient_years_per_s"] for row in [*r["scaling"], *r["dask"]])
    million = [row for row in r["scaling"] if row["n"] >= 1_000_000]
    lines = [
        "",
        "## Against the goals",
        "",
        "Ratios from this one run. On a shared two-core machine they vary between runs by tens of "
        "percent, most for the peers timed on few patients (libroadrunner: 20 patients, about two "
        "seconds); a goal met by a small margin may be missed in the next run.",
        "",
        "| goal | measured | met |",
        "|---|---|---|",
        f"| ≥ 10,000 patient-years/s, full model, error ≤ 1e-5 | {_fmt(engine['patient_years_per_s'])} "
        f"(one process, error {engine['max_rel_error_madrs']:.1e}); {_fmt(best_scale)} at best in the "
        f"scaling runs | {'yes' if engine['patient_years_per_s'] >= 10_000 else '**no**'} |",
    ]
    if rr:
        loose = max(rr, key=lambda row: row["patient_years_per_s"])
        lines.append(
            f"| ≥ 200× libroadrunner, same model and patients | {loose['engine_speedup']:,.0f}× against "
            f"its fastest setting here ({loose['method']}, error {loose['max_rel_error_madrs']:.1e}) | "
            f"{'yes' if loose['engine_speedup'] >= 200 else '**no**'} |"
        )
    if ls:
        loose = max(ls, key=lambda row: row["patient_years_per_s"])
        lines.append(
            f"| ≥ 1,000× scipy LSODA | {loose['engine_speedup']:,.0f}× ({loose['method']}) | "
            f"{'yes' if loose['engine_speedup'] >= 1000 else '**no**'} |"
        )
    if million:
        m = million[0]
        lines.append(
            f"| 1,000,000 patients, one year, summaries, ≤ 4 GB | {m['peak_memory_mb']:,.0f} MB peak, "
            f"{m['seconds']:.0f} s | {'yes' if m['peak_memory_mb'] <= 4096 else '**no**'} |"
        )
    p = r.get("profile")
    if p:
        total = p["prepare_seconds"] + p["kernel_seconds"]
        lines += [
            "",
            "## Where the time goes",
            "",
            f"One engine run of {p['patients']:,} patients: {p['prepare_seconds']:.2f} s preparing "
            "(covariates, each patient's PK system and its eigen-decomposition, the chain's step "
            f"matrices for the grid's {p['step_sizes']} step lengths) and {p['kernel_seconds']:.2f} s "
            f"stepping on {p.get('threads', 1)} thread(s) ({100 * p['kernel_seconds'] / total:.0f} %; "
            f"{100 * p.get('modal_share', 1.0):.0f} % of the patients' PK in modal coordinates). "
            f"The year is {p['steps_per_patient']} dose-aware steps per patient over {p['states']} "
            "states, so the kernel spends "
            f"{p['ns_per_patient_step']:.0f} ns of wall time per patient-step "
            f"({_fmt(p['kernel_patient_years_per_s'])} patient-years/s with preparation excluded). A step "
            "is the PK in modal coordinates (a diagonal multiply per quarter-step, decision 0014), the "
            "linear cascade chain over its structural non-zeros, the nonlinear couplings (occupancies "
            "and Hill terms with whole-number exponents: the kernel calls no transcendental function) "
            "and the 3×3 solve of the synaptic pools' Radau step: a few hundred mostly scalar "
            "floating-point operations per patient-step, far below the core's vector peak. The route "
            "past 10,000 patient-years/s is a kernel that vectorises over patients and more cores "
            "(the Dask rows above).",
        ]
    return lines
