"""Mechanism switches change the cascade as documented."""

import numpy as np

from ketasim.engine.core import Engine
from ketasim.model import default_model
from ketasim.population.patients import Cohort, Patient
from ketasim.regimen.named import load_regimen

T = np.array([0.0, 4.0, 24.0, 72.0])
IV = load_regimen("iv-single")


def _run(model, patient=None):
    return Engine(model).run(Cohort.of([patient or Patient()]), IV, T, record_x=True)


def test_mtor_block_removes_the_drug_effect_downstream_of_mtor():
    base = _run(default_model())
    blocked = _run(default_model().with_switches(mtor_inhibitor="block"))
    assert blocked.latent("M").max() == 0.0
    assert blocked.latent("syn").max() == 0.0
    assert blocked.latent("G").max() == base.latent("G").max(), "the surge itself is unchanged"
    assert blocked.madrs()[0, 2] > base.madrs()[0, 2]


def test_ampa_blockade_removes_the_surge_route_and_the_fast_term():
    base = _run(default_model())
    nbqx = _run(default_model().with_switches(ampa_blockade=True))
    assert nbqx.latent("W").max() == 0.0
    assert 0 < nbqx.latent("M").max() < base.latent("M").max()
    assert nbqx.madrs()[0, 2] > base.madrs()[0, 2]


def test_hnk_branch_is_off_by_default_and_adds_bdnf_drive_when_on():
    base = _run(default_model())
    on = _run(default_model().with_switches(hnk=True))
    assert "plasma:r_hnk" not in base.prepared.system.outputs
    assert on.concentration("r_hnk").max() > 0
    assert on.latent("B").max() > base.latent("B").max()


def test_benzodiazepine_attenuation_switch():
    patient = Patient(benzodiazepine_mg_day=20.0)
    on = _run(default_model(), patient)
    off = _run(default_model().with_switches(benzodiazepine=False), patient)
    assert on.latent("G").max() < off.latent("G").max()


def test_b12_switch_modes():
    low, high = Patient(b12_pg_ml=200.0), Patient(b12_pg_ml=900.0)
    for mode, sign in (("published", 1), ("brief", -1)):
        model = default_model().with_switches(b12_effect=mode)
        d_low = _run(model, low).madrs()[0, 2]
        d_high = _run(model, high).madrs()[0, 2]
        assert np.sign(d_low - d_high) == sign
    none = default_model().with_switches(b12_effect="none")
    assert _run(none, low).madrs()[0, 2] == _run(none, high).madrs()[0, 2]
