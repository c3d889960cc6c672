"""NMDA receptor affinities of ketamine and norketamine enantiomers: Ebert et al. 1997.

Ebert B, Mikkelsen S, Thorkildsen C, Borgbjerg FM. Norketamine, the main
metabolite of ketamine, is a non-competitive NMDA receptor antagonist in the rat
cortex and spinal cord. Eur J Pharmacol 1997;333(1):99-104.
doi:10.1016/S0014-2999(97)01116-3. Abstract: "(S)-ketamine (Ki 0.3 microM) ... 5
times higher affinity ... than (R)-ketamine (Ki 1.4 microM)"; "(S)-Norketamine (Ki
1.7 microM) had approximately an 8 times higher affinity than (R)-norketamine (Ki
13 microM)" ([3H]MK-801 displacement, rat brain). Salat 2015 (Neuropharmacology
99:301) found racemic ketamine 0.119 and racemic norketamine 0.97 µM in another
lab: absolute values differ ~2-4x between labs, so ketasim uses one lab's set
for the relative potencies. (2R,6R)-hydroxynorketamine does not bind the NMDA
receptor (Bonaventura 2022 Mol Psychiatry 27:4144).
"""

from ketasim.library._build import param, src
from ketasim.params import Evidence, ParameterSet

_EBERT = src(
    "Ebert 1997 Eur J Pharmacol 333:99",
    "abstract ([3H]MK-801 displacement, rat cortex)",
    Evidence.PRIMARY,
    doi="10.1016/S0014-2999(97)01116-3",
)

PARAMETERS = ParameterSet(
    name="Ebert_1997_ketamine_nmda",
    title="NMDA receptor inhibition constants of S/R-ketamine and S/R-norketamine",
    citation="Ebert B et al. Eur J Pharmacol 1997;333(1):99-104",
    doi="10.1016/S0014-2999(97)01116-3",
    parameters=(
        param("KI_S_KETAMINE", 0.30, "uM", (0.1, 1.0), "Ki of S-ketamine", _EBERT),
        param("KI_R_KETAMINE", 1.4, "uM", (0.5, 5.0), "Ki of R-ketamine", _EBERT),
        param("KI_S_NORKETAMINE", 1.7, "uM", (0.5, 6.0), "Ki of S-norketamine", _EBERT),
        param("KI_R_NORKETAMINE", 13.0, "uM", (3.0, 40.0), "Ki of R-norketamine", _EBERT),
    ),
)
