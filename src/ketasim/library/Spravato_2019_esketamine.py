"""Acute effects (dissociation, blood pressure): label facts and concentration-effect anchors.

SPRAVATO (esketamine) nasal spray prescribing information (Janssen, 2019 and
later): "Increases in BP peak at approximately 40 minutes after SPRAVATO
administration and last approximately 4 hours"; 8-19 % of patients had an
increase >= 40 mmHg systolic in the first 1.5 h (label via J&J Medical
Information); dissociation peaks ~40 min and resolves by 1.5-2 h, and lessens
over repeated sessions. Olofsen 2022 (Anesthesiology 136:792): S-ketamine C50
0.51 µM for external perception, R-ketamine not contributing. Bowdle 1998
(Anesthesiology 88:82): psychedelic effects linear in 50-200 ng/mL. The CADSS
maximum, blood-pressure maximum and potency, and tolerance values are
placeholders until fitted to CADSS and blood-pressure data.
"""

from ketasim.library._build import param, src
from ketasim.params import Evidence, ParameterSet

_LABEL = src(
    "Spravato prescribing information", "section 5.3/6 via J&J Medical Information", Evidence.SECONDARY
)
_PLACE = src("placeholder until fitted to CADSS / blood-pressure data", evidence=Evidence.ASSUMPTION)

PARAMETERS = ParameterSet(
    name="Spravato_2019_esketamine",
    title="Dissociation (CADSS) and systolic blood-pressure rise from effect-site ketamine",
    citation="SPRAVATO (esketamine) nasal spray, US prescribing information (Janssen)",
    parameters=(
        param(
            "CADSS_MAX", 40.0, "points", (5.0, 92.0), "largest CADSS total increase", _PLACE, placeholder=True
        ),
        param(
            "CADSS_C50",
            0.51,
            "uM",
            (0.38, 0.66),
            "S-ketamine effect-site concentration at half effect",
            src("Olofsen 2022 Anesthesiology 136:792", "abstract: C50 0.51 nmol/mL", Evidence.PRIMARY),
        ),
        param(
            "CADSS_HILL",
            1.5,
            "1",
            (0.5, 4.0),
            "steepness of the dissociation curve",
            _PLACE,
            placeholder=True,
        ),
        param(
            "K_TOL",
            0.02,
            "1/(uM h)",
            (0.0, 1.0),
            "build-up of tolerance to dissociation",
            _PLACE,
            placeholder=True,
        ),
        param(
            "TAU_TOL", 336.0, "h", (24.0, 2000.0), "tolerance decay time constant", _PLACE, placeholder=True
        ),
        param("BP_MAX", 25.0, "mmHg", (5.0, 60.0), "largest systolic rise", _PLACE, placeholder=True),
        param(
            "BP_C50",
            0.5,
            "uM",
            (0.1, 3.0),
            "total ketamine effect-site concentration at half rise",
            _LABEL,
            placeholder=True,
        ),
    ),
)
