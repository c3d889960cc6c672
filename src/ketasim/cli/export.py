"""``ketasim export``: the model written to files other tools read (SBML)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ketasim.cli._common import console, emit_json, fail, patient_from_file
from ketasim.errors import InputError, KetasimError

__all__ = ["export_app", "register"]

export_app = typer.Typer(no_args_is_help=True, help="Export the model to files other tools read.")


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")


@export_app.command("sbml")
def export_sbml(
    regimen: Annotated[str, typer.Option(help="a named regimen (see docs) or a YAML regimen file")],
    output: Annotated[Path, typer.Option("--output", "-o", help="SBML file to write")],
    patient: Annotated[Path | None, typer.Option(help="YAML file of patient covariates")] = None,
    days: Annotated[float, typer.Option(help="horizon (days): doses before it are in the file")] = 90.0,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable summary")] = False,
) -> None:
    """Write the full model for one patient as SBML (Level 3 Version 2; time in hours)."""
    from ketasim.io.sbml import export_sbml as to_file_text
    from ketasim.regimen.named import load_regimen

    try:
        if not (days > 0 and days <= 3650):
            raise InputError("cli", "days", "must lie within 0-3650", days)
        if not output.parent.is_dir():
            raise InputError("cli", "output", "its folder does not exist", str(output))
        if output.is_dir():
            raise InputError("cli", "output", "must be a file, not a folder", str(output))
        reg = load_regimen(regimen)
        pat = patient_from_file(patient)
        xml = to_file_text(reg, pat, days)
        try:
            output.write_text(xml, encoding="utf-8")
        except OSError as err:
            raise InputError("cli", "output", f"cannot be written ({err.strerror})", str(output)) from None
    except KetasimError as err:
        fail(err)
        return
    summary = {
        "path": str(output),
        "level": 3,
        "version": 2,
        "time_units": "hour",
        "rate_rules": xml.count("<rateRule "),
        "assignment_rules": xml.count("<assignmentRule "),
        "events": xml.count("<event "),
        "parameters": xml.count("<parameter "),
    }
    if as_json:
        emit_json(summary)
        return
    console.print(
        f"SBML written to {escape(str(output))}: {summary['rate_rules']} states, {summary['events']} events, "
        f"{summary['parameters']} parameters (time in hours; MADRS is the rule 'madrs')"
    )
