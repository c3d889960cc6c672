"""``ketasim fit``, ``ketasim plan`` and ``ketasim evaluate-forecasts``: thin layers over ketasim.personal."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from ketasim.cli._common import console, emit_json, fail, load_mapping_option, progress, progress_bar
from ketasim.errors import InputError, KetasimError

__all__ = ["evaluate_command", "fit_command", "plan_command", "register"]


#: PlanOptions fields and the options that set them (errors name the option).
PLAN_OPTIONS = {
    "max_risk": "--max-relapse-risk", "target": "--target", "horizon_days": "--horizon",
    "min_hours_between_sessions": "--min-interval-hours", "max_sessions_per_week": "--max-per-week",
    "max_sessions_per_year": "--max-per-year", "label": "--label", "now_h": "--now", "seed": "--seed",
    "method": "--method", "now": "--now",
}  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command("fit")(fit_command)
    app.command("plan")(plan_command)
    app.command("evaluate-forecasts")(evaluate_command)


PatientFile = Annotated[Path, typer.Argument(help="patient record: NONMEM-style .csv or FHIR R4 .json")]
Method = Annotated[str, typer.Option(help="map (MAP + Laplace, fast) or smc (full posterior)")]
Covariates = Annotated[
    Path | None, typer.Option(help="YAML mapping of covariates to set (Patient fields; see docs)")
]
Now = Annotated[
    str | None, typer.Option(help="plan/forecast from this ISO 8601 time (default: the record's last event)")
]


def _load(path: Path, covariates: Path | None, method: str, seed: int) -> Any:
    from ketasim.io.patient_data import load_record
    from ketasim.personal.fit import fit, options_for
    from ketasim.record import with_covariates

    options = options_for(method)
    if seed < 0:
        raise InputError("cli", "seed", "must be >= 0", seed)
    record = load_record(path)
    if covariates is not None:
        base = record
        record = load_mapping_option(covariates, "covariates", lambda values: with_covariates(base, values))
    return fit(record, options=options, seed=seed)


def _now_h(posterior: Any, now: str | None) -> float | None:
    if now is None:
        return None
    try:
        when = datetime.fromisoformat(now.replace("Z", "+00:00"))
    except ValueError:
        raise InputError("cli", "now", "must be an ISO 8601 date-time", now) from None
    if when.tzinfo is None:
        raise InputError("cli", "now", "must carry a timezone (e.g. 2026-03-01T09:00Z)", now)
    return float(posterior.problem.record.hours(when))


def _print_header(report: dict[str, Any]) -> None:

    if report["clinician_must_assess_first"]:
        console.print(f"[bold red]{report['safety']['message']}[/]")
        for f in report["safety"]["findings"]:
            console.print(f"  [red]{f}[/]")
    elif report["safety"]["message"]:
        console.print(f"[yellow]{report['safety']['message']}[/]")
    if report["kind"] == "population":
        console.print("[bold]Population forecast[/]: the record has no scores; covariates only.")
    for w in report["warnings"]:
        console.print(f"[yellow]warning[/]: {w}")


def _print_forecast(fc: dict[str, Any], every: int = 7) -> None:
    from rich.table import Table

    approx = " (linked from the MADRS, approximate)" if fc["approximate_link"] else ""
    table = Table(title=f"{fc['label']}: observed {fc['scale']}{approx}; true MADRS")
    for col in ("date", "median", "50 % band", "80 % band", "95 % band", "true MADRS median", "P(event by)"):
        table.add_column(col, justify="left" if col == "date" else "right")
    o, m = fc["observed"], fc["true_madrs"]
    for i in range(0, len(fc["times"]), every):
        table.add_row(
            fc["times"][i][:10], f"{o['q50'][i]:g}", f"{o['q25'][i]:g}-{o['q75'][i]:g}",
            f"{o['q10'][i]:g}-{o['q90'][i]:g}", f"{o['q2.5'][i]:g}-{o['q97.5'][i]:g}", f"{m['q50'][i]:.1f}",
            f"{100 * fc['event_probability_by'][i]:.0f} %",
        )  # fmt: skip
    console.print(table)
    console.print(f"event: {fc['event']}")


def fit_command(
    patient: PatientFile,
    method: Method = "map",
    days: Annotated[int, typer.Option(help="forecast horizon (days)")] = 28,
    now: Now = None,
    covariates: Covariates = None,
    seed: Annotated[int, typer.Option(help="seed of the posterior draws")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    plot: Annotated[
        Path | None, typer.Option(help="figure: scores, sessions, bands, relapse threshold")
    ] = None,
    netcdf: Annotated[
        Path | None, typer.Option(help="write the posterior as ArviZ InferenceData (netCDF)")
    ] = None,
) -> None:
    """Fit one patient's scores; forecast their course with 50/80/95 % bands and P(relapse by date)."""
    from rich.table import Table

    from ketasim.personal.forecast import forecast
    from ketasim.personal.report import fit_report

    try:
        if not 1 <= days <= 365:
            raise InputError("cli", "days", "must lie within 1-365", days)
        with progress(f"fitting the record ({method}) and forecasting", quiet=as_json):
            post = _load(patient, covariates, method, seed)
            fc = forecast(post, days=float(days), now_h=_now_h(post, now), seed=seed)
            report = fit_report(post, fc)
        if netcdf is not None:
            from ketasim.personal.idata import to_inference_data

            to_inference_data(post, seed=seed).to_netcdf(str(netcdf))
    except KetasimError as err:
        fail(err)
        return
    if plot is not None:
        from ketasim.figures import save
        from ketasim.personal.figures import plot_forecast

        save(plot_forecast(post, fc), plot)
    if as_json:
        emit_json(report)
        return
    _print_header(report)
    table = Table(
        title=f"individual parameters ({report['method']}, {report['record']['scores_fitted']} scores)"
    )
    for col in ("quantity", "median", "95 % interval", "prior 95 %", "shift (prior SD)", "contraction"):
        table.add_column(col, justify="left" if col == "quantity" else "right")
    for p in report["parameters"]:
        table.add_row(
            p["quantity"], f"{p['median']:.3g}", f"{p['q2.5']:.3g}-{p['q97.5']:.3g}",
            f"{p['prior_q2.5']:.3g}-{p['prior_q97.5']:.3g}", f"{p['shift_prior_sd']:+.2f}",
            f"{p['contraction']:.2f}",
        )  # fmt: skip
    console.print(table)
    _print_forecast(report["forecast"])
    console.print(f"fit in {report['seconds']:.2f} s; diagnostics in --json")
    for path, what in ((plot, "figure"), (netcdf, "InferenceData")):
        if path is not None:
            console.print(f"{what} written to {path}")


