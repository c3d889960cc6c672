"""Model 2: bounded placebo, an oral antidepressant that acts when continued, an esketamine shift."""

from dataclasses import replace

import numpy as np

from ketasim.cli.explain import explain
from ketasim.engine.core import Engine
from ketasim.engine.prepared import given_esketamine, prepare
from ketasim.model import default_model
from ketasim.pd.individual import individual_pd
from ketasim.pd.nonspecific import r_placebo
from ketasim.population.patients import BACKGROUND, Cohort, Patient
from ketasim.population.virtual import TRD_TRIAL, sample_cohort
from ketasim.regimen.dose import iv_infusion, placebo
from ketasim.regimen.named import load_regimen
from ketasim.regimen.regimen import Regimen
from ketasim.simulate import simulate

MODEL = default_model()
N = 400


def _cohort(background: str = "none", n: int = N) -> Cohort:
    cohort = sample_cohort(TRD_TRIAL, MODEL, np.arange(n), seed=7)
    return replace(cohort, background=np.full(n, BACKGROUND.index(background)))


def test_placebo_improvement_is_bounded_by_r_p_max():
    r_max = MODEL.nonspecific.value("R_P_MAX")
    big = np.array([0.0, 1.0, 50.0])
    r = r_placebo(big, np.zeros(3), r_max)
    assert r[0] == 0.0
    assert 0 < r[1] < r_max
    assert np.isclose(r[2], r_max)
    assert r_placebo(np.array([-3.0]), np.array([1.0]), r_max)[0] == 0.0, "negative drive gives nothing"


def test_repeated_placebo_sessions_saturate_below_the_bound():
    saline = Regimen(tuple(placebo("saline", at=24.0 * d, over="40 min") for d in (0, 2, 4, 7, 9, 11)))
    res = Engine(MODEL).run(_cohort(n=100), saline, 24.0 * np.array([0.0, 12.0, 14.0]))
    base, end = res.madrs()[:, 0], res.madrs()[:, -1]
    floor = individual_pd(MODEL, _cohort(n=100)).floor_items.sum(axis=1)
    # at most R_P_MAX of the way to the floor (placebo responsiveness p_i scales only the impulse)
    assert np.all(base - end <= MODEL.nonspecific.value("R_P_MAX") * (base - floor) + 1e-9)


def test_any_oral_antidepressant_shifts_responsiveness_and_stress():
    none, cont, new = (individual_pd(MODEL, _cohort(b)) for b in ("none", "continuing", "new_start"))
    ns = MODEL.nonspecific
    logit = lambda g: np.log(g / (1 - g))  # noqa: E731
    assert np.allclose(logit(cont.g) - logit(none.g), ns.value("BETA_AD_RESPONSE"))
    assert np.allclose(cont.g, new.g), "continued and newly started act alike on responsiveness"
    assert np.allclose(cont.sigma / none.sigma, np.exp(-ns.value("BETA_AD_DURABILITY")))
    assert not cont.new_ad.any() and new.new_ad.all(), "only a new start has the weeks-long onset"


def test_continuing_antidepressant_changes_the_course_unlike_before():
    iv = load_regimen("iv-induction-6x2w")
    t = 24.0 * np.array([0.0, 13.0, 40.0])
    ns = MODEL.nonspecific
    assert ns.value("BETA_AD_DURABILITY") != 0.0 or ns.value("BETA_AD_RESPONSE") != 0.0
    off = Engine(MODEL).run(_cohort("none", 200), iv, t).madrs()
    on = Engine(MODEL).run(_cohort("continuing", 200), iv, t).madrs()
    assert not np.allclose(off[:, -1], on[:, -1])


def test_esketamine_flag_shifts_responsiveness_only():
    cohort = _cohort(n=50)
    iv, esk = individual_pd(MODEL, cohort), individual_pd(MODEL, cohort, esketamine=True)
    logit = lambda g: np.log(g / (1 - g))  # noqa: E731
    assert np.allclose(logit(esk.g) - logit(iv.g), MODEL.symptoms.value("BETA_ESKETAMINE"))
    assert np.array_equal(esk.sigma, iv.sigma)


def test_esketamine_is_read_from_the_regimen_or_given():
    assert given_esketamine(load_regimen("esketamine-label"))
    assert not given_esketamine(load_regimen("iv-induction-6x2w"))
    cohort, iv = _cohort(n=5), load_regimen("iv-single")
    t = [0.0, 24.0]
    assert np.array_equal(prepare(MODEL, cohort, iv, t).ind.g, individual_pd(MODEL, cohort).g)
    forced = prepare(MODEL, cohort, iv, t, esketamine=True).ind.g
    assert np.array_equal(forced, individual_pd(MODEL, cohort, esketamine=True).g)


def test_one_saline_infusion_barely_moves_the_score_and_midazolam_less_than_its_trials():
    t = [0.0, 24.0]
    cohort = _cohort()
    saline = Engine(MODEL).run(cohort, Regimen.of(placebo("saline", over="40 min")), t).madrs()
    midaz = Engine(MODEL).run(cohort, Regimen.of(placebo("midazolam", over="40 min")), t).madrs()
    d_saline = float(np.mean(saline[:, 1] - saline[:, 0]))
    d_midaz = float(np.mean(midaz[:, 1] - midaz[:, 0]))
    assert d_midaz < d_saline < 0.0
    assert d_midaz > -8.8, "no larger than midazolam's published 24 h change (Murrough 2013, A13)"
    responders = np.mean(saline[:, 1] <= 0.5 * saline[:, 0])
    assert responders < 0.10


def test_explain_credits_the_drug_after_an_iv_course():
    reg = load_regimen("iv-induction-6x2w")
    pat = Patient()
    sol = simulate(reg, pat, times=np.arange(0.0, 24.0 * 30 + 1, 6.0))
    ind = individual_pd(MODEL, Cohort.of([pat]))
    lines = explain(sol, g=float(ind.g[0]), ad_max=float(ind.ad_max[0]), a_w=ind.a_w, r_p_max=ind.r_p_max)
    after = next(line for line in lines if line.startswith("A day after the last session"))
    parts = after.split(": ", 1)[1].rstrip(".").split(", ")
    shares = {p.rsplit(" ", 2)[0]: float(p.rsplit(" ", 2)[1]) for p in parts}
    drug = shares.get("fast functional term", 0.0) + shares.get("restored synapses", 0.0)
    assert drug > shares.get("expectancy/non-specific", 0.0)


def test_iv_infusion_is_not_esketamine_unless_it_says_so():
    assert not given_esketamine(Regimen.of(iv_infusion("35 mg", over="40 min")))
    assert given_esketamine(Regimen.of(iv_infusion("20 mg", over="40 min", drug="esketamine")))
