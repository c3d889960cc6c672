"""``ketasim population``: a virtual population under a regimen; response, remission, relapse."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ketasim.cli._common import console, emit_json, fail, load_mapping_option, progress_bar
from ketasim.engine.backend import CPU_BACKENDS, Backend
from ketasim.errors import InputError, KetasimError

__all__ = ["population", "register"]


def register(app: typer.Typer) -> None:
    app.command()(population)


def population(
    regimen: Annotated[str, typer.Option(help="a named regimen or a YAML regimen file")],
    n: Annotated[int, typer.Option(help="number of virtual patients")] = 1000,
    days: Annotated[int, typer.Option(help="days to simulate")] = 365,
    out: Annotated[Path | None, typer.Option(help="write one row per patient (parquet)")] = None,
    population_file: Annotated[
        Path | None, typer.Option("--population", help="YAML population file (default: a TRD trial)")
    ] = None,
    seed: Annotated[int, typer.Option(help="seed: patient i depends on (seed, i) only")] = 1,
    every: Annotated[int, typer.Option(help="assessment interval (days)")] = 7,
    workers: Annotated[int, typer.Option(help="start a local Dask cluster with K workers")] = 0,
    scheduler: Annotated[str | None, typer.Option(help="use an existing Dask scheduler")] = None,
    chunk: Annotated[int, typer.Option(help="patients per chunk")] = 2000,
    backend: Annotated[str, typer.Option(help="numba (fast) or numpy (reference)")] = "numba",
    trajectories: Annotated[bool, typer.Option(help="also keep MADRS at every assessment")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
) -> None:
    """Simulate a virtual population under a regimen; print response, remission, relapse."""
    from ketasim.engine.batch import PopulationJob, run_population
    from ketasim.population.outcomes import wilson
    from ketasim.population.virtual import TRD_TRIAL, population_from_mapping
    from ketasim.regimen.named import load_regimen

    try:
        if n < 1 or n > 10_000_000:
            raise InputError("cli", "n", "must lie within 1-10,000,000", n)
        if days < 1 or days > 3650:
            raise InputError("cli", "days", "must lie within 1-3650", days)
        if every < 1 or every > days:
            raise InputError("cli", "every", "must lie within 1 and --days", every)
        if workers and scheduler:
            raise InputError("cli", "workers", "give --workers or --scheduler, not both", workers)
        kernel = Backend.parse(backend, "cli", "backend", CPU_BACKENDS)
        reg = load_regimen(regimen)
        spec = TRD_TRIAL
        if population_file is not None:
            spec = load_mapping_option(population_file, "population", population_from_mapping)
        job = PopulationJob(spec, reg, days, seed, every, trajectories, kernel)
    except KetasimError as err:
        fail(err)
        return
    client = None
    cluster = None
    if workers or scheduler:
        from distributed import Client, LocalCluster

        if scheduler:
            client = Client(scheduler)
        else:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)  # fmt: skip
            client = Client(cluster)
    try:
        with progress_bar(quiet=as_json) as bar:
            task = bar.add_task("patients", total=n)
            frame = run_population(job, n, chunk_size=chunk, client=client,
                                   progress=lambda k: bar.advance(task, k))  # fmt: skip
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    if out is not None:
        from ketasim.io.parquet import provenance, write_population

        write_population(out, frame, provenance(job, n, regimen))
    summary: dict[str, Any] = {"n": n, "days": days, "regimen": regimen, "seed": seed}
    responders = int(frame["responded"].sum())
    for key, count, denom in (
        ("responded", responders, n),
        ("response_at_end", int(frame["response_end"].sum()), n),
        ("remission_at_end", int(frame["remission_end"].sum()), n),
        ("relapsed_among_responders", int(frame["relapsed"].sum()), responders),
    ):
        p, lo, hi = wilson(count, denom)
        summary[key] = {"fraction": p, "ci95": [lo, hi], "n": denom}
    rel = frame.loc[frame["relapsed"], "time_to_relapse_d"]
    summary["median_time_to_relapse_d"] = float(rel.median()) if len(rel) else None
    summary["mean_share_of_time_in_response"] = float(frame["share_in_response"].mean())
    if as_json:
        emit_json(summary)
        return
    table = Table(
        title=f"{regimen}: {n} virtual patients, {days} days (true MADRS, assessed every {every} d)"
    )
    for col in ("outcome", "fraction", "95 % interval", "of"):
        table.add_column(col)
    for key in ("responded", "response_at_end", "remission_at_end", "relapsed_among_responders"):
        v = summary[key]
        table.add_row(key.replace("_", " "), f"{100 * v['fraction']:.1f} %",
                      f"{100 * v['ci95'][0]:.1f}-{100 * v['ci95'][1]:.1f} %", str(v["n"]))  # fmt: skip
    console.print(table)
    if summary["median_time_to_relapse_d"] is not None:
        console.print(f"median time to relapse (from day 0): {summary['median_time_to_relapse_d']:.0f} days")
    if out is not None:
        console.print(f"per-patient rows written to {out}")
