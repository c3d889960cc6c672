"""``ketasim bench``: the engine against scipy LSODA and libroadrunner, and scaling to 1M patients."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ketasim.cli._common import console, emit_json, progress

__all__ = ["bench", "register"]


def register(app: typer.Typer) -> None:
    app.command()(bench)


def bench(
    as_json: Annotated[bool, typer.Option("--json", help="print the results as JSON")] = False,
    quick: Annotated[bool, typer.Option(help="small sizes (a minute or two), for a first look")] = False,
    out: Annotated[Path | None, typer.Option(help="write the results JSON here")] = None,
    markdown_out: Annotated[Path | None, typer.Option("--markdown", help="write docs/performance.md")] = None,
) -> None:
    """Measure the engine against scipy LSODA and libroadrunner; scaling to 1M patients."""
    from ketasim.bench.report import markdown
    from ketasim.bench.run import run_benchmark

    kwargs: dict[str, Any] = {}
    if quick:
        kwargs = {"n_engine": 2000, "n_lsoda": 3, "n_roadrunner": 3, "n_reference": 5,
                  "sizes": (1_000, 10_000), "dask_n": 4000}  # fmt: skip
    with progress("benchmark", quiet=as_json) as say:
        results = run_benchmark(say=say, **kwargs)
    if out is not None:
        out.write_text(json.dumps(results, indent=2) + "\n")
    if markdown_out is not None:
        command = "ketasim bench" + (" --quick" if quick else "")
        markdown_out.write_text(markdown(results, command))
    if as_json:
        emit_json(results)
        return
    console.print(markdown(results, "ketasim bench"))
