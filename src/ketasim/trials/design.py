"""A validated spec resolved into numbers: phases on the clock, arms with regimens, visits, stages.

Phase ``k`` runs from ``start_h`` to ``end_h`` (hours from the first day of the
trial); its regimens are written from its start. Arms that mirror another arm
get placebo sessions at that arm's session times (under anaesthesia or sedation
when its sessions are). Errors name the spec field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ketasim.errors import InputError, KetasimError
from ketasim.model import Model
from ketasim.population.patients import BACKGROUND, STARTS_NEW_AD
from ketasim.population.virtual import PopulationSpec
from ketasim.regimen.dose import MAX_DEVICES, Dose, Drug, Route, placebo
from ketasim.regimen.regimen import Regimen
from ketasim.trials.spec import Arm, DoseItem, Phase, StopRule, Titration, TrialSpec, Visits
from ketasim.trials.spec_base import time_h
from ketasim.trials.spec_endpoints import Condition
from ketasim.units import DEVICE_MG, DoseAmount, parse_dose

__all__ = ["ArmDesign", "PhaseDesign", "TrialDesign", "compile_phases", "unique_times"]

#: Paths enumerated at check time to validate background changes (more are checked when run).
_MAX_CHECKED_PATHS = 4096

#: Times closer than this (hours) are the same time: the engine's lattice is one second.
TIME_TOL_H = 0.5 / 3600.0
_PLACEBO_DRUG = {"saline": Drug.SALINE, "midazolam": Drug.MIDAZOLAM, "spray": Drug.PLACEBO_SPRAY}


@dataclass(frozen=True)
class ArmDesign:
    """One arm of one phase; times relative to the phase start."""

    id: str
    index: int
    regimen: Regimen
    sessions_h: tuple[float, ...]
    fraction: float | None = None
    n: int | None = None
    follows: int | None = None  # arm index in the phase this phase follows
    implicit: bool = False  # the single arm of a phase written without arms
    background: str | None = None  # background oral antidepressant from this phase on (None: as before)
    background_from_h: float = 0.0  # new_start / switch: start, from the phase start
    setting: str | None = None  # outpatient / inpatient for the whole trial (first phase; None: population's)
    dropout_per_week: float = 0.0  # probability of dropping out within a week (constant hazard)
    stop_when: tuple[StopRule, ...] = ()  # decided at visits, on observed scores
    titrate: Titration | None = None
    titrate_to: DoseAmount | None = None

    @property
    def has_rules(self) -> bool:
        """Whether sessions of this arm are decided during the run (stop rules, titration)."""
        return bool(self.stop_when) or self.titrate is not None

    @property
    def dropout_hazard_h(self) -> float:
        """Dropout hazard per hour."""
        return -math.log1p(-self.dropout_per_week) / 168.0

    @property
    def last_dose_h(self) -> float | None:
        return self.sessions_h[-1] if self.sessions_h else None


@dataclass(frozen=True)
class PhaseDesign:
    """One phase on the trial clock, its arms and its visits (absolute hours)."""

    id: str
    index: int
    start_h: float
    end_h: float
    arms: tuple[ArmDesign, ...]
    path: str  # where the phase is written in the spec, for error messages
    follows_phase: int | None = None
    continue_if: tuple[Condition, ...] = ()
    own_visits_h: tuple[float, ...] = ()
    strata: tuple[tuple[str, tuple[Condition, ...]], ...] = ()  # (id, where): first that holds
    until: str | None = None  # event-driven follow-up: a patient leaves the phase at this event

    @property
    def ends_stage(self) -> bool:
        """Whether who goes on is decided on the phase's scores (continue_if, or an event-driven end)."""
        return bool(self.continue_if) or self.until is not None

    def arm(self, arm_id: str) -> ArmDesign | None:
        return next((a for a in self.arms if a.id == arm_id), None)

    @property
    def explicit_arms(self) -> bool:
        return not self.arms[0].implicit


