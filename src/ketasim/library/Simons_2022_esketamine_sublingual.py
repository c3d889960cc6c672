"""Sublingual/buccal esketamine (oral thin film): Simons et al. 2022.

Simons P, Olofsen E, van Velzen M, et al. S-ketamine oral thin film - Part 1:
population pharmacokinetics of S-ketamine, S-norketamine and S-hydroxynorketamine.
Front Pain Res 2022;3:946486. doi:10.3389/fpain.2022.946486. Table 4 via the
nlmixr2lib transcription: mucosal fraction F1 26.3 %, zero-order over D1 13.1 min,
then KA1 0.04/min (2.4/h). ketasim joins this mucosal input to the
Perez-Ruixo disposition, and sends the swallowed remainder through the
Perez-Ruixo oral path (gut extraction, liver): a documented hybrid.
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
    name="Simons_2022_esketamine_sublingual",
    title="Esketamine oral thin film (sublingual/buccal) mucosal absorption",
    citation="Simons P et al. Front Pain Res 2022;3:946486",
    doi="10.3389/fpain.2022.946486",
    parameters=(
        param("F", 0.263, "1", (0.1, 0.6), "mucosal fraction absorbed", _SIMONS),
        param("DUR", 13.1 / 60.0, "h", (0.0, 1.0), "zero-order mucosal release duration", _SIMONS),
        param("KA", 2.4, "1/h", (0.3, 20.0), "mucosal absorption rate (0.04/min)", _SIMONS),
    ),
)
