"""Everything one engine run needs, computed once before the time loop."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ketasim.engine.chainsteps import ChainStep, chain_step
from ketasim.engine.grid import Grid, build_grid, to_seconds
from ketasim.engine.pkmatrices import quarter_matrices
from ketasim.engine.schedule import Schedule, build_schedule
from ketasim.errors import InputError
from ketasim.model import Model
from ketasim.pd.cascade import NSLParams, chain
from ketasim.pd.individual import IndividualPD, individual_pd
from ketasim.pd.receptor import MOLECULES, potency_weights
from ketasim.pk.linear import LinearSystem
from ketasim.population.patients import Cohort
from ketasim.regimen.dose import Drug
from ketasim.regimen.regimen import Regimen
from ketasim.units import MOLAR_MASS

__all__ = ["Prepared", "given_esketamine", "prepare"]


@dataclass
class Prepared:
    """Inputs of the time loop (arrays over patients, shared matrices per step length)."""

    model: Model
    cohort: Cohort
    system: LinearSystem
    ind: IndividualPD
    grid: Grid
    schedule: Schedule
    phi: np.ndarray  # (K, N, n, n); empty for the compiled kernels, which build their own
    psi: np.ndarray
    chain_a: np.ndarray
    chain: list[ChainStep]
    nsl: NSLParams
    row_q: np.ndarray  # (N, n) -> weighted occupancy sum q
    row_s: np.ndarray  # (N, n) -> S-ketamine effect site, µM
    row_k: np.ndarray  # (N, n) -> total ketamine effect site, µM
    row_h: np.ndarray  # (N, n) -> (2R,6R)-HNK effect site, µM
    s_pyr: float
    n_pyr: float
    h_int: float
    w_e: float
    w_hnk: float
    out_times_s: np.ndarray
    out_slot: dict[int, int]
    record_x: bool
    x0: np.ndarray  # initial states (N, n), (N, nz), (N, 3): zeros, or a resumed run's final state
    z0: np.ndarray
    y0: np.ndarray
    _rate_steps: list[list[int]] = field(default_factory=list)

    @property
    def N(self) -> int:
        return self.cohort.n

    @property
    def n(self) -> int:
        return self.system.n

    @property
    def out_index(self) -> np.ndarray:
        return self.out_times_s

    def rate_at(self, step: int) -> np.ndarray | None:
        """Total infusion/zero-order input rate (N, n) during ``step`` (None when none)."""
        active = self._rate_steps[step]
        if not active:
            return None
        r = np.zeros((self.N, self.n))
        for i in active:
            ev = self.schedule.rates[i]
            r[:, ev.state] += ev.rate
        return r


def _row(system: LinearSystem, kind: str, weights: dict[str, float]) -> np.ndarray:
    row = np.zeros((system.N, system.n))
    for m, w in weights.items():
        key = f"{kind}:{m}"
        if key in system.outputs and w:
            row = row + w * system.outputs[key]
    return row


@lru_cache(maxsize=8192)
def _chain_step(A_bytes: bytes, B_bytes: bytes, shape: tuple[int, int, int], size: int) -> ChainStep:
    # cached per step length: grids of different runs share most of their step lengths
    nz, _, nu = shape
    A = np.frombuffer(A_bytes).reshape(nz, nz)
    B = np.frombuffer(B_bytes).reshape(nz, nu)
    return chain_step(A, B, size / 3600.0)


def _chain_steps(
    A_bytes: bytes, B_bytes: bytes, shape: tuple[int, int, int], sizes: tuple[int, ...]
) -> list[ChainStep]:
    return [_chain_step(A_bytes, B_bytes, shape, s) for s in sizes]


def given_esketamine(regimen: Regimen) -> bool:
    """Whether ``regimen`` gives esketamine (an esketamine course, for its responsiveness shift)."""
    return any(d.drug == Drug.ESKETAMINE for d in regimen)


def prepare(
    model: Model,
    cohort: Cohort,
    regimen: Regimen,
    times_h: Sequence[float] | np.ndarray,
    *,
    refine: int = 0,
    record_x: bool = False,
    dose_mask: np.ndarray | None = None,
    ad_start_h: float = 0.0,
    pk_matrices: bool = True,
    start_h: float = 0.0,
    state: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    esketamine: bool | None = None,
) -> Prepared:
    """Builds every per-patient and shared input of one run.

    ``pk_matrices=False`` skips the numpy PK step matrices (the compiled kernels build them).
    ``start_h`` and ``state`` resume a run: the states at ``start_h`` (the final state of a
    previous run of the same model and drug/route blocks); events before ``start_h`` are skipped,
    so a resumed run must start after any infusion or zero-order absorption has ended.
    ``esketamine`` marks an esketamine course (responsiveness shift); None reads it from ``regimen``,
    a run resumed between sessions passes the course's value.
    """
    start = int(to_seconds(start_h))
    out_s = np.unique(to_seconds(np.asarray(times_h, dtype=float)))
    if out_s.size == 0 or out_s[0] < start:
        raise InputError("engine", "times", "needs output times at or after the start", times_h)
    end = int(out_s[-1])
    if end <= start:
        raise InputError("engine", "times", "the last output time must be after the start", times_h)
    needed = model.pk.routes_of(regimen)
    system = model.pk.build_cohort(needed, cohort, hnk=model.switches.hnk)
    esk = given_esketamine(regimen) if esketamine is None else esketamine
    ind = individual_pd(model, cohort, esketamine=esk)
    schedule = build_schedule(model, system, regimen, cohort, ind, dose_mask=dose_mask, ad_start_h=ad_start_h)
    grid = build_grid(end, schedule.events_s, out_s.tolist(), refine, start_s=start)
    if pk_matrices:
        phi, psi = quarter_matrices(system.A, grid.sizes)
    else:
        phi = psi = np.zeros((0, cohort.n, system.n, system.n))
    ch = chain(model)
    steps = _chain_steps(
        ch.A.tobytes(), ch.B.tobytes(), (ch.A.shape[0], ch.A.shape[0], ch.B.shape[1]),
        tuple(int(s) for s in grid.sizes),
    )  # fmt: skip
    nz = ch.A.shape[0]
    if state is None:
        x0, z0, y0 = np.zeros((cohort.n, system.n)), np.zeros((cohort.n, nz)), np.zeros((cohort.n, 3))
    else:
        x0, z0, y0 = (np.array(a, dtype=float) for a in state)
        for name, a, shape in (
            ("x", x0, (cohort.n, system.n)),
            ("z", z0, (cohort.n, nz)),
            ("y", y0, (cohort.n, 3)),
        ):
            if a.shape != shape:
                raise InputError("engine", f"state.{name}", f"must have shape {shape}", a.shape)
    row_q = _row(system, "unbound", potency_weights(model))
    row_s = _row(system, "effect", {"s_ketamine": 1.0 / MOLAR_MASS["s_ketamine"]})
    row_k = _row(system, "effect", {m: 1.0 / MOLAR_MASS[m] for m in MOLECULES[:2]})
    row_h = _row(system, "effect", {"r_hnk": 1.0 / MOLAR_MASS["hydroxynorketamine"]})
    prep = Prepared(
        model=model, cohort=cohort, system=system, ind=ind, grid=grid, schedule=schedule,
        phi=phi, psi=psi, chain_a=ch.A, chain=steps, nsl=NSLParams.of(model),
        row_q=row_q, row_s=row_s, row_k=row_k, row_h=row_h,
        s_pyr=model.selectivity.value("S_PYR"), n_pyr=model.selectivity.value("N_PYR"),
        h_int=model.selectivity.value("H_INT"),
        w_e=model.bdnf.value("W_E"), w_hnk=model.switches.hnk_weight if model.switches.hnk else 0.0,
        out_times_s=out_s, out_slot={int(t): i for i, t in enumerate(out_s)}, record_x=record_x,
        x0=x0, z0=z0, y0=y0,
    )  # fmt: skip
    prep._rate_steps = _active_rates(grid, schedule)
    return prep


def _active_rates(grid: Grid, schedule: Schedule) -> list[list[int]]:
    active: list[list[int]] = []
    for t in grid.starts:
        active.append([i for i, ev in enumerate(schedule.rates) if ev.start <= t < ev.end])
    return active