@dataclass(frozen=True)
class TrialDesign:
    """Everything the runner needs, resolved from a spec.

    Frozen, its arrays read-only: the plan, the runner and the result read one design. ``visits_h``
    are the visits; ``times_h`` the output grid, the visits plus every time an endpoint reads
    (:func:`compile_phases` gives the visits, :meth:`with_times` the grid the checks found).
    """

    spec: TrialSpec
    phases: tuple[PhaseDesign, ...]
    n_enrolled: int
    population: PopulationSpec
    visits_h: np.ndarray
    times_h: np.ndarray

    def __post_init__(self) -> None:
        for name in ("visits_h", "times_h"):
            times = np.array(getattr(self, name), dtype=float)
            times.setflags(write=False)
            object.__setattr__(self, name, times)

    def with_times(self, times_h: list[float] | np.ndarray) -> TrialDesign:
        """A copy whose output grid is ``times_h`` (made distinct and sorted)."""
        return replace(self, times_h=unique_times(times_h))

    @property
    def end_h(self) -> float:
        return self.phases[-1].end_h

    def phase(self, phase_id: str) -> PhaseDesign:
        for p in self.phases:
            if p.id == phase_id:
                return p
        raise KeyError(phase_id)

    def stages(self) -> list[tuple[int, int]]:
        """Runs of phases simulated together: a stage ends where continue_if selects patients, or
        where an event-driven phase (until) lets only those without the event go on."""
        out: list[tuple[int, int]] = []
        first = 0
        for p in self.phases:
            if p.ends_stage or p.index == len(self.phases) - 1:
                out.append((first, p.index))
                first = p.index + 1
        return out

    def origin_h(self, phase: PhaseDesign, arm: ArmDesign, origin: str) -> float:
        """Absolute time origin of a phase's arm: its start, or its last session."""
        if origin == "last_dose":
            last = arm.last_dose_h
            assert last is not None, "checked at compile time"
            return phase.start_h + last
        return phase.start_h

    def visits_in(self, phase: PhaseDesign, after_h: float) -> np.ndarray:
        """Visit times of ``phase`` strictly after ``after_h`` (absolute hours)."""
        v = self.visits_h
        return v[(v > after_h + TIME_TOL_H) & (v <= phase.end_h + TIME_TOL_H)]

    def phase_visits(self, phase: PhaseDesign) -> np.ndarray:
        """Visit times of ``phase`` from its start to its end, both included (absolute hours)."""
        return self.visits_in(phase, phase.start_h - 2.0 * TIME_TOL_H)

    def background_of(self, path: tuple[int, ...]) -> tuple[int, float]:
        """Background code (index into ``BACKGROUND``) and new-drug start (h) of a patient's path.

        The population's background holds until an arm gives one; the first phase's arms replace
        it, later arms may start a new drug (new_start, or switch from a continuing one) or
        continue. Raises :class:`InputError` naming the arm for changes the engine cannot carry
        (a second start, stopping, continuing a drug not taken).
        """
        kind, start = self.population.background, 0.0
        for q, a in enumerate(path):
            if a < 0:
                break
            phase = self.phases[q]
            arm = phase.arms[a]
            if arm.background is None:
                continue
            new = arm.background
            if q > 0:
                if new == kind or (new == "continuing" and kind in STARTS_NEW_AD):
                    continue  # unchanged: a drug started earlier goes on
                rule = _change_rule(kind, new)
                if rule is not None:
                    here = _join(phase.path, f"arms[{arm.index}].background.oral_antidepressant")
                    raise InputError("trial", here, rule, f"{kind} before phase {phase.id}, then {new}")
            kind = new
            start = phase.start_h + arm.background_from_h if new in STARTS_NEW_AD else 0.0
        return BACKGROUND.index(kind), start

    def inpatient_of(self, path: tuple[int, ...]) -> bool:
        """Whether a patient on ``path`` is an inpatient: the first-phase arm's setting, else the
        population's (the setting holds for the whole trial, decision 0034)."""
        setting: str = self.spec.population.setting
        if path and path[0] >= 0:
            setting = self.phases[0].arms[path[0]].setting or setting
        return setting == "inpatient"

    @property
    def has_inpatients(self) -> bool:
        """Whether any patient of the trial is an inpatient."""
        return any(self.inpatient_of((a.index,)) for a in self.phases[0].arms)

    def index_of(self, t_h: float | np.ndarray) -> np.ndarray:
        """Indices of times in :attr:`times_h` (every needed time is on the grid by construction)."""
        idx = np.searchsorted(self.times_h, np.asarray(t_h) - TIME_TOL_H)
        return np.minimum(idx, self.times_h.size - 1)


