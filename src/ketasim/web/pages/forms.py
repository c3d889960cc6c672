"""Form helpers of the pages: clinic-local times, and refusals as field → message."""

from __future__ import annotations

import contextlib
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from ketasim.store.errors import RuleError

__all__ = ["errors_of", "local_input", "local_time"]


def errors_of(err: ValidationError | RuleError) -> dict[str, str]:
    """Each refusal under its field, naming the rule and what was received."""
    if isinstance(err, RuleError):
        return {err.field.split(".")[0]: f"{err.rule} (rule {err.code}; received {err.received!r})"}
    out: dict[str, str] = {}
    for e in err.errors():
        field = str(e["loc"][0]) if e["loc"] else "form"
        out.setdefault(field, f"{e['msg']} (rule {e['type']}; received {e.get('input')!r})")
    return out


def local_time(value: object, tz: str) -> object:
    """A ``datetime-local`` value (no zone) read as the clinic's local time; other values unchanged."""
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            t = datetime.fromisoformat(value)
            if t.tzinfo is None:
                return t.replace(tzinfo=ZoneInfo(tz))
    return value


def local_input(at: datetime, tz: str) -> str:
    """A stored time as a ``datetime-local`` value in the clinic's zone."""
    return at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M")
