"""``ketasim trial``: in-silico trials written as YAML specs (docs/trials.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from ketasim.cli._common import console, emit_json, fail, progress_bar
from ketasim.errors import InputError, KetasimError

__all__ = ["register", "trial_app"]

trial_app = typer.Typer(
    no_args_is_help=True,
    help="In-silico trials written as YAML specs (docs/trials.md).",
)


def register(app: typer.Typer) -> None:
    app.add_typer(trial_app, name="trial")


@trial_app.command("check")
def trial_check(
    spec: Annotated[Path, typer.Argument(help="trial spec (YAML)")],
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Validate a trial spec without simulating: prints OK or the error naming the field."""
    from ketasim.trials import check_spec

    try:
        plan = check_spec(spec)
    except KetasimError as err:
        fail(err)
        return
    d = plan.design
    if as_json:
        emit_json(
            {"ok": True, "spec": str(spec), "id": plan.spec.id, "patients": d.n_enrolled,
             "phases": len(d.phases), "endpoints": len(plan.endpoints), "replicates": plan.spec.replicates}
        )  # fmt: skip
        return
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
    if result.placeholders:
        console.print("[yellow]placeholder values used[/]: " + ", ".join(result.placeholders))
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

    from ketasim.trials import check_spec, load_spec, run_trial
    from ketasim.trials.runner import default_workers

    try:
        if replicates is not None and replicates < 1:
            raise InputError("cli", "replicates", "must be at least 1", replicates)
        if seed is not None and seed < 0:
            raise InputError("cli", "seed", "must be >= 0", seed)
        if workers is not None and workers < 1:
            raise InputError("cli", "workers", "must be at least 1", workers)
        check_spec(spec)  # every rule, with the file and line of a field that breaks one
        loaded = load_spec(spec)
        total = replicates or loaded.replicates
        bar = progress_bar(quiet=as_json)
        start = time.perf_counter()
        with bar:
            task = bar.add_task("replicate trials", total=total)
            result = run_trial(
                loaded, replicates=replicates, seed=seed,
                workers=workers if workers is not None else default_workers(),
                progress=lambda done, _total: bar.update(task, completed=done),
            )  # fmt: skip
        seconds = time.perf_counter() - start
    except KetasimError as err:
        fail(err)
        return
    if plot is not None:
        from ketasim.figures import save
        from ketasim.trials.figures import plot_trial

        save(plot_trial(result), plot)
    if as_json:
        emit_json(result.as_dict())
        return
    _print_trial(result, seconds)
    if plot is not None:
        console.print(f"figure written to {plot}")
