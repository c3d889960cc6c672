"""The ``ketasim`` command line (Typer). No model logic lives here.

One module per command group; each has ``register(app)``, called here in the
order of ``ketasim --help``. What they share (consoles, the error exit, JSON
output, the file loader) is in :mod:`ketasim.cli._common`.
"""

from __future__ import annotations

import typer

from ketasim.cli import (
    bench,
    calibrate,
    db,
    demo,
    export,
    library,
    personal,
    pk,
    population,
    serve,
    simulate,
    strategies,
    trial,
)

__all__ = ["app", "main"]

# Plain (click) help and usage errors: one unwrapped line per error when piped, and flags shown
# without a value placeholder; tables and JSON output still use rich.
app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help="ketasim: ketamine and esketamine therapy, from dose to plasma to mood.",
)
for group in (pk, simulate, demo, population, bench, library, export, db, serve, trial, strategies,
              calibrate, personal):  # fmt: skip
    group.register(app)


def main() -> None:
    """Entry point of the ``ketasim`` script."""
    app()
