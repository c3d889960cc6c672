"""Why re-induction: sessions needed to regain response, before relapse vs after full relapse.

After the protocol's induction alone, each patient the induction brought to
response is followed (true MADRS, every day) until

* **loss of response**: the first day the MADRS is above 50 % of baseline
  (a timely booster would start here), and
* **full relapse**: the second of two consecutive weekly MADRS >= 22
  (``ketasim.population.outcomes``; a relapse-only protocol starts here).

From each of these days, rescue courses of k = 1, 2, ... sessions follow the
protocol's re-induction spacing (its induction's when it has none), at the
titrated dose when the protocol has one; the sessions needed are the smallest
k after which the MADRS **7 days** after the k-th session is at or under 50 % of
baseline (k = course length + 1 when the whole course does not do it). A week,
because one session's fast effect and most of its labile spines are gone by
then: the response has to rest on something a booster interval can build on.
The synaptic pools (labile, stabilised, mature) at both days show what was lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ketasim.engine.backend import Backend
from ketasim.engine.core import Engine
from ketasim.errors import InputError
from ketasim.model import Model, default_model
from ketasim.population.patients import Cohort
from ketasim.population.virtual import PopulationSpec, sample_cohort
from ketasim.protocols.checks import check_protocol
from ketasim.protocols.compare import RELAPSE_EVERY_DAYS, RELAPSE_MIN, RESPONSE_FRACTION
from ketasim.protocols.dosing import Dosing
from ketasim.protocols.spec import Protocol
from ketasim.regimen.regimen import Regimen

__all__ = ["CHECK_DAYS", "INDUCTION_CHECK_DAYS", "SCENARIOS", "Rescue", "rescue_sessions"]

CHECK_DAYS = 7
#: The induction's response is checked 3 days after its last session (the fast term has faded).
INDUCTION_CHECK_DAYS = 3
SCENARIOS = ("before_relapse", "after_relapse")


@dataclass(frozen=True)
class Rescue:
    """Sessions needed to regain response from each scenario's start day."""

    protocol: str
    course_sessions: int
    responders: int
    n: int
    sessions_needed: dict[str, np.ndarray]  # scenario -> (M,) 1..course_sessions + 1
    pools_at_start: dict[str, np.ndarray]  # scenario -> (M, 3) N, S, L
    pools_after_induction: np.ndarray  # (R, 3) at the response check after the induction
    start_day: dict[str, np.ndarray]

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "protocol": self.protocol,
            "n": self.n,
            "induction_responders": self.responders,
            "course_sessions": self.course_sessions,
            "pools_after_induction_mean": dict(
                zip(
                    ("labile", "stabilised", "mature"),
                    self.pools_after_induction.mean(axis=0).tolist(),
                    strict=True,
                )
            ),
        }
        for s in SCENARIOS:
            k = self.sessions_needed[s]
            out[s] = {
                "patients": int(k.size),
                "median_start_day": float(np.median(self.start_day[s])) if k.size else None,
                "mean_sessions_needed": float(k.mean()) if k.size else None,
                "regained_with_one_session_pct": 100.0 * float((k == 1).mean()) if k.size else None,
                "not_regained_within_course_pct": 100.0 * float((k > self.course_sessions).mean())
                if k.size
                else None,
                "pools_at_start_mean": dict(
                    zip(
                        ("labile", "stabilised", "mature"),
                        self.pools_at_start[s].mean(axis=0).tolist(),
                        strict=True,
                    )
                )
                if k.size
                else None,
            }
        return out


def _induction(protocol: Protocol, dosing: Dosing) -> list[tuple[float, int]]:
    """(day, level) of the induction as planned, titrated as for a patient not yet responding."""
    out: list[tuple[float, int]] = []
    escalated = False
    for k, day in enumerate(protocol.induction.offsets()):
        level = dosing.level_for(k + 1, escalated, responding=False)
        escalated = escalated or level > 0
        out.append((float(day), level))
    return out


def _run(
    engine: Engine, cohort: Cohort, dosing: Dosing, sessions: list[list[tuple[int, int]]], days: int
) -> tuple[np.ndarray, np.ndarray]:
    """Daily true MADRS (N, days + 1) and pools (N, days + 1, 3) when patient i gets ``sessions[i]``."""
    slots = sorted({(d, lv if dosing.by_devices else 0) for s in sessions for d, lv in s})
    slots.sort(key=lambda s: 24.0 * s[0] + dosing.offset_h(s[1]))
    index = {s: i for i, s in enumerate(slots)}
    regimen = Regimen(tuple(dosing.dose(lv, 24.0 * d + dosing.offset_h(lv)) for d, lv in slots))
    mask = np.zeros((len(sessions), len(slots)))
    for row, s in enumerate(sessions):
        for d, lv in s:
            mask[row, index[(d, lv if dosing.by_devices else 0)]] = dosing.scale(lv)
    res = engine.run(cohort, regimen, 24.0 * np.arange(days + 1), dose_mask=mask)
    pools = np.stack([res.latent(k) for k in "NSL"], axis=-1)
    return res.madrs(), pools