def _change_rule(before: str, after: str) -> str | None:
    """Why a later phase cannot change the background from ``before`` to ``after`` (None: it can)."""
    if before in STARTS_NEW_AD and after in STARTS_NEW_AD:
        return "a patient starts at most one new background antidepressant (already started earlier)"
    if after == "none":
        return "stopping a background antidepressant during the trial is not modelled"
    if after == "continuing":
        return "continuing applies to an antidepressant already taken: before this phase there is none"
    if after == "switch" and before == "none":
        return "switch needs an antidepressant to switch from: before this phase there is none"
    return None


def _paths(phases: tuple[PhaseDesign, ...], limit: int) -> list[tuple[int, ...]]:
    """Every arm sequence a patient can follow (up to ``limit``; phases following others copy)."""
    out: list[tuple[int, ...]] = [()]
    for p in phases:
        nxt: list[tuple[int, ...]] = []
        for path in out:
            if p.follows_phase is not None:
                nxt += [(*path, a.index) for a in p.arms if a.follows == path[p.follows_phase]]
            else:
                nxt += [(*path, a.index) for a in p.arms]
        if len(nxt) > limit:
            return nxt[:limit]
        out = nxt
    return out


def _strata(
    spec: TrialSpec, k: int, phase: Phase, phases: list[Phase]
) -> tuple[tuple[str, tuple[Condition, ...]], ...]:
    """Strata of a randomised phase: known when it starts (covariates, or scores of an earlier stage)."""
    where = _join(_where(spec, k), "strata")
    if not phase.strata:
        return ()
    if phase.arms is None or any(a.follows is not None for a in phase.arms):
        raise InputError("trial", where, "strata apply to randomised phases (arms without follows)", phase.id)
    if any(a.n is not None for a in phase.arms):
        raise InputError(
            "trial", where, "strata share entrants by fraction: give arms fractions, not n", phase.id
        )
    ids = [s.id for s in phase.strata]
    earlier = [p.id for p in phases[:k]]
    for i, s in enumerate(phase.strata):
        if ids.index(s.id) != i:
            raise InputError("trial", f"{where}[{i}].id", "stratum ids must be unique in a phase", s.id)
        for j, c in enumerate(s.where):
            if c.covariate is not None:
                continue
            here = f"{where}[{i}].where[{j}]"
            if c.phase is None or c.phase not in earlier:
                rule = f"must name an earlier phase {earlier} (strata are known at its start)"
                raise InputError("trial", f"{here}.phase", rule, c.phase)
            if not phases[k - 1].continue_if and phases[k - 1].until is None:
                raise InputError(
                    "trial", here,
                    "scores decide strata only at a selection: give the previous phase a continue_if",
                    phases[k - 1].id,
                )  # fmt: skip
    return tuple((s.id, tuple(s.where)) for s in phase.strata)


def _where(spec: TrialSpec, k: int) -> str:
    return f"phases[{k}]" if spec.phases is not None else ""


def _join(base: str, rest: str) -> str:
    return f"{base}.{rest}" if base else rest


def _regimen(items: list[DoseItem], days: float, where: str, model: Model) -> Regimen:
    """The regimen of ``items`` (times from the phase start), every dose inside the phase."""
    end_h = 24.0 * days
    doses: list[Dose] = []
    for i, item in enumerate(items):
        data: dict[str, Any] = item.as_dict()
        if "every" in data and "count" not in data and "until" not in data:
            data["until"] = end_h - 1.0 / 3600.0  # repeat to the end of the phase, not at its end
        here = _join(where, f"regimen[{i}]")
        try:
            part = Regimen.from_spec([data])
            for drug, route in part.routes:
                model.pk.check(drug, route)
        except KetasimError as err:
            sub = err.field.split(".", 1)[1] if err.field.startswith("doses[") else err.field
            raise InputError("trial", f"{here}.{sub}", err.rule, err.received) from None
        late = [t for d in part for t in d.times() if t >= end_h - TIME_TOL_H]
        if late:
            raise InputError(
                "trial",
                here,
                f"doses must start within the phase (before day {days:g})",
                f"{late[0] / 24:g} d",
            )
        doses.extend(part.doses)
    return Regimen(tuple(doses))


