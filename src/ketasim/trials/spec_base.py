"""Building blocks shared by every part of a trial spec: the strict base model, ids, times, scales."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from ketasim.errors import KetasimError
from ketasim.units import hours

__all__ = [
    "COVARIATES",
    "SCALE_NAMES",
    "Covariate",
    "Id",
    "ScaleName",
    "SpecModel",
    "Time",
    "as_list",
    "single_or_list",
    "time_h",
]

#: Time written with a unit: "40 min", "24 h", "28 d", "4 wk".
TIME_PATTERN = (
    r"^\s*(\d+(\.\d*)?|\.\d+)\s*(s|sec|seconds?|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|wk|weeks?)\s*$"
)
_TIME_RE = re.compile(TIME_PATTERN)


class SpecModel(BaseModel):
    """Strict, immutable spec node: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _check_time(value: str) -> str:
    if not _TIME_RE.match(value):
        raise ValueError("must be a time with a unit (min, h, d or wk), e.g. '24 h' or '28 d'")
    try:
        hours(value)
    except KetasimError as err:
        raise ValueError(err.rule) from None
    return value


def _time_text(value: Any) -> Any:
    # a bare number has no unit: keep it so that the pattern check names the problem
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


#: A non-negative time with a unit.
Time = Annotated[
    str,
    BeforeValidator(_time_text),
    AfterValidator(_check_time),
    Field(json_schema_extra={"pattern": TIME_PATTERN}, examples=["24 h", "28 d"]),
]

#: Identifier of a phase, arm, endpoint or definition.
Id = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$", max_length=64)]

ScaleName = Literal["madrs", "madrs_item10", "hamd17", "phq9", "qids_sr16"]
SCALE_NAMES: tuple[str, ...] = get_args(ScaleName)

#: Patient covariates usable in ``among`` and ``standardized_beta`` (docs/trials.md, "Covariates").
Covariate = Literal[
    "age_years",
    "weight_kg",
    "female",
    "asian",
    "japanese",
    "baseline_madrs",
    "baseline_si",
    "suicidal_ideation",
    "met_carrier",
    "met_alleles",
    "bmi",
    "adiponectin_ug_ml",
    "b12_pg_ml",
    "fh_alcohol",
    "prior_suicide_attempt",
    "benzodiazepine",
    "benzodiazepine_mg_day",
]
COVARIATES: tuple[str, ...] = get_args(Covariate)


def time_h(value: str) -> float:
    """Hours of a validated :data:`Time`."""
    return hours(value)


def as_list(value: Any) -> Any:
    """Lets a single item stand for a one-item list (``among: {...}`` or ``among: [...]``)."""
    return value if isinstance(value, list | tuple) or value is None else [value]


def single_or_list(schema: dict[str, Any]) -> None:
    """JSON Schema of a list field that also accepts one item (see :func:`as_list`)."""
    items = schema.pop("items", None)
    schema.pop("type", None)
    if items is not None:
        schema["anyOf"] = [items, {"type": "array", "items": items}]
