"""S-norketamine disposition: Otto et al. 2021.

Otto ME, Bergmann KR, Jacobs G, van Velzen M, Dahan A, Niesters M.
Population pharmacokinetics of S-ketamine and S-norketamine in healthy
volunteers after intravenous and oral dosing. Eur J Clin Pharmacol
2021;77:1181-1192. doi:10.1007/s00228-021-03104-1.

Read via the nlmixr2lib transcription ``Otto_2021_s_ketamine.R``. All of
ketamine's clearance forms norketamine (fm = 1, Otto's assumption), and
norketamine is carried in the mass units of the parent (no molar-mass
conversion, as in the supplementary $DES). ketasim applies the S values to
R-norketamine too (no R-specific model found). Weight scaling as in Otto's
code: central volume linear, clearance to the 3/4 power, peripheral volume and
intercompartmental clearance not scaled.
"""

from ketasim.library._build import omega_from_variance, param, src
from ketasim.params import Evidence, ParameterSet

_OTTO = src(
    "Otto 2021 Eur J Clin Pharmacol 77:1181",
    "nlmixr2lib Otto_2021_s_ketamine.R (S-norketamine block)",
    Evidence.TRANSCRIPTION,
    doi="10.1007/s00228-021-03104-1",
)

PARAMETERS = ParameterSet(
    name="Otto_2021_norketamine",
    title="Norketamine two-compartment disposition (S-norketamine, applied to both enantiomers)",
    citation="Otto ME et al. Eur J Clin Pharmacol 2021;77:1181-1192",
    doi="10.1007/s00228-021-03104-1",
    parameters=(
        param(
            "V_NK",
            98.6,
            "L",
            (20, 500),
            "norketamine central volume at 70 kg",
            _OTTO,
            omega=omega_from_variance(0.040),
        ),
        param(
            "CL_NK",
            57.7,
            "L/h",
            (10, 300),
            "norketamine clearance at 70 kg",
            _OTTO,
            omega=omega_from_variance(0.103),
        ),
        param("VP_NK", 160.0, "L", (20, 800), "norketamine peripheral volume at 70 kg", _OTTO),
        param("Q_NK", 42.8, "L/h", (5, 300), "norketamine intercompartmental clearance", _OTTO),
        param(
            "FM",
            1.0,
            "1",
            (0.5, 1.0),
            "fraction of ketamine clearance forming norketamine",
            src("Otto 2021", "assumed fm = 1 (Simons 2022 used 0.8)", Evidence.TRANSCRIPTION),
        ),
    ),
    correlations=(("V_NK", "CL_NK", 0.044 / (0.040 * 0.103) ** 0.5),),
)
