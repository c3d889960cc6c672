r"""One patient's inference problem: record, model, estimated quantities, and one vectorised engine.

The probabilistic model is the simulation model with its randomness made
explicit: a draw :math:`z \sim N(0, I)` becomes the patient's random effects
and baseline (:mod:`ketasim.personal.space`); the engine turns it into true
MADRS items at the observation times; the observation model
(:mod:`ketasim.personal.observations`) scores the record's values. Every
method takes a matrix of draws (P, dim) and evaluates all of them in **one**
engine call: the patient repeated P times with P parameter vectors.

.. math::

    \log p(z \mid y) = \sum_j \log N\big(y_j;\ f_{s_j}(\text{MADRS}(t_j; z)),\ s_{s_j}^2\big)
    - \tfrac12 \lVert z\rVert^2 + \text{const}
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ketasim.engine.backend import Backend
from ketasim.engine.core import Engine, EngineResult
from ketasim.model import Model, default_model
from ketasim.personal.observations import Observations
from ketasim.personal.space import Space, build_space
from ketasim.record import PatientRecord
from ketasim.regimen.regimen import Regimen

__all__ = ["Problem"]


@dataclass(frozen=True)
class Problem:
    """Everything needed to evaluate one patient's posterior at many draws at once."""

    record: PatientRecord
    model: Model
    space: Space
    obs: Observations
    engine: Engine

    @classmethod
    def of(
        cls, record: PatientRecord, model: Model | None = None, *, backend: Backend | str = Backend.NUMBA
    ) -> Problem:
        """The problem of ``record`` under ``model`` (``backend``: the engine kernel)."""
        model = default_model() if model is None else model
        return cls(
            record,
            model,
            build_space(model, record.patient),
            Observations.of(record, model),
            Engine(model, backend=backend),
        )

    @property
    def dim(self) -> int:
        return self.space.dim

    def run(
        self,
        z: np.ndarray,
        times_h: np.ndarray,
        *,
        regimen: Regimen | None = None,
        dose_mask: np.ndarray | None = None,
    ) -> EngineResult:
        """Simulates draws ``z`` (P, dim) under the record's regimen (or ``regimen``) from hour 0."""
        return self.engine.run(
            self.space.cohort(z),
            self.record.regimen if regimen is None else regimen,
            times_h,
            dose_mask=dose_mask,
        )

    def expected(self, z: np.ndarray) -> np.ndarray:
        """Expected value of every observation (P, m) at draws ``z``."""
        z = np.atleast_2d(z)
        if self.obs.m == 0:
            return np.zeros((z.shape[0], 0))
        # one output after the last score: the engine needs a run longer than zero hours
        times = np.append(self.obs.time_h, self.obs.time_h[-1] + 1.0)
        res = self.run(z, times)
        return self.obs.expected(self.model, res.items(), res.prepared.out_times_s)

    def loglik(self, z: np.ndarray) -> np.ndarray:
        """Log likelihood of every observation (P, m) at draws ``z``."""
        return self.obs.loglik(self.expected(z))

    @staticmethod
    def log_prior(z: np.ndarray) -> np.ndarray:
        """Standard-normal log prior density of draws ``z`` (P,), up to a constant."""
        z = np.atleast_2d(z)
        return -0.5 * np.sum(z * z, axis=1)
