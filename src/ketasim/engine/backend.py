"""The engine's kernels by name: one enum read by the engine, the batch jobs and the CLI."""

from __future__ import annotations

from enum import StrEnum

from ketasim.errors import InputError

__all__ = ["CPU_BACKENDS", "Backend"]


class Backend(StrEnum):
    """A kernel: ``numpy`` (the reference), ``numba`` (compiled, the fast path), ``jax`` (GPU-ready).

    A ``StrEnum``, so a member equals its name as a string: files and JSON written with a backend
    keep the plain name.
    """

    NUMPY = "numpy"
    NUMBA = "numba"
    JAX = "jax"

    @classmethod
    def parse(
        cls,
        value: str | Backend,
        where: str = "engine",
        field: str = "backend",
        allowed: tuple[Backend, ...] | None = None,
    ) -> Backend:
        """``value`` as a backend; raises :class:`InputError` naming ``where``/``field`` otherwise.

        ``allowed`` narrows the choice (the CLI offers the CPU kernels only).
        """
        choices = tuple(cls) if allowed is None else allowed
        names = ", ".join(b.value for b in choices)
        try:
            backend = cls(str(value).strip().lower())
        except ValueError:
            raise InputError(where, field, f"must be one of {names}", value) from None
        if backend not in choices:
            raise InputError(where, field, f"must be one of {names}", value)
        return backend


#: The kernels that need no accelerator library: what the command line offers.
CPU_BACKENDS = (Backend.NUMBA, Backend.NUMPY)
