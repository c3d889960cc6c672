"""The calibration's worker processes: the same residuals and Jacobian, bit for bit, as in process."""

import numpy as np
import pytest

from ketasim.calibrate.library import library_specs
from ketasim.calibrate.objective import Objective
from ketasim.calibrate.space import default_space
from ketasim.errors import InputError
from ketasim.model import PRIOR_MODEL


def test_jacobian_columns_in_two_workers_equal_the_serial_ones():
    specs = library_specs(only=("murrough2013ajp",))
    space = default_space(PRIOR_MODEL)
    u = np.zeros(len(space.dims))
    upper = space.bounds()[1]
    cols = np.array([0, 3, 7])
    serial = Objective(specs, space, PRIOR_MODEL, patients=120)
    seen: list[tuple[int, float]] = []
    parallel = Objective(
        specs, space, PRIOR_MODEL, patients=120, workers=2, on_evaluation=lambda i, c: seen.append((i, c))
    )
    try:
        jp = parallel.jacobian(u, 0.3, upper, columns=cols)
        assert parallel.evaluations == 1 + cols.size
        assert [i for i, _ in seen] == [1, 2, 3, 4]  # reported in order, from this process
        js = serial.jacobian(u, 0.3, upper, columns=cols)
        assert np.array_equal(jp, js)
        assert np.abs(js[: len(serial.targets)]).max() > 0  # the columns see the data
        # a repeated point comes from the cache, not from a worker
        assert parallel.evaluate(u) is parallel.evaluate(u.copy())
        assert parallel.evaluations == 1 + cols.size
    finally:
        parallel.close()


def test_workers_must_be_positive():
    specs = library_specs(only=("murrough2013ajp",))
    with pytest.raises(InputError, match="workers"):
        Objective(specs, default_space(PRIOR_MODEL), PRIOR_MODEL, patients=120, workers=0)