def _first_relapse(weekly: np.ndarray) -> np.ndarray:
    """Column of ``weekly`` (column 0 the baseline) confirming the first relapse, -1 when none."""
    resp = weekly[:, 1:] <= RESPONSE_FRACTION * weekly[:, :1]
    high = weekly[:, 1:] >= RELAPSE_MIN
    first = np.full(weekly.shape[0], -1)
    armed = np.zeros(weekly.shape[0], dtype=bool)
    previous = np.zeros(weekly.shape[0], dtype=bool)
    for j in range(resp.shape[1]):
        first = np.where(armed & previous & high[:, j] & (first < 0), j + 1, first)
        previous = high[:, j] & armed
        armed = armed | resp[:, j]
    return first


def rescue_sessions(
    protocol: Protocol,
    spec: PopulationSpec,
    n: int,
    *,
    days: int = 240,
    seed: int = 1,
    model: Model | None = None,
    backend: Backend | str = Backend.NUMBA,
) -> Rescue:
    """Sessions needed to regain response before and after full relapse (see module doc)."""
    model = default_model() if model is None else model
    dosing = check_protocol(protocol)
    course = protocol.reinduction or protocol.induction
    offsets = course.offsets()
    ids = np.arange(n)
    cohort = sample_cohort(spec, model, ids, seed)
    engine = Engine(model, backend=backend)
    induction = _induction(protocol, dosing)
    base_sessions = [[(int(d), lv) for d, lv in induction] for _ in range(n)]
    madrs, pools = _run(engine, cohort, dosing, base_sessions, days)
    end = int(max(d for d, _ in induction))
    base = madrs[:, 0]
    in_resp = madrs <= RESPONSE_FRACTION * base[:, None]
    responder = in_resp[:, min(end + INDUCTION_CHECK_DAYS, days)]
    after = np.arange(days + 1)[None, :] > end + INDUCTION_CHECK_DAYS
    lost = ~in_resp & after
    loss_day = np.where(lost.any(axis=1), lost.argmax(axis=1), -1)
    weekly_idx = np.arange(0, days + 1, RELAPSE_EVERY_DAYS)
    rel = _first_relapse(madrs[:, weekly_idx])
    relapse_day = np.where(rel >= 0, weekly_idx[np.maximum(rel, 0)], -1)
    room = days - (offsets[-1] + CHECK_DAYS)
    starts = {"before_relapse": loss_day, "after_relapse": relapse_day}
    needed: dict[str, np.ndarray] = {}
    at_start: dict[str, np.ndarray] = {}
    start_days: dict[str, np.ndarray] = {}
    eligible = responder & (loss_day >= 0) & (loss_day <= room) & (relapse_day >= 0) & (relapse_day <= room)
    if not eligible.any():
        raise InputError(
            "reinduction", "days", "no induction responder both lost response and relapsed", days
        )
    rows = np.flatnonzero(eligible)
    top = len(dosing.levels) - 1  # a rescue gives the titrated dose when the protocol has one
    for scenario, start in starts.items():
        k_needed = np.full(rows.size, len(offsets) + 1)
        for k in range(1, len(offsets) + 1):
            plan = [list(base_sessions[i]) for i in range(n)]
            for i in rows:
                plan[i] += [(int(start[i]) + off, top) for off in offsets[:k]]
            m_k, _ = _run(engine, cohort, dosing, plan, days)
            check = start[rows] + offsets[k - 1] + CHECK_DAYS
            ok = m_k[rows, check] <= RESPONSE_FRACTION * base[rows]
            k_needed = np.where((k_needed > len(offsets)) & ok, k, k_needed)
        needed[scenario] = k_needed
        at_start[scenario] = pools[rows, start[rows]]
        start_days[scenario] = start[rows]
    check_day = min(end + INDUCTION_CHECK_DAYS, days)
    return Rescue(
        protocol=protocol.name,
        course_sessions=len(offsets),
        responders=int(responder.sum()),
        n=n,
        sessions_needed=needed,
        pools_at_start=at_start,
        pools_after_induction=pools[responder, check_day],
        start_day=start_days,
    )
