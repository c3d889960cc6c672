"""Allocation of a phase's entrants to its arms, within each replicate trial.

Randomised phases allocate exact counts: the arms' ``n``, or their fractions of
the entrants rounded by largest remainder (ties to the earlier arm). Who goes
where follows a random order drawn per patient id (counter-based, so a patient's
draw does not depend on who else enters). Phases with ``follows`` copy the arm
of an earlier phase (crossovers).

>>> largest_remainder([0.5, 0.5], 5)
[3, 2]
"""

from __future__ import annotations

import math

import numpy as np

from ketasim.population.rng import uniform
from ketasim.trials.design import PhaseDesign

__all__ = ["allocate", "largest_remainder"]


def largest_remainder(fractions: list[float], m: int) -> list[int]:
    """Whole counts summing to ``m`` closest to ``fractions`` (which sum to 1)."""
    raw = [f * m for f in fractions]
    counts = [math.floor(x + 1e-9) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - counts[i]), i))
    for i in order[: m - sum(counts)]:
        counts[i] += 1
    return counts


def _counts(phase: PhaseDesign, m: int) -> list[int]:
    arms = phase.arms
    if all(a.n is not None for a in arms):
        return [a.n or 0 for a in arms]
    if all(a.fraction is not None for a in arms):
        return largest_remainder([a.fraction or 0.0 for a in arms], m)
    return largest_remainder([1.0 / len(arms)] * len(arms), m)


def allocate(
    phase: PhaseDesign,
    arm: np.ndarray,
    entering: np.ndarray,
    ids: np.ndarray,
    n_per_replicate: int,
    seed: int,
    stratum: np.ndarray | None = None,
) -> None:
    """Writes the arm index of every entering patient into ``arm[:, phase.index]``.

    With ``stratum`` (a group per patient), each stratum of each replicate is allocated on its own.
    """
    col = arm[:, phase.index]
    col[:] = -1
    if phase.arms[0].implicit:
        col[entering] = 0
        return
    if phase.follows_phase is not None:
        src = arm[:, phase.follows_phase]
        for a in phase.arms:
            col[entering & (src == a.follows)] = a.index
        return
    u = uniform(seed, ids, f"allocate:{phase.id}")
    replicate = ids // n_per_replicate
    group = replicate * 1024 + (0 if stratum is None else stratum + 1)
    for r in np.unique(group[entering]):
        who = np.nonzero(entering & (group == r))[0]
        order = who[np.argsort(u[who], kind="stable")]
        bounds = np.cumsum([0, *_counts(phase, who.size)])
        for a, lo, hi in zip(phase.arms, bounds[:-1], bounds[1:], strict=True):
            col[order[lo:hi]] = a.index
