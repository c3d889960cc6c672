"""Published parameter sets, one file per paper (``Author_Year_drug``), and their registry.

>>> sorted(PARAMETER_SETS)[:2]
['Chong_2006_ketamine_oral', 'Clements_1982_ketamine_intramuscular']
"""

from __future__ import annotations

from ketasim.library import (
    Chong_2006_ketamine_oral,
    Clements_1982_ketamine_intramuscular,
    Dayton_1983_ketamine,
    Kamp_2020_ketamine,
    LeNedelec_2018_ketamine_subcutaneous,
    Olofsen_2022_ketamine,
    Otto_2021_norketamine,
    PerezRuixo_2021_esketamine,
    Rolan_2014_ketamine_sublingual,
    Simons_2022_esketamine_sublingual,
    Simons_2022_hydroxynorketamine,
    Yanagihara_2003_ketamine_intranasal,
)
from ketasim.params import ParameterSet

__all__ = ["PARAMETER_SETS", "parameter_set"]

_MODULES = (
    Chong_2006_ketamine_oral,
    Clements_1982_ketamine_intramuscular,
    Dayton_1983_ketamine,
    Kamp_2020_ketamine,
    LeNedelec_2018_ketamine_subcutaneous,
    Olofsen_2022_ketamine,
    Otto_2021_norketamine,
    PerezRuixo_2021_esketamine,
    Rolan_2014_ketamine_sublingual,
    Simons_2022_esketamine_sublingual,
    Simons_2022_hydroxynorketamine,
    Yanagihara_2003_ketamine_intranasal,
)

#: Every registered parameter set by name.
PARAMETER_SETS: dict[str, ParameterSet] = {m.PARAMETERS.name: m.PARAMETERS for m in _MODULES}


def parameter_set(name: str) -> ParameterSet:
    """Returns a registered parameter set by its ``Author_Year_drug`` name."""
    from ketasim.errors import InputError

    try:
        return PARAMETER_SETS[name]
    except KeyError:
        raise InputError(
            "library",
            "name",
            f"unknown parameter set (known: {', '.join(sorted(PARAMETER_SETS))})",
            name,
        ) from None
