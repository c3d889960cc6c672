"""``ketasim library``: the published parameter sets, as a table or the full Markdown catalogue."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from ketasim.cli._common import console, emit_json

__all__ = ["library", "register"]


def register(app: typer.Typer) -> None:
    app.command()(library)


def library(
    markdown: Annotated[bool, typer.Option("--markdown", help="the full catalogue as Markdown")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """List the published parameter sets (or print the full catalogue as Markdown)."""
    from ketasim.library import PARAMETER_SETS
    from ketasim.library.catalogue import markdown as catalogue

    if markdown:
        sys.stdout.write(catalogue() + "\n")
        return
    if as_json:
        emit_json(
            [
                {
                    "set": name,
                    "citation": PARAMETER_SETS[name].citation,
                    "parameters": len(PARAMETER_SETS[name]),
                    "placeholders": len(PARAMETER_SETS[name].placeholders()),
                }
                for name in sorted(PARAMETER_SETS)
            ]
        )
        return
    table = Table(title="ketasim parameter library")
    for col in ("set", "parameters", "placeholders", "citation"):
        table.add_column(col)
    for name in sorted(PARAMETER_SETS):
        ps = PARAMETER_SETS[name]
        table.add_row(name, str(len(ps)), str(len(ps.placeholders())), ps.citation)
    console.print(table)
