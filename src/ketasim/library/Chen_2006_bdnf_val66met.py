"""Activity-dependent BDNF secretion by BDNF Val66Met genotype: Chen 2006, Egan 2003.

Chen ZY, Jing D, Bath KG, et al. Genetic variant BDNF (Val66Met) polymorphism
alters anxiety-related behavior. Science 2006;314(5796):140-143.
doi:10.1126/science.1129663: BDNF(Met) "secretion from neurons was defective".
Egan 2003 (Cell 112:257): lower depolarisation-induced secretion of Met-BDNF.
The reductions usually quoted (~18 % Val/Met, ~29 % Met/Met of regulated
secretion) could not be read in the papers here: placeholders. The direction is
confirmed in ketamine's case: Met/Met mice lose ketamine's synaptogenic and
behavioural effects (Liu 2012 Biol Psychiatry, via Laje 2012 PMC3786174), and
Met carriers improve less (Laje 2012: genotype x ketamine F = 5.59, p = .0007).
"""

from ketasim.library._build import param, src
from ketasim.params import Evidence, ParameterSet

_CHEN = src(
    "Chen 2006 Science 314:140; Egan 2003 Cell 112:257",
    "regulated secretion 18 % / 29 % lower as usually quoted (not read here)",
    Evidence.SECONDARY,
    doi="10.1126/science.1129663",
)

PARAMETERS = ParameterSet(
    name="Chen_2006_bdnf_val66met",
    title="Regulated BDNF secretion of Val/Met and Met/Met relative to Val/Val",
    citation="Chen ZY et al. Science 2006;314(5796):140-143",
    doi="10.1126/science.1129663",
    parameters=(
        param("F_SEC_VALMET", 0.82, "1", (0.5, 1.0), "secretion factor, Val/Met", _CHEN, placeholder=True),
        param("F_SEC_METMET", 0.71, "1", (0.3, 1.0), "secretion factor, Met/Met", _CHEN, placeholder=True),
    ),
)
