"""Exact solution of a patient's linear PK system under a dosing schedule.

A :class:`Trajectory` turns dose events into boluses and constant-rate inputs,
then advances the state exactly (:class:`~ketasim.pk.linear.Propagator`) from
one input change or output time to the next. Outputs at a dose time are taken
before the dose (pre-dose), as everywhere in ketasim. It also integrates the
state, for exact AUCs. The system must hold one patient (N = 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ketasim.errors import InputError
from ketasim.pk.linear import LinearSystem, Propagator
from ketasim.regimen.dose import DoseEvent

__all__ = ["Trajectory"]


@dataclass(frozen=True)
class _Rate:
    start: float
    end: float
    state: int
    rate: float


class Trajectory:
    """States of ``system`` under ``events``, evaluated exactly at any times."""

    def __init__(self, system: LinearSystem, events: Sequence[DoseEvent]) -> None:
        if system.N != 1:
            raise InputError("pk", "system", "a trajectory follows one patient", system.N)
        self.system = system
        self.events = tuple(events)
        self._prop = Propagator(system.A[0])
        boluses: dict[float, np.ndarray] = {}
        rates: list[_Rate] = []
        for e in self.events:
            if e.drug.is_placebo:
                continue
            spec = system.routes.get((e.drug, e.route))
            if spec is None:
                raise InputError("pk", "route", "no model block for this drug/route", f"{e.drug}/{e.route}")
            for inp in spec.inputs(e.device):
                amount = e.amount_mg * float(inp.fraction[0])
                duration = e.duration_h if inp.duration_h is None else inp.duration_h
                if duration > 0:
                    rates.append(_Rate(e.time_h, e.time_h + duration, inp.state, amount / duration))
                else:
                    vec = boluses.setdefault(e.time_h, np.zeros(system.n))
                    vec[inp.state] += amount
        self._boluses = boluses
        self._rates = rates
        breaks = set(boluses)
        for r in rates:
            breaks.update((r.start, r.end))
        self._breaks = sorted(breaks)

    @property
    def input_end_h(self) -> float:
        """Time after which no input arrives (0 without doses)."""
        return max(self._breaks, default=0.0)

    def total_input(self) -> np.ndarray:
        """Amount that enters each state over the whole schedule (boluses plus infused amounts)."""
        total = np.zeros(self.system.n)
        for vec in self._boluses.values():
            total = total + vec
        for r in self._rates:
            total[r.state] += r.rate * (r.end - r.start)
        return total

    def state_after_inputs(self) -> np.ndarray:
        """The state just after the last input (a bolus at that time included): free decay follows."""
        t_end = self.input_end_h
        x = self.states([t_end])[0][0]
        bolus = self._boluses.get(t_end)
        return x if bolus is None else x + bolus

    def _rate_at(self, t: float) -> np.ndarray:
        r = np.zeros(self.system.n)
        for rate in self._rates:
            if rate.start <= t < rate.end:
                r[rate.state] += rate.rate
        return r

    def states(self, times: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Returns ``(X, I)``: states and their integrals from 0, at each of ``times`` (h)."""
        t_out = np.asarray(times, dtype=float)
        if t_out.ndim != 1 or t_out.size == 0:
            raise InputError("pk", "times", "must be a non-empty 1-D sequence", t_out.shape)
        if not np.all(np.isfinite(t_out)) or np.any(t_out < 0):
            raise InputError("pk", "times", "must be finite and >= 0", "negative or non-finite")
        order = np.argsort(t_out, kind="stable")
        n = self.system.n
        X = np.empty((t_out.size, n))
        I = np.empty((t_out.size, n))
        points = sorted(set(self._breaks) | set(t_out.tolist()))
        x = np.zeros(n)
        integral = np.zeros(n)
        t = 0.0
        k = 0
        for p in points:
            if p > t:
                x, di = self._prop.step(x, p - t, self._rate_at(t))
                integral = integral + di
                t = p
            while k < order.size and t_out[order[k]] == p:
                X[order[k]] = x
                I[order[k]] = integral
                k += 1
            bolus = self._boluses.get(p)
            if bolus is not None:
                x = x + bolus
        return X, I
