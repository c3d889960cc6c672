"""Oral racemic ketamine: bioavailability from Chong et al. 2006.

Chong C, Schug SA, Page-Sharp M, Jenkins B, Ilett KF. Development of a
sublingual/oral formulation of ketamine for use in neuropathic pain.
Clin Drug Investig / Pain Med 2006;7(5):469 (n = 6). Abstract: oral F 23 ± 9 %
for ketamine alone, 59 ± 16 % when norketamine is counted as ketamine
equivalents; Tmax 0.96 ± 0.8 h. Yanagihara 2003 (~20 %) and Hasan 2021
(S 15 %, R 19 %, prolonged release) agree.

Absorption shape: zero-order release then first-order absorption, borrowed
from the esketamine oral solution of Perez-Ruixo 2021 (Dpo 0.32 h, ka 0.97/h):
a placeholder. The fraction metabolised to norketamine before reaching the
circulation (0.61) is derived so that the (ketamine + norketamine) exposure
ratio oral/IV is 0.59 with the Kamp and Otto clearances; it gives a
norketamine/ketamine AUC ratio of ~5 (Fanta 2015 reports 16.5 for S-ketamine
with F = 8 %, consistent once scaled by F).
"""

from ketasim.library._build import param, src
from ketasim.params import Evidence, ParameterSet

_CHONG = src("Chong 2006 Pain Med 7:469", "abstract (n = 6)", Evidence.PRIMARY)
_BORROWED = src(
    "Perez-Ruixo 2021 Clin Pharmacokinet 60:501",
    "Table 3 Dpo, ka,po (esketamine oral solution)",
    Evidence.ASSUMPTION,
    note="absorption shape borrowed from esketamine",
)

PARAMETERS = ParameterSet(
    name="Chong_2006_ketamine_oral",
    title="Oral racemic ketamine absorption",
    citation="Chong C et al. Pain Med 2006;7(5):469",
    parameters=(
        param("F", 0.23, "1", (0.08, 0.4), "oral bioavailability of ketamine", _CHONG),
        param(
            "F_NK",
            0.61,
            "1",
            (0.0, 0.9),
            "fraction of the dose converted to norketamine before reaching the circulation",
            src(
                "derived from Chong 2006 (59 % K+NK equivalents) with Kamp/Otto clearances",
                evidence=Evidence.DERIVED,
            ),
            placeholder=True,
        ),
        param("DUR", 0.32, "h", (0.0, 2.0), "zero-order release duration", _BORROWED, placeholder=True),
        param(
            "KA",
            0.97,
            "1/h",
            (0.2, 10.0),
            "first-order absorption rate",
            _BORROWED,
            placeholder=True,
        ),
    ),
)
