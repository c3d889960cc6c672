"""What every command module shares: the consoles, the error exit, JSON output and the file loader."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from ketasim.errors import KetasimError
from ketasim.files import load_mapping
from ketasim.population.patients import Patient

__all__ = [
    "console",
    "emit_json",
    "err_console",
    "fail",
    "finite_or_none",
    "fmt_value",
    "load_mapping_option",
    "patient_from_file",
    "progress",
    "progress_bar",
]

if TYPE_CHECKING:
    from rich.progress import Progress

T = TypeVar("T")

console = Console(width=None if sys.stdout.isatty() else 120)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 120)


def fail(err: KetasimError, options: Mapping[str, str] | None = None) -> None:
    """Prints the error (field, rule, value received) on one line and exits with status 2.

    ``options`` maps a library field to the command-line option that set it
    (``{"max_risk": "--max-relapse-risk"}``), so the message names what the user typed.
    Never hard-wrapped: a piped stderr gets one line per error.
    """
    if options and err.field in options:
        err = err.renamed(options[err.field])
    err_console.print(f"[bold red]error[/]: {escape(str(err))}", soft_wrap=True)
    raise typer.Exit(code=2)


@contextmanager
def progress(
    label: str, *, quiet: bool = False, console: Console | None = None
) -> Iterator[Callable[[str], None]]:
    """A spinner with the elapsed time on a terminal's stderr while a long step runs.

    Yields ``update(text)``, which replaces the spinner's text (what the step is doing now).
    Nothing is shown, and ``update`` does nothing, with ``quiet`` (``--json``) or when stderr is
    not a terminal (piped, logged): standard output then holds only the command's result.
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    out = console or err_console
    if quiet or not out.is_terminal:
        yield lambda _text: None
        return
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=out, transient=True
    ) as bar:
        task = bar.add_task(escape(label), total=None)
        yield lambda text: bar.update(task, description=escape(text))


def progress_bar(*, quiet: bool = False, console: Console | None = None) -> Progress:
    """A bar (done of total, elapsed and remaining time) on a terminal's stderr, for steps with a count.

    Disabled, so it prints nothing, with ``quiet`` (``--json``) or when stderr is not a terminal.
    Use as ``with progress_bar(quiet=as_json) as bar: task = bar.add_task("patients", total=n)``.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    out = console or err_console
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TimeRemainingColumn(), console=out, transient=True, disable=quiet or not out.is_terminal,
    )  # fmt: skip


def emit_json(payload: Any, *, line: bool = False) -> None:
    """Writes ``payload`` as indented JSON on standard output (NaN and infinities are refused).

    ``line``: one line, flushed at once, for a command that keeps running after it (``serve``):
    a reader of a pipe gets it without waiting for the buffer to fill.
    """
    text = json.dumps(payload, indent=None if line else 2, allow_nan=False, default=_json_default)
    sys.stdout.write(text + "\n")
    if line:
        sys.stdout.flush()


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def finite_or_none(x: float) -> float | None:
    """``x``, or None where it is NaN or infinite (JSON has neither)."""
    return x if x == x and abs(x) != float("inf") else None


def fmt_value(x: float | None, spec: str) -> str:
    """``x`` formatted with ``spec`` for a table; 'n/a' where there is no value (None, NaN, infinite)."""
    if x is None or finite_or_none(x) is None:
        return "n/a"
    return format(x, spec)


def load_mapping_option(path: Path, option: str, build: Callable[[dict[str, Any]], T]) -> T:
    """``build`` of the mapping in the YAML (or JSON) file given to ``--option``.

    Errors reading the file name the option; errors of ``build`` name their field, the file and its line.
    """
    return load_mapping(path, "cli", build, field=option)


def patient_from_file(path: Path | None) -> Patient:
    """A patient from a YAML mapping of covariates (the typical patient without a file)."""
    if path is None:
        return Patient()
    return load_mapping_option(path, "patient", Patient.from_mapping)
