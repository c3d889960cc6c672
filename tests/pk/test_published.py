"""Published pharmacokinetic values the models must reproduce."""

import pytest

from ketasim.pk.metrics import pk_metrics
from ketasim.population.patients import Patient
from ketasim.regimen.dose import iv_infusion, nasal_session
from ketasim.regimen.regimen import Regimen

# Perez-Ruixo 2021 Clin Pharmacokinet 60:501, Table 4 (typical values; >60 y strata at 70 y,
# 18-60 y at 45 y, as in the nlmixr2lib reproduction). (stratum) -> {mg: (Cmax ng/mL, AUC0-24)}
TABLE4 = {
    ("white", 45): {28: (43.8, 147.3), 56: (72.5, 254.7), 84: (101.0, 362.2)},
    ("asian", 45): {28: (44.1, 158.2), 56: (73.2, 275.9), 84: (102.4, 393.5)},
    ("japanese", 45): {28: (57.5, 194.7), 56: (94.5, 335.1), 84: (131.3, 475.4)},
    ("white", 70): {28: (44.6, 160.4), 56: (73.8, 275.8), 84: (102.7, 391.2)},
    ("asian", 70): {28: (44.9, 171.0), 56: (74.4, 296.3), 84: (103.8, 421.5)},
    ("japanese", 70): {28: (58.8, 212.2), 56: (96.5, 363.1), 84: (133.8, 513.9)},
}


@pytest.mark.parametrize(("ancestry", "age"), list(TABLE4))
@pytest.mark.parametrize("dose_mg", [28, 56, 84])
def test_perez_ruixo_table4_esketamine(ancestry, age, dose_mg):
    cmax_pub, auc_pub = TABLE4[(ancestry, age)][dose_mg]
    m = pk_metrics(
        Regimen.of(nasal_session(dose_mg // 28)),
        Patient(age_years=age, ancestry=ancestry),
        ("esketamine",),
    )["esketamine"]
    assert m.cmax_ng_ml == pytest.approx(cmax_pub, rel=0.05)
    assert m.auc_0_24_ng_h_ml == pytest.approx(auc_pub, rel=0.05)


def test_esketamine_tmax_within_label_window():
    """Label: Tmax 20-40 min after the last spray of a session."""
    for devices in (1, 2, 3):
        m = pk_metrics(Regimen.of(nasal_session(devices)), analytes=("esketamine",))["esketamine"]
        after_last = m.tmax_h - (devices - 1) * 5 / 60
        assert 20 / 60 <= after_last <= 40 / 60


def test_esketamine_terminal_half_life_within_label_range():
    """Label: mean terminal half-life 7-12 h."""
    m = pk_metrics(Regimen.of(nasal_session(3)), analytes=("esketamine",))["esketamine"]
    assert 7.0 <= m.terminal_half_life_h <= 12.0


def test_iv_racemic_half_mg_per_kg():
    """Kamp 2020 / Clements 1981 ranges at 70 kg: Cmax 150-260 ng/mL at the end of infusion,
    terminal half-life 2.5-3.5 h; norketamine peaks after ketamine."""
    m = pk_metrics(Regimen.of(iv_infusion("0.5 mg/kg", over="40 min")), Patient(weight_kg=70))
    k, nk = m["ketamine"], m["norketamine"]
    assert 150 <= k.cmax_ng_ml <= 260
    assert k.tmax_h == pytest.approx(40 / 60, abs=1e-4)
    assert 2.5 <= k.terminal_half_life_h <= 3.5
    assert nk.tmax_h > k.tmax_h
    # meta-analysis (Kamp 2020 abstract): CL 79 (69-90) L/h -> AUC0-inf = 35 mg / CL
    assert 35_000 / 90 <= k.auc_0_inf_ng_h_ml <= 35_000 / 69


def test_iv_esketamine_28mg_over_40min():
    """Perez-Ruixo structure: 28 mg IV over 40 min gives Cmax ~100 ng/mL; absolute nasal F ~0.54
    (56 mg) and ~0.51 (84 mg) (Perez-Ruixo 2021 abstract)."""
    iv = pk_metrics(
        Regimen.of(iv_infusion("28 mg", over="40 min", drug="esketamine")), analytes=("esketamine",)
    )["esketamine"]
    assert iv.cmax_ng_ml == pytest.approx(99.7, rel=0.02)
    for devices, f in ((2, 0.54), (3, 0.51)):
        nasal = pk_metrics(Regimen.of(nasal_session(devices)), analytes=("esketamine",))
        ratio = nasal["esketamine"].auc_0_inf_ng_h_ml / (iv.auc_0_inf_ng_h_ml * devices)
        assert ratio == pytest.approx(f, abs=0.01)
