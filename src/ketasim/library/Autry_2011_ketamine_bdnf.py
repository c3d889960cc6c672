"""BDNF release after ketamine: timing and routes (Autry 2011; Lepack 2015; Anderzhanova 2020).

Autry AE, Adachi M, Nosyreva E, et al. NMDA receptor blockade at rest triggers
rapid behavioural antidepressant responses. Nature 2011;475(7354):91-95.
doi:10.1038/nature10130: NMDAR blockade at rest de-represses BDNF translation
(eEF2 route), independent of the glutamate surge. Lepack 2015 (IJNP 18:pyu033)
and Maeng 2008 (Biol Psychiatry 63:349): BDNF release after ketamine needs AMPA
receptors and L-type calcium channels (the surge route; NBQX attenuates the
effect). Anderzhanova 2020: transient mature-BDNF release in mPFC. Time constant
~45 min (release within the first hour; Autry: BDNF protein up at 30 min, not
re-read here); the weight of the direct eEF2 route relative to the surge route
is an assumption (mechanism notes, §8.2).
"""

from ketasim.library._build import param, src
from ketasim.params import Evidence, ParameterSet

PARAMETERS = ParameterSet(
    name="Autry_2011_ketamine_bdnf",
    title="BDNF release: time constant and the direct (eEF2) route",
    citation="Autry AE et al. Nature 2011;475(7354):91-95",
    doi="10.1038/nature10130",
    parameters=(
        param(
            "TAU_B",
            0.75,
            "h",
            (0.25, 3.0),
            "BDNF release time constant",
            src(
                "Autry 2011; Anderzhanova 2020",
                "release within ~1 h (timing not re-read)",
                Evidence.SECONDARY,
            ),
            placeholder=True,
        ),
        param(
            "W_E",
            0.15,
            "1",
            (0.0, 2.0),
            "weight of the occupancy-driven (eEF2) BDNF route",
            src("mechanism notes §8.2", "relative to the AMPA/surge route", Evidence.ASSUMPTION),
            placeholder=True,
        ),
    ),
)
