"""Per-patient outcomes from a score trajectory: response, remission, relapse, time in response.

Definitions (documented in docs/cli.md, "population"): response = MADRS at most
50 % of baseline; remission = MADRS <= 12 (TRANSFORM; ``remission_max``);
relapse = after a response, MADRS >= 22 at two consecutive assessments
(SUSTAIN-1 style, the assessment grid must be 5-15 days apart for the
published rule); relapse time = the first of the two. Scores are taken at the
assessment times given; time in response is the share of assessments in response.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["Outcomes", "outcomes", "wilson"]


@dataclass(frozen=True)
class Outcomes:
    """Arrays of length N (times in days; NaN where the event did not happen)."""

    responded: np.ndarray
    remitted: np.ndarray
    response_end: np.ndarray
    remission_end: np.ndarray
    relapsed: np.ndarray
    time_to_response_d: np.ndarray
    time_to_relapse_d: np.ndarray
    share_in_response: np.ndarray
    share_in_remission: np.ndarray


def outcomes(
    madrs: np.ndarray,
    days: np.ndarray,
    *,
    response_fraction: float = 0.5,
    remission_max: float = 12.0,
    relapse_min: float = 22.0,
) -> Outcomes:
    """Outcomes of each row of ``madrs`` (N, T) assessed on ``days`` (T,), column 0 = baseline."""
    base = madrs[:, :1]
    resp = madrs[:, 1:] <= response_fraction * base
    rem = madrs[:, 1:] <= remission_max
    follow = days[1:]
    responded = np.asarray(resp.any(axis=1))
    first_resp = np.where(responded, resp.argmax(axis=1), -1)
    high = madrs[:, 1:] >= relapse_min
    confirmed = high[:, :-1] & high[:, 1:]
    after = np.arange(confirmed.shape[1])[None, :] > first_resp[:, None]
    rel = confirmed & after & responded[:, None]
    relapsed = np.asarray(rel.any(axis=1))
    nan = np.full(madrs.shape[0], np.nan)
    t_resp = np.where(responded, follow[np.maximum(first_resp, 0)], nan)
    t_rel = np.where(relapsed, follow[rel.argmax(axis=1)] if rel.shape[1] else nan, nan)
    return Outcomes(
        responded=responded,
        remitted=np.asarray(rem.any(axis=1)),
        response_end=resp[:, -1],
        remission_end=rem[:, -1],
        relapsed=relapsed,
        time_to_response_d=t_resp,
        time_to_relapse_d=t_rel,
        share_in_response=resp.mean(axis=1),
        share_in_remission=rem.mean(axis=1),
    )


def wilson(successes: int, n: int, level: float = 0.95) -> tuple[float, float, float]:
    """Proportion with its Wilson score interval."""
    if n == 0:
        return (float("nan"),) * 3
    z = float(stats.norm.ppf(0.5 + level / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return p, float(centre - half), float(centre + half)
