"""Resuming a run from its final state equals running straight through."""

import numpy as np
import pytest

from ketasim.engine.core import Engine
from ketasim.errors import InputError
from ketasim.model import default_model
from ketasim.population.virtual import TRD_TRIAL, sample_cohort
from ketasim.regimen.dose import iv_infusion, nasal_session
from ketasim.regimen.regimen import Regimen

REGIMEN = Regimen(tuple(iv_infusion("0.5 mg/kg", over="40 min", at=24.0 * d) for d in (0, 2, 4, 15, 22)))


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_resume_equals_straight_run(backend):
    cohort = sample_cohort(TRD_TRIAL, default_model(), 9, 4)
    engine = Engine(backend=backend)
    t = np.arange(0, 31) * 24.0
    whole = engine.run(cohort, REGIMEN, t)
    first = engine.run(cohort, REGIMEN, t[t <= 14 * 24])
    second = engine.run(cohort, REGIMEN, t[t >= 14 * 24], start_h=14 * 24.0, state=first.final_state)
    stitched = np.concatenate([first.madrs(), second.madrs()[:, 1:]], axis=1)
    # steps differ after the restart (the grid restarts there), so agreement is to the engine's accuracy
    np.testing.assert_allclose(stitched, whole.madrs(), rtol=1e-6)
    assert np.abs(second.madrs()[:, 0] - first.madrs()[:, -1]).max() == 0.0


def test_resume_checks_the_state_shape():
    cohort = sample_cohort(TRD_TRIAL, default_model(), 3, 4)
    first = Engine().run(cohort, Regimen.of(nasal_session(2)), [0.0, 24.0])
    with pytest.raises(InputError, match="state"):
        Engine().run(cohort, REGIMEN, [48.0, 72.0], start_h=48.0, state=first.final_state)