def _mirror(kind: str, target: Regimen, where: str) -> Regimen:
    """Placebo sessions of ``kind`` at every session of ``target`` (same infusion time)."""
    drug = _PLACEBO_DRUG[kind]
    out: list[Dose] = []
    for d in target:
        if d.drug.is_placebo:
            continue
        if (d.route == Route.INTRANASAL) != (drug == Drug.PLACEBO_SPRAY):
            raise InputError(
                "trial",
                f"{where}.placebo",
                "spray mirrors intranasal sessions; saline and midazolam mirror the other routes",
                f"{kind} for {d.route.value}",
                "Write the placebo sessions in the arm's regimen instead.",
            )
        over = d.infusion_hours(None) if d.route == Route.IV else 0.0
        # a matching placebo is given as the drug is: under anaesthesia when the drug is
        out.extend(placebo(drug, at=t, over=over, under=d.under) for t in d.times())
    return Regimen(tuple(out))


def _arms(spec: TrialSpec, k: int, phase: Phase, model: Model) -> tuple[ArmDesign, ...]:
    where = _where(spec, k)
    if phase.arms is None:
        reg = _regimen(phase.regimen, phase.days, where, model)
        drop = _dropout(spec, phase, None)
        return (ArmDesign("all", 0, reg, tuple(reg.session_times()), implicit=True, dropout_per_week=drop),)
    ids = [a.id for a in phase.arms]
    for j, a in enumerate(phase.arms):
        if ids.index(a.id) != j:
            raise InputError(
                "trial", _join(where, f"arms[{j}].id"), "arm ids must be unique in a phase", a.id
            )
    own = {
        a.id: _regimen(a.regimen, phase.days, _join(where, f"arms[{j}]"), model)
        for j, a in enumerate(phase.arms)
    }
    active = [a.id for a in phase.arms if any(not d.drug.is_placebo for d in own[a.id])]
    out = []
    for j, a in enumerate(phase.arms):
        reg = own[a.id]
        here = _join(where, f"arms[{j}]")
        if a.placebo is not None:
            reg = reg + _mirror(a.placebo, own[_mirrored(a, active, here)], here)
        bg, bg_from = _background(a, phase, here)
        if a.setting is not None and k > 0:
            # the factor acts on a patient's whole run (an individual PD value), not from a phase on
            raise InputError(
                "trial", f"{here}.setting",
                "the setting holds for the whole trial: give it on the population or a first-phase arm",
                a.setting,
            )  # fmt: skip
        out.append(
            ArmDesign(a.id, j, reg, tuple(reg.session_times()), a.fraction, a.n, background=bg,
                      background_from_h=bg_from, setting=a.setting, dropout_per_week=_dropout(spec, phase, a),
                      stop_when=tuple(a.stop_when), titrate=a.titrate,
                      titrate_to=_titration(a, reg, here))
        )  # fmt: skip
    return tuple(out)


def _titration(arm: Arm, reg: Regimen, where: str) -> DoseAmount | None:
    """The dose a titration rises to, checked against the arm's active doses."""
    t = arm.titrate
    if t is None:
        return None
    here = f"{where}.titrate.to"
    try:
        to = parse_dose(t.to, "titrate.to")
    except KetasimError as err:
        raise InputError("trial", here, err.rule, t.to) from None
    active = [d for d in reg if not d.drug.is_placebo and d.amount is not None]
    if not active:
        raise InputError("trial", f"{where}.titrate", "the arm has no active doses to titrate", arm.id)
    for d in active:
        assert d.amount is not None
        if d.amount.per_kg != to.per_kg:
            raise InputError("trial", here, f"must have the unit of the arm's doses ({d.amount})", t.to)
        if d.devices and (to.value % DEVICE_MG or not 0 < to.value <= MAX_DEVICES * DEVICE_MG):
            raise InputError(
                "trial", here, f"esketamine nasal doses are whole 28 mg devices (at most {MAX_DEVICES})", t.to
            )
    if all(d.amount is not None and d.amount.value >= to.value for d in active):
        raise InputError("trial", here, "must be higher than one of the arm's doses", t.to)
    return to


