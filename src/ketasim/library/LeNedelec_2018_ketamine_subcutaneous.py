"""Subcutaneous racemic ketamine: no human value found; Le Nedelec et al. 2018 (rat).

Le Nedelec M, Glue P, Winter H, Goulton C, Broughton L, Medlicott N.
Acceptability and pharmacokinetics of subcutaneous, intramuscular and
intravenous infusion of ketamine in rats. J Psychopharmacol 2018 (PMID 29895202):
"Administration by the SC, IM and IVI routes produced an overall similar drug
exposure". Human F and absorption rate are placeholders (IM-like), to replace
with Abuhelwa 2022 (CPT, TRD, IV/SC/IM) when obtained. SC doses used in TRD:
0.5-0.9 mg/kg (Loo 2023, KADS).
"""

from ketasim.library._build import assumed_first_order, param, src
from ketasim.params import Evidence, ParameterSet

_RAT = src(
    "Le Nedelec 2018 J Psychopharmacol (rat)",
    "abstract: SC, IM and IV infusion similar exposure",
    Evidence.ASSUMPTION,
    note="rat data; human values are placeholders",
)

PARAMETERS = ParameterSet(
    name="LeNedelec_2018_ketamine_subcutaneous",
    title="Subcutaneous racemic ketamine absorption (placeholder)",
    citation="Le Nedelec M et al. J Psychopharmacol 2018 (PMID 29895202)",
    parameters=(
        param("F", 0.9, "1", (0.5, 1.0), "subcutaneous bioavailability", _RAT, placeholder=True),
        param(
            "F_NK",
            0.0,
            "1",
            (0.0, 0.2),
            "presystemic norketamine formation (none)",
            src("no first pass after SC injection", evidence=Evidence.ASSUMPTION),
        ),
        assumed_first_order(),
        param("KA", 2.0, "1/h", (0.3, 20.0), "absorption rate", _RAT, placeholder=True),
    ),
)
