r"""Trial statistics on one replicate: Kaplan–Meier, Cox, odds ratio, Cohen's d, standardized betas.

Pure functions of arrays; no simulation. Each returns ``nan`` where the
estimate does not exist (no patients, no events, a degenerate group), never a
made-up number.

Kaplan–Meier: :math:`\hat S(t) = \prod_{t_j \le t} (1 - d_j / n_j)`. Cox with one
binary covariate and Breslow ties maximises
:math:`\ell(\beta) = \sum_j [d_{j1}\beta - d_j \log(n_{j0} + n_{j1}e^\beta)]`
by Newton–Raphson.

>>> t = np.array([1.0, 2.0, 2.0, 3.0]); e = np.array([True, True, False, True])
>>> float(km_survival(t, e, 2.0))
0.5
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "cohens_d",
    "confirmation_visits",
    "confirmed_events",
    "cox_binary",
    "kaplan_meier",
    "km_mean",
    "km_median",
    "km_survival",
    "odds_ratio",
    "standardized_beta",
]

_TIE = 1e-9  # times closer than this are ties


def kaplan_meier(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct event times and the survival just after each (right-censored data)."""
    time = np.asarray(time, float)
    event = np.asarray(event, bool)
    if time.size == 0:
        return np.zeros(0), np.zeros(0)
    ev_times = np.unique(time[event])
    at_risk = np.array([(time >= t - _TIE).sum() for t in ev_times], float)
    deaths = np.array([(event & (np.abs(time - t) <= _TIE)).sum() for t in ev_times], float)
    return ev_times, np.cumprod(1.0 - deaths / at_risk)


def km_survival(time: np.ndarray, event: np.ndarray, at: float) -> float:
    """Kaplan–Meier survival at time ``at`` (1 before the first event; nan without patients)."""
    if np.asarray(time).size == 0:
        return math.nan
    t, s = kaplan_meier(time, event)
    k = int(np.searchsorted(t, at + _TIE, side="left"))
    return 1.0 if k == 0 else float(s[k - 1])


def km_median(time: np.ndarray, event: np.ndarray) -> float:
    """Median survival time: the first time S(t) <= 0.5 (R's convention at an exact 0.5 plateau).

    Returns ``inf`` when the curve never reaches 0.5 (median not reached), ``nan``
    without patients.
    """
    if np.asarray(time).size == 0:
        return math.nan
    t, s = kaplan_meier(time, event)
    below = np.nonzero(s <= 0.5 + 1e-12)[0]
    if below.size == 0:
        return math.inf
    k = int(below[0])
    if abs(s[k] - 0.5) <= 1e-12 and k + 1 < t.size:
        return float(0.5 * (t[k] + t[k + 1]))  # flat at exactly 0.5: midpoint to the next event
    return float(t[k])


def km_mean(time: np.ndarray, event: np.ndarray) -> float:
    """Restricted mean survival time: the area under the Kaplan–Meier curve up to the last time.

    The mean time to the event when every patient is followed until it (no
    censoring); with censoring, the area up to the largest follow-up time (event
    or censored), the "mean" of SPSS and of R's ``survfit`` (``rmean``). ``nan``
    without patients.
    """
    time = np.asarray(time, float)
    if time.size == 0:
        return math.nan
    t, s = kaplan_meier(time, event)
    end = float(time.max())
    edges = np.concatenate([[0.0], t[t <= end + _TIE], [end]])
    heights = np.concatenate([[1.0], s[: edges.size - 2]])
    return float(np.sum(heights * np.diff(edges)))


def cox_binary(time: np.ndarray, event: np.ndarray, x: np.ndarray, *, max_iter: int = 50) -> float:
    """Log hazard ratio of group ``x == 1`` vs ``x == 0``: Cox model, Breslow ties, Newton–Raphson.

    ``nan`` when the estimate does not exist: no events, an empty group, or a
    likelihood that keeps rising (all events in one group: the MLE is infinite).
    """
    time = np.asarray(time, float)
    event = np.asarray(event, bool)
    x = np.asarray(x, bool)
    if not event.any() or x.all() or not x.any():
        return math.nan
    ev_times = np.unique(time[event])
    n1 = np.array([(x & (time >= t - _TIE)).sum() for t in ev_times], float)
    n0 = np.array([(~x & (time >= t - _TIE)).sum() for t in ev_times], float)
    at_t = np.abs(time[None, :] - ev_times[:, None]) <= _TIE
    d = (at_t & event[None, :]).sum(axis=1).astype(float)
    d1 = (at_t & event[None, :] & x[None, :]).sum(axis=1).astype(float)

    def loglik(b: float) -> float:
        return float(np.sum(d1 * b - d * np.log(n0 + n1 * math.exp(b))))

    beta = 0.0
    for _ in range(max_iter):
        p = n1 * math.exp(beta) / (n0 + n1 * math.exp(beta))
        score = float(np.sum(d1 - d * p))
        info = float(np.sum(d * p * (1.0 - p)))
        if info <= 1e-12:
            return math.nan
        step = score / info
        # halve the step until the partial likelihood does not fall (Newton can overshoot)
        base = loglik(beta)
        while loglik(beta + step) < base - 1e-12 and abs(step) > 1e-12:
            step *= 0.5
        beta += step
        if abs(beta) > 20.0:
            return math.nan
        if abs(step) < 1e-10:
            return beta
    return math.nan