def _dropout(spec: TrialSpec, phase: Phase, arm: Arm | None) -> float:
    """Dropout probability per week of an arm: the arm's, else the phase's, else the trial's."""
    for d in (arm.dropout if arm is not None else None, phase.dropout, spec.dropout):
        if d is not None:
            return d.per_week
    return 0.0


def _background(arm: Arm, phase: Phase, where: str) -> tuple[str | None, float]:
    if arm.background is None:
        return None, 0.0
    start = time_h(arm.background.from_)
    if start >= 24.0 * phase.days - TIME_TOL_H:
        raise InputError(
            "trial",
            f"{where}.background.from",
            f"the new drug must start within the phase (before day {phase.days:g})",
            arm.background.from_,
        )
    return arm.background.oral_antidepressant, start


def _mirrored(arm: Arm, active: list[str], where: str) -> str:
    if arm.mirrors is not None:
        if arm.mirrors not in active or arm.mirrors == arm.id:
            raise InputError(
                "trial",
                f"{where}.mirrors",
                f"must name another arm of the phase with active doses {active}",
                arm.mirrors,
            )
        return arm.mirrors
    others = [a for a in active if a != arm.id]
    if len(others) != 1:
        raise InputError(
            "trial",
            f"{where}.mirrors",
            f"is required when the phase has {len(others)} active arms besides this one",
            others,
        )
    return others[0]


def _allocation(spec: TrialSpec, k: int, phase: Phase, starts: list[str]) -> int | None:
    """Checks how entrants are shared among arms; returns the phase it follows, if any."""
    where = _where(spec, k)
    if phase.arms is None:
        return None
    with_n = [a for a in phase.arms if a.n is not None]
    if with_n and (k > 0 or len(with_n) != len(phase.arms)):
        j = phase.arms.index(with_n[0])
        rule = "arm n applies to the first phase only" if k > 0 else "give n to every arm or to none"
        raise InputError("trial", _join(where, f"arms[{j}].n"), rule, with_n[0].n)
    fr = [a.fraction for a in phase.arms]
    if any(f is not None for f in fr):
        if any(f is None for f in fr):
            j = fr.index(None)
            raise InputError(
                "trial", _join(where, f"arms[{j}].fraction"), "give fraction to every arm or to none", None
            )
        total = sum(f for f in fr if f is not None)
        if abs(total - 1.0) > 1e-6:
            raise InputError("trial", _join(where, "arms"), "fractions must sum to 1", round(total, 9))
    fol = [a.follows for a in phase.arms]
    if not any(f is not None for f in fol):
        return None
    if any(f is None for f in fol):
        j = fol.index(None)
        raise InputError(
            "trial", _join(where, f"arms[{j}].follows"), "give follows to every arm or to none", None
        )
    src_ids = {f.phase for f in fol if f is not None}
    if len(src_ids) != 1:
        raise InputError(
            "trial", _join(where, "arms"), "every arm must follow the same earlier phase", sorted(src_ids)
        )
    src = src_ids.pop()
    if src not in starts:
        raise InputError(
            "trial", _join(where, "arms[0].follows.phase"), f"must name an earlier phase {starts}", src
        )
    src_phase = spec.phase_list()[starts.index(src)]
    src_arms = [a.id for a in src_phase.arms] if src_phase.arms is not None else []
    seen: list[str] = []
    for j, a in enumerate(phase.arms):
        assert a.follows is not None
        if a.follows.arm not in src_arms or a.follows.arm in seen:
            raise InputError(
                "trial",
                _join(where, f"arms[{j}].follows.arm"),
                f"must name a distinct arm of phase {src} {src_arms}",
                a.follows.arm,
            )
        seen.append(a.follows.arm)
    if sorted(seen) != sorted(src_arms):
        missing = sorted(set(src_arms) - set(seen))
        raise InputError("trial", _join(where, "arms"), f"every arm of phase {src} must be followed", missing)
    return starts.index(src)


