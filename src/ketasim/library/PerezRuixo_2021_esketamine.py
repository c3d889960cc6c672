"""Esketamine and noresketamine population PK (IV, intranasal, oral): Perez-Ruixo et al. 2021.

Perez-Ruixo C, Rossenu S, Zannikos P, Nandy P, Singh J, Drevets WC,
Perez-Ruixo JJ. Population pharmacokinetics of esketamine nasal spray and its
metabolite noresketamine in healthy subjects and patients with
treatment-resistant depression. Clin Pharmacokinet 2021;60(4):501-516.
doi:10.1007/s40262-020-00953-4. 820 subjects, 13 studies.

Table 3 values as transcribed by nlmixr2lib
(``PerezRuixo_2020_esketamine.R``, commit 00785fd9). Structure: three-compartment
esketamine with a hepato-portal (liver) compartment exchanging with the central
one at hepatic blood flow Qh; elimination (kel) and metabolism to
noresketamine (kmet) from the liver; two-compartment apparent noresketamine.
Nasal devices: a fraction FRn is absorbed from the nasal cavity (ka_n), the rest is
swallowed, released zero-order over Dsw into a gut depot, absorbed with ka_sw
into the liver after gut extraction (Fgut). The second and third device of a
session have FRn x 0.62. The omega of kmet is blank in Table 3: 30 % CV is a
flagged placeholder (as in nlmixr2lib).
"""

from ketasim.library._build import cv_to_omega, param, src
from ketasim.params import Evidence, ParameterSet

_T3 = src(
    "Perez-Ruixo 2021 Clin Pharmacokinet 60:501",
    "Table 3, via nlmixr2lib PerezRuixo_2020_esketamine.R",
    Evidence.TRANSCRIPTION,
    doi="10.1007/s40262-020-00953-4",
)


PARAMETERS = ParameterSet(
    name="PerezRuixo_2021_esketamine",
    title="Esketamine 3-compartment + hepato-portal liver, noresketamine 2-compartment",
    citation="Perez-Ruixo C et al. Clin Pharmacokinet 2021;60(4):501-516",
    doi="10.1007/s40262-020-00953-4",
    parameters=(
        # absorption
        param(
            "FRn",
            0.54,
            "1",
            (0.05, 0.95),
            "fraction of a 28 mg device absorbed nasally",
            _T3,
            omega=0.708,
            scale="logit",
        ),
        param(
            "FRN_LATER",
            0.62,
            "1",
            (0.2, 1.0),
            "factor on FRn for the 2nd and later devices of a session",
            _T3,
        ),
        param("FRN_JAPANESE", 1.34, "1", (1.0, 1.8), "factor on FRn for Japanese subjects", _T3),
        param(
            "KA_N",
            2.93,
            "1/h",
            (0.3, 20),
            "nasal absorption rate (table prints L/h)",
            _T3,
            omega=cv_to_omega(0.615),
        ),
        param("DSW", 0.53, "h", (0.05, 3), "zero-order duration of the swallowed portion", _T3),
        param(
            "KA_SW",
            1.45,
            "1/h",
            (0.1, 10),
            "absorption rate of the swallowed portion",
            _T3,
            omega=cv_to_omega(1.32),
        ),
        param("DPO", 0.32, "h", (0.05, 3), "zero-order duration of an oral solution dose", _T3),
        param(
            "KA_PO",
            0.97,
            "1/h",
            (0.1, 10),
            "absorption rate of an oral solution dose",
            _T3,
            omega=cv_to_omega(1.32),
        ),
        param("FGUT", 0.64, "1", (0.1, 1.0), "fraction escaping gut-wall metabolism", _T3),
        # esketamine disposition
        param("VC", 192.0, "L", (40, 800), "central volume", _T3, omega=cv_to_omega(0.275)),
        param("Q1", 84.3, "L/h", (10, 400), "intercompartmental clearance, shallow", _T3),
        param("VP1", 143.0, "L", (20, 800), "shallow peripheral volume", _T3, omega=cv_to_omega(0.493)),
        param("Q2", 37.6, "L/h", (5, 300), "intercompartmental clearance, deep", _T3),
        param("VP2", 417.0, "L", (50, 2000), "deep peripheral volume", _T3),
        param("QH", 151.0, "L/h", (40, 300), "hepatic blood flow", _T3, omega=cv_to_omega(0.232)),
        param("QH_AGE", 2.19, "L/h/y", (0, 5), "decrease of Qh per year of age above 60", _T3),
        param("VH", 101.0, "L", (10, 400), "hepato-portal volume", _T3, omega=cv_to_omega(0.346)),
        param(
            "KEL",
            1.11,
            "1/h",
            (0.05, 10),
            "hepatic elimination to other metabolites",
            _T3,
            omega=cv_to_omega(1.20),
        ),
        param("KEL_ASIAN", 0.36, "1", (0.1, 1.0), "factor on kel for Asian subjects", _T3),
        param(
            "KMET",
            2.77,
            "1/h",
            (0.2, 20),
            "hepatic metabolism to noresketamine",
            _T3,
            omega=cv_to_omega(0.30),
            omega_placeholder=True,
            omega_source=src(
                "nlmixr2lib placeholder", "Table 3 omega(kmet) blank; 30 % CV", Evidence.ASSUMPTION
            ),
        ),
        # noresketamine (apparent)
        param(
            "VCN",
            70.0,
            "L",
            (10, 500),
            "noresketamine apparent central volume (Vcn/F)",
            _T3,
            omega=cv_to_omega(0.316),
        ),
        param(
            "CLN",
            38.0,
            "L/h",
            (5, 300),
            "noresketamine apparent clearance (CLn/F)",
            _T3,
            omega=cv_to_omega(0.254),
        ),
        param("CLN_ASIAN", 0.81, "1", (0.3, 1.0), "factor on CLn/F for Asian subjects", _T3),
        param("VPN", 115.0, "L", (10, 800), "noresketamine apparent peripheral volume", _T3),
        param("Q3", 26.1, "L/h", (2, 300), "noresketamine apparent intercompartmental CL", _T3),
    ),
    notes=(
        "Noresketamine AUC0-24 under Table 3 read literally is ~1.4x the published Table 4 "
        "while Cmax matches (a known ambiguity, see the nlmixr2lib vignette errata)."
    ),
)
