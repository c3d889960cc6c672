"""Which patients share an engine run: one regimen for many arms, switched per patient by a session mask.

A patient's *path* is the arm they are in at each phase so far; its regimen is
the arms' regimens, each shifted to its phase start. Paths whose sessions fall
at the same times (an active arm and its matching placebo, several doses of one
schedule) run together: the union of their arms' regimens, with a 0/1 mask per
patient over the union's sessions. That needs each session of the union to come
from one arm; when two arms start multi-device nasal sessions at the same
moment the engine's session numbering would mix them, so those paths run
separately instead (same result, one more engine run). Paths with different
background oral antidepressants (per arm) never share a run: the engine takes
one new-drug start time per run; nor do inpatients and outpatients (the setting
is carried per run into the cohort).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ketasim.regimen.regimen import Regimen
from ketasim.trials.design import TrialDesign

__all__ = ["Call", "plan_calls", "session_owners"]

Path = tuple[int, ...]


@dataclass(frozen=True)
class Call:
    """One engine run: a regimen, the patients (rows of the batch), their session mask, and their
    background oral antidepressant (code into ``BACKGROUND``, new-drug start in hours) and setting."""

    regimen: Regimen
    rows: np.ndarray
    mask: np.ndarray | None
    background: int = 0
    ad_start_h: float = 0.0
    inpatient: bool = False


def _component(design: TrialDesign, phase: int, arm: int) -> Regimen:
    p = design.phases[phase]
    return p.arms[arm].regimen.shift(p.start_h)


def _path_regimen(design: TrialDesign, path: Path) -> Regimen:
    reg = Regimen()
    for q, a in enumerate(path):
        if a >= 0:
            reg = reg + _component(design, q, a)
    return reg


def _signature(reg: Regimen) -> tuple[int, ...]:
    return tuple(sorted({round(t * 3600.0) for t in reg.session_times()}))


def session_owners(parts: list[Regimen]) -> list[int] | None:
    """For the union of ``parts`` (in order), the part each session comes from; None if mixed.

    Mirrors :meth:`Regimen.expand`: events sorted by (time, device), a new
    session at each event with device <= 1. The result is cross-checked against
    ``expand`` itself, so a change there falls back to separate runs, never to
    a wrong mask.
    """
    events: list[tuple[float, int, int]] = []
    for c, reg in enumerate(parts):
        for dose in reg:
            for t in dose.times():
                if dose.devices and not dose.drug.is_placebo:
                    events += [(t + k * dose.device_interval_h, k + 1, c) for k in range(dose.devices)]
                else:
                    events.append((t, 0, c))
    events.sort(key=lambda e: (e[0], e[1]))
    owners: list[int] = []
    for _, device, c in events:
        if device <= 1:
            owners.append(c)
        elif not owners or owners[-1] != c:
            return None
    union = Regimen(tuple(d for reg in parts for d in reg))
    expanded = union.expand(1.0)
    if len(expanded) != len(events):
        return None
    for ev, (t, device, _) in zip(expanded, events, strict=True):
        if abs(ev.time_h - t) > 1e-9 or ev.device != device:
            return None
    if 1 + max((e.session for e in expanded), default=-1) != len(owners):
        return None
    return owners


def _merged(design: TrialDesign, paths: list[Path], rows: list[np.ndarray]) -> Call | None:
    comps = sorted({(q, a) for path in paths for q, a in enumerate(path) if a >= 0})
    parts = [_component(design, q, a) for q, a in comps]
    owners = session_owners(parts)
    if owners is None:
        return None
    union = Regimen(tuple(d for reg in parts for d in reg))
    own = np.asarray(owners, dtype=np.int64)
    blocks = []
    for path, r in zip(paths, rows, strict=True):
        mine = [comps.index((q, a)) for q, a in enumerate(path) if a >= 0]
        blocks.append(np.broadcast_to(np.isin(own, mine).astype(float), (r.size, own.size)))
    return Call(union, np.concatenate(rows), np.concatenate(blocks, axis=0))


def plan_calls(design: TrialDesign, paths: dict[Path, np.ndarray]) -> list[Call]:
    """Engine runs covering every path (patients given as batch rows)."""
    by_sig: dict[tuple[tuple[int, float], bool, tuple[int, ...]], list[Path]] = {}
    for path in sorted(paths):
        key = (design.background_of(path), design.inpatient_of(path), _signature(_path_regimen(design, path)))
        by_sig.setdefault(key, []).append(path)
    calls: list[Call] = []
    for (bg, inpatient, _), group in by_sig.items():
        rows = [paths[p] for p in group]
        merged = _merged(design, group, rows) if len(group) > 1 else None
        if merged is not None:
            calls.append(replace(merged, background=bg[0], ad_start_h=bg[1], inpatient=inpatient))
            continue
        calls += [
            Call(_path_regimen(design, p), r, None, *bg, inpatient=inpatient)
            for p, r in zip(group, rows, strict=True)
        ]
    return calls
