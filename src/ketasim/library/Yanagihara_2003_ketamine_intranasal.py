"""Intranasal racemic ketamine: Yanagihara et al. 2003.

Yanagihara Y, Ohtani M, Kariya S, et al. Plasma concentration profiles of
ketamine and norketamine after administration of various ketamine preparations
to healthy Japanese volunteers. Biopharm Drug Dispos 2003;24(1):37-43 (n = 3):
intranasal F ~45 %. A later study (Pharmacotherapy 2022;42(4):298, Table 6,
n = 7-10 per arm) found lower, dose-dependent F (17/13/11 % at 10/30/50 mg) and
Tmax 14-23 min: run sensitivity down to 0.11. Absorption rate 2/h gives Tmax
~15-20 min with the Kamp disposition (placeholder). Norketamine from the
swallowed part: same total absorbed fraction as oral (0.84) minus F (assumed).
"""

from ketasim.library._build import assumed_first_order, param, src
from ketasim.params import Evidence, ParameterSet

_YANA = src(
    "Yanagihara 2003 Biopharm Drug Dispos 24:37",
    "abstract: intranasal F ~45 % (n = 3)",
    Evidence.PRIMARY,
    doi="10.1002/bdd.336",
)

PARAMETERS = ParameterSet(
    name="Yanagihara_2003_ketamine_intranasal",
    title="Intranasal racemic ketamine absorption",
    citation="Yanagihara Y et al. Biopharm Drug Dispos 2003;24(1):37-43",
    doi="10.1002/bdd.336",
    parameters=(
        param(
            "F",
            0.45,
            "1",
            (0.1, 0.6),
            "intranasal bioavailability (optimistic; 0.11-0.17 in Pharmacotherapy 2022)",
            _YANA,
            placeholder=True,
        ),
        param(
            "F_NK",
            0.39,
            "1",
            (0.0, 0.9),
            "fraction converted to norketamine before reaching the circulation",
            src("assumed: oral total absorbed fraction 0.84 minus F", evidence=Evidence.ASSUMPTION),
            placeholder=True,
        ),
        assumed_first_order(),
        param(
            "KA",
            2.0,
            "1/h",
            (0.3, 20.0),
            "absorption rate (Tmax 14-23 min)",
            src(
                "derived from Pharmacotherapy 2022 Tmax with the Kamp disposition",
                evidence=Evidence.DERIVED,
            ),
            placeholder=True,
        ),
    ),
)
