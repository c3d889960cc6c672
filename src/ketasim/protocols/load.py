"""Reading a protocol: plain data or a YAML file validated into a :class:`~ketasim.protocols.spec.Protocol`.

Structure first (pydantic, :mod:`ketasim.protocols.spec`), then meaning (label
rules, schedules that their own constraints forbid, thresholds outside the
scale: :mod:`ketasim.protocols.checks`); every error is an :class:`InputError`
naming the dotted field, the rule and the value received, before any simulation.

>>> p = parse_protocol({
...     "name": "demo", "dose": {"drug": "ketamine", "route": "iv", "amount": "0.5 mg/kg", "over": "40 min"},
...     "induction": {"sessions": 6, "per_week": 3},
...     "maintenance": {"policy": "fixed", "every_days": 21}})
>>> p.induction.offsets()
[0, 2, 4, 7, 9, 11]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ketasim.errors import InputError
from ketasim.files import load
from ketasim.protocols.checks import check_protocol
from ketasim.protocols.spec import POLICIES, Protocol

__all__ = ["load_protocol", "parse_protocol"]


def parse_protocol(data: Any) -> Protocol:
    """Validates plain data (a parsed YAML file) into a :class:`Protocol`; errors name the field."""
    if not isinstance(data, dict):
        raise InputError("protocol", "file", "must be a mapping of protocol fields", type(data).__name__)
    try:
        protocol = Protocol.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [p for p in err["loc"] if isinstance(p, int | str)]
        path = _path(loc)
        received = err.get("input")
        if err["type"] == "extra_forbidden":
            received = loc[-1] if loc else received
        elif err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            path = f"{path}.policy" if path else "policy"
            received = received.get("policy") if isinstance(received, dict) else received
            raise InputError("protocol", path, f"must be one of {', '.join(POLICIES)}", received) from None
        raise InputError("protocol", path, err["msg"].removeprefix("Value error, "), received) from None
    check_protocol(protocol)
    return protocol


def _path(loc: list[int | str]) -> str:
    """Dotted path with list indices in brackets; the union's tag (policy name) is dropped."""
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif i > 0 and loc[i - 1] == "maintenance" and part in POLICIES:
            continue
        else:
            out += ("." if out else "") + part
    return out


def load_protocol(path: str | Path) -> Protocol:
    """Reads and validates a YAML protocol file."""
    return load(path, "protocol", parse_protocol)
