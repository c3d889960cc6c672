"""The therapy's known behaviours T1-T12 (DESIGN §1) on virtual cohorts, default parameters.

Drug and placebo arms use the same virtual patients (same seed), so each
comparison is paired. Scores are true MADRS (no rater noise) unless said.
"""

from dataclasses import replace

import numpy as np
import pytest

from ketasim.engine.core import Engine
from ketasim.model import default_model
from ketasim.population.virtual import TRD_TRIAL, sample_cohort
from ketasim.regimen.dose import iv_bolus, iv_infusion, nasal_session, placebo
from ketasim.regimen.named import load_regimen
from ketasim.regimen.regimen import Regimen

N = 500
SEED = 20261127


def run(regimen, times_h, *, spec=TRD_TRIAL, n=N, model=None, **kw):
    model = model or default_model()
    return Engine(model).run(sample_cohort(spec, model, n, SEED), regimen, times_h, **kw)


def change(res):
    m = res.madrs()
    return m - m[:, :1]


IV = load_regimen("iv-single")
SALINE = Regimen.of(placebo("saline", over="40 min"))
ESK56 = load_regimen("esketamine-single-56mg")
SPRAY = Regimen.of(placebo("placebo_spray"))
HOURS = np.array([0, 2, 4, 12, 24, 48, 72, 120, 168, 240, 336])


@pytest.fixture(scope="module")
def single_iv():
    return change(run(IV, HOURS)).mean(0), change(run(SALINE, HOURS)).mean(0)


def test_t1_both_routes_simulate_to_madrs():
    for regimen in (IV, ESK56):
        m = run(regimen, HOURS, n=20).madrs()
        assert np.all(np.isfinite(m))
        assert m.shape == (20, HOURS.size)


def test_t2_onset_within_hours_peak_near_a_day(single_iv):
    drug, pbo = single_iv
    gap = drug - pbo
    assert gap[1] < 0 and gap[2] < 0, "below placebo by 2-4 h"
    assert gap[2] < gap[1], "deeper at 4 h than at 2 h"
    i24 = list(HOURS).index(24)
    assert gap[i24] <= 0.85 * gap.min(), "the 24 h gap is near the largest"
    assert HOURS[int(np.argmin(gap))] in (12, 24, 48, 72)


def test_t6_one_dose_lasts_days_not_weeks(single_iv):
    # restated on the data (model.md §9): one dose's benefit fades within about two weeks
    # (Kishimoto 2016), day-1 responders relapse after a mean of 13.2 days (Ibrahim 2012, DR05)
    drug, pbo = single_iv
    gap = drug - pbo
    assert gap[list(HOURS).index(336)] > 0.7 * gap[list(HOURS).index(24)], "the gap shrinks by day 14"
    m = run(IV, np.arange(0, 29) * 24.0).madrs()
    base = m[:, 0]
    assert (m[:, 14] <= 0.5 * base).mean() < 0.25, "few patients still respond at day 14"
    responders = m[:, 1] <= 0.5 * base
    lost = m[:, 2:] > 0.5 * base[:, None]
    kept_days = np.where(lost.any(1), lost.argmax(1) + 1, 27)
    assert 3 <= np.median(kept_days[responders]) <= 14, "day-1 responders keep their response for days"


def _gap(drug, pbo, times):
    return change(run(drug, times)).mean(0) - change(run(pbo, times)).mean(0)


def test_t3_iv_faster_and_larger_first_session_than_nasal():
    """The brief's T3 is the response a clinic sees: change from baseline after the first session.

    The drug-specific part (against each route's own placebo) is faster for IV but, with the
    calibrated parameters, not larger at 4-24 h; the trials agree (esketamine 56 mg vs placebo
    -10.0 at 24 h, Daly 2018; IV vs midazolam -7.95, Murrough 2013): docs/model.md section 9.
    """
    t = np.array([0, 2, 4, 8, 12, 24])
    iv = change(run(IV, t)).mean(0)
    esk = change(run(ESK56, t)).mean(0)
    assert np.all(iv[1:] < esk[1:]), "larger at every time of the first day"
    assert iv[1] < 1.2 * esk[1], "at least a fifth larger at 2 h (faster)"
    assert np.trapezoid(iv, t) < np.trapezoid(esk, t), "larger over the first day"
    gap_iv, gap_esk = _gap(IV, SALINE, t), _gap(ESK56, SPRAY, t)
    assert gap_iv[1] < gap_esk[1] < 0, "the drug-specific effect starts sooner after IV"


def test_t4_more_nasal_responders_after_second_session():
    regimen = Regimen.of(nasal_session(2), nasal_session(3, at=72.0))
    res = run(regimen, np.array([0.0, 24.0, 96.0]))
    m = res.madrs()
    responders = m[:, 1:] <= 0.5 * m[:, :1]
    assert responders[:, 1].mean() > responders[:, 0].mean()


def test_t5_suicidal_ideation_falls_at_least_as_fast_as_total():
    spec = replace(TRD_TRIAL, suicidal_ideation=1.0)
    res = run(IV, np.array([0.0, 4.0, 24.0]), spec=spec)
    items = res.items()
    total = items.sum(-1)
    si = items[..., 9]
    for k in (1, 2):
        assert (1 - si[:, k] / si[:, 0]).mean() >= (1 - total[:, k] / total[:, 0]).mean()


def _time_in_response_after(regimen, last_day, days=120):
    t = np.arange(0, days + 1) * 24.0
    m = run(regimen, t).madrs()
    base = m[:, 0]
    after = m[:, last_day + 1 :] > 0.5 * base[:, None]
    resp = m[:, last_day + 1] <= 0.5 * base
    lost = np.where(after.any(1), after.argmax(1) + 1, days - last_day)
    return resp, lost


