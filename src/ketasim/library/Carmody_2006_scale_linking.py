"""Approximate links from MADRS to QIDS-SR16, PHQ-9 and HAM-D17 (flagged as approximate).

QIDS-SR16: Carmody TJ, Rush AJ, Bernstein I, et al. The Montgomery Asberg and
the Hamilton ratings of depression: a comparison of measures. Eur
Neuropsychopharmacol 2006;16(8):601-611: QIDS-SR16 5 ~ MADRS 7.5, HRSD17 7 ~
MADRS 8-9; a Chinese replication matched bands QIDS 6-10/11-15/16-20/21+ to
MADRS 9-17/18-24/25-33/34+. A least-squares line through those anchors gives
QIDS = 0.47 + 0.604·MADRS (derived). PHQ-9: no MADRS link was found; the line
through matched severity bands (Kroenke 2001 PHQ-9 5/10/15/20; Snaith 1986
MADRS 7/20/35) gives PHQ-9 = 1.25 + 0.536·MADRS (derived, placeholder). In TRD
on esketamine the MADRS-PHQ-9 relation is non-linear and changes over time
(CNS Spectr 2024): never fire a safety rule from a converted score. HAM-D17 =
0.82·MADRS (from Carmody's HRSD 7 ~ MADRS 8.5; placeholder).
"""

from ketasim.library._build import param, src
from ketasim.params import Evidence, ParameterSet

_CARMODY = src(
    "Carmody 2006 Eur Neuropsychopharmacol 16:601 and a replication", "band anchors", Evidence.DERIVED
)
_BANDS = src("Kroenke 2001 (PHQ-9 bands) and Snaith 1986 (MADRS bands)", "band anchors", Evidence.DERIVED)

PARAMETERS = ParameterSet(
    name="Carmody_2006_scale_linking",
    title="Linear links from MADRS to QIDS-SR16, PHQ-9 and HAM-D17 (approximate)",
    citation="Carmody TJ et al. Eur Neuropsychopharmacol 2006;16(8):601-611",
    doi="10.1016/j.euroneuro.2006.04.008",
    parameters=(
        param("QIDS_A", 0.47, "points", (-5.0, 5.0), "QIDS-SR16 intercept", _CARMODY, placeholder=True),
        param("QIDS_B", 0.604, "1", (0.3, 1.0), "QIDS-SR16 per MADRS point", _CARMODY, placeholder=True),
        param("PHQ9_A", 1.25, "points", (-5.0, 5.0), "PHQ-9 intercept", _BANDS, placeholder=True),
        param("PHQ9_B", 0.536, "1", (0.3, 1.0), "PHQ-9 per MADRS point", _BANDS, placeholder=True),
        param("HAMD_B", 0.82, "1", (0.5, 1.2), "HAM-D17 per MADRS point", _CARMODY, placeholder=True),
    ),
)
