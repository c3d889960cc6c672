"""``ketasim demo``: simulate the standard regimens, print a summary table, write figures.

``ketasim demo --out ketasim-demo`` (``make demo``) shows the PK library at a glance;
``make run`` starts the clinic app.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ketasim.cli._common import console, emit_json, finite_or_none, fmt_value, progress
from ketasim.figures import plot_pk, save
from ketasim.pk.report import ANALYTES, PKReport, pk_report
from ketasim.population.patients import Patient
from ketasim.regimen.dose import (
    Dose,
    Drug,
    Route,
    intramuscular,
    iv_infusion,
    nasal_session,
    oral,
    subcutaneous,
    sublingual,
)
from ketasim.regimen.regimen import Regimen
from ketasim.simulate import simulate
from ketasim.units import parse_dose

__all__ = ["STANDARD_REGIMENS", "DemoRow", "demo", "register", "run_demo"]


def register(app: typer.Typer) -> None:
    app.command()(demo)


def _racemic_in(dose: str) -> Dose:
    return Dose(drug=Drug.RACEMIC_KETAMINE, route=Route.INTRANASAL, amount=parse_dose(dose))


#: (file stem, label, regimen) of the regimens the demo shows.
STANDARD_REGIMENS: tuple[tuple[str, str, Regimen], ...] = (
    (
        "iv-racemic-0.5mgkg",
        "Racemic ketamine IV 0.5 mg/kg over 40 min",
        Regimen.of(iv_infusion("0.5 mg/kg", over="40 min")),
    ),
    ("in-esketamine-56mg", "Esketamine nasal 56 mg (2 devices)", Regimen.of(nasal_session(2))),
    ("in-esketamine-84mg", "Esketamine nasal 84 mg (3 devices)", Regimen.of(nasal_session(3))),
    (
        "iv-esketamine-28mg",
        "Esketamine IV 28 mg over 40 min",
        Regimen.of(iv_infusion("28 mg", over="40 min", drug=Drug.ESKETAMINE)),
    ),
    ("im-racemic-0.5mgkg", "Racemic ketamine IM 0.5 mg/kg", Regimen.of(intramuscular("0.5 mg/kg"))),
    ("sc-racemic-0.5mgkg", "Racemic ketamine SC 0.5 mg/kg", Regimen.of(subcutaneous("0.5 mg/kg"))),
    ("sl-racemic-25mg", "Racemic ketamine sublingual 25 mg", Regimen.of(sublingual("25 mg"))),
    ("po-racemic-50mg", "Racemic ketamine oral 50 mg", Regimen.of(oral("50 mg"))),
    ("in-racemic-50mg", "Racemic ketamine intranasal 50 mg", Regimen.of(_racemic_in("50 mg"))),
)


@dataclass(frozen=True)
class DemoRow:
    stem: str
    label: str
    report: PKReport
    figure: Path
    route_placeholders: tuple[str, ...]


def run_demo(out: Path, patient: Patient | None = None) -> list[DemoRow]:
    """Simulates every standard regimen, writes one figure each into ``out``."""
    patient = patient or Patient()
    out.mkdir(parents=True, exist_ok=True)
    rows: list[DemoRow] = []
    shared = {
        drug: set(pk_report(Regimen.of(d), patient).placeholders())
        for drug, d in (
            (Drug.RACEMIC_KETAMINE, iv_infusion("35 mg", over="40 min")),
            (Drug.ESKETAMINE, nasal_session(1)),
        )
    }
    for stem, label, regimen in STANDARD_REGIMENS:
        report = pk_report(regimen, patient)
        own = tuple(p.split(".", 1)[1] for p in report.placeholders() if p not in shared[report.drug])
        sol = simulate(regimen, patient, days=1, pd=False)
        fig = plot_pk(sol, ANALYTES[report.drug][:2], f"{label} ({patient.weight_kg:g} kg)")
        path = out / f"{stem}.png"
        save(fig, path)
        rows.append(DemoRow(stem, label, report, path, own))
    return rows


def demo(
    out: Annotated[Path, typer.Option(help="folder for the figures")] = Path("ketasim-demo"),
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Simulate the standard regimens, print a summary table and write figures."""
    with progress(f"simulating {len(STANDARD_REGIMENS)} standard regimens", quiet=as_json):
        rows = run_demo(out)
    if as_json:
        emit_json(
            [
                {
                    "regimen": row.stem,
                    "label": row.label,
                    "figure": str(row.figure),
                    "route_placeholders": list(row.route_placeholders),
                    "analytes": {
                        name: {
                            k: finite_or_none(v) if isinstance(v, float) else v
                            for k, v in m.as_dict().items()
                            if k != "analyte"
                        }
                        for name, m in row.report.metrics.items()
                    },
                }
                for row in rows
            ]
        )
        return
    table = Table(title="ketasim demo: standard regimens, 70 kg patient (plasma, typical values)")
    for col in (
        "regimen",
        "analyte",
        "Cmax ng/mL",
        "Tmax h",
        "AUC0-24 ng·h/mL",
        "AUC0-inf",
        "t½ h",
        "effect-site Cmax",
        "flags",
    ):
        table.add_column(col, justify="left" if col in ("regimen", "analyte", "flags") else "right")
    for row in rows:
        flags = ("placeholder: " + ", ".join(row.route_placeholders)) if row.route_placeholders else ""
        for i, (name, m) in enumerate(list(row.report.metrics.items())[:2]):
            table.add_row(
                row.label if i == 0 else "",
                name,
                fmt_value(m.cmax_ng_ml, ".1f"),
                fmt_value(m.tmax_h, ".2f"),
                fmt_value(m.auc_0_24_ng_h_ml, ".0f"),
                fmt_value(m.auc_0_inf_ng_h_ml, ".0f"),
                fmt_value(m.terminal_half_life_h, ".1f"),
                fmt_value(m.effect_cmax_ng_ml, ".1f"),
                flags if i == 0 else "",
            )
    console.print(table)
    console.print(
        "'placeholder': the route's own absorption values that are placeholders. Every row also uses "
        "two shared placeholders (norketamine effect-site half-life and unbound fraction); "
        "`ketasim pk ... --json` lists all under 'placeholders'."
    )
    console.print(f"figures written to {out}/ ({len(rows)} files)")
