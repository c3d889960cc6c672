"""Timing of ketamine-induced spine formation: Moda-Sava et al. 2019.

Moda-Sava RN, Murdock MH, Parekh PK, et al. Sustained rescue of prefrontal
circuit dysfunction by antidepressant-induced spine formation. Science
2019;364(6436):eaat8078. doi:10.1126/science.aat8078: spinogenesis is required
for the maintenance, not the induction, of the antidepressant effect. Spine
formation rates "were not altered at 3-6 h following a single injection, but
were markedly altered at 12-24 h" (quoted by a later paper). The structural
transit time constant is chosen so that formation is small at 3-6 h and
marked at 12-24 h.
"""

from ketasim.library._build import param, src
from ketasim.params import Evidence, ParameterSet

PARAMETERS = ParameterSet(
    name="ModaSava_2019_ketamine_spines",
    title="Delay of spine formation after ketamine",
    citation="Moda-Sava RN et al. Science 2019;364(6436):eaat8078",
    doi="10.1126/science.aat8078",
    parameters=(
        param(
            "TAU_X",
            8.0,
            "h",
            (2.0, 24.0),
            "structural transit time constant (formation at 12-24 h)",
            src(
                "Moda-Sava 2019 via a secondary citation",
                "formation 12-24 h, not 3-6 h",
                Evidence.SECONDARY,
                doi="10.1126/science.aat8078",
            ),
        ),
    ),
)
