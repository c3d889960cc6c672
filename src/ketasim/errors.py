"""Domain exceptions: every message names the field, the rule and what was received."""

from __future__ import annotations

__all__ = ["InputError", "KetasimError", "ModelError", "UnitError"]


class KetasimError(ValueError):
    """Base class of ketasim's errors.

    Messages read ``[context] field 'name': rule; received 'value'``, optionally
    followed by a hint on how to fix it.
    """

    def __init__(
        self,
        context: str,
        field: str,
        rule: str,
        received: object,
        hint: str | None = None,
    ) -> None:
        self.context = context
        self.field = field
        self.rule = rule
        self.received = received
        self.hint = hint
        msg = f"[{context}] field '{field}': {rule}; received {received!r}"
        if hint:
            msg += f". {hint}"
        super().__init__(msg)


class InputError(KetasimError):
    """Invalid user input (regimen, patient, file row, command-line option)."""


class UnitError(InputError):
    """A quantity is missing its unit or has the wrong one."""


class ModelError(KetasimError):
    """A model or parameter set breaks its own rules (bounds, structure)."""