def test_t7_induction_consolidates_and_twelve_beats_six():
    r1, lost1 = _time_in_response_after(IV, 0)
    r6, lost6 = _time_in_response_after(load_regimen("iv-induction-6x2w"), 11)
    r12, lost12 = _time_in_response_after(load_regimen("iv-induction-12x4w"), 25)
    assert np.median(lost6[r6]) > np.median(lost1[r1])
    assert np.median(lost12[r12]) > np.median(lost6[r6])
    assert 7 <= np.median(lost6[r6]) <= 45, "median time to relapse after six infusions ~18 days"


def test_t8_t9_boosters_before_relapse_vs_reinduction_after():
    t = np.arange(0, 181) * 24.0
    course = load_regimen("iv-induction-6x2w")
    none = run(course, t).madrs()
    base = none[:, 0]
    responders = none[:, 12] <= 0.5 * base
    relapsed_by_90 = (none[:, 12:101] > 0.5 * base[:, None]).any(1)
    assert relapsed_by_90[responders].mean() > 0.5, "without boosters most responders relapse within months"
    early = run(course + iv_infusion("0.5 mg/kg", over="40 min", at=24.0 * 20), t).madrs()
    late_one = run(course + iv_infusion("0.5 mg/kg", over="40 min", at=24.0 * 100), t).madrs()
    late_six = run(
        course
        + Regimen(
            tuple(
                iv_infusion("0.5 mg/kg", over="40 min", at=24.0 * d) for d in (100, 102, 104, 107, 109, 111)
            )
        ),
        t,
    ).madrs()
    in_resp = lambda m, d: (m[:, d] <= 0.5 * base)[responders].mean()  # noqa: E731
    # a week after the rescue starts (day 20 before relapse, day 100 after full relapse)
    assert in_resp(early, 27) > in_resp(none, 27) + 0.1, "one booster before relapse restores response"
    assert in_resp(none, 100) < 0.2, "by day 100 the response is lost"
    assert in_resp(late_one, 107) < in_resp(early, 27) - 0.1, "one session after full relapse does less"
    assert in_resp(late_six, 107) > in_resp(late_one, 107) + 0.3, "a new induction is needed"


def test_t10_met_carriers_respond_less():
    t = np.array([0.0, 24.0, 168.0])
    val = run(IV, t, spec=replace(TRD_TRIAL, val66met=(1.0, 0.0, 0.0))).madrs()
    met = run(IV, t, spec=replace(TRD_TRIAL, val66met=(0.0, 0.7, 0.3))).madrs()
    assert (met[:, 1] - met[:, 0]).mean() > (val[:, 1] - val[:, 0]).mean()


@pytest.mark.parametrize(
    ("field", "low", "high", "better"),
    [
        ("bmi", "20", "38", "high"),
        ("adiponectin_ug_ml", "3", "15", "low"),
        ("b12_pg_ml", "250", "900", "high"),
    ],
)
def test_t11_biomarkers_act_in_published_direction(field, low, high, better):
    from ketasim.population.virtual import Dist

    t = np.array([0.0, 24.0])
    lo = run(IV, t, spec=replace(TRD_TRIAL, **{field: Dist(float(low))})).madrs()
    hi = run(IV, t, spec=replace(TRD_TRIAL, **{field: Dist(float(high))})).madrs()
    d_lo, d_hi = (lo[:, 1] - lo[:, 0]).mean(), (hi[:, 1] - hi[:, 0]).mean()
    assert (d_hi < d_lo) if better == "high" else (d_lo < d_hi)


@pytest.mark.parametrize(
    ("field", "with_it_better"),
    [("fh_alcohol", True), ("prior_suicide_attempt", False), ("benzodiazepine", False)],
)
def test_t11_clinical_covariates_act_in_published_direction(field, with_it_better):
    t = np.array([0.0, 24.0, 168.0])
    yes = run(IV, t, spec=replace(TRD_TRIAL, **{field: 1.0})).madrs()
    no = run(IV, t, spec=replace(TRD_TRIAL, **{field: 0.0})).madrs()
    d_yes, d_no = (yes[:, 2] - yes[:, 0]).mean(), (no[:, 2] - no[:, 0]).mean()
    assert (d_yes < d_no) if with_it_better else (d_yes > d_no)


def test_t12_oral_antidepressant_takes_weeks():
    spec = replace(TRD_TRIAL, background="new_start")
    t = np.arange(0, 85) * 24.0
    res = run(Regimen.of(placebo("placebo_spray")), t, spec=spec)
    ad = res.latent("AD").mean(0)
    half_day = int(np.argmax(ad >= 0.5 * ad[-1]))
    assert half_day >= 10, "half of its effect only after weeks"


def test_inverted_u_surge_smaller_at_anaesthetic_dose():
    """Anaesthesia (2 mg/kg bolus then 4 mg/kg over 40 min) raises glutamate less than 0.5 mg/kg."""
    t = np.linspace(0, 2 / 3, 41)
    sub = run(IV, t, n=50).latent("G")
    anaesthesia = Regimen.of(iv_bolus("2 mg/kg"), iv_infusion("4 mg/kg", over="40 min"))
    high = run(anaesthesia, t, n=50).latent("G")
    late = t >= 0.5  # the last 10 minutes, once anaesthetic concentrations are established
    assert high[:, -1].mean() < 0.5 * sub[:, -1].mean()
    assert high[:, late].mean() < sub[:, late].mean()
