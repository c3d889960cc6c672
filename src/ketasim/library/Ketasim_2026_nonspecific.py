"""Placebo/expectancy response and background oral antidepressant: estimated components.

Controlled trials need both. Each treatment session (active or placebo) gives
an expectancy impulse that fades within a day (fast) and builds a slower,
trial-long non-specific improvement (contact, regression to the mean). Kinds
differ: midazolam, an active placebo, gave larger 24 h improvements than
saline or placebo spray (Murrough 2013 AJP -8.8 vs Daly 2018 -5.7 MADRS at
24 h); values are estimated by ``ketasim calibrate``. A newly started oral
antidepressant acts over weeks (TRANSFORM-1/2 comparator arms); a continued one
is already in the baseline score but, like a new one, may change how well the
drug's effect is taken up and how long it lasts (``BETA_AD_RESPONSE``,
``BETA_AD_DURABILITY``: prior no effect, estimated). Expectancy and
non-specific improvement together are bounded by ``R_P_MAX``: repeated placebo
sessions saturate rather than accumulate to the drug's effect (docs/model.md §4).
Inpatients (trial specs' ``setting: inpatient``) take a larger expectancy impulse per session
(``F_INPATIENT``): a placeholder with no published estimate behind it (decision 0034).
"""

from ketasim.library._build import param, src
from ketasim.params import Evidence, ParameterSet

_EST = src(
    "ketasim calibration prior",
    "docs/model.md §4",
    Evidence.ASSUMPTION,
    note="estimated by ketasim calibrate",
)

PARAMETERS = ParameterSet(
    name="Ketasim_2026_nonspecific",
    title="Expectancy (per session kind), non-specific improvement, background antidepressant",
    citation="ketasim calibration (priors: docs/model.md §4)",
    parameters=(
        param(
            "E_SALINE",
            0.35,
            "1",
            (0.0, 2.0),
            "expectancy impulse of an IV session (saline or drug)",
            _EST,
            estimated=True,
        ),
        param(
            "E_MIDAZOLAM",
            0.6,
            "1",
            (0.0, 3.0),
            "expectancy impulse of a midazolam session",
            _EST,
            estimated=True,
        ),
        param(
            "E_SPRAY",
            0.35,
            "1",
            (0.0, 2.0),
            "expectancy impulse of a nasal session (spray or drug)",
            _EST,
            estimated=True,
        ),
        param("TAU_EF", 12.0, "h", (2.0, 72.0), "expectancy decay time constant", _EST, estimated=True),
        param(
            "K_ES",
            0.03,
            "1/h",
            (0.0, 0.2),
            "build-up of non-specific improvement per unit expectancy",
            _EST,
            estimated=True,
        ),
        param(
            "TAU_ES",
            336.0,
            "h",
            (48.0, 2000.0),
            "non-specific improvement time constant",
            _EST,
            estimated=True,
        ),
        param(
            "R_P_MAX",
            0.35,
            "1",
            (0.05, 0.9),
            "largest fractional improvement from expectancy and non-specific effects",
            src(
                "placebo arms of calibration_targets.csv",
                "rows P10-P15, A13; docs/model.md §4",
                Evidence.ASSUMPTION,
                note="prior from saline and midazolam arms; estimated by ketasim calibrate",
            ),
            estimated=True,
        ),
        param(
            "P_TYP",
            1.0,
            "1",
            (1.0, 1.0),
            "typical placebo responsiveness (reference)",
            src("definition", evidence=Evidence.ASSUMPTION),
            omega=0.6,
            omega_placeholder=True,
        ),
        param(
            "AD_MAX",
            0.25,
            "1",
            (0.01, 0.8),
            "largest fractional improvement from a new oral AD",
            _EST,
            estimated=True,
            omega=0.8,
            scale="logit",
            omega_placeholder=True,
        ),
        param(
            "TAU_AD",
            504.0,
            "h",
            (168.0, 1344.0),
            "onset time constant of a new oral AD (21 d)",
            src(
                "conventional antidepressant onset over weeks",
                evidence=Evidence.ASSUMPTION,
                note="prior 21 d; estimated by ketasim calibrate",
            ),
            estimated=True,
        ),
        param(
            "BETA_AD_RESPONSE",
            0.0,
            "1",
            (-2.0, 2.0),
            "shift of logit responsiveness while an oral antidepressant is taken",
            src(
                "arms with a background oral antidepressant in calibration_targets.csv",
                "docs/model.md §4",
                Evidence.ASSUMPTION,
                note="prior 0 (no effect); estimated by ketasim calibrate",
            ),
            estimated=True,
        ),
        param(
            "BETA_AD_DURABILITY",
            0.0,
            "1",
            (-1.5, 2.5),
            "log-reduction of the stress factor on spine loss while an oral antidepressant is taken",
            src(
                "relapse after ketamine with and without a continued antidepressant",
                "calibration_targets.csv rows DR12-DR18, DR22; docs/model.md §4",
                Evidence.ASSUMPTION,
                note="prior 0 (no effect); estimated by ketasim calibrate",
            ),
            estimated=True,
        ),
        param(
            "F_INPATIENT",
            1.5,
            "1",
            (0.25, 4.0),
            "factor on the expectancy impulse of every session while an inpatient",
            src(
                "assumption: the ward (daily staff contact, structure, stressors removed) adds to the "
                "non-specific response",
                "docs/decisions/0034-inpatient-setting.md",
                Evidence.ASSUMPTION,
                note="no published inpatient-vs-outpatient placebo estimate found; not estimated (no "
                "inpatient arm among the calibration targets); 1 removes the effect",
            ),
            placeholder=True,
        ),
    ),
)
