"""Prefrontal glutamate surge after ketamine 0.5 mg/kg: Milak et al. 2016.

Milak MS, Proper CJ, Mulhern ST, et al. A pilot in vivo proton magnetic
resonance spectroscopy study of amino acid neurotransmitter response to
ketamine treatment of major depressive disorder. Mol Psychiatry
2016;21(3):320-327. doi:10.1038/mp.2015.83. Abstract: "mPFC Glx/W and GABA/W
peaked at 37.8% +/- 7.5% and 38.0% +/- 9.1% above baseline in ~26 min" (n = 11,
0.5 mg/kg IV). Abdallah 2018 (NPP 43:2154) found a smaller +13 % in 13C
glutamine enrichment. GMAX is set so that the typical 70 kg patient's surge
peaks at +38 % after 0.5 mg/kg over 40 min (derived with the default PK and
receptor values); the first-order surge peaks ~50 min after the start of the
infusion, later than Milak's ~26 min (a single-stage surge has no adaptation).
"""

from ketasim.library._build import param, src
from ketasim.params import Evidence, ParameterSet

_MILAK = src(
    "Milak 2016 Mol Psychiatry 21:320",
    "abstract: +37.8 % at ~26 min",
    Evidence.PRIMARY,
    doi="10.1038/mp.2015.83",
)

PARAMETERS = ParameterSet(
    name="Milak_2016_ketamine_glutamate",
    title="Glutamate surge: amplitude and time constant",
    citation="Milak MS et al. Mol Psychiatry 2016;21(3):320-327",
    doi="10.1038/mp.2015.83",
    parameters=(
        param(
            "GMAX",
            6.82,
            "1",
            (0.3, 10.0),
            "surge (fraction above baseline) per unit disinhibition drive",
            src("derived from Milak 2016 (+38 % peak at 0.5 mg/kg)", evidence=Evidence.DERIVED),
        ),
        param("TAU_G", 0.25, "h", (0.05, 1.0), "surge time constant (peak within ~30 min)", _MILAK),
    ),
)
