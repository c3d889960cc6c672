"""Published parameter sets, one file per paper (``Author_Year_drug``), and their registry.

The registry is built once, from the files themselves: every module of this
package named ``Author_Year_drug`` holds one ``PARAMETERS`` set, registered
under its name. Adding a paper is adding its file.

>>> sorted(PARAMETER_SETS)[:2]
['Andrashko_2020_ketamine_benzodiazepine', 'Autry_2011_ketamine_bdnf']
"""

from __future__ import annotations

import importlib
import pkgutil
import re

from ketasim.errors import InputError
from ketasim.params import ParameterSet

__all__ = ["PARAMETER_SETS", "parameter_set"]

#: The file names of parameter sets (the other modules are the registry's tools).
SET_NAME = re.compile(r"^[A-Z][A-Za-z]+_\d{4}_[a-z][a-z0-9_]*$")


def _registry() -> dict[str, ParameterSet]:
    sets: dict[str, ParameterSet] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.ispkg or not SET_NAME.match(info.name):
            continue
        ps = importlib.import_module(f"{__name__}.{info.name}").PARAMETERS
        if ps.name != info.name:
            raise InputError("library", info.name, "the set's name must be its file's name", ps.name)
        sets[ps.name] = ps
    return sets


#: Every registered parameter set by name.
PARAMETER_SETS: dict[str, ParameterSet] = _registry()


def parameter_set(name: str) -> ParameterSet:
    """Returns a registered parameter set by its ``Author_Year_drug`` name."""
    try:
        return PARAMETER_SETS[name]
    except KeyError:
        raise InputError(
            "library",
            "name",
            f"unknown parameter set (known: {', '.join(sorted(PARAMETER_SETS))})",
            name,
        ) from None
