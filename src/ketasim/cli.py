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

        sol = simulate(regimen, patient)
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


def main() -> None:
    """Entry point of the ``ketasim`` script."""
    app()


if __name__ == "__main__":
    main()
