"""Baseline adiponectin and the ketamine response: Machado-Vieira et al. 2017.

Machado-Vieira R, Gold PW, Luckenbaugh DA, et al. The role of adipokines in the
rapid antidepressant effects of ketamine. Mol Psychiatry 2017;22(1):127-133
(PMC5112162): in 80 subjects, "lower baseline adiponectin ... predicted"
ketamine's efficacy (MADRS and HDRS % change). The effect size is not in the
abstract: the coefficient is a placeholder that only sets the direction.
"""

from ketasim.library._build import param, src
from ketasim.params import Evidence, ParameterSet

_MV = src(
    "Machado-Vieira 2017 Mol Psychiatry 22:127",
    "abstract: lower adiponectin, better response",
    Evidence.PRIMARY,
    doi="10.1038/mp.2016.36",
)

PARAMETERS = ParameterSet(
    name="MachadoVieira_2017_ketamine_adiponectin",
    title="Adiponectin effect on responsiveness (direction only)",
    citation="Machado-Vieira R et al. Mol Psychiatry 2017;22(1):127-133",
    doi="10.1038/mp.2016.36",
    parameters=(
        param(
            "BETA_ADIPONECTIN",
            -0.3,
            "1/SD",
            (-2.0, 0.0),
            "logit-responsiveness per SD of adiponectin (lower: better)",
            _MV,
            placeholder=True,
        ),
        param(
            "ADIPONECTIN_REF",
            8.0,
            "ug/mL",
            (2.0, 20.0),
            "adiponectin at which the effect is zero",
            src("typical adult plasma adiponectin (assumption)", evidence=Evidence.ASSUMPTION),
            placeholder=True,
        ),
        param(
            "ADIPONECTIN_SD",
            4.0,
            "ug/mL",
            (1.0, 10.0),
            "adiponectin SD for scaling",
            src("assumption", evidence=Evidence.ASSUMPTION),
            placeholder=True,
        ),
    ),
)
