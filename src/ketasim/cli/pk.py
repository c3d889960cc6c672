"""``ketasim pk``: exposure of one dose or repeated doses (Cmax, Tmax, AUC, half-life, effect site)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ketasim.cli._common import console, emit_json, fail, finite_or_none, fmt_value
from ketasim.errors import InputError, KetasimError

__all__ = ["pk", "register"]


def register(app: typer.Typer) -> None:
    app.command()(pk)


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
    from ketasim.population.patients import Patient
    from ketasim.regimen.regimen import Regimen
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
        fail(err)
        return
    payload = report.as_dict()
    for values in payload["analytes"].values():
        for k, v in list(values.items()):
            if isinstance(v, float):
                values[k] = finite_or_none(v)
    if plot is not None:
        from ketasim.figures import plot_pk, save
        from ketasim.simulate import simulate

        sol = simulate(regimen, patient, pd=False)
        fig = plot_pk(
            sol,
            ANALYTES[report.drug][:2],
            f"{report.drug.value} {route} {dose} ({patient.weight_kg:g} kg)",
        )
        save(fig, plot)
    if as_json:
        emit_json(payload)
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
            fmt_value(v["cmax_ng_ml"], ".1f"),
            fmt_value(v["tmax_h"], ".2f"),
            fmt_value(v["auc_0_24_ng_h_ml"], ".0f"),
            fmt_value(v["auc_0_inf_ng_h_ml"], ".0f"),
            fmt_value(v["terminal_half_life_h"], ".2f"),
            fmt_value(v["effect_cmax_ng_ml"], ".1f"),
        )
    console.print(table)
    if payload["placeholders"]:
        console.print("[yellow]placeholder values used[/]: " + ", ".join(payload["placeholders"]))
    if plot is not None:
        console.print(f"figure written to {plot}")