def plan_command(
    patient: PatientFile,
    max_relapse_risk: Annotated[
        float, typer.Option(help="largest acceptable P(event before the booster)")
    ] = 0.1,
    target: Annotated[
        str, typer.Option(help="relapse (MADRS >= 22) or response_loss (> 50 % of baseline)")
    ] = ("relapse"),
    horizon: Annotated[int, typer.Option(help="days ahead to consider")] = 84,
    min_interval_hours: Annotated[float, typer.Option(help="minimum hours between sessions")] = 72.0,
    max_per_week: Annotated[int | None, typer.Option(help="sessions allowed in any 7 days")] = None,
    max_per_year: Annotated[int | None, typer.Option(help="sessions allowed in any 365 days")] = None,
    label: Annotated[
        str, typer.Option(help="auto (esketamine nasal: US label rules), none, esketamine_us")
    ] = ("auto"),
    method: Method = "map",
    now: Now = None,
    covariates: Covariates = None,
    seed: Annotated[int, typer.Option(help="seed of the posterior draws")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    plot: Annotated[Path | None, typer.Option(help="figure: forecast, suggested booster, window")] = None,
) -> None:
    """Suggest the window for the next booster that keeps the forecast relapse risk under a limit."""
    from ketasim.personal.plan import PlanOptions, plan_booster

    try:
        # the options are checked before the (slow) fit
        options = PlanOptions(
            max_risk=max_relapse_risk, target=target, horizon_days=horizon,  # type: ignore[arg-type]
            min_hours_between_sessions=min_interval_hours, max_sessions_per_week=max_per_week,
            max_sessions_per_year=max_per_year, label=label, seed=seed,  # type: ignore[arg-type]
        )  # fmt: skip
        with progress(f"fitting the record ({method}) and planning", quiet=as_json):
            post = _load(patient, covariates, method, seed)
            options = replace(options, now_h=_now_h(post, now))
            plan = plan_booster(post, options)
        rec = post.problem.record
        out = plan.as_dict(rec.at, rec.patient.weight_kg)
    except KetasimError as err:
        fail(err, PLAN_OPTIONS)
        return
    if plot is not None:
        from ketasim.figures import save
        from ketasim.personal.figures import plot_forecast

        save(plot_forecast(post, plan.with_booster or plan.no_booster, plan), plot)
    if as_json:
        emit_json({**out, "warnings": list(post.warnings)})
        return
    _print_header({**out, "warnings": list(post.warnings)})
    console.print(f"[bold]{out['notice']}[/]")
    w = out["window"]
    if w["earliest"] and w["latest"]:
        tail = " or later (past the horizon)" if w["open_ended"] else ""
        console.print(f"booster window: {w['earliest'][:10]} to {w['latest'][:10]}{tail}")
    if out["suggested_date"]:
        console.print(f"suggested booster date: [bold]{out['suggested_date'][:10]}[/]")
    console.print(out["reason"])
    _print_forecast(out["forecast_no_booster"])
    if out["forecast_with_booster"] is not None:
        _print_forecast(out["forecast_with_booster"])
    if plot is not None:
        console.print(f"figure written to {plot}")


def evaluate_command(
    n: Annotated[int, typer.Option(help="virtual patients")] = 1000,
    method: Method = "map",
    seed: Annotated[int, typer.Option(help="seed of the virtual population and rater noise")] = 1,
    draws: Annotated[int, typer.Option(help="posterior draws per patient")] = 500,
    fit_days: Annotated[int, typer.Option(help="scores up to this day are fitted")] = 21,
    horizon_days: Annotated[int, typer.Option(help="days forecast after that")] = 28,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """In-silico honesty: band coverage and forecast error against the population and LOCF baselines."""
    from ketasim.personal.evaluate import EvaluationSpec, evaluate_forecasts

    try:
        spec = EvaluationSpec(
            n=n, method=method, seed=seed, draws=draws, fit_days=fit_days,  # type: ignore[arg-type]
            horizon_days=horizon_days,
        )  # fmt: skip
        bar = progress_bar(quiet=as_json)
        with bar:
            task = bar.add_task("virtual patients", total=n)
            ev = evaluate_forecasts(spec, progress=lambda done, _t: bar.update(task, completed=done))
    except KetasimError as err:
        fail(err)
        return
    s = ev.as_dict()
    if as_json:
        emit_json(s)
        return
    console.print(
        f"{s['patients']} virtual patients, {s['forecast_points']} later scores, method {s['method']}, "
        f"{s['seconds']:.0f} s"
    )
    for level, c in s["coverage"].items():
        ok = "ok" if c["within_tolerance"] else "[red]outside ±5 points[/]"
        console.print(
            f"  {level} % band: observed scores inside {100 * c['observed_scores']:.1f} % ({ok}); "
            f"true MADRS inside {100 * c['true_madrs']:.1f} %"
        )
    m = s["mae_madrs"]
    console.print(
        f"  MAE (MADRS points): personal {m['personal']:.2f}, population {m['population']:.2f}, "
        f"last observation carried forward {m['locf']:.2f}"
    )
