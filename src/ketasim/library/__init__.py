"""Published parameter sets, one file per paper (``Author_Year_drug``), and their registry.

>>> sorted(PARAMETER_SETS)[:2]
['Andrashko_2020_ketamine_benzodiazepine', 'Autry_2011_ketamine_bdnf']
"""

from __future__ import annotations

from ketasim.library import (
    Andrashko_2020_ketamine_benzodiazepine,
    Autry_2011_ketamine_bdnf,
    Carmody_2006_scale_linking,
    Chen_2006_bdnf_val66met,
    Chong_2006_ketamine_oral,
    Clements_1982_ketamine_intramuscular,
    Dayton_1983_ketamine,
    Ebert_1997_ketamine_nmda,
    Kamp_2020_ketamine,
    Ketasim_2026_cascade,
    Ketasim_2026_nonspecific,
    Ketasim_2026_symptoms,
    Kotermanski_2009_nmda_block,
    LeNedelec_2018_ketamine_subcutaneous,
    Li_2010_ketamine_mtor,
    MachadoVieira_2017_ketamine_adiponectin,
    Malewska_2016_ketamine_b12,
    Milak_2016_ketamine_glutamate,
    ModaSava_2019_ketamine_spines,
    Niciu_2014_ketamine_predictors,
    Olofsen_2022_ketamine,
    Otto_2021_norketamine,
    PerezRuixo_2021_esketamine,
    Rolan_2014_ketamine_sublingual,
    Simons_2022_esketamine_sublingual,
    Simons_2022_hydroxynorketamine,
    Spravato_2019_esketamine,
    Yanagihara_2003_ketamine_intranasal,
)
from ketasim.params import ParameterSet

__all__ = ["PARAMETER_SETS", "parameter_set"]

_MODULES = (
    Andrashko_2020_ketamine_benzodiazepine,
    Autry_2011_ketamine_bdnf,
    Carmody_2006_scale_linking,
    Chen_2006_bdnf_val66met,
    Chong_2006_ketamine_oral,
    Clements_1982_ketamine_intramuscular,
    Dayton_1983_ketamine,
    Ebert_1997_ketamine_nmda,
    Kamp_2020_ketamine,
    Ketasim_2026_cascade,
    Ketasim_2026_nonspecific,
    Ketasim_2026_symptoms,
    Kotermanski_2009_nmda_block,
    LeNedelec_2018_ketamine_subcutaneous,
    Li_2010_ketamine_mtor,
    MachadoVieira_2017_ketamine_adiponectin,
    Malewska_2016_ketamine_b12,
    Milak_2016_ketamine_glutamate,
    ModaSava_2019_ketamine_spines,
    Niciu_2014_ketamine_predictors,
    Olofsen_2022_ketamine,
    Otto_2021_norketamine,
    PerezRuixo_2021_esketamine,
    Rolan_2014_ketamine_sublingual,
    Simons_2022_esketamine_sublingual,
    Simons_2022_hydroxynorketamine,
    Spravato_2019_esketamine,
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
