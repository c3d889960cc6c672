"""python-libsbml as the test oracle of every SBML document ketasim writes.

:func:`sbml_problems` runs libsbml's full consistency check: every category
(general, identifiers, MathML, SBO, overdetermined model, modelling practice,
units) with strict units, and the internal checks. Every message counts,
warnings included: libsbml reports SBO terms of the wrong branch and
modelling-practice slips as warnings, and a file other tools accept without a
fix-up has none.

:func:`check_every_sbml` wraps the writer where ketasim calls it (the API,
the CLI through it, the libroadrunner peer), so each document any test makes
is checked when it is made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import libsbml
import pytest

CATEGORIES = (
    libsbml.LIBSBML_CAT_GENERAL_CONSISTENCY,
    libsbml.LIBSBML_CAT_IDENTIFIER_CONSISTENCY,
    libsbml.LIBSBML_CAT_UNITS_CONSISTENCY,
    libsbml.LIBSBML_CAT_MATHML_CONSISTENCY,
    libsbml.LIBSBML_CAT_SBO_CONSISTENCY,
    libsbml.LIBSBML_CAT_OVERDETERMINED_MODEL,
    libsbml.LIBSBML_CAT_MODELING_PRACTICE,
)


def _messages(doc: Any) -> list[str]:
    errors = [doc.getError(k) for k in range(doc.getNumErrors())]
    return [
        f"{e.getSeverityAsString()} {e.getErrorId()} line {e.getLine()}: {e.getMessage().strip()}"
        for e in errors
    ]


def sbml_problems(xml: str) -> list[str]:
    """Every message of libsbml on ``xml``: reading, internal checks, full consistency with strict units."""
    doc = libsbml.readSBMLFromString(xml)
    read = _messages(doc)
    if doc.getModel() is None:
        return read or ["Fatal: no model"]
    for category in CATEGORIES:
        doc.setConsistencyChecks(category, True)
    doc.checkInternalConsistency()
    internal = _messages(doc)
    doc.checkConsistencyWithStrictUnits()
    return read + internal + _messages(doc)


def _checked(write: Callable[..., str]) -> Callable[..., str]:
    def wrapper(*args: Any, **kwargs: Any) -> str:
        xml = write(*args, **kwargs)
        problems = sbml_problems(xml)
        assert problems == [], problems
        return xml

    wrapper.__wrapped__ = write  # type: ignore[attr-defined]
    return wrapper


@contextmanager
def check_every_sbml() -> Iterator[None]:
    """Every SBML document written while it is open is checked by :func:`sbml_problems`."""
    import ketasim.bench.roadrunner as peer
    import ketasim.io.sbml as sbml

    with pytest.MonkeyPatch.context() as mp:
        checked = _checked(sbml.to_sbml)
        # export_sbml and the CLI look the writer up in ketasim.io.sbml; the peer imported it by name
        mp.setattr(sbml, "to_sbml", checked)
        mp.setattr(peer, "to_sbml", checked)
        yield
