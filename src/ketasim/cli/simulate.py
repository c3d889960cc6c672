"""``ketasim simulate``: one patient from dose to plasma, receptor, cascade, synapses and MADRS."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ketasim.cli._common import console, emit_json, fail, patient_from_file
from ketasim.errors import InputError, KetasimError

__all__ = ["register", "simulate"]


def register(app: typer.Typer) -> None:
    app.command()(simulate)


def _simulation_times(regimen: Any, days: float) -> Any:
    """Hourly, plus every 5 minutes for 6 h after each session (outputs before doses)."""
    import numpy as np

    end = 24.0 * days
    grid = [np.arange(0.0, end + 1e-9, 1.0)]
    for t in regimen.session_times():
        if t < end:
            grid.append(np.arange(t, min(t + 6.0, end), 1.0 / 12.0))
    return np.unique(np.concatenate(grid))


def simulate(
    regimen: Annotated[str, typer.Option(help="a named regimen (see docs) or a YAML regimen file")],
    patient: Annotated[Path | None, typer.Option(help="YAML file of patient covariates")] = None,
    days: Annotated[float, typer.Option(help="days to simulate")] = 30.0,
    as_json: Annotated[bool, typer.Option("--json", help="time series of every layer as JSON")] = False,
    plot: Annotated[Path | None, typer.Option(help="write the whole-chain timeline figure")] = None,
    explain: Annotated[bool, typer.Option("--explain", help="say what drives each phase")] = False,
) -> None:
    """Simulate one patient from dose to plasma, receptor, cascade, synapses and MADRS."""
    from ketasim.model import default_model
    from ketasim.pd.individual import individual_pd
    from ketasim.population.patients import Cohort
    from ketasim.regimen.named import load_regimen
    from ketasim.simulate import simulate as run_simulation

    try:
        if not (days > 0 and days <= 3650):
            raise InputError("cli", "days", "must lie within 0-3650", days)
        reg = load_regimen(regimen)
        pat = patient_from_file(patient)
        sol = run_simulation(reg, pat, times=_simulation_times(reg, days))
    except KetasimError as err:
        fail(err)
        return
    if plot is not None:
        from ketasim.figures import plot_timeline, save

        save(
            plot_timeline(sol, f"{regimen} ({pat.weight_kg:g} kg, baseline MADRS {pat.baseline_madrs:g})"),
            plot,
        )
    if explain:
        from ketasim.cli.explain import explain as explain_course
        from ketasim.engine.prepared import given_esketamine

        ind = individual_pd(default_model(), Cohort.of([pat]), esketamine=given_esketamine(reg))
        lines = explain_course(
            sol, g=float(ind.g[0]), ad_max=float(ind.ad_max[0]), a_w=ind.a_w, r_p_max=ind.r_p_max
        )
        for line in lines:
            console.print("• " + line)
    if as_json:
        emit_json(_series(sol))
        return
    if not explain:
        _print_course(sol)
    if plot is not None:
        console.print(f"figure written to {plot}")


def _series(sol: Any) -> dict[str, Any]:
    from ketasim.library.Ketasim_2026_symptoms import ITEMS

    def arr(x: Any) -> list[float]:
        return [round(float(v), 6) for v in x]

    return {
        "times_h": arr(sol.times_h),
        "plasma_ng_ml": {a: arr(sol.concentration(a)) for a in ("ketamine", "norketamine")},
        "effect_site_ng_ml": {a: arr(sol.concentration(a, "effect")) for a in ("ketamine", "norketamine")},
        "enantiomers_plasma_ng_ml": {m: arr(v) for m, v in sol.plasma.items()},
        "occupancy": arr(sol.occupancy),
        "latent": {k: arr(v) for k, v in sol.latent.items()},
        "madrs": arr(sol.madrs),
        "madrs_items": {name: arr(sol.items[:, k]) for k, name in enumerate(ITEMS)},
        "cadss": arr(sol.cadss),
        "sbp_rise_mmhg": arr(sol.blood_pressure),
        "doses": [
            {
                "time_h": e.time_h,
                "drug": e.drug.value,
                "route": e.route.value,
                "amount_mg": e.amount_mg,
                "duration_h": e.duration_h,
                "device": e.device,
            }
            for e in sol.doses
        ],
        "status": sol.status.value,
    }


def _print_course(sol: Any) -> None:
    import numpy as np

    table = Table(title="MADRS course (true score, no rater noise)")
    for col in ("day", "MADRS", "item 10", "occupancy max", "labile", "stabilised", "mature"):
        table.add_column(col, justify="right")
    days = sol.times_h / 24.0
    for d in sorted({0, 1, 2, 3, 7, 14, 21, 28, 42, 56, 90, 120, 180, 365}):
        if d > days[-1]:
            continue
        i = int(np.argmin(np.abs(days - d)))
        window = (days >= d - 1) & (days <= d)
        occ = float(sol.occupancy[window].max()) if window.any() else 0.0
        table.add_row(
            str(d), f"{sol.madrs[i]:.1f}", f"{sol.items[i, 9]:.1f}", f"{occ:.2f}",
            f"{sol.latent['N'][i]:.2f}", f"{sol.latent['S'][i]:.2f}", f"{sol.latent['L'][i]:.2f}",
        )  # fmt: skip
    console.print(table)
