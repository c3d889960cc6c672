"""Per-patient population rows as Parquet, with the provenance a reader needs in the schema.

The file's schema metadata holds, under the key ``ketasim`` (JSON): the ketasim
version, the calibrated set (``null``: library priors), the regimen (its doses),
the population spec, seed, n, days, the assessment interval, the backend and the
unit of every column. Each column's field metadata repeats its ``unit`` and
``description``, so a column keeps its meaning when it is selected alone. A
column without a documented unit is an error: a new column must say what it holds.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from ketasim.errors import InputError

__all__ = ["COLUMNS", "METADATA_KEY", "column_info", "provenance", "read_provenance", "write_population"]

#: Schema-metadata key of the provenance JSON.
METADATA_KEY = b"ketasim"

#: Unit and meaning of each per-patient column (definitions: :mod:`ketasim.population.outcomes`).
COLUMNS: dict[str, tuple[str, str]] = {
    "patient": ("1", "patient index i; patient i is drawn from (seed, i) alone"),
    "weight_kg": ("kg", "body weight"),
    "age_years": ("year", "age"),
    "female": ("bool", "true: female"),
    "met_alleles": ("1", "BDNF Val66Met: number of Met alleles (0-2)"),
    "baseline_madrs": ("MADRS point", "true MADRS on day 0 (0-60)"),
    "final_madrs": ("MADRS point", "true MADRS at the last assessment (0-60)"),
    "responded": ("bool", "MADRS at most 50 % of baseline at any assessment"),
    "remitted": ("bool", "MADRS <= 12 at any assessment"),
    "response_end": ("bool", "in response at the last assessment"),
    "remission_end": ("bool", "in remission at the last assessment"),
    "relapsed": ("bool", "after a response, MADRS >= 22 at two consecutive assessments"),
    "time_to_response_d": ("d", "day of the first assessment in response (NaN: never)"),
    "time_to_relapse_d": ("d", "day of the first of the two relapse assessments (NaN: no relapse)"),
    "share_in_response": ("1", "fraction of assessments after day 0 in response (0-1)"),
    "share_in_remission": ("1", "fraction of assessments after day 0 in remission (0-1)"),
}


def column_info(name: str) -> tuple[str, str]:
    """(unit, description) of a column; ``madrs_d<N>`` is the true MADRS on day N."""
    if name in COLUMNS:
        return COLUMNS[name]
    if name.startswith("madrs_d") and name[7:].isdigit():
        return ("MADRS point", f"true MADRS on day {name[7:]} (0-60)")
    raise InputError(
        "parquet", "column", "has no documented unit (add it to ketasim.io.parquet.COLUMNS)", name
    )


def _plain(value: Any) -> Any:
    """JSON-ready: dataclasses as mappings, enums as values, infinities as strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if hasattr(value, "item"):  # NumPy scalars
        return _plain(value.item())
    return value


def provenance(job: Any, n: int, regimen_name: str | None = None) -> dict[str, Any]:
    """What produced a population: ``job`` is a :class:`ketasim.engine.batch.PopulationJob`."""
    import ketasim

    return {
        "ketasim_version": ketasim.__version__,
        "calibrated_set": job.model.calibration,
        "regimen": {"name": regimen_name, "doses": _plain(list(job.regimen.doses))},
        "population": _plain(job.spec),
        "seed": job.seed,
        "n": n,
        "days": job.days,
        "assessment_every_days": job.every_days,
        "backend": job.backend,
    }


def write_population(path: str | Path, frame: pd.DataFrame, meta: dict[str, Any]) -> None:
    """Writes ``frame`` with ``meta`` (see :func:`provenance`) and every column's unit; atomic."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    info = {c: column_info(str(c)) for c in frame.columns}
    table = pa.Table.from_pandas(frame, preserve_index=False)
    fields = [
        f.with_metadata({b"unit": info[f.name][0].encode(), b"description": info[f.name][1].encode()})
        for f in table.schema
    ]
    full = {**meta, "columns": {c: {"unit": u, "description": d} for c, (u, d) in info.items()}}
    schema = pa.schema(fields, metadata={**(table.schema.metadata or {}), METADATA_KEY: json.dumps(full)})
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    pq.write_table(pa.Table.from_arrays(table.columns, schema=schema), tmp)
    tmp.replace(target)


def read_provenance(path: str | Path) -> dict[str, Any]:
    """The provenance JSON of a population file written by :func:`write_population`."""
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    if METADATA_KEY not in meta:
        raise InputError("parquet", "metadata", "no ketasim provenance (not written by ketasim)", str(path))
    out: dict[str, Any] = json.loads(meta[METADATA_KEY])
    return out
