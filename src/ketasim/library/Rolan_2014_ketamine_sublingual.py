"""Sublingual racemic ketamine: Rolan et al. 2014.

Rolan P, Lim S, Sunderland V, Liu Y, Molnar V. The absolute bioavailability
of racemic ketamine from a novel sublingual formulation. Br J Clin Pharmacol
2014;77(6):1011-1016 (PMC4093926), n = 8. F 29 % (90 % CI 27-31), first
quantifiable by 5 min, Tmax 0.75 h (0.25-1.0). Chong 2006: 32 ± 17 %.

First-order absorption rate 0.8/h gives Tmax ~40 min with the Kamp disposition
(a placeholder until a fitted value is found). The swallowed remainder is
assumed to reach norketamine as after an oral dose: the same total absorbed
fraction as oral (0.84) minus F.
"""

from ketasim.library._build import assumed_first_order, param, src
from ketasim.params import Evidence, ParameterSet

_ROLAN = src(
    "Rolan 2014 Br J Clin Pharmacol 77:1011",
    "abstract: F 29 % (27-31), Tmax 0.75 h",
    Evidence.PRIMARY,
    doi="10.1111/bcp.12264",
)

PARAMETERS = ParameterSet(
    name="Rolan_2014_ketamine_sublingual",
    title="Sublingual racemic ketamine absorption",
    citation="Rolan P et al. Br J Clin Pharmacol 2014;77(6):1011-1016",
    doi="10.1111/bcp.12264",
    parameters=(
        param("F", 0.29, "1", (0.15, 0.5), "sublingual bioavailability of ketamine", _ROLAN),
        param(
            "F_NK",
            0.55,
            "1",
            (0.0, 0.9),
            "fraction converted to norketamine before reaching the circulation",
            src("assumed: oral total absorbed fraction 0.84 minus F", evidence=Evidence.ASSUMPTION),
            placeholder=True,
        ),
        assumed_first_order(2.0),
        param(
            "KA",
            0.8,
            "1/h",
            (0.2, 10.0),
            "absorption rate (Tmax ~0.75 h)",
            src("derived from Rolan 2014 Tmax with the Kamp disposition", evidence=Evidence.DERIVED),
            placeholder=True,
        ),
    ),
)
