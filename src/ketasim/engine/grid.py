"""The shared, dose-aware time grid on a one-second lattice.

Every event (dose, infusion end, end of zero-order absorption, session) and
every output time is put on a one-second lattice. Steps are short right after
an event (``MIN_STEP_S``) and grow with the time since it, up to
``MAX_STEP_S``; step lengths come from a small catalogue (so per-patient
matrices are computed once per length), except the step that lands on a
breakpoint. ``refine`` halves every step ``refine`` times (convergence checks).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ketasim.errors import InputError

__all__ = ["MAX_STEP_S", "MIN_STEP_S", "Grid", "build_grid", "to_seconds"]

MIN_STEP_S = 512
MAX_STEP_S = 259_200
# step <= time since the last event / _GROWTH; with these three the engine stays within ~2e-6 of a
# tight LSODA solution on MADRS for the named regimens (docs/performance.md)
_GROWTH = 3
_NICE = sorted(
    {2**k for k in range(17)}
    | {259_200, 172_800, 86_400, 43_200, 21_600, 10_800, 5_400, 2_700, 3_600, 1_800, 900, 600, 300, 60}
    | {120, 240, 480, 960}
)


def to_seconds(t_h: float | np.ndarray) -> np.ndarray:
    """Hours -> integer seconds on the lattice (nearest second)."""
    return np.rint(np.asarray(t_h, dtype=float) * 3600.0).astype(np.int64)


@dataclass(frozen=True)
class Grid:
    """Step start times and lengths (integer seconds); ``size_id`` indexes ``sizes``."""

    starts: np.ndarray
    size_id: np.ndarray
    sizes: np.ndarray
    end: int

    @property
    def n_steps(self) -> int:
        return int(self.starts.shape[0])

    @property
    def sizes_h(self) -> np.ndarray:
        return self.sizes / 3600.0


def build_grid(
    end_s: int, events_s: Iterable[int], outputs_s: Iterable[int], refine: int = 0, start_s: int = 0
) -> Grid:
    """Steps from ``start_s`` to ``end_s`` that land on every event and output time."""
    if end_s <= start_s:
        raise InputError("engine", "horizon", "must end after it starts", (start_s, end_s))
    if refine < 0 or refine > 6:
        raise InputError("engine", "refine", "must lie within 0-6", refine)
    events = {int(e) for e in events_s if start_s <= e <= end_s} | {start_s}
    breaks = sorted(events | {int(o) for o in outputs_s if start_s <= o <= end_s} | {end_s})
    top = max(1, MAX_STEP_S >> refine)
    nice = [c for c in _NICE if c <= top] or [1]
    lo = max(1, MIN_STEP_S >> refine)
    starts: list[int] = []
    lengths: list[int] = []
    t = start_s
    last_event = start_s
    for b in breaks[1:]:
        while t < b:
            since = t - last_event
            target = min(max(lo, int(since / (_GROWTH * 2**refine))), top)
            gap = b - t
            if gap <= target:
                step = gap  # land on the breakpoint
            else:
                step = nice[_floor_index(nice, target)]
                if gap - step < step:
                    step = gap // 2  # two even steps instead of a sliver at the breakpoint
            starts.append(t)
            lengths.append(step)
            t += step
        if b in events:
            last_event = b
    sizes, size_id = np.unique(np.asarray(lengths, dtype=np.int64), return_inverse=True)
    return Grid(np.asarray(starts, dtype=np.int64), size_id.astype(np.int64), sizes, end_s)


def _floor_index(nice: list[int], limit: int) -> int:
    """Index of the largest catalogue step <= limit (the catalogue holds 1)."""
    lo, hi = 0, len(nice) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if nice[mid] <= limit:
            lo = mid
        else:
            hi = mid - 1
    return lo if nice[lo] <= limit else 0
