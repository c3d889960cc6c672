"""Blood-brain (effect-site) equilibration of ketamine at subanaesthetic doses: Olofsen et al. 2022.

Olofsen E, Kamp J, Henthorn TK, van Velzen M, Niesters M, Sarton E, Dahan A.
Ketamine psychedelic and antinociceptive effects are connected.
Anesthesiology 2022;136(5):792-801. doi:10.1097/ALN.0000000000004176.
17 healthy men, S- and racemic ketamine, arterial PK-PD with S/R-norketamine.
Abstract: "C50, 0.51 (0.38 to 0.66) nmol/ml; blood-effect site equilibration
half-life, 8.3 [5.1 to 13.0] min ... irrespective of administration form".
The bibliographic details come from one third-party citation; the values from
the abstract. Olofsen 2012 (Anesthesiology 117:353) averaged 6.1 min over
endpoints. The same half-life is applied to the norketamines (assumption).
"""

import math

from ketasim.library._build import param, src
from ketasim.params import Evidence, ParameterSet

_OLOFSEN = src(
    "Olofsen 2022 Anesthesiology 136:792",
    "abstract: t1/2ke0 8.3 (5.1-13.0) min, C50 0.51 (0.38-0.66) nmol/mL",
    Evidence.PRIMARY,
    doi="10.1097/ALN.0000000000004176",
)

PARAMETERS = ParameterSet(
    name="Olofsen_2022_ketamine",
    title="Effect-site equilibration and psychedelic potency of S-ketamine",
    citation="Olofsen E et al. Anesthesiology 2022;136(5):792-801",
    doi="10.1097/ALN.0000000000004176",
    parameters=(
        param(
            "KE0",
            math.log(2) / (8.3 / 60.0),
            "1/h",
            (math.log(2) / (13.0 / 60), math.log(2) / (5.1 / 60)),
            "plasma to effect-site equilibration rate (t1/2 8.3 min)",
            _OLOFSEN,
        ),
        param(
            "KE0_NK",
            math.log(2) / (8.3 / 60.0),
            "1/h",
            (0.5, 20.0),
            "norketamine effect-site equilibration rate (same half-life assumed)",
            src("Olofsen 2022 value applied to norketamine", evidence=Evidence.ASSUMPTION),
            placeholder=True,
        ),
        param(
            "C50_PSY",
            0.51,
            "uM",
            (0.38, 0.66),
            "S-ketamine effect-site concentration for half-maximal external perception change",
            _OLOFSEN,
        ),
    ),
)
