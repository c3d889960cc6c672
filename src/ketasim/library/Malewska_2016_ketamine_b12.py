"""Vitamin B12 and the ketamine response: the published evidence is small and mixed.

Malewska MK, Permoda-Osip A, et al. Farmakoter Psychiatr Neurol 2016;32(1):9-15:
in bipolar depression, mean HDRS improvement at day 7 was 28 % with B12 < 350
pg/mL and 55 % with B12 >= 350 pg/mL (p = 0.011). Permoda-Osip 2013
(Pharmacopsychiatry 46:227) and 2014: responders had higher B12. Lundin 2014
(Pharmacopsychiatry 47:141, NIMH, MDD and bipolar): no link. The brief behind
ketasim says lower B12 is better; ketasim follows the published direction
(higher is better) by default, and the effect is a switch (``b12_effect``:
published, none, brief). The size is a placeholder (to calibrate on E12).
"""

from ketasim.library._build import param, src
from ketasim.params import Evidence, ParameterSet

_MAL = src(
    "Malewska 2016 Farmakoter Psychiatr Neurol 32:9",
    "abstract: 28 % vs 55 % (<350 vs >=350)",
    Evidence.PRIMARY,
)

PARAMETERS = ParameterSet(
    name="Malewska_2016_ketamine_b12",
    title="Vitamin B12 effect on responsiveness (switchable)",
    citation="Malewska MK et al. Farmakoterapia w Psychiatrii i Neurologii 2016;32(1):9-15",
    parameters=(
        param(
            "BETA_B12",
            0.3,
            "1/SD",
            (0.0, 2.0),
            "logit-responsiveness per SD of B12 (higher: better)",
            _MAL,
            placeholder=True,
        ),
        param(
            "B12_REF",
            450.0,
            "pg/mL",
            (200.0, 800.0),
            "B12 at which the effect is zero",
            src(
                "between the groups of Malewska 2016 and NIMH means (Lundin 2014: 551-648)",
                evidence=Evidence.ASSUMPTION,
            ),
            placeholder=True,
        ),
        param(
            "B12_SD",
            200.0,
            "pg/mL",
            (50.0, 500.0),
            "B12 SD for scaling",
            src("assumption", evidence=Evidence.ASSUMPTION),
            placeholder=True,
        ),
    ),
)
