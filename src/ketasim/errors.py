"""Domain exceptions: every message names the field, the rule and what was received."""

from __future__ import annotations

from typing import Self

__all__ = ["InputError", "KetasimError", "ModelError", "UnitError"]


class KetasimError(ValueError):
    """Base class of ketasim's errors.

    Messages read ``[context] field 'name': rule; received 'value'``, then where
    the value was read (``(patient.yaml, line 3)``) when it came from a file,
    optionally followed by a hint on how to fix it.

    >>> err = InputError("patient", "weight_kg", "must lie within 30-250 kg", 900)
    >>> str(err.located("patient.yaml, line 3"))
    "[patient] field 'weight_kg': must lie within 30-250 kg; received 900 (patient.yaml, line 3)"
    """

    def __init__(
        self,
        context: str,
        field: str,
        rule: str,
        received: object,
        hint: str | None = None,
        *,
        where: str | None = None,
    ) -> None:
        self.context = context
        self.field = field
        self.rule = rule
        self.received = received
        self.hint = hint
        self.where = where
        super().__init__(self._message())

    def _message(self) -> str:
        msg = f"[{self.context}] field '{self.field}': {self.rule}; received {self.received!r}"
        if self.where:
            msg += f" ({self.where})"
        if self.hint:
            msg += f". {self.hint}"
        return msg

    def _copy(self, **changes: object) -> Self:
        # a copy of the same class without calling a subclass's own __init__ signature
        new = type(self).__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.__dict__.update(changes)
        new.args = (new._message(),)
        return new

    def located(self, where: str) -> Self:
        """The same error, saying where it was read (a file, and a line where known)."""
        return self._copy(where=where)

    def renamed(self, field: str) -> Self:
        """The same error naming ``field`` (a command-line option, say) instead of its own."""
        return self._copy(field=field)


class InputError(KetasimError):
    """Invalid user input (regimen, patient, file row, command-line option)."""


class UnitError(InputError):
    """A quantity is missing its unit or has the wrong one."""


class ModelError(KetasimError):
    """A model or parameter set breaks its own rules (bounds, structure)."""