def odds_ratio(yes_a: int, n_a: int, yes_b: int, n_b: int) -> float:
    """Odds ratio of a vs b; 0.5 is added to every cell when one is zero (Haldane–Anscombe)."""
    if n_a == 0 or n_b == 0:
        return math.nan
    cells = np.array([yes_a, n_a - yes_a, yes_b, n_b - yes_b], float)
    if (cells == 0).any():
        cells += 0.5
    return float(cells[0] * cells[3] / (cells[1] * cells[2]))


def cohens_d(a: np.ndarray, b: np.ndarray) -> float:
    """Standardized mean difference (mean a - mean b) / pooled SD."""
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    if a.size < 2 or b.size < 2:
        return math.nan
    pooled = ((a.size - 1) * a.var(ddof=1) + (b.size - 1) * b.var(ddof=1)) / (a.size + b.size - 2)
    if pooled <= 0:
        return math.nan
    return float((a.mean() - b.mean()) / math.sqrt(pooled))


def standardized_beta(y: np.ndarray, X: np.ndarray) -> float:
    """Coefficient of the first column of ``X`` in an OLS of z-scored ``y`` on z-scored columns.

    Every variable is standardized (mean 0, SD 1), so the coefficient is in SD
    of ``y`` per SD of the predictor, as in published predictor analyses.
    """
    y = np.asarray(y, float)
    X = np.asarray(X, float).reshape(y.size, -1)
    if y.size <= X.shape[1] + 1:
        return math.nan
    sd_y = y.std(ddof=1)
    sd_x = X.std(axis=0, ddof=1)
    if sd_y <= 0 or (sd_x <= 0).any():
        return math.nan
    zy = (y - y.mean()) / sd_y
    zx = (X - X.mean(axis=0)) / sd_x
    coef, *_ = np.linalg.lstsq(zx, zy, rcond=None)
    return float(coef[0])


def confirmed_events(
    met: np.ndarray, visits: np.ndarray, confirm: tuple[float, float] | None
) -> tuple[np.ndarray, np.ndarray]:
    """First visit at which a condition is met (and confirmed), per patient.

    ``met`` is (patients, visits) of booleans at ``visits`` (hours). With
    ``confirm = (lo, hi)`` a visit counts only if the condition is met again at
    a later visit ``lo``-``hi`` hours after it. Returns (has_event, index of the
    first such visit; -1 without one).
    """
    met = np.asarray(met, bool)
    if confirm is not None:
        gap = visits[None, :] - visits[:, None]  # gap[k, j] = t_j - t_k
        lo, hi = confirm
        window = (gap >= lo - 1e-9) & (gap <= hi + 1e-9) & (gap > 0)
        met = met & ((met.astype(np.int64) @ window.T.astype(np.int64)) > 0)
    has = np.asarray(met.any(axis=1), dtype=bool)
    first = np.where(has, np.argmax(met, axis=1), -1)
    return has, first


def confirmation_visits(
    met: np.ndarray, visits: np.ndarray, confirm: tuple[float, float] | None, first: np.ndarray
) -> np.ndarray:
    """Index of the visit at which each event of :func:`confirmed_events` is known (-1: none).

    Without confirmation that is the event's own visit; with ``confirm = (lo, hi)`` it is the
    earliest later visit ``lo``-``hi`` hours after it at which the condition is met again.
    """
    met = np.asarray(met, bool)
    first = np.asarray(first, dtype=np.int64)
    if confirm is None:
        return first.copy()
    lo, hi = confirm
    out = np.full(first.shape, -1, dtype=np.int64)
    for i in np.nonzero(first >= 0)[0]:
        gap = visits - visits[first[i]]
        ok = met[i] & (gap >= lo - 1e-9) & (gap <= hi + 1e-9) & (gap > 0)
        out[i] = int(np.argmax(ok)) if ok.any() else -1
    return out
