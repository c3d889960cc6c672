"""``ketasim strategies``: treatment protocols compared on virtual populations. No model logic here."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ketasim.cli._common import console, emit_json, fail, load_mapping_option, progress
from ketasim.engine.backend import CPU_BACKENDS, Backend
from ketasim.errors import InputError, KetasimError

__all__ = ["register", "strategies"]

strategies = typer.Typer(
    no_args_is_help=True,
    help="Treatment protocols (induction, boosters, re-induction) compared on virtual populations.",
)

PopulationOpt = Annotated[
    Path | None, typer.Option("--population", help="YAML population file (default: a TRD trial)")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="machine-readable output")]


def register(app: typer.Typer) -> None:
    app.add_typer(strategies, name="strategies")


def _population(path: Path | None) -> Any:
    from ketasim.population.virtual import TRD_TRIAL, population_from_mapping

    if path is None:
        return TRD_TRIAL
    return load_mapping_option(path, "population", population_from_mapping)


def _check_sizes(n: int, days: int, backend: str) -> Backend:
    """Checks the options every simulating command shares; returns the kernel chosen."""
    if not 1 <= n <= 1_000_000:
        raise InputError("cli", "n", "must lie within 1-1,000,000", n)
    if not 28 <= days <= 3650:
        raise InputError("cli", "days", "must lie within 28-3650", days)
    return Backend.parse(backend, "cli", "backend", CPU_BACKENDS)


@strategies.command("list")
def list_protocols(as_json: JsonOpt = False) -> None:
    """The protocols shipped with ketasim."""
    from ketasim.protocols.catalog import load, names

    rows = [(name, load(name)) for name in names()]
    if as_json:
        emit_json(
            [{"name": n, "policy": p.maintenance.policy, "description": p.description} for n, p in rows]
        )
        return
    table = Table(title="shipped protocols (ketasim strategies compare --protocol NAME)")
    for col in ("name", "maintenance", "description"):
        table.add_column(col)
    for name, p in rows:
        table.add_row(name, p.maintenance.policy, p.description)
    console.print(table)


@strategies.command()
def check(
    protocol: Annotated[list[str], typer.Argument(help="protocol files (or shipped names)")],
    as_json: JsonOpt = False,
) -> None:
    """Validate protocol files; the first error names the field, the rule and the value."""
    from ketasim.protocols.catalog import load

    checked: list[dict[str, str]] = []
    for item in protocol:
        try:
            p = load(item)
        except KetasimError as err:
            fail(err)
            return
        checked.append({"protocol": item, "name": p.name, "maintenance": p.maintenance.policy})
    if as_json:
        emit_json({"ok": True, "protocols": checked})
        return
    for c in checked:
        console.print(f"[green]ok[/]: {c['protocol']} ({c['name']}, maintenance {c['maintenance']})")


@strategies.command()
def schema(
    as_json: Annotated[bool, typer.Option("--json", help="the schema is JSON already; accepted")] = False,
) -> None:
    """Print the JSON Schema of protocol files."""
    import sys

    from ketasim.protocols.schema import schema_text

    sys.stdout.write(schema_text())


@strategies.command()
def compare(
    protocol: Annotated[list[str], typer.Option("--protocol", help="protocol file or shipped name (repeat)")],
    population_file: PopulationOpt = None,
    n: Annotated[int, typer.Option(help="virtual patients")] = 1000,
    days: Annotated[int, typer.Option(help="days to simulate")] = 365,
    seed: Annotated[int, typer.Option(help="seed: patient i depends on (seed, i) only")] = 1,
    boot: Annotated[int, typer.Option(help="bootstrap resamples of patients")] = 1000,
    reference: Annotated[str | None, typer.Option(help="protocol name to compare the others with")] = None,
    backend: Annotated[str, typer.Option(help="numba (fast) or numpy (reference)")] = "numba",
    as_json: JsonOpt = False,
    plot: Annotated[Path | None, typer.Option(help="write the sessions/response frontier figure")] = None,
) -> None:
    """Compare protocols on the same virtual patients: sessions, time in response, relapses, exposure."""
    from ketasim.protocols.catalog import load
    from ketasim.protocols.compare import compare_runs
    from ketasim.protocols.simulate import simulate_protocol

    try:
        backend = _check_sizes(n, days, backend)
        if not 100 <= boot <= 100_000:
            raise InputError("cli", "boot", "must lie within 100-100,000", boot)
        spec = _population(population_file)
        protocols = [load(p) for p in protocol]
        names = [p.name for p in protocols]
        if len(set(names)) != len(names):
            raise InputError("cli", "protocol", "protocol names must differ", names)
        if reference is not None and reference not in names:
            raise InputError(
                "cli", "reference", f"must be one of the protocols ({', '.join(names)})", reference
            )
    except KetasimError as err:
        fail(err)
        return
    runs = []
    for p in protocols:
        with progress(f"simulating {p.name} on {n} patients, {days} days", quiet=as_json):
            runs.append(simulate_protocol(p, spec, n, days=days, seed=seed, backend=backend))
    with progress(f"comparing ({boot} bootstrap resamples)", quiet=as_json):
        result = compare_runs(runs, n_boot=boot, seed=seed, reference=reference)
    if plot is not None:
        from ketasim.figures import save
        from ketasim.protocols.figures import plot_frontier

        save(plot_frontier(result), plot)
    if as_json:
        emit_json({"n": n, "days": days, "seed": seed, **result.as_dict()})
        return
    _print_comparison(result, console)
    if plot is not None:
        console.print(f"figure written to {plot}")


def _fmt(e: Any, digits: int) -> str:
    if e.mean is None:
        return "n/a"
    hi = "inf" if e.hi is None else f"{e.hi:.{digits}f}"
    return f"{e.mean:.{digits}f} ({e.lo:.{digits}f}-{hi})"


def _print_comparison(result: Any, console: Any) -> None:
    from ketasim.protocols.compare import METRICS

    first = result.summaries[0]
    table = Table(title=f"{first.n} virtual patients, {first.days} days: mean (95 % bootstrap interval)")
    table.add_column("metric")
    for s in result.summaries:
        table.add_column(s.name, justify="right")
    digits = {
        "mg_per_year": 0,
        "cadss_hours_per_year": 0,
        "days_in_response_pct": 1,
        "days_in_remission_pct": 1,
    }
    for key, label in METRICS.items():
        table.add_row(label, *[_fmt(s.estimates[key], digits.get(key, 2)) for s in result.summaries])
    table.add_row("stopped after a course (%)", *[f"{s.stopped_pct:.1f}" for s in result.summaries])
    if result.reference is not None:
        table.add_row(
            f"extra sessions per relapse prevented vs {result.reference}",
            *[
                _fmt(s.vs_reference["extra_sessions_per_relapse_prevented"], 1) if s.vs_reference else "-"
                for s in result.summaries
            ],
        )
    console.print(table)


@strategies.command()
def intervals(
    protocol: Annotated[
        str, typer.Option(help="protocol file or shipped name (its dose, induction, booster)")
    ],
    population_file: PopulationOpt = None,
    n: Annotated[int, typer.Option(help="virtual patients")] = 1000,
    days: Annotated[int, typer.Option(help="days to simulate")] = 365,
    seed: Annotated[int, typer.Option(help="seed")] = 1,
    candidates: Annotated[
        str, typer.Option(help="booster intervals to try, days, comma-separated")
    ] = ",".join(str(7 * w) for w in range(1, 17)),
    min_share: Annotated[float, typer.Option(help="share of days in response that counts as kept")] = 0.95,
    booster_sessions: Annotated[
        int | None, typer.Option(help="sessions per booster (default: the protocol's booster)")
    ] = None,
    booster_spacing: Annotated[int, typer.Option(help="days between a booster's sessions")] = 2,
    backend: Annotated[str, typer.Option(help="numba (fast) or numpy (reference)")] = "numba",
    as_json: JsonOpt = False,
    plot: Annotated[Path | None, typer.Option(help="write the interval histogram figure")] = None,
) -> None:
    """For each virtual patient, the longest fixed booster interval that keeps the response."""
    from ketasim.protocols.catalog import load
    from ketasim.protocols.intervals import individual_intervals
    from ketasim.protocols.spec import Booster

    try:
        backend = _check_sizes(n, days, backend)
        try:
            cands = [int(c) for c in candidates.split(",") if c.strip()]
        except ValueError:
            raise InputError(
                "cli", "candidates", "must be whole days separated by commas", candidates
            ) from None
        if not cands or min(cands) < 1 or max(cands) > days:
            raise InputError("cli", "candidates", "need days within 1 and --days", candidates)
        p = load(protocol)
        booster = None
        if booster_sessions is not None:
            try:
                booster = Booster(sessions=booster_sessions, spacing_days=booster_spacing)
            except ValueError:
                raise InputError(
                    "cli",
                    "booster-sessions",
                    "sessions 1-6, spacing 1-14 days",
                    (booster_sessions, booster_spacing),
                ) from None
        with progress(f"searching booster intervals on {n} patients, {days} days", quiet=as_json):
            result = individual_intervals(
                p,
                _population(population_file),
                n,
                days=days,
                seed=seed,
                candidates=cands,
                min_share=min_share,
                booster=booster,
                backend=backend,
            )
    except KetasimError as err:
        fail(err)
        return
    if plot is not None:
        from ketasim.figures import save
        from ketasim.protocols.figures import plot_intervals

        save(plot_intervals(result), plot)
    summary = result.summary()
    if as_json:
        emit_json(summary)
        return
    table = Table(title=f"{p.name}: longest fixed booster interval that keeps the response ({n} patients)")
    table.add_column("outcome")
    table.add_column("% of patients", justify="right")
    table.add_row("no response to the induction", f"{summary['no_response_to_induction_pct']:.1f}")
    table.add_row(f"not kept even every {min(cands)} days", f"{summary['shorter_than_shortest_pct']:.1f}")
    longest = max(cands)
    for days_k, count in summary["patients_by_longest_interval_days"].items():
        more = " (the longest tried)" if days_k == longest else ""
        table.add_row(f"kept up to every {days_k} days, {days_k / 7:g} wk{more}", f"{100 * count / n:.1f}")
    console.print(table)
    q = summary["interval_days_quantiles_10_25_50_75_90"]
    if q is not None:
        console.print(
            "interval (days) among patients kept, 10/25/50/75/90th centiles: "
            + " / ".join(f"{x:g}" for x in q)
        )
    if plot is not None:
        console.print(f"figure written to {plot}")


@strategies.command()
def reinduction(
    protocol: Annotated[str, typer.Option(help="protocol file or shipped name")],
    population_file: PopulationOpt = None,
    n: Annotated[int, typer.Option(help="virtual patients")] = 500,
    days: Annotated[int, typer.Option(help="days to follow")] = 240,
    seed: Annotated[int, typer.Option(help="seed")] = 1,
    backend: Annotated[str, typer.Option(help="numba (fast) or numpy (reference)")] = "numba",
    as_json: JsonOpt = False,
) -> None:
    """Sessions needed to regain response: a booster at loss of response vs after full relapse."""
    from ketasim.protocols.catalog import load
    from ketasim.protocols.reinduction import SCENARIOS, rescue_sessions

    try:
        backend = _check_sizes(n, days, backend)
        with progress(f"simulating re-induction on {n} patients, {days} days", quiet=as_json):
            result = rescue_sessions(
                load(protocol), _population(population_file), n, days=days, seed=seed, backend=backend
            )
    except KetasimError as err:
        fail(err)
        return
    summary = result.summary()
    if as_json:
        emit_json(summary)
        return
    table = Table(
        title=f"{result.protocol}: regaining response ({summary['induction_responders']} responders)"
    )
    for col in ("start", "patients", "mean sessions", "1 session (%)", "labile", "stabilised", "mature"):
        table.add_column(col, justify="right" if col != "start" else "left")
    after = summary["pools_after_induction_mean"]
    table.add_row("after the induction", "", "", "", *[f"{v:.3f}" for v in after.values()])
    for s in SCENARIOS:
        v: Any = summary[s]
        pools = v["pools_at_start_mean"] or {}
        table.add_row(
            s.replace("_", " "),
            str(v["patients"]),
            f"{v['mean_sessions_needed']:.2f}",
            f"{v['regained_with_one_session_pct']:.0f}",
            *[f"{x:.3f}" for x in pools.values()],
        )
    console.print(table)
