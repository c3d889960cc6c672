"""Intramuscular racemic ketamine: Clements et al. 1982.

Clements JA, Nimmo WS, Grant IS. Bioavailability, pharmacokinetics, and
analgesic activity of ketamine in humans. J Pharm Sci 1982;71(5):539-542.
F 93 %, Tmax 5-20 min, as quoted by secondary sources (primary not read).
The absorption rate has no verified value: 3/h gives Tmax ~11 min with the
Kamp disposition (placeholder until Abuhelwa 2022, CPT, is obtained).
"""

from ketasim.library._build import assumed_first_order, param, src
from ketasim.params import Evidence, ParameterSet

_CLEMENTS = src(
    "Clements 1982 J Pharm Sci 71:539",
    "F 93 % as quoted by secondary sources",
    Evidence.SECONDARY,
    doi="10.1002/jps.2600710516",
)

PARAMETERS = ParameterSet(
    name="Clements_1982_ketamine_intramuscular",
    title="Intramuscular racemic ketamine absorption",
    citation="Clements JA et al. J Pharm Sci 1982;71(5):539-542",
    doi="10.1002/jps.2600710516",
    parameters=(
        param("F", 0.93, "1", (0.7, 1.0), "intramuscular bioavailability", _CLEMENTS),
        param(
            "F_NK",
            0.0,
            "1",
            (0.0, 0.2),
            "presystemic norketamine formation (none)",
            src("no first pass after IM injection", evidence=Evidence.ASSUMPTION),
        ),
        assumed_first_order(),
        param(
            "KA",
            3.0,
            "1/h",
            (0.5, 20.0),
            "absorption rate (Tmax 5-20 min)",
            src("placeholder from the quoted Tmax", evidence=Evidence.ASSUMPTION),
            placeholder=True,
        ),
    ),
)
