"""Spine pools and the fast functional term: ketasim's estimated cascade parameters.

No published model fixes these; each starts from the rodent and human time
courses in the mechanism notes (§4-§5, §8) and is estimated by
``ketasim calibrate`` against the verified targets of calibration_targets.csv.
Labile spines appear from 12-24 h and persist "up to 2 weeks" after one dose
(Phoumthipphavong 2016 eNeuro, PMC4819286); one dose's benefit is gone by days
10-12 (Kishimoto 2016 Psychol Med, PMC5116384); after six infusions relapse
comes at a median of 18 days (Murrough 2013 Biol Psychiatry). Capture of labile
spines into the stabilised pool needs a later, strong mTORC1 pulse (a
synaptic-tagging analogue: a hypothesis, documented in docs/model.md);
stress shortens every pool's lifetime by the patient's stress factor.
"""

from ketasim.library._build import param, src
from ketasim.params import Evidence, ParameterSet, Source

_NOTES = "mechanism notes §8.2 prior; estimated by ketasim calibrate"


def _prior(locator: str) -> Source:
    return src(
        "Phoumthipphavong 2016; Kishimoto 2016; Murrough 2013", locator, Evidence.ASSUMPTION, note=_NOTES
    )


PARAMETERS = ParameterSet(
    name="Ketasim_2026_cascade",
    title="Synaptic pools (labile, stabilised, mature) and fast functional term",
    citation="ketasim calibration (priors: mechanism notes §4-§8)",
    parameters=(
        param(
            "TAU_W",
            24.0,
            "h",
            (4.0, 120.0),
            "fast functional term time constant (peak day 1)",
            _prior("Kishimoto 2016: peak at day 1"),
            estimated=True,
        ),
        param(
            "K_N",
            8.0,
            "1/h",
            (0.1, 30.0),
            "labile spine formation per unit structural drive",
            _prior("spine formation 12-24 h"),
            estimated=True,
        ),
        param(
            "TAU_N",
            96.0,
            "h",
            (24.0, 480.0),
            "labile spine lifetime",
            _prior("new spines persist up to 2 weeks"),
            estimated=True,
        ),
        param(
            "K_STAB",
            2.0,
            "1/h",
            (0.05, 20.0),
            "capture rate of labile spines during an mTORC1 pulse",
            _prior("tagging-and-capture analogue"),
            estimated=True,
        ),
        param(
            "M_TH",
            0.2,
            "1",
            (0.05, 0.6),
            "mTORC1 activity at half-maximal capture (Hill 4)",
            _prior("one session does not consolidate its own spines"),
            placeholder=True,
        ),
        param(
            "TAU_S",
            720.0,
            "h",
            (72.0, 4320.0),
            "stabilised spine lifetime",
            _prior("relapse ~18 days after a 6-infusion course"),
            estimated=True,
        ),
        param(
            "K_MAT",
            1.0 / 336.0,
            "1/h",
            (1.0 / 8760.0, 0.05),
            "maturation rate of stabilised spines",
            _prior("consolidation over an induction course"),
            estimated=True,
        ),
        param(
            "TAU_L",
            3600.0,
            "h",
            (720.0, 17520.0),
            "mature spine lifetime (months)",
            _prior("boosters every few weeks to 3-4 months"),
            estimated=True,
        ),
        param(
            "SIGMA_TYP",
            1.0,
            "1",
            (1.0, 1.0),
            "typical stress factor on spine loss (reference)",
            src("definition: 1 = the reference chronic stress of TRD", evidence=Evidence.ASSUMPTION),
            omega=0.4,
            omega_placeholder=True,
        ),
    ),
)
