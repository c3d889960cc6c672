"""Property tests over doses, covariates and schedules: bounded, non-negative, deterministic."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketasim.engine.core import Engine
from ketasim.model import default_model
from ketasim.population.virtual import TRD_TRIAL, Dist, sample_cohort
from ketasim.regimen.dose import iv_infusion, nasal_session, placebo
from ketasim.regimen.regimen import Regimen

doses = st.lists(
    st.one_of(
        st.builds(
            lambda d, mgkg: iv_infusion(f"{mgkg} mg/kg", over="40 min", at=24.0 * d),
            st.integers(0, 40),
            st.sampled_from([0.1, 0.5, 1.0, 2.0]),
        ),
        st.builds(lambda d, n: nasal_session(n, at=24.0 * d), st.integers(0, 40), st.integers(1, 3)),
        st.builds(lambda d: placebo("saline", at=24.0 * d, over="40 min"), st.integers(0, 40)),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=doses, seed=st.integers(0, 2**31 - 1), baseline=st.floats(10, 58),
       bz=st.floats(0, 1), background=st.sampled_from(["none", "continuing", "new_start"]))  # fmt: skip
def test_states_non_negative_scores_bounded_and_deterministic(items, seed, baseline, bz, background):
    from dataclasses import replace

    spec = replace(TRD_TRIAL, baseline_madrs=Dist(baseline, 4.0, 0.0, 60.0), benzodiazepine=bz,
                   background=background)  # fmt: skip
    cohort = sample_cohort(spec, default_model(), 6, seed)
    regimen = Regimen(tuple(items))
    t = np.arange(0, 50, 0.5) * 24.0
    a = Engine().run(cohort, regimen, t, record_x=True)
    b = Engine().run(sample_cohort(spec, default_model(), 6, seed), regimen, t, record_x=True)
    m = a.madrs()
    assert np.all(m >= 0.0) and np.all(m <= 60.0)
    items_true = a.items()
    assert np.all(items_true >= 0.0) and np.all(items_true <= 6.0)
    tol = 1e-9
    assert a.x.min() >= -tol * max(1.0, a.x.max())
    assert a.z.min() >= -tol
    assert a.y.min() >= -tol and a.latent("syn").max() <= 1.0 + tol
    np.testing.assert_array_equal(m, b.madrs())
