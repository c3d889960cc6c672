"""Regimens written as plain data (YAML/JSON regimen files): each entry checked, errors name its path."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from ketasim.errors import InputError
from ketasim.regimen.dose import Dose, Drug, Route, Setting, finite
from ketasim.units import hours, parse_dose, parse_duration_h

__all__ = ["doses_from_spec"]


def doses_from_spec(spec: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> list[Dose]:
    """The doses of a regimen written as plain data (:meth:`~ketasim.regimen.regimen.Regimen.from_spec`)."""
    if isinstance(spec, Mapping):
        unknown = sorted(str(k) for k in set(spec) - {"doses"})
        if unknown:
            raise InputError("regimen", unknown[0], "unknown field (a regimen file holds 'doses')", unknown)
        if "doses" not in spec:
            raise InputError("regimen", "doses", "is required", None)
    items = spec["doses"] if isinstance(spec, Mapping) else spec
    if not isinstance(items, Sequence) or isinstance(items, str):
        raise InputError("regimen", "doses", "must be a list of dose entries", items)
    doses: list[Dose] = []
    for i, item in enumerate(items):
        doses.extend(_dose_from_mapping(item, f"doses[{i}]"))
    return doses


_SPEC_KEYS = {
    "drug",
    "route",
    "dose",
    "over",
    "rate",
    "devices",
    "at",
    "every",
    "count",
    "until",
    "days",
    "under",
}


def _dose_from_mapping(item: Any, where: str) -> list[Dose]:
    if not isinstance(item, Mapping):
        raise InputError("regimen", where, "each dose entry must be a mapping", item)
    unknown = set(item) - _SPEC_KEYS
    if unknown:
        raise InputError(
            "regimen",
            f"{where}.{sorted(unknown)[0]}",
            f"unknown field (allowed: {', '.join(sorted(_SPEC_KEYS))})",
            sorted(unknown),
        )
    for key in ("drug", "route"):
        if key not in item:
            raise InputError("regimen", f"{where}.{key}", "is required", None)
    drug = Drug.parse(item["drug"], f"{where}.drug")
    route = Route.parse(item["route"], f"{where}.route")
    kwargs: dict[str, Any] = {"drug": drug, "route": route}
    if "dose" in item:
        kwargs["amount"] = parse_dose(item["dose"], f"{where}.dose")
    if "over" in item:
        kwargs["duration_h"] = parse_duration_h(item["over"], f"{where}.over")
    if "rate" in item:
        rate = str(item["rate"]).replace(" ", "")
        if not rate.endswith("/h"):
            raise InputError("regimen", f"{where}.rate", "needs a unit like '50 mg/h'", item["rate"])
        kwargs["rate_mg_h"] = parse_dose(rate[:-2], f"{where}.rate").value
    if "devices" in item:
        kwargs["devices"] = item["devices"]
    if "under" in item:
        kwargs["under"] = Setting.parse(item["under"], f"{where}.under")
    at = item.get("at", 0)
    start = hours(at, f"{where}.at") if isinstance(at, str) else finite(at, f"{where}.at")
    try:
        base = Dose(time_h=start, **kwargs)
    except InputError as err:
        raise InputError("regimen", f"{where}.{err.field}", err.rule, err.received) from None
    if "days" in item:
        days = item["days"]
        if not isinstance(days, Sequence) or isinstance(days, str) or not days:
            raise InputError("regimen", f"{where}.days", "must be a non-empty list of days", days)
        if "every" in item:
            raise InputError("regimen", f"{where}.days", "give days or every, not both", days)
        return [replace(base, time_h=start + 24.0 * finite(d, f"{where}.days")) for d in days]
    if "every" in item:
        count = item.get("count")
        until = item.get("until")
        try:
            return [base.repeat(item["every"], count=count, until=until)]
        except InputError as err:
            raise InputError("regimen", f"{where}.{err.field}", err.rule, err.received) from None
    if "count" in item or "until" in item:
        raise InputError("regimen", f"{where}.every", "count/until need an interval", None)
    return [base]
