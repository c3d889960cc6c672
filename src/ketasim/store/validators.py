"""Field types that refuse unsafe text and out-of-range times (issue 12).

Text: stripped; no NUL, control, lone-surrogate or bidi-override characters (free text keeps
newlines and tabs); notes and reasons need enough visible characters. Times: not before 1900,
convertible to UTC, and not in the future (measured times) or not beyond the scheduling horizon
(future-allowed times). Each refusal is a pydantic error whose ``type`` names the rule.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from pydantic_core import PydanticCustomError

__all__ = [
    "EARLIEST",
    "HORIZON",
    "SKEW",
    "check_line",
    "clean_line",
    "clean_name",
    "clean_note",
    "clean_text",
    "date_bounds",
    "time_bounds",
    "visible_length",
]

#: Earliest date accepted anywhere (no clinic record predates it; years 1-1899 are typing slips).
EARLIEST = date(1900, 1, 1)
#: How far ahead a session, a course or a forecast may be placed.
HORIZON = timedelta(days=365)
#: Clock skew tolerated before a measured time counts as "in the future".
SKEW = timedelta(minutes=5)

#: Embedding, override and isolate controls: they reorder what a reader sees ("Trojan source").
BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: Line breaks besides "\n" that render as breaks: refused in one-line fields.
BREAKS = frozenset("\u2028\u2029")


def _err(code: str, message: str, **ctx: object) -> PydanticCustomError:
    return PydanticCustomError(code, message, ctx or None)


def visible_length(text: str) -> int:
    """Characters that show: neither whitespace nor invisible format characters (ZWSP, ZWNJ …)."""
    return sum(1 for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")


def _check(text: str, *, multiline: bool) -> str:
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in BIDI:
            raise _err("text.bidi_control", "bidi override or isolate characters are not allowed")
        if cat == "Cs":
            raise _err("text.surrogate", "lone surrogate characters are not allowed")
        if cat == "Cc" and not (multiline and ch in "\n\t\r"):
            raise _err(
                "text.control_character",
                "control characters are not allowed (found U+{char})",
                char=f"{ord(ch):04X}",
            )
        if ch in BREAKS and not multiline:
            raise _err("text.control_character", "line or paragraph separators are not allowed")
    return text


def check_line(text: str) -> str:
    """A one-line value: stripped, no control, bidi or separator characters, something visible."""
    text = _check(text.strip(), multiline=False)
    if text and not visible_length(text):
        raise _err("text.blank", "must contain visible characters")
    return text


def _line(text: str) -> str:
    return check_line(text)


def _free(text: str) -> str:
    return _check(text.strip(), multiline=True)


def _name(text: str) -> str:
    text = check_line(text)
    if not text:
        raise _err("text.blank", "must not be blank")
    if not any(unicodedata.category(ch).startswith("L") for ch in text):
        raise _err("text.no_letter", "a name contains at least one letter")
    return text


def _note(minimum: int) -> Callable[[str], str]:
    def check(text: str) -> str:
        text = _free(text)
        n = visible_length(text)
        if n == 0:
            raise _err("text.blank", "must not be blank")
        if n < minimum:
            raise _err(
                "text.too_short",
                "needs at least {minimum} visible characters (has {n})",
                minimum=minimum,
                n=n,
            )
        return text

    return check


def _in_utc(t: datetime) -> datetime:
    try:
        out = t.astimezone(UTC)
    except OverflowError:
        raise _err("time.out_of_range", "the time cannot be expressed in UTC") from None
    if out.date() < EARLIEST:
        raise _err("time.before_1900", "must not be before {earliest}", earliest=EARLIEST.isoformat())
    return out


def _now() -> datetime:
    return datetime.now(UTC)


def _day_range(d: date) -> date:
    if d < EARLIEST:
        raise _err("time.before_1900", "must not be before {earliest}", earliest=EARLIEST.isoformat())
    return d


def clean_line(text: str) -> str:
    """A one-line text, stripped (may be empty where the field allows)."""
    return check_line(text)


def clean_text(text: str) -> str:
    """Free text, stripped: newlines and tabs allowed, other control characters refused."""
    return _free(text)


def clean_name(text: str) -> str:
    """A person's name: one line, not blank, at least one letter."""
    return _name(text)


def clean_note(minimum: int) -> Callable[[str], str]:
    """A note or reason: free text with at least ``minimum`` visible characters."""
    return _note(minimum)


def date_bounds(code: str, *, future: timedelta | None = None) -> Callable[[date], date]:
    """A calendar day from 1900; a measured day (``future=None``) not after tomorrow (UTC), a
    day that may lie ahead not beyond ``future`` from today. ``code`` names the refusal."""

    def check(d: date) -> date:
        _day_range(d)
        # One day of grace: the clinic's calendar may be a day ahead of UTC.
        if d > _now().date() + (future if future is not None else timedelta(days=1)):
            if future is None:
                raise _err(code, "must not be in the future")
            raise _err(code, "must be within {days} days from now", days=future.days)
        return d

    return check


def time_bounds(entity: str, *, future: timedelta | None = None) -> Callable[[datetime], datetime]:
    """A time from 1900 that converts to UTC; measured (``future=None``): not in the future
    (rule ``<entity>.time_future``); else within ``future`` from now (``time.beyond_horizon``)."""

    def check(t: datetime) -> datetime:
        out = _in_utc(t)
        if future is None and out > _now() + SKEW:
            raise _err(f"{entity}.time_future", "a measured time must not be in the future")
        if future is not None and out > _now() + future:
            raise _err(
                "time.beyond_horizon",
                "must be within {days} days from now (the scheduling horizon)",
                days=future.days,
            )
        return t

    return check
