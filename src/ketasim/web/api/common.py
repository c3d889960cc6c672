"""Shared pieces of the API: documented error answers and the paging envelope."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

__all__ = ["ERRORS", "Problem"]


class ProblemItem(BaseModel):
    """One refused field: where, the rule, what was received."""

    loc: list[str | int]
    msg: str
    type: str
    input: Any = None


class Problem(BaseModel):
    """An error answer: ``detail`` is a message or the list of refused fields."""

    detail: str | list[ProblemItem]


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "not signed in"},
    403: {"model": Problem, "description": "role not allowed or CSRF token missing"},
    404: {"model": Problem, "description": "no such record in your site"},
    422: {"model": Problem, "description": "a field broke a rule: names the field, the rule and the input"},
}