def _visit_times(v: Visits | None, start: float, end: float, where: str) -> list[float]:
    if v is None:
        return []
    out: list[float] = []
    if v.every is not None:
        step = time_h(v.every)
        if step <= 0:
            raise InputError("trial", f"{where}.every", "must be positive", v.every)
        out.extend(start + step * np.arange(0, math.floor((end - start) / step + 1e-9) + 1))
    for i, t in enumerate(v.at):
        h = start + time_h(t)
        if h > end + TIME_TOL_H:
            raise InputError("trial", f"{where}.at[{i}]", f"must lie within 0-{(end - start) / 24:g} d", t)
        out.append(h)
    return out


def compile_phases(spec: TrialSpec, model: Model) -> TrialDesign:
    """Phases, arms, regimens, allocation and visits of ``spec`` (endpoints: :mod:`.checks`)."""
    if spec.phases is not None and spec.until is not None:
        raise InputError(
            "trial", "until", "a trial with phases gives until to a phase (phases[k].until)", spec.until
        )
    phases_in = spec.phase_list()
    ids = [p.id for p in phases_in]
    out: list[PhaseDesign] = []
    start = 0.0
    for k, ph in enumerate(phases_in):
        where = _where(spec, k)
        if ids.index(ph.id) != k:
            raise InputError("trial", _join(where, "id"), "phase ids must be unique", ph.id)
        arms = _arms(spec, k, ph, model)
        follows = _allocation(spec, k, ph, ids[:k])
        if follows is not None:
            src = phases_in[follows]
            assert src.arms is not None and ph.arms is not None
            arms = tuple(
                ArmDesign(
                    a.id,
                    a.index,
                    a.regimen,
                    a.sessions_h,
                    follows=[x.id for x in src.arms].index(s.follows.arm),
                    background=a.background,
                    background_from_h=a.background_from_h,
                    dropout_per_week=a.dropout_per_week,
                    stop_when=a.stop_when,
                    titrate=a.titrate,
                    titrate_to=a.titrate_to,
                )
                for a, s in zip(arms, ph.arms, strict=True)
                if s.follows is not None
            )
        if ph.continue_if and k == len(phases_in) - 1:
            raise InputError("trial", _join(where, "continue_if"), "the last phase has no next phase", ph.id)
        end = start + 24.0 * ph.days
        own = _visit_times(ph.visits, start, end, _join(where, "visits"))
        strata = _strata(spec, k, ph, phases_in)
        conds, own_h = tuple(ph.continue_if), tuple(own)
        out.append(PhaseDesign(ph.id, k, start, end, arms, where, follows, conds, own_h, strata, ph.until))
        start = end
    first = out[0]
    pop = spec.population
    if first.explicit_arms and all(a.n is not None for a in first.arms):
        total = sum(a.n or 0 for a in first.arms)
        if pop.n is not None and pop.n != total:
            raise InputError("trial", "population.n", f"must equal the sum of the arms' n ({total})", pop.n)
        n = total
    elif pop.n is None:
        raise InputError("trial", "population.n", "is required (or give each first-phase arm an n)", None)
    else:
        n = pop.n
    try:
        population = pop.to_spec(model)
    except KetasimError as err:
        raise InputError("trial", f"population.{err.field}", err.rule, err.received) from None
    visits = [0.0, *(p.start_h for p in out), *(p.end_h for p in out)]
    visits += _visit_times(spec.visits, 0.0, out[-1].end_h, "visits")
    for p in out:
        visits += p.own_visits_h
    visits_h = unique_times(visits)
    design = TrialDesign(spec, tuple(out), n, population, visits_h=visits_h, times_h=visits_h)
    for path in _paths(design.phases, _MAX_CHECKED_PATHS):
        design.background_of(path)
    return design


def unique_times(times: list[float] | np.ndarray) -> np.ndarray:
    """Sorted distinct times, snapped to the engine's one-second lattice."""
    return np.unique(np.rint(np.asarray(times, dtype=float) * 3600.0)) / 3600.0
