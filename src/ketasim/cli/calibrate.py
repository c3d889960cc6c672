"""``ketasim calibrate`` and ``ketasim validate``: thin command layers over ketasim.calibrate."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ketasim.cli._common import console, emit_json, fail, progress
from ketasim.errors import InputError, KetasimError

if TYPE_CHECKING:
    from ketasim.library.calibrated import CalibratedSet

__all__ = ["calibrate_command", "register", "validate_command"]


def register(app: typer.Typer) -> None:
    app.command("calibrate")(calibrate_command)
    app.command("validate")(validate_command)


def calibrate_command(
    out: Annotated[
        Path | None,
        typer.Option(help="calibrated set to write (default: the package's current set file)"),
    ] = None,
    report: Annotated[Path | None, typer.Option(help="Markdown fit report to write")] = None,
    patients: Annotated[int, typer.Option(help="enrolled patients simulated per spec and evaluation")] = 2000,
    max_iterations: Annotated[int, typer.Option(help="trust-region iterations per stage")] = 12,
    study: Annotated[list[str] | None, typer.Option(help="fit only these library specs (repeatable)")] = None,
    start: Annotated[
        Path | None,
        typer.Option(help="warm start from this calibrated set's estimates (the priors do not change)"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the calibrated set as JSON")] = False,
) -> None:
    """Fit the estimated parameters to the verified published targets; write a versioned set."""
    from ketasim.calibrate.fit import FitOptions, calibrate
    from ketasim.calibrate.report import fit_markdown
    from ketasim.library.calibrated import CURRENT, DIR, load

    try:
        if not 100 <= patients <= 100_000:
            raise InputError("cli", "patients", "must lie within 100-100000", patients)
        if not 1 <= max_iterations <= 200:
            raise InputError("cli", "max_iterations", "must lie within 1-200", max_iterations)
        target = out or DIR / f"{CURRENT}.json"
        if not target.parent.is_dir():
            raise InputError("cli", "out", "its folder does not exist", str(target))
        begin = () if start is None else tuple((e.name, e.value) for e in load(start).estimates)
        options = FitOptions(
            patients=patients, max_iterations=max_iterations, studies=tuple(study or ()), start=begin
        )
        # provenance from the options that change the fit (the warm start's set by its name)
        command = f"ketasim calibrate --patients {patients} --max-iterations {max_iterations}" + "".join(
            f" --study {shlex.quote(s)}" for s in study or ()
        )
        if start is not None:
            command += f" --start {shlex.quote(start.name)}"
        with progress("calibrating: first evaluation", quiet=as_json) as update:
            cal = calibrate(
                options,
                command=command.strip(),
                on_evaluation=lambda k, cost: update(f"calibrating: evaluation {k}, objective {cost:.1f}"),
            )
    except KetasimError as err:
        fail(err)
        return
    target.write_text(json.dumps(cal.to_json(), indent=1) + "\n", encoding="utf-8")
    if report is not None:
        report.write_text(fit_markdown(cal), encoding="utf-8")
    if as_json:
        emit_json(cal.to_json())
        return
    fit = cal.fit
    console.print(
        f"calibrated set {cal.version} written to {target}: objective {fit['cost_prior']:.1f} -> "
        f"{fit['cost_fit']:.1f} over {fit['n_targets']} targets, {fit['evaluations']} evaluations, "
        f"{fit['seconds'] / 60:.1f} min"
    )
    for e in cal.estimates:
        flag = "" if e.identified else "  (not identified: held at its library value)" if e.fixed else ""
        console.print(f"  {e.name} = {e.value:.4g}  [{e.lo:.3g}, {e.hi:.3g}]  prior {e.prior:.4g}{flag}")


def validate_command(
    as_json: Annotated[bool, typer.Option("--json", help="every target and the summary as JSON")] = False,
    report: Annotated[Path | None, typer.Option(help="self-contained HTML report to write")] = None,
    model: Annotated[
        str,
        typer.Option(help="'current' (the default model), 'prior' (uncalibrated) or a calibrated set file"),
    ] = "current",
    replicates: Annotated[
        int | None, typer.Option(help="replicate trials per spec (default: the spec's)")
    ] = None,
    study: Annotated[list[str] | None, typer.Option(help="only these library specs (repeatable)")] = None,
    workers: Annotated[int, typer.Option(help="worker processes")] = 1,
    parameter_uncertainty: Annotated[
        bool,
        typer.Option(help="split replicates over draws from the calibrated set's posterior"),
    ] = True,
    draws: Annotated[int, typer.Option(help="parameter draws per spec")] = 20,
    cross_validate: Annotated[
        bool,
        typer.Option(
            "--cross-validate",
            help="leave each study out (shared cohorts together) and predict it from the rest",
        ),
    ] = False,
) -> None:
    """Every calibration target: published vs predicted mean and 95 % range of simulated trials."""
    from rich.table import Table

    from ketasim.calibrate.html import report_html
    from ketasim.calibrate.validate import validate
    from ketasim.library.calibrated import load, load_current
    from ketasim.model import PRIOR_MODEL, default_model

    try:
        if replicates is not None and not 2 <= replicates <= 100_000:
            raise InputError("cli", "replicates", "must lie within 2-100000", replicates)
        if not 1 <= workers <= 64:
            raise InputError("cli", "workers", "must lie within 1-64", workers)
        if not 1 <= draws <= 1000:
            raise InputError("cli", "draws", "must lie within 1-1000", draws)
        if report is not None and not report.parent.is_dir():
            raise InputError("cli", "report", "its folder does not exist", str(report))
        cal = None
        if model == "current":
            chosen = default_model()
            cal = load_current() if chosen.calibration is not None else None
        elif model == "prior":
            chosen = PRIOR_MODEL
        else:
            cal = load(model)
            chosen = PRIOR_MODEL.with_calibration(cal)
        if cross_validate:
            if cal is None:
                raise InputError("cli", "model", "cross-validation needs a calibrated set", model)
            _print_cross_validation(cal, as_json)
            return
        with progress("validating", quiet=as_json) as update:
            v = validate(
                chosen,
                calibration=cal,
                draws=draws if parameter_uncertainty else 0,
                studies=tuple(study or ()),
                replicates=replicates,
                workers=workers,
                on_study=lambda s: update(f"validating: {s}"),
            )
    except KetasimError as err:
        fail(err)
        return
    if report is not None:
        report.write_text(report_html(v), encoding="utf-8")
    if as_json:
        emit_json(v.as_dict())
        return
    table = Table(title="published targets against predictions (95 %: this trial again; a new trial like it)")
    cols = ("study", "source", "arm", "unit", "published", "predicted", "this trial", "new trial", "inside")
    for col in cols:
        table.add_column(col, justify="right" if col in ("published", "predicted") else "left")
    for t in v.targets:
        new = f"{t.new_lo:.3g} to {t.new_hi:.3g}" if t.new_lo == t.new_lo else "-"
        inside = "yes" if t.inside else "new trial only" if t.inside_new_trial else "[red]no[/]"
        table.add_row(
            t.study, t.source, t.arm or "", t.unit, f"{t.observed:.3g}", f"{t.predicted:.3g}",
            f"{t.lo:.3g} to {t.hi:.3g}", new, inside,
        )  # fmt: skip
    console.print(table)
    s = v.summary()
    console.print(
        f"{s['model']} ({s['interval']}): {s['inside']} of {s['targets']} targets inside "
        f"({100 * (s['fraction_inside'] or 0):.0f} %), {s['inside_new_trial']} inside the new-trial "
        f"intervals ({100 * (s['fraction_inside_new_trial'] or 0):.0f} %), "
        f"{s['studies']} studies; RMSE {s['rmse_madrs_points']} MADRS points, "
        f"{s['rmse_percentage_points']} percentage points"
    )


def _print_cross_validation(cal: CalibratedSet, as_json: bool) -> None:
    from rich.table import Table

    from ketasim.calibrate.crossval import cross_validate

    cv = cross_validate(cal)
    if as_json:
        emit_json(cv.as_dict())
        return
    table = Table(title="each study predicted with it (and its cohort) left out: 95 % for a new trial")
    for col in ("study", "source", "unit", "published", "predicted", "95 % new trial", "inside"):
        table.add_column(col, justify="right" if col in ("published", "predicted") else "left")
    for t in cv.targets:
        table.add_row(
            t.study, t.source, t.unit, f"{t.observed:.3g}", f"{t.predicted:.3g}",
            f"{t.lo:.3g} to {t.hi:.3g}", "yes" if t.inside else "[red]no[/]",
        )  # fmt: skip
    console.print(table)
    s = cv.summary()
    console.print(
        f"cross-validated ({s['calibrated_set']}): {s['inside']} of {s['n_targets']} inside "
        f"({100 * (s['fraction_inside'] or 0):.0f} %); RMSE {s['rmse_points']} MADRS points, "
        f"{s['rmse_rate_pp']} percentage points; median half-width {s['median_half_width_points']} "
        f"points, {s['median_half_width_rate_pp']} pp"
    )
