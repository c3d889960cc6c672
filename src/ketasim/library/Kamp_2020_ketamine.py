"""Racemic ketamine disposition: Kamp et al. 2020, three-compartment raw-data model.

Kamp J, Jonkman K, van Velzen M, et al. Pharmacokinetics of ketamine: a
systematic review of the literature, meta-analysis, and population analysis.
Anesthesiology 2020;133(6):1192-1213. doi:10.1097/ALN.0000000000003577.

Values are the 70 kg typical values of the raw-data model as coded in opentiva
(``opentiva/ketamine.py``, class ``Klamp``; the same six values appear in an
independent TCI code base citing the paper's Table 2). Weight scaling is
allometric (volumes linear, clearances to the 3/4 power), as that code base
states from the paper; the opentiva coding was reported to scale all linearly.
Both agree at 70 kg; the difference is documented in docs/model.md.
That coding drops the paper's two venous-delay compartments, so it predicts
*arterial* concentrations (Cmax ~250 ng/mL after 0.5 mg/kg over 40 min, against
the ~185 ng/mL usually quoted for venous samples; Kamp 2020 notes that arterial
models sit higher). The meta-analysis abstract gives CL 79 L/h (95 % CI 69-90) and
V 252 L per 70 kg [primary], consistent with CL 84 L/h and Vss 238 L here.
The paper reports no between-subject variability usable here; the omegas below
are borrowed from Otto 2021 (S-ketamine, OMEGA BLOCK) and flagged as placeholders.

Enantiomers: S- and R-ketamine are given this same disposition. Hasan 2021
(Anesthesiology 135:326) found indistinguishable metabolic clearances after
racemic dosing (S 1620 ± 380, R 1530 ± 380 mL/min), so each enantiomer is
half of the racemate in plasma; they differ at the receptor (``pd``). Wang 2019
(DDDT 13:4135) reports a 15 % lower R clearance in Chinese patients: not used.
"""

from ketasim.library._build import omega_from_variance, param, src
from ketasim.params import Evidence, ParameterSet

_KAMP = src(
    "Kamp 2020 Anesthesiology 133:1192 (raw-data population model)",
    "as coded in opentiva/ketamine.py class Klamp (70 kg)",
    Evidence.TRANSCRIPTION,
    doi="10.1097/ALN.0000000000003577",
)
_OTTO_IIV = src(
    "Otto 2021 Eur J Clin Pharmacol 77:1181 (S-ketamine IIV, borrowed)",
    "nlmixr2lib Otto_2021_s_ketamine.R: omega^2 V1 0.084, CL 0.026",
    Evidence.TRANSCRIPTION,
    doi="10.1007/s00228-021-03104-1",
    note="Kamp 2020 IIV not retrieved; borrowed as a placeholder",
)

PARAMETERS = ParameterSet(
    name="Kamp_2020_ketamine",
    title="Racemic ketamine three-compartment disposition (arterial), linear in weight",
    citation="Kamp J et al. Anesthesiology 2020;133(6):1192-1213",
    doi="10.1097/ALN.0000000000003577",
    parameters=(
        param(
            "V1",
            25.0,
            "L",
            (5, 150),
            "central volume at 70 kg",
            _KAMP,
            omega=omega_from_variance(0.084),
            omega_source=_OTTO_IIV,
            omega_placeholder=True,
        ),
        param("V2", 56.0, "L", (10, 300), "shallow peripheral volume at 70 kg", _KAMP),
        param("V3", 157.0, "L", (30, 800), "deep peripheral volume at 70 kg", _KAMP),
        param(
            "CL",
            84.0,
            "L/h",
            (20, 300),
            "elimination clearance at 70 kg",
            _KAMP,
            omega=omega_from_variance(0.026),
            omega_source=_OTTO_IIV,
            omega_placeholder=True,
        ),
        param("Q2", 161.0, "L/h", (20, 600), "intercompartmental clearance, shallow", _KAMP),
        param("Q3", 79.0, "L/h", (10, 400), "intercompartmental clearance, deep", _KAMP),
        param(
            "WT_REF",
            70.0,
            "kg",
            (70, 70),
            "reference weight; volumes scale as WT/70, clearances as (WT/70)^0.75",
            _KAMP,
        ),
        param(
            "F_S",
            0.5,
            "1",
            (0.5, 0.5),
            "fraction of the racemate that is S-ketamine",
            src("racemate definition", evidence=Evidence.ASSUMPTION),
        ),
    ),
    correlations=(("V1", "CL", 0.023 / (0.084 * 0.026) ** 0.5),),
)
