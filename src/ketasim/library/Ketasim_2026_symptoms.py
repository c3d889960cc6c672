"""From latent state to MADRS: responsiveness, fast and synaptic terms, items, rater noise.

ketasim's own symptom map (docs/model.md §3), with values to be estimated by
``ketasim calibrate``. A patient's drug responsiveness ``G`` is the largest
fraction of (baseline - floor) that full synaptic restoration and the fast term
can remove; it varies between patients (logit-normal) and with covariates.
The MADRS item profile at baseline in TRD was not found in a source: the
profile below is an assumption (placeholder) in which item 10 is set by the
patient's baseline suicidal ideation. Item 10 is weighted toward the fast term
(suicidal ideation falls fast: Wilkinson 2018 Am J Psychiatry 175:150, effect
significant after adjusting for depressive symptoms). Rater noise: MADRS
inter-rater reliability is high (ICC ~0.9) but visit-to-visit noise of 2-3
points is usual; 0.8 points per item is a placeholder.
"""

from ketasim.library._build import param, src
from ketasim.params import Evidence, ParameterSet

_EST = src(
    "ketasim calibration prior",
    "docs/model.md §3",
    Evidence.ASSUMPTION,
    note="estimated by ketasim calibrate",
)
_PROFILE = src("assumed TRD item profile (no source found)", "docs/model.md §3", Evidence.ASSUMPTION)

ITEMS = (
    "apparent_sadness", "reported_sadness", "inner_tension", "reduced_sleep", "reduced_appetite",
    "concentration", "lassitude", "inability_to_feel", "pessimistic_thoughts", "suicidal_thoughts",
)  # fmt: skip

PARAMETERS = ParameterSet(
    name="Ketasim_2026_symptoms",
    title="Symptom map: responsiveness, fast and synaptic terms, MADRS items, rater noise",
    citation="ketasim calibration (priors: docs/model.md §3)",
    parameters=(
        param(
            "G_TYP",
            0.7,
            "1",
            (0.05, 0.98),
            "typical drug responsiveness (fraction of baseline-floor)",
            _EST,
            estimated=True,
            omega=1.0,
            scale="logit",
            omega_placeholder=True,
        ),
        param(
            "BETA_ESKETAMINE",
            -0.8,
            "1",
            (-3.0, 0.5),
            "shift of logit responsiveness for esketamine courses (vs racemic IV ketamine)",
            src(
                "Bahji 2021 J Affect Disord 278:542-555 (PMID 33022440)",
                "racemic ketamine gave larger response and remission than esketamine",
                Evidence.ASSUMPTION,
                doi="10.1016/j.jad.2020.09.071",
                note="direction from the meta-analysis; size estimated by ketasim calibrate",
            ),
            estimated=True,
        ),
        param(
            "A_W",
            0.7,
            "1",
            (0.0, 1.0),
            "largest share of the drug effect from the fast term",
            _EST,
            estimated=True,
        ),
        param(
            "W_SAT",
            0.008,
            "1",
            (0.001, 0.5),
            "fast-term level at tanh(1) of its effect",
            _EST,
            estimated=True,
        ),
        param(
            "A_W_SI",
            0.9,
            "1",
            (0.0, 1.0),
            "fast-term share for item 10 (suicidal thoughts)",
            _EST,
            placeholder=True,
        ),
        param(
            "FLOOR",
            4.0,
            "points",
            (0.0, 10.0),
            "MADRS reached when every term is at its maximum",
            _EST,
            placeholder=True,
        ),
        param(
            "SIGMA_ITEM",
            0.8,
            "points",
            (0.0, 2.0),
            "rater noise per MADRS item (SD)",
            src("assumption: 2-3 points visit-to-visit on the total", evidence=Evidence.ASSUMPTION),
            placeholder=True,
        ),
        *(
            param(
                f"W_{name.upper()}",
                w,
                "1",
                (0.0, 6.0),
                f"baseline weight of item '{name}'",
                _PROFILE,
                placeholder=True,
            )
            for name, w in zip(ITEMS[:9], (3.9, 4.2, 3.4, 3.2, 2.3, 3.4, 3.6, 3.9, 3.4), strict=True)
        ),
    ),
)
