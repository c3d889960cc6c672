"""Errors of the clinic store; the web layer maps them to 404, 409, 403 and 422 answers."""

from __future__ import annotations

from ketasim.errors import InputError

__all__ = ["ForbiddenError", "NotFoundError", "RuleError"]


class RuleError(InputError):
    """A clinic rule refused the input: names the field, the rule (``code``) and the value."""

    def __init__(self, field: str, code: str, rule: str, received: object) -> None:
        self.code = code
        super().__init__(code, field, rule, received)


class NotFoundError(LookupError):
    """No such record in the caller's site (other sites' records are never revealed)."""

    def __init__(self, entity: str, entity_id: object) -> None:
        self.entity = entity
        self.entity_id = entity_id
        super().__init__(f"{entity} {entity_id} not found")


class ForbiddenError(PermissionError):
    """The caller's role may not do this."""
