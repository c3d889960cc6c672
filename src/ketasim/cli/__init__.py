"""The ``ketasim`` command line (Typer). No model logic lives here."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ketasim.errors import InputError, KetasimError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="ketasim: ketamine and esketamine therapy, from dose to plasma to mood.",
)
console = Console(width=None if sys.stdout.isatty() else 120)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 120)


def _fail(err: KetasimError) -> None:
    err_console.print(f"[bold red]error[/]: {escape(str(err))}")
    raise typer.Exit(code=2)


def _emit_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, allow_nan=False, default=_json_default) + "\n")


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _finite_or_none(x: float) -> float | None:
    return x if x == x and abs(x) != float("inf") else None


@app.command()
def pk(
    drug: Annotated[str, typer.Option(help="racemic_ketamine or esketamine")],
    route: Annotated[str, typer.Option(help="iv, intranasal, oral, sublingual, im, sc")],
    dose: Annotated[str, typer.Option(help="dose with unit: '84mg', '0.5mg/kg'")],
    over: Annotated[str | None, typer.Option(help="infusion duration, e.g. '40min'")] = None,
    rate: Annotated[str | None, typer.Option(help="infusion rate, e.g. '50mg/h'")] = None,
    weight: Annotated[str, typer.Option(help="body weight (kg), 30-250")] = "70",
    age: Annotated[float, typer.Option(help="age (years)")] = 45.0,
    sex: Annotated[str, typer.Option(help="female or male")] = "female",
    ancestry: Annotated[str, typer.Option(help="white, black, asian, japanese, other")] = "white",
    every: Annotated[str | None, typer.Option(help="repeat interval, e.g. '2d'")] = None,
    count: Annotated[int | None, typer.Option(help="number of doses when repeated")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    plot: Annotated[Path | None, typer.Option(help="write a figure (PNG/SVG/PDF)")] = None,
) -> None:
    """Exposure of one dose (or repeated doses): Cmax, Tmax, AUC, half-life, effect site."""
    from ketasim.pk.models import DEFAULT_PK
    from ketasim.pk.report import ANALYTES, pk_report
    from ketasim.population import Patient
    from ketasim.regimen import Regimen
    from ketasim.units import parse_weight_kg

    try:
        spec: dict[str, Any] = {"drug": drug, "route": route, "dose": dose}
        if over is not None:
            spec["over"] = over
        if rate is not None:
            spec["rate"] = rate
        if every is not None or count is not None:
            if every is None or count is None:
                raise InputError(
                    "cli",
                    "every",
                    "--every and --count go together",
                    f"every={every}, count={count}",
                )
            spec["every"], spec["count"] = every, count
        regimen = Regimen.from_spec([spec])
        d0 = regimen.doses[0]
        DEFAULT_PK.check(d0.drug, d0.route)
        if d0.drug.is_placebo:
            raise InputError("cli", "drug", "ketasim pk needs an active drug", drug)
        patient = Patient(
            weight_kg=parse_weight_kg(weight, "weight"),
            age_years=age,
            sex=sex,  # type: ignore[arg-type]
            ancestry=ancestry,
        )
        report = pk_report(regimen, patient)
    except KetasimError as err:
        _fail(err)
        return
    payload = report.as_dict()
    for values in payload["analytes"].values():
        for k, v in list(values.items()):
            if isinstance(v, float):
                values[k] = _finite_or_none(v)
    if plot is not None:
        from ketasim.plots import plot_pk, save
        from ketasim.simulate import simulate

        sol = simulate(regimen, patient, pd=False)
        fig = plot_pk(
            sol,
            ANALYTES[report.drug][:2],
            f"{report.drug.value} {route} {dose} ({patient.weight_kg:g} kg)",
        )
        save(fig, plot)
    if as_json:
        _emit_json(payload)
        return
    table = Table(title=f"{report.drug.value} · {', '.join(payload['routes'])} · {dose}")
    for col in (
        "analyte",
        "role",
        "Cmax ng/mL",
        "Tmax h",
        "AUC0-24 ng·h/mL",
        "AUC0-inf",
        "t½ h",
        "effect-site Cmax",
    ):
        table.add_column(col, justify="right" if col not in ("analyte", "role") else "left")
    for name, v in payload["analytes"].items():
        table.add_row(
            name,
            v["role"],
            f"{v['cmax_ng_ml']:.1f}",
            f"{v['tmax_h']:.2f}",
            f"{v['auc_0_24_ng_h_ml']:.0f}",
            f"{v['auc_0_inf_ng_h_ml']:.0f}",
            f"{v['terminal_half_life_h']:.2f}",
            f"{v['effect_cmax_ng_ml']:.1f}",
        )
    console.print(table)
    if payload["placeholders"]:
        console.print("[yellow]placeholder values used[/]: " + ", ".join(payload["placeholders"]))
    if plot is not None:
        console.print(f"figure written to {plot}")


def _simulation_times(regimen: Any, days: float) -> Any:
    """Hourly, plus every 5 minutes for 6 h after each session (outputs before doses)."""
    import numpy as np

    end = 24.0 * days
    grid = [np.arange(0.0, end + 1e-9, 1.0)]
    for t in regimen.session_times():
        if t < end:
            grid.append(np.arange(t, min(t + 6.0, end), 1.0 / 12.0))
    return np.unique(np.concatenate(grid))


@app.command()
def simulate(
    regimen: Annotated[str, typer.Option(help="a named regimen (see docs) or a YAML regimen file")],
    patient: Annotated[Path | None, typer.Option(help="YAML file of patient covariates")] = None,
    days: Annotated[float, typer.Option(help="days to simulate")] = 30.0,
    as_json: Annotated[bool, typer.Option("--json", help="time series of every layer as JSON")] = False,
    plot: Annotated[Path | None, typer.Option(help="write the whole-chain timeline figure")] = None,
    explain: Annotated[bool, typer.Option("--explain", help="say what drives each phase")] = False,
) -> None:
    """Simulate one patient from dose to plasma, receptor, cascade, synapses and MADRS."""
    import yaml

    from ketasim.model import DEFAULT_MODEL
    from ketasim.pd.individual import individual_pd
    from ketasim.population import Cohort, Patient
    from ketasim.regimens import load_regimen
    from ketasim.simulate import simulate as run_simulation

    try:
        if not (days > 0 and days <= 3650):
            raise InputError("cli", "days", "must lie within 0-3650", days)
        reg = load_regimen(regimen)
        pat = Patient()
        if patient is not None:
            if not patient.is_file():
                raise InputError("cli", "patient", "file not found", str(patient))
            data = yaml.safe_load(patient.read_text()) or {}
            if not isinstance(data, dict):
                raise InputError("cli", "patient", "must be a mapping of covariates", type(data).__name__)
            pat = Patient.from_mapping(data)
        sol = run_simulation(reg, pat, times=_simulation_times(reg, days))
    except KetasimError as err:
        _fail(err)
        return
    if plot is not None:
        from ketasim.plots import plot_timeline, save

        save(
            plot_timeline(sol, f"{regimen} ({pat.weight_kg:g} kg, baseline MADRS {pat.baseline_madrs:g})"),
            plot,
        )
    if explain:
        from ketasim.explain import explain as explain_course

        ind = individual_pd(DEFAULT_MODEL, Cohort.of([pat]))
        for line in explain_course(sol, g=float(ind.g[0]), ad_max=float(ind.ad_max[0]), a_w=ind.a_w):
            console.print("• " + line)
    if as_json:
        _emit_json(_series(sol))
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


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="folder for the figures")] = Path("ketasim-demo"),
) -> None:
    """Simulate the standard regimens, print a summary table and write figures."""
    from ketasim.demo import run_demo

    rows = run_demo(out)
    table = Table(title="ketasim demo: standard regimens, 70 kg patient (plasma, typical values)")
    for col in (
        "regimen",
        "analyte",
        "Cmax ng/mL",
        "Tmax h",
        "AUC0-24 ng·h/mL",
        "t½ h",
        "effect-site Cmax",
        "flags",
    ):
        table.add_column(col, justify="left" if col in ("regimen", "analyte", "flags") else "right")
    for row in rows:
        flags = ("placeholder: " + ", ".join(row.route_placeholders)) if row.route_placeholders else ""
        for i, (name, m) in enumerate(list(row.report.metrics.items())[:2]):
            table.add_row(
                row.label if i == 0 else "",
                name,
                f"{m.cmax_ng_ml:.1f}",
                f"{m.tmax_h:.2f}",
                f"{m.auc_0_24_ng_h_ml:.0f}",
                f"{m.terminal_half_life_h:.1f}",
                f"{m.effect_cmax_ng_ml:.1f}",
                flags if i == 0 else "",
            )
    console.print(table)
    console.print(
        "'placeholder': the route's own absorption values that are placeholders. Every row also uses "
        "two shared placeholders (norketamine effect-site half-life and unbound fraction); "
        "`ketasim pk ... --json` lists all under 'placeholders'."
    )
    console.print(f"figures written to {out}/ ({len(rows)} files)")


@app.command()
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
    import yaml
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from ketasim.engine.batch import PopulationJob, run_population
    from ketasim.outcomes import wilson
    from ketasim.regimens import load_regimen
    from ketasim.virtual import TRD_TRIAL, population_from_mapping

    try:
        if n < 1 or n > 10_000_000:
            raise InputError("cli", "n", "must lie within 1-10,000,000", n)
        if days < 1 or days > 3650:
            raise InputError("cli", "days", "must lie within 1-3650", days)
        if every < 1 or every > days:
            raise InputError("cli", "every", "must lie within 1 and --days", every)
        if workers and scheduler:
            raise InputError("cli", "workers", "give --workers or --scheduler, not both", workers)
        if backend not in ("numba", "numpy"):
            raise InputError("cli", "backend", "must be numba or numpy", backend)
        reg = load_regimen(regimen)
        spec = TRD_TRIAL
        if population_file is not None:
            if not population_file.is_file():
                raise InputError("cli", "population", "file not found", str(population_file))
            spec = population_from_mapping(yaml.safe_load(population_file.read_text()) or {})
        job = PopulationJob(spec, reg, days, seed, every, trajectories, backend)
    except KetasimError as err:
        _fail(err)
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
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err_console,
            disable=as_json,
        ) as bar:
            task = bar.add_task("patients", total=n)
            frame = run_population(job, n, chunk_size=chunk, client=client,
                                   progress=lambda k: bar.advance(task, k))  # fmt: skip
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    if out is not None:
        tmp = out.with_name(f".{out.name}.tmp")
        frame.to_parquet(tmp, index=False)
        tmp.replace(out)
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
        _emit_json(summary)
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


@app.command()
def bench(
    as_json: Annotated[bool, typer.Option("--json", help="print the results as JSON")] = False,
    quick: Annotated[bool, typer.Option(help="small sizes (a minute or two), for a first look")] = False,
    out: Annotated[Path | None, typer.Option(help="write the results JSON here")] = None,
    markdown_out: Annotated[Path | None, typer.Option("--markdown", help="write docs/performance.md")] = None,
) -> None:
    """Measure the engine against scipy LSODA and libroadrunner; scaling to 1M patients."""
    from ketasim.bench.report import markdown
    from ketasim.bench.run import run_benchmark

    kwargs: dict[str, Any] = {}
    if quick:
        kwargs = {"n_engine": 2000, "n_lsoda": 3, "n_roadrunner": 3, "n_reference": 5,
                  "sizes": (1_000, 10_000), "dask_n": 4000}  # fmt: skip
    results = run_benchmark(say=lambda s: err_console.print(f"[dim]{s}[/]"), **kwargs)
    if out is not None:
        out.write_text(json.dumps(results, indent=2) + "\n")
    if markdown_out is not None:
        command = "ketasim bench" + (" --quick" if quick else "")
        markdown_out.write_text(markdown(results, command))
    if as_json:
        _emit_json(results)
        return
    console.print(markdown(results, "ketasim bench"))


@app.command()
def library(
    markdown: Annotated[bool, typer.Option("--markdown", help="the full catalogue as Markdown")] = False,
) -> None:
    """List the published parameter sets (or print the full catalogue as Markdown)."""
    from ketasim.library import PARAMETER_SETS
    from ketasim.library.catalogue import markdown as catalogue

    if markdown:
        sys.stdout.write(catalogue() + "\n")
        return
    table = Table(title="ketasim parameter library")
    for col in ("set", "parameters", "placeholders", "citation"):
        table.add_column(col)
    for name in sorted(PARAMETER_SETS):
        ps = PARAMETER_SETS[name]
        table.add_row(name, str(len(ps)), str(len(ps.placeholders())), ps.citation)
    console.print(table)


export_app = typer.Typer(no_args_is_help=True, help="Export the model to files other tools read.")
app.add_typer(export_app, name="export")


def _patient_from_yaml(path: Path | None) -> Any:
    """A patient from a YAML mapping of covariates (typical patient without a file)."""
    import yaml

    from ketasim.population import Patient

    if path is None:
        return Patient()
    if not path.is_file():
        raise InputError("cli", "patient", "file not found", str(path))
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as err:
        raise InputError(
            "cli", "patient", f"is not valid YAML ({err.__class__.__name__})", str(path)
        ) from None
    if not isinstance(data, dict):
        raise InputError("cli", "patient", "must be a mapping of covariates", type(data).__name__)
    return Patient.from_mapping(data)


@export_app.command("sbml")
def export_sbml(
    regimen: Annotated[str, typer.Option(help="a named regimen (see docs) or a YAML regimen file")],
    output: Annotated[Path, typer.Option("--output", "-o", help="SBML file to write")],
    patient: Annotated[Path | None, typer.Option(help="YAML file of patient covariates")] = None,
    days: Annotated[float, typer.Option(help="horizon (days): doses before it are in the file")] = 90.0,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable summary")] = False,
) -> None:
    """Write the full model for one patient as SBML (Level 3 Version 2; time in hours)."""
    from ketasim.io.sbml import export_sbml as to_file_text
    from ketasim.regimens import load_regimen

    try:
        if not (days > 0 and days <= 3650):
            raise InputError("cli", "days", "must lie within 0-3650", days)
        if not output.parent.is_dir():
            raise InputError("cli", "output", "its folder does not exist", str(output))
        if output.is_dir():
            raise InputError("cli", "output", "must be a file, not a folder", str(output))
        reg = load_regimen(regimen)
        pat = _patient_from_yaml(patient)
        xml = to_file_text(reg, pat, days)
        try:
            output.write_text(xml, encoding="utf-8")
        except OSError as err:
            raise InputError("cli", "output", f"cannot be written ({err.strerror})", str(output)) from None
    except KetasimError as err:
        _fail(err)
        return
    summary = {
        "path": str(output),
        "level": 3,
        "version": 2,
        "time_units": "hour",
        "rate_rules": xml.count("<rateRule "),
        "assignment_rules": xml.count("<assignmentRule "),
        "events": xml.count("<event "),
        "parameters": xml.count("<parameter "),
    }
    if as_json:
        _emit_json(summary)
        return
    console.print(
        f"SBML written to {escape(str(output))}: {summary['rate_rules']} states, {summary['events']} events, "
        f"{summary['parameters']} parameters (time in hours; MADRS is the rule 'madrs')"
    )


db_app = typer.Typer(no_args_is_help=True, help="The clinic app's database: migrate, seed the demo clinic.")
app.add_typer(db_app, name="db")


def _database_url(url: str | None) -> str:
    from ketasim.web.settings import Settings

    return url or Settings().database_url


@db_app.command("migrate")
def db_migrate(
    url: Annotated[
        str | None, typer.Option(help="database URL (default: KETASIM_DATABASE_URL or SQLite)")
    ] = None,
) -> None:
    """Migrate the database to the newest schema (Alembic)."""
    from ketasim.store.migrate import upgrade

    target = _database_url(url)
    upgrade(target)
    console.print("database migrated to the newest schema")


@db_app.command("seed-demo")
def db_seed_demo(
    url: Annotated[
        str | None, typer.Option(help="database URL (default: KETASIM_DATABASE_URL or SQLite)")
    ] = None,
) -> None:
    """Create the demo clinic (idempotent) and print its clinician login."""
    from ketasim.store.db import make_engine, make_sessionmaker, transaction
    from ketasim.store.seed import seed_demo

    engine = make_engine(_database_url(url))
    try:
        with transaction(make_sessionmaker(engine)) as db:
            seeded = seed_demo(db)
    finally:
        engine.dispose()
    console.print("demo clinic " + ("created" if seeded.created else "already present"))
    console.print(f"demo clinician login: [bold]{seeded.email}[/] / [bold]{seeded.password}[/]")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    url: Annotated[
        str | None, typer.Option(help="database URL (default: KETASIM_DATABASE_URL or SQLite)")
    ] = None,
    insecure_cookies: Annotated[
        bool,
        typer.Option(help="send the session cookie over plain HTTP too (only behind no proxy, local use)"),
    ] = False,
) -> None:
    """Serve the clinic app (pages and REST API) with uvicorn."""
    import logging

    import uvicorn

    from ketasim.web.app import create_app
    from ketasim.web.security import StripQueryFilter
    from ketasim.web.settings import Settings

    settings = Settings()
    settings = settings.model_copy(
        update={
            "database_url": url or settings.database_url,
            "cookie_secure": settings.cookie_secure and not insecure_cookies,
        }
    )
    logging.getLogger("uvicorn.access").addFilter(StripQueryFilter())
    console.print(f"serving ketasim clinic on http://{host}:{port}")
    # Keep idle connections longer than a clinician's pause between clicks: a connection closed
    # just as the browser reuses it costs a failed request and a retry.
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", timeout_keep_alive=65)


trial_app = typer.Typer(
    no_args_is_help=True,
    help="In-silico trials written as YAML specs (docs/trials.md).",
)
app.add_typer(trial_app, name="trial")


@trial_app.command("check")
def trial_check(
    spec: Annotated[Path, typer.Argument(help="trial spec (YAML)")],
) -> None:
    """Validate a trial spec without simulating: prints OK or the error naming the field."""
    from ketasim.trials import check_spec

    try:
        plan = check_spec(spec)
    except KetasimError as err:
        _fail(err)
        return
    d = plan.design
    console.print(
        f"OK: {escape(str(spec))} ({plan.spec.id}: {d.n_enrolled} patients, {len(d.phases)} phase(s), "
        f"{len(plan.endpoints)} endpoint(s), {plan.spec.replicates} replicates)"
    )


def _fmt(x: float | None, unit: str = "") -> str:
    if x is None or x != x:
        return "–"
    if x == float("inf"):
        return "n.r."
    return f"{x:.3g}" if unit in ("ratio", "d", "SD per SD") else f"{x:.1f}"


def _print_trial(result: Any, seconds: float) -> None:
    from ketasim.trials.result import interval

    table = Table(title=f"{result.id}: {result.title}")
    for col in ("endpoint", "arm", "time", "unit", "mean", "95 % of trials", "defined"):
        table.add_column(col, justify="right" if col in ("mean", "95 % of trials", "defined") else "left")
    for e in result.endpoints:
        for r in e.rows:
            mean, lo, hi = interval(r.values)
            time = f"{r.time_h / 24:g} d" if r.time_h is not None else e.at or "phase end"
            if e.from_ == "last_dose":
                time += " after last dose"
            flag = " ≈" if e.approximate else ""
            defined = f"{r.n_defined}/{r.values.size}"
            if r.n_not_reached:
                defined += f" ({r.n_not_reached} n.r.)"
            interval_text = f"{_fmt(lo, e.unit)} to {_fmt(hi, e.unit)}"
            table.add_row(
                e.id + flag, r.label or "all", time, e.unit, _fmt(mean, e.unit), interval_text, defined
            )
    console.print(table)
    if any(e.approximate for e in result.endpoints):
        console.print("≈ scored on a scale linked from MADRS (approximate)")
    if any(r.n_not_reached for e in result.endpoints for r in e.rows):
        console.print("n.r.: median not reached (means are over the replicates where it was)")
    if result.targets:
        tt = Table(title="published values (targets) against predictions")
        for col in ("endpoint", "arm", "source", "published", "predicted", "95 % of trials", "inside"):
            tt.add_column(col)
        for t in result.targets:
            tt.add_row(
                t.endpoint, t.arm or "", t.source, f"{t.observed:g}", _fmt(t.predicted),
                f"{_fmt(t.lo)} to {_fmt(t.hi)}", {True: "yes", False: "no", None: "–"}[t.inside],
            )  # fmt: skip
        console.print(tt)
    console.print(
        f"{result.replicates} replicate trials of {result.n_enrolled} patients "
        f"({result.patients_simulated} patient simulations) in {seconds:.1f} s"
    )


@trial_app.command("run")
def trial_run(
    spec: Annotated[Path, typer.Argument(help="trial spec (YAML)")],
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    plot: Annotated[Path | None, typer.Option(help="write the arms' trajectories (PNG/SVG/PDF)")] = None,
    replicates: Annotated[int | None, typer.Option(help="replicate trials (default: the spec's)")] = None,
    seed: Annotated[int | None, typer.Option(help="seed (default: the spec's)")] = None,
    workers: Annotated[int | None, typer.Option(help="worker processes (default: one per CPU)")] = None,
) -> None:
    """Run a trial spec: every endpoint's mean and 95 % interval over replicate trials."""
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ketasim.trials import load_spec, run_trial
    from ketasim.trials.runner import default_workers

    try:
        if replicates is not None and replicates < 1:
            raise InputError("cli", "replicates", "must be at least 1", replicates)
        if seed is not None and seed < 0:
            raise InputError("cli", "seed", "must be >= 0", seed)
        if workers is not None and workers < 1:
            raise InputError("cli", "workers", "must be at least 1", workers)
        loaded = load_spec(spec)
        total = replicates or loaded.replicates
        bar = Progress(
            TextColumn("replicate trials"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=err_console, transient=True, disable=not err_console.is_terminal,
        )  # fmt: skip
        start = time.perf_counter()
        with bar:
            task = bar.add_task("run", total=total)
            result = run_trial(
                loaded, replicates=replicates, seed=seed,
                workers=workers if workers is not None else default_workers(),
                progress=lambda done, _total: bar.update(task, completed=done),
            )  # fmt: skip
        seconds = time.perf_counter() - start
    except KetasimError as err:
        _fail(err)
        return
    if plot is not None:
        from ketasim.plots import save
        from ketasim.trials.plots import plot_trial

        save(plot_trial(result), plot)
    if as_json:
        _emit_json(result.as_dict())
        return
    _print_trial(result, seconds)
    if plot is not None:
        console.print(f"figure written to {plot}")


from ketasim.cli_strategies import strategies  # noqa: E402  (its commands use the helpers above)

app.add_typer(strategies, name="strategies")


def _register_calibration() -> None:
    from ketasim.cli_calibrate import calibrate_command, validate_command

    app.command("calibrate")(calibrate_command)
    app.command("validate")(validate_command)


_register_calibration()


def _register_personal() -> None:
    from ketasim.cli_personal import evaluate_command, fit_command, plan_command

    app.command("fit")(fit_command)
    app.command("plan")(plan_command)
    app.command("evaluate-forecasts")(evaluate_command)


_register_personal()


def main() -> None:
    """Entry point of the ``ketasim`` script."""
    app()


if __name__ == "__main__":
    main()
