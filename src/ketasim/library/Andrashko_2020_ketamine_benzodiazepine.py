"""Benzodiazepines dampen the ketamine response: Andrashko et al. 2020, Feeney et al. 2023.

Andrashko V, Novak T, Brunovsky M, et al. The antidepressant effect of ketamine
is dampened by concomitant benzodiazepine medication. Front Psychiatry
2020;11:844. doi:10.3389/fpsyt.2020.00844: nonresponders took higher doses; ROC
cut-off ">8mg of diazepam equivalent dose" (sensitivity 80 %, specificity 85 %).
Feeney 2023 (J Clin Psychiatry 84:22m14491, RAPID): higher benzodiazepine doses,
less improvement at day 1 (median split ~8 mg diazepam-equivalent).
ketasim lets GABA-A potentiation reduce the disinhibition drive by
BZ_MAX·dose/(dose + BZ_50); BZ_50 is the published 8 mg cut-off, BZ_MAX a
placeholder (no effect size in MADRS points was published).
"""

from ketasim.library._build import param, src
from ketasim.params import Evidence, ParameterSet

PARAMETERS = ParameterSet(
    name="Andrashko_2020_ketamine_benzodiazepine",
    title="Benzodiazepine attenuation of the disinhibition drive",
    citation="Andrashko V et al. Front Psychiatry 2020;11:844",
    doi="10.3389/fpsyt.2020.00844",
    parameters=(
        param(
            "BZ_50",
            8.0,
            "mg/day",
            (2.0, 40.0),
            "diazepam-equivalent dose at half the attenuation",
            src(
                "Andrashko 2020 Front Psychiatry 11:844",
                "abstract: ROC cut-off >8 mg diazepam eq.",
                Evidence.PRIMARY,
                doi="10.3389/fpsyt.2020.00844",
            ),
        ),
        param(
            "BZ_MAX",
            0.6,
            "1",
            (0.0, 1.0),
            "largest fractional reduction of the drive",
            src("assumption (no effect size published)", evidence=Evidence.ASSUMPTION),
            placeholder=True,
        ),
    ),
)
