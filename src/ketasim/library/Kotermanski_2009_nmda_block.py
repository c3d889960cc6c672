"""Cell-type selectivity of the NMDA block (disinhibition) and brain exposure of norketamine.

Interneurons (GluN2C/D-rich, tonically active) are blocked at lower ketamine
concentrations than pyramidal cells (GluN2A/B in physiological Mg2+), which is
why subanaesthetic ketamine disinhibits pyramidal cells and raises prefrontal
glutamate while anaesthetic doses do not (Moghaddam 1997 J Neurosci 17:2921:
10-30 mg/kg raised PFC glutamate, 50 mg/kg did not, 200 mg/kg lowered it;
Chowdhury 2017: 30 but not 80 mg/kg raised 13C cycling). Kotermanski & Johnson
2009 (J Neurosci 29:2774) report a several-fold higher ketamine sensitivity of
GluN2C/D than GluN2A/B receptors in 1 mM Mg2+ (not re-read here). ketasim takes
the interneuron block at the binding Ki, cooperative (disinhibition needs a
broad interneuron block, so the drive favours high peaks), and the pyramidal
block 10-fold weaker with a steep term, so that the drive collapses at anaesthetic
effect-site concentrations (5-10 µM; Zanos 2018 Pharmacol Rev Table 1):
assumptions, flagged.

Norketamine reaches the brain less than the parent: "the brain-to-plasma ratio
of noresketamine is 4 to 6 times lower than that of esketamine" (Spravato
prescribing information, quoted by a review).
"""

from ketasim.library._build import param, src
from ketasim.params import Evidence, ParameterSet

_ASSUMED = src(
    "Kotermanski 2009 J Neurosci 29:2774 (subunit selectivity, not re-read); Moghaddam 1997",
    "chosen so the drive is an inverted U of concentration",
    Evidence.ASSUMPTION,
)

PARAMETERS = ParameterSet(
    name="Kotermanski_2009_nmda_block",
    title="Interneuron vs pyramidal NMDA block and norketamine brain exposure",
    citation="Kotermanski SE, Johnson JW. J Neurosci 2009;29(9):2774-2779",
    doi="10.1523/JNEUROSCI.3703-08.2009",
    parameters=(
        param("S_INT", 1.0, "1", (0.3, 3.0), "interneuron IC50 / binding Ki", _ASSUMED, placeholder=True),
        param("S_PYR", 10.0, "1", (3.0, 40.0), "pyramidal IC50 / binding Ki", _ASSUMED, placeholder=True),
        param(
            "H_INT",
            3.0,
            "1",
            (1.0, 4.0),
            "cooperativity of the interneuron block in the drive (disinhibition needs a broad block)",
            _ASSUMED,
            placeholder=True,
        ),
        param(
            "N_PYR",
            6.0,
            "1",
            (1.0, 8.0),
            "steepness of the pyramidal block on the drive",
            _ASSUMED,
            placeholder=True,
        ),
        param(
            "KP_NK",
            0.2,
            "1",
            (0.1, 1.0),
            "brain/plasma exposure of norketamine relative to the parent (1/5, label: 4-6x lower)",
            src(
                "Spravato prescribing information",
                "quoted by the mdedge Current Psychiatry review",
                Evidence.SECONDARY,
            ),
        ),
    ),
)
