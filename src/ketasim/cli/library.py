"""``ketasim library``: the published parameter sets, as a table or the full Markdown catalogue."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from ketasim.cli._common import console

__all__ = ["library", "register"]


def register(app: typer.Typer) -> None:
    app.command()(library)


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
