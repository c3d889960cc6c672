"""Individual booster intervals: for each virtual patient, the longest fixed interval that keeps response.

The protocol's dose rule, induction and constraints are kept; its maintenance
becomes a ``fixed`` booster every ``k`` days (its own booster, one session by
default), for each candidate ``k``, without re-induction and without the
stop-for-non-response rule (every patient goes on, so that each is judged on
every candidate). All candidates run on the same virtual patients and raters.

For a patient (true MADRS, no rater noise):

* the induction **brought a response** when the MADRS 3 days after the
  induction's last session is at most 50 % of the day-0 MADRS (the fast,
  spine-independent effect of the last session has faded by then);
* interval ``k`` **keeps the response** when the MADRS stays at or under 50 %
  of baseline on at least ``min_share`` of the days from the day after the
  induction's last session to the horizon;
* the patient's interval is the longest candidate that keeps the response
  (0 when even the shortest does not; NaN when the induction brought none).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ketasim.engine.backend import Backend
from ketasim.errors import InputError
from ketasim.model import Model, default_model
from ketasim.pd.individual import individual_pd
from ketasim.population.virtual import PopulationSpec, sample_cohort
from ketasim.protocols.course import KINDS
from ketasim.protocols.simulate import ProtocolRun, simulate_protocol
from ketasim.protocols.spec import Booster, FixedPolicy, NoMaintenance, Protocol, RelapseOnlyPolicy

__all__ = ["DEFAULT_CANDIDATES", "Intervals", "individual_intervals", "induction_end"]

#: Candidate intervals: 1 to 16 weeks.
DEFAULT_CANDIDATES = tuple(7 * w for w in range(1, 17))
RESPONSE_CHECK_DAYS = 3


@dataclass(frozen=True)
class Intervals:
    """Per-patient result of :func:`individual_intervals`."""

    protocol: str
    candidates: np.ndarray  # (K,) days
    share: np.ndarray  # (N, K) share of maintenance days in response
    responder: np.ndarray  # (N,) the induction brought a response
    longest: np.ndarray  # (N,) days; 0 = none kept; NaN = no response to the induction
    covariates: dict[str, np.ndarray]
    min_share: float
    days: int
    booster: Booster

    def summary(self) -> dict[str, Any]:
        """Shares of patients by outcome and quantiles of the interval among those kept by one."""
        n = self.longest.size
        kept = self.longest[self.responder & (self.longest > 0)]
        q = [float(x) for x in np.percentile(kept, [10, 25, 50, 75, 90])] if kept.size else None
        hist = {int(c): int((self.longest == c).sum()) for c in self.candidates}
        return {
            "protocol": self.protocol,
            "n": n,
            "days": self.days,
            "min_share_in_response": self.min_share,
            "booster": {"sessions": self.booster.sessions, "spacing_days": self.booster.spacing_days},
            "no_response_to_induction_pct": 100.0 * float((~self.responder).mean()),
            "shorter_than_shortest_pct": 100.0 * float((self.responder & (self.longest == 0)).mean()),
            "kept_by_some_interval_pct": 100.0 * kept.size / n,
            "interval_days_quantiles_10_25_50_75_90": q,
            "patients_by_longest_interval_days": hist,
            "by_group": self.by_group(),
        }

    def by_group(self) -> dict[str, dict[str, float | None]]:
        """Interval (days; 0 when none keeps) among induction responders, by genotype, stress, severity."""
        resp = self.responder
        c = self.covariates
        groups: dict[str, np.ndarray] = {
            "val/val": c["met_alleles"] == 0,
            "met carrier": c["met_alleles"] > 0,
            "met/met": c["met_alleles"] == 2,
        }
        for name, key in (
            ("stress", "stress_factor"),
            ("baseline MADRS", "baseline_madrs"),
            ("responsiveness", "responsiveness"),
        ):
            lo, hi = np.percentile(c[key][resp], [100 / 3, 200 / 3]) if resp.any() else (0.0, 0.0)
            groups[f"{name}: low third"] = c[key] <= lo
            groups[f"{name}: high third"] = c[key] > hi
        out: dict[str, dict[str, float | None]] = {}
        for g, sel in groups.items():
            x = self.longest[resp & sel]
            out[g] = {
                "n": float(x.size),
                "mean_days": float(x.mean()) if x.size else None,
                "median_days": float(np.median(x)) if x.size else None,
                "kept_2_weeks_or_more_pct": 100.0 * float((x >= 14).mean()) if x.size else None,
                "kept_4_weeks_or_more_pct": 100.0 * float((x >= 28).mean()) if x.size else None,
            }
        return out


def induction_end(run: ProtocolRun) -> np.ndarray:
    """Day of each patient's last induction session (-1 when none)."""
    end = np.full(run.n, -1, dtype=np.int64)
    ind = run.session_kind == KINDS.index("induction")
    np.maximum.at(end, run.session_patient[ind], run.session_day[ind])
    return end


