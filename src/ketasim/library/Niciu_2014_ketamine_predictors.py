"""Clinical predictors of the ketamine response: Niciu et al. 2014 (and Phelps 2009).

Niciu MJ, Luckenbaugh DA, Ionescu DF, et al. Clinical predictors of ketamine
response in treatment-resistant major depression. J Clin Psychiatry
2014;75(5):e417-e423. doi:10.4088/JCP.13m08698. Outcome: % change in HDRS after
0.5 mg/kg (n = 108/82/71 at 230 min/day 1/day 7); negative standardized beta =
more improvement. "Higher body mass index correlated with greater HDRS
improvement at 230 minutes (β = -0.30) and at day 1 (β = -0.37)"; "family history
of an alcohol use disorder in a first-degree relative was associated with
greater HDRS improvement at day 1 (β = -0.27) and day 7 (β = -0.41)"; "no prior
history of suicide attempt(s) was associated with greater improvement only at
day 7 (β = 0.28)". Phelps 2009 (Biol Psychiatry 65:181) agrees on family history.
ketasim gives each predictor an additive effect on the logit of the patient's
responsiveness; the coefficients start from rough priors and are estimated
against the standardized betas (calibration_targets E06-E08).
"""

from ketasim.library._build import param, src
from ketasim.params import Evidence, ParameterSet

_EST = src(
    "Niciu 2014 J Clin Psychiatry 75:e417",
    "direction from the abstract's standardized betas; size: prior on the logit of responsiveness",
    Evidence.ASSUMPTION,
    doi="10.4088/JCP.13m08698",
    note="estimated by ketasim calibrate",
)

PARAMETERS = ParameterSet(
    name="Niciu_2014_ketamine_predictors",
    title="BMI, family history of alcohol use disorder and prior suicide attempt",
    citation="Niciu MJ et al. J Clin Psychiatry 2014;75(5):e417-e423",
    doi="10.4088/JCP.13m08698",
    parameters=(
        param(
            "BETA_BMI",
            0.3,
            "1/SD",
            (-2.0, 2.0),
            "logit-responsiveness per SD of BMI (higher: better)",
            _EST,
            estimated=True,
        ),
        param(
            "BMI_REF",
            29.0,
            "kg/m2",
            (20.0, 40.0),
            "BMI at which the effect is zero",
            src("typical TRD trial BMI (assumption)", evidence=Evidence.ASSUMPTION),
            placeholder=True,
        ),
        param(
            "BMI_SD",
            6.0,
            "kg/m2",
            (2.0, 12.0),
            "BMI standard deviation for scaling",
            src("typical adult BMI SD (assumption)", evidence=Evidence.ASSUMPTION),
            placeholder=True,
        ),
        param(
            "BETA_FH_ALCOHOL",
            0.6,
            "1",
            (-3.0, 3.0),
            "logit-responsiveness with a family history of AUD",
            _EST,
            estimated=True,
        ),
        param(
            "BETA_SUICIDE_ATTEMPT",
            -0.6,
            "1",
            (-3.0, 3.0),
            "logit-responsiveness after a prior attempt",
            _EST,
            estimated=True,
        ),
    ),
)
