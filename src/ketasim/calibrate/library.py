"""The calibration library: published trials as specs, each target a verified row of the targets file.

The specs live in ``ketasim/trials/library/*.yaml``; ``calibration_targets.csv``
beside them is the project's file of published results with a ``verified``
flag. Only targets whose ``source`` is a verified row may enter a fit; a spec
naming anything else is refused, so no other published result can leak in, and so
is a row whose ``role`` is not ``calibration`` (pooled analyses, ``reference``,
overlap the trials themselves; ``definition`` rows carry no number).

A spec's ``cohort`` names the patients it shares with other specs;
:func:`cohorts` groups the library by it, so that cross-validation leaves a
cohort out together.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ketasim.errors import InputError
from ketasim.trials import TrialSpec, load_spec

__all__ = ["LIBRARY", "TARGETS_CSV", "TargetRow", "cohorts", "library_specs", "target_rows"]

LIBRARY = Path(__file__).resolve().parent.parent / "trials" / "library"
TARGETS_CSV = LIBRARY / "calibration_targets.csv"


@dataclass(frozen=True)
class TargetRow:
    """One row of the targets file (the fields calibration reads)."""

    id: str
    study: str
    endpoint: str
    value: str
    verified: bool
    role: str


def target_rows(path: Path = TARGETS_CSV) -> dict[str, TargetRow]:
    """Rows of the targets file by id."""
    with path.open(newline="", encoding="utf-8") as fh:
        return {
            r["id"]: TargetRow(
                id=r["id"],
                study=r["study"],
                endpoint=r["endpoint"],
                value=r["value"],
                verified=r["verified"].strip().lower() == "yes",
                role=r["role"],
            )
            for r in csv.DictReader(fh)
        }


def library_specs(directory: Path = LIBRARY, only: tuple[str, ...] = ()) -> list[TrialSpec]:
    """Every library spec (sorted by id), checked: each target cites a verified calibration row.

    ``only`` keeps the specs with those ids (an unknown id is an error).
    """
    rows = target_rows()
    specs = [load_spec(p) for p in sorted(directory.glob("*.yaml"))]
    for spec in specs:
        for k, t in enumerate(spec.targets):
            row = rows.get(t.source)
            if row is None or not row.verified:
                state = "not in the targets file" if row is None else "not verified"
                raise InputError(
                    "calibration",
                    f"{spec.id}.targets[{k}].source",
                    f"must be a verified target ({state})",
                    t.source,
                )
            if row.role != "calibration":
                raise InputError(
                    "calibration",
                    f"{spec.id}.targets[{k}].source",
                    f"must be a target with role calibration (role {row.role!r})",
                    t.source,
                )
    if only:
        known = {s.id for s in specs}
        for name in only:
            if name not in known:
                raise InputError(
                    "calibration", "study", f"not in the library ({', '.join(sorted(known))})", name
                )
        specs = [s for s in specs if s.id in only]
    return sorted(specs, key=lambda s: s.id)


def cohorts(specs: list[TrialSpec]) -> dict[str, list[str]]:
    """Spec ids by patient cohort: a spec's ``cohort``, or its own id when it names none."""
    out: dict[str, list[str]] = {}
    for spec in sorted(specs, key=lambda s: s.id):
        out.setdefault(spec.cohort or spec.id, []).append(spec.id)
    return out