def _booster(protocol: Protocol, booster: Booster | None) -> Booster:
    m = protocol.maintenance
    if booster is not None:
        return booster
    return Booster() if isinstance(m, RelapseOnlyPolicy | NoMaintenance) else m.booster


def _variant(protocol: Protocol, every: int, booster: Booster) -> Protocol:
    return protocol.model_copy(
        update={
            "maintenance": FixedPolicy(policy="fixed", every_days=every, booster=booster),
            "reinduction": None,
            "induction": protocol.induction.model_copy(update={"require_response": False}),
            "name": f"{protocol.name}@{every}d",
        }
    )


def individual_intervals(
    protocol: Protocol,
    spec: PopulationSpec,
    n: int,
    *,
    days: int = 365,
    seed: int = 1,
    candidates: Sequence[int] = DEFAULT_CANDIDATES,
    min_share: float = 0.95,
    booster: Booster | None = None,
    model: Model | None = None,
    backend: Backend | str = Backend.NUMBA,
) -> Intervals:
    """The longest candidate interval that keeps each patient in response (see module doc).

    ``booster`` replaces the protocol's booster (e.g. two sessions two days apart).
    """
    model = default_model() if model is None else model
    cands = np.asarray(sorted(set(int(c) for c in candidates)), dtype=np.int64)
    if cands.size == 0 or cands[0] < 1:
        raise InputError(
            "intervals", "candidates", "need at least one interval of 1 day or more", list(candidates)
        )
    if not 0.0 < min_share <= 1.0:
        raise InputError("intervals", "min_share", "must lie within (0, 1]", min_share)
    booster = _booster(protocol, booster)
    share = np.zeros((n, cands.size))
    responder = np.zeros(n, dtype=bool)
    for k, every in enumerate(cands.tolist()):
        run = simulate_protocol(
            _variant(protocol, every, booster), spec, n, days=days, seed=seed, model=model, backend=backend
        )
        end = induction_end(run)
        base = run.madrs[:, 0]
        in_resp = run.madrs <= 0.5 * base[:, None]
        day = np.arange(days + 1)[None, :]
        window = day > end[:, None]
        share[:, k] = (in_resp & window).sum(axis=1) / np.maximum(window.sum(axis=1), 1)
        if k == 0:  # the induction is the same in every candidate run
            check = np.minimum(end + RESPONSE_CHECK_DAYS, days)
            responder = in_resp[np.arange(n), check] & (end >= 0)
    kept = share >= min_share
    longest = np.where(kept.any(axis=1), np.max(np.where(kept, cands[None, :], 0), axis=1), 0).astype(float)
    longest[~responder] = np.nan
    cohort = sample_cohort(spec, model, np.arange(n), seed)
    ind = individual_pd(model, cohort)
    covariates = {
        "met_alleles": np.asarray(cohort.met_alleles),
        "baseline_madrs": np.asarray(cohort.baseline_madrs, dtype=float),
        "stress_factor": np.asarray(ind.sigma, dtype=float),
        "responsiveness": np.asarray(ind.g, dtype=float),
    }
    return Intervals(protocol.name, cands, share, responder, longest, covariates, min_share, days, booster)
