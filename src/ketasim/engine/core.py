"""The engine's front: run a cohort under a regimen and read any layer of the model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ketasim.engine.backend import Backend
from ketasim.engine.flat import flatten
from ketasim.engine.kernel_numpy import run_numpy
from ketasim.engine.prepared import Prepared, prepare
from ketasim.errors import InputError
from ketasim.model import Model, default_model
from ketasim.pd.acute import blood_pressure_rise, cadss
from ketasim.pd.cascade import IDX
from ketasim.population.patients import Cohort
from ketasim.regimen.regimen import Regimen
from ketasim.solution import ALIASES
from ketasim.symptoms import item_scores

__all__ = ["LATENT", "Engine", "EngineResult"]

#: Latent quantities readable from a result.
LATENT = ("G", "B", "M", "P", "X", "W", "N", "S", "L", "syn", "EF", "ES", "AD", "TOL", "F")


@dataclass
class EngineResult:
    """Recorded states of one run; every quantity is (N, T) unless said otherwise."""

    prepared: Prepared
    x: np.ndarray
    z: np.ndarray
    y: np.ndarray
    final: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @property
    def final_state(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """States at the run's end (x, z, y), to resume from with ``Engine.run(..., state=...)``."""
        if self.final is None:
            raise InputError("engine", "final", "this result has no final state", None)
        return self.final

    @property
    def times_h(self) -> np.ndarray:
        return self.prepared.out_times_s / 3600.0

    def latent(self, name: str) -> np.ndarray:
        """A latent cascade quantity (see :data:`LATENT`), patient gains applied."""
        ind = self.prepared.ind
        z = self.z
        col = {k: z[..., i] for k, i in IDX.items()}
        a = ind.ampa
        gain_phi = ind.phi[:, None]
        if name == "G":
            return col["G"]
        if name == "B":
            return ind.f_sec[:, None] * (a * col["B1"] + col["B2"])
        if name in ("M", "P", "X"):
            return gain_phi * (a * col[name + "1"] + col[name + "2"])
        if name == "W":
            return gain_phi * a * col["W1"]
        if name in ("N", "S", "L"):
            return self.y[..., "NSL".index(name)]
        if name == "syn":
            return self.y.sum(axis=-1)
        if name in ("EF", "ES", "AD", "TOL"):
            return col[name]
        if name == "F":
            return np.tanh(np.maximum(self.latent("W"), 0.0) / ind.w_sat)
        raise InputError("engine", "latent", f"unknown (known: {', '.join(LATENT)})", name)

    def items(self) -> np.ndarray:
        """True MADRS item scores (N, T, 10)."""
        return item_scores(
            self.latent("W"), self.latent("syn"), self.latent("EF"), self.latent("ES"), self.latent("AD"),
            self.prepared.ind,
        )  # fmt: skip

    def madrs(self) -> np.ndarray:
        """True MADRS total (N, T)."""
        return self.items().sum(axis=-1)

    def _x(self) -> np.ndarray:
        if not self.prepared.record_x:
            raise InputError("engine", "record_x", "run with record_x=True to read concentrations", False)
        return self.x

    def concentration(self, analyte: str, kind: str = "plasma") -> np.ndarray:
        """ng/mL of ``analyte`` (molecule or alias) in plasma, effect or unbound effect site."""
        x = self._x()
        total = np.zeros(x.shape[:2])
        for part in ALIASES.get(analyte, (analyte,)):
            row = self.prepared.system.outputs.get(f"{kind}:{part}")
            if row is not None:
                total = total + np.einsum("ntj,nj->nt", x, row)
        return total

    def occupancy(self) -> np.ndarray:
        """Interneuron NMDA block O_int (N, T)."""
        q = np.einsum("ntj,nj->nt", self._x(), self.prepared.row_q)
        return q / (1.0 + q)

    def cadss(self) -> np.ndarray:
        """Dissociation (CADSS increase, points) (N, T)."""
        c_s = np.einsum("ntj,nj->nt", self._x(), self.prepared.row_s)
        return cadss(self.prepared.model, c_s, self.latent("TOL"))

    def blood_pressure(self) -> np.ndarray:
        """Systolic blood-pressure rise (mmHg) (N, T)."""
        c_k = np.einsum("ntj,nj->nt", self._x(), self.prepared.row_k)
        return blood_pressure_rise(self.prepared.model, c_k)


class Engine:
    """Simulates whole cohorts on one shared dose-aware grid.

    >>> from ketasim.regimen.dose import iv_infusion
    >>> from ketasim.regimen.regimen import Regimen
    >>> from ketasim.population.patients import Cohort, Patient
    >>> iv = Regimen.of(iv_infusion("0.5 mg/kg", over="40 min"))
    >>> res = Engine().run(Cohort.of([Patient()]), iv, [0, 24])
    >>> bool(res.madrs()[0, 1] < res.madrs()[0, 0])
    True
    """

    def __init__(
        self, model: Model | None = None, *, refine: int = 0, backend: Backend | str = Backend.NUMPY
    ) -> None:
        self.backend = Backend.parse(backend)
        self.model = default_model() if model is None else model
        self.refine = refine

    def run(
        self,
        cohort: Cohort,
        regimen: Regimen,
        times_h: Sequence[float] | np.ndarray,
        *,
        record_x: bool = False,
        dose_mask: np.ndarray | None = None,
        ad_start_h: float = 0.0,
        start_h: float = 0.0,
        state: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
        esketamine: bool | None = None,
    ) -> EngineResult:
        """Simulates ``cohort`` under ``regimen``; records states at ``times_h`` (hours, pre-dose).

        ``start_h`` and ``state`` resume from a previous result's :attr:`EngineResult.final_state`
        (the same model and drug/route blocks; no infusion running at ``start_h``).
        ``esketamine`` marks an esketamine course; None reads it from ``regimen``.
        """
        prep = prepare(
            self.model, cohort, regimen, times_h, refine=self.refine, record_x=record_x,
            dose_mask=dose_mask, ad_start_h=ad_start_h, pk_matrices=self.backend is Backend.NUMPY,
            start_h=start_h, state=state, esketamine=esketamine,
        )  # fmt: skip
        if self.backend is Backend.NUMPY:
            x, z, y, final = run_numpy(prep)
        elif self.backend is Backend.NUMBA:
            from ketasim.engine.kernel_numba import run_numba

            x, z, y, final = run_numba(flatten(prep), record_x=record_x)
        else:
            from ketasim.engine.kernel_jax import run_jax

            x, z, y, final = run_jax(flatten(prep), record_x=record_x)
        return EngineResult(prep, x, z, y, final)
