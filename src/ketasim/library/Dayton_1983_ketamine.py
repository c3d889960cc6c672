"""Plasma protein binding of ketamine: Dayton et al. 1983, and the Spravato label for esketamine.

Dayton PG, Stiller RL, Cook DR, Perel JM. The binding of ketamine to plasma
proteins: emphasis on human plasma. Eur J Clin Pharmacol 1983;24(6):825-831.
doi:10.1007/BF00607095. Abstract: "ketamine (K) is bound as much as 47% to
human plasma"; no enantiomer difference in binding to alpha1-acid glycoprotein.
Esketamine: "approximately 43% to 45%" bound (label, quoted by a review).
Norketamine's human binding was not found: the ketamine value is used.
"""

from ketasim.library._build import param, src
from ketasim.params import Evidence, ParameterSet

PARAMETERS = ParameterSet(
    name="Dayton_1983_ketamine",
    title="Unbound fractions in plasma",
    citation="Dayton PG et al. Eur J Clin Pharmacol 1983;24(6):825-831",
    doi="10.1007/BF00607095",
    parameters=(
        param(
            "FU_KETAMINE",
            0.53,
            "1",
            (0.4, 0.8),
            "unbound fraction of (S/R)-ketamine",
            src(
                "Dayton 1983 Eur J Clin Pharmacol 24:825",
                "abstract: bound as much as 47%",
                Evidence.PRIMARY,
                doi="10.1007/BF00607095",
            ),
        ),
        param(
            "FU_ESKETAMINE",
            0.56,
            "1",
            (0.5, 0.7),
            "unbound fraction of esketamine (43-45% bound)",
            src(
                "Spravato prescribing information",
                "section 12.3, quoted by mdedge review",
                Evidence.SECONDARY,
            ),
        ),
        param(
            "FU_NORKETAMINE",
            0.53,
            "1",
            (0.3, 0.8),
            "unbound fraction of norketamine (ketamine value assumed)",
            src("ketamine value applied to norketamine", evidence=Evidence.ASSUMPTION),
            placeholder=True,
        ),
    ),
)
