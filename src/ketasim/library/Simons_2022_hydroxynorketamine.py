"""Hydroxynorketamine formation and disposition: Simons et al. 2022 (S-enantiomers).

Simons P, Olofsen E, van Velzen M, et al. S-ketamine oral thin film - Part 1:
population pharmacokinetics of S-ketamine, S-norketamine and
S-hydroxynorketamine. Front Pain Res 2022;3:946486. doi:10.3389/fpain.2022.946486.
Table 4 via the nlmixr2lib transcription ``Simons_2022_s_ketamine.R``: 70 % of
norketamine's clearance forms hydroxynorketamine (fixed in the paper), through a
1.12 min transit (neglected here), HNK two-compartment with VH1 4.4 L,
VH2 87.5 L, CLH1 0.933 L/min, CLH2 1.70 L/min at 70 kg. ketasim uses these values
for (2R,6R)-HNK formed from R-norketamine too (no R-specific model found); it
is only simulated when the (2R,6R)-HNK branch is switched on.
"""

from ketasim.library._build import param, src
from ketasim.params import Evidence, ParameterSet

_SIMONS = src(
    "Simons 2022 Front Pain Res 3:946486",
    "Table 4 via nlmixr2lib Simons_2022_s_ketamine.R",
    Evidence.TRANSCRIPTION,
    doi="10.3389/fpain.2022.946486",
)

PARAMETERS = ParameterSet(
    name="Simons_2022_hydroxynorketamine",
    title="Hydroxynorketamine formation (70 % of norketamine clearance) and two-compartment disposition",
    citation="Simons P et al. Front Pain Res 2022;3:946486",
    doi="10.3389/fpain.2022.946486",
    parameters=(
        param("FM_HNK", 0.7, "1", (0.3, 1.0), "fraction of norketamine clearance forming HNK", _SIMONS),
        param("V_HNK", 4.4, "L", (0.5, 50), "HNK central volume at 70 kg", _SIMONS),
        param("VP_HNK", 87.5, "L", (10, 500), "HNK peripheral volume", _SIMONS),
        param("CL_HNK", 0.933 * 60, "L/h", (5, 300), "HNK clearance (0.933 L/min)", _SIMONS),
        param("Q_HNK", 1.70 * 60, "L/h", (5, 500), "HNK intercompartmental clearance (1.70 L/min)", _SIMONS),
    ),
)
