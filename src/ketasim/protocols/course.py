"""One patient's course under a protocol: phases, planned sessions, observed status, decisions.

Decisions are taken on assessment days only, from the observed score of that
day and everything before it. A patient starts in **induction**; when the
induction's sessions are given (or it stops early on remission) the patient
moves to **maintenance**, or leaves treatment (**stopped**) when the course
requires a response and the latest observed score is not one. In maintenance
a confirmed observed relapse starts the protocol's **re-induction** (when it has
one and its yearly cap allows), after which maintenance resumes; otherwise the
maintenance policy proposes the next booster. Every planned session passes the
constraints: one that breaks a rule waits for the first allowed day (within
the decision's segment, else at the next decision), in order.

Observed relapse: after an observed response (score <= fraction x baseline),
``confirmations`` consecutive assessments at or above the relapse cut-off; a
later relapse needs a new response first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ketasim.protocols.checks import Thresholds
from ketasim.protocols.constraints import Rules
from ketasim.protocols.dosing import Dosing
from ketasim.protocols.policies import PatientView, Policy, make_policy
from ketasim.protocols.spec import NoMaintenance, Protocol, RelapseOnlyPolicy, Schedule

__all__ = ["KINDS", "Course", "Given"]

Phase = Literal["induction", "maintenance", "reinduction", "stopped"]
#: Session kinds, in the order used for codes in results.
KINDS = ("induction", "booster", "reinduction")


@dataclass(frozen=True)
class Given:
    """A session decided for the current segment."""

    day: int
    level: int
    kind: str


@dataclass
class Course:
    """Mutable state of one patient's course (see module doc)."""

    protocol: Protocol
    dosing: Dosing
    rules: Rules
    thresholds: Thresholds
    noise_sd: float
    phase: Phase = "induction"
    plan: list[tuple[int, str]] = field(default_factory=list)
    days: list[int] = field(default_factory=list)
    mg_nominal: list[float] = field(default_factory=list)
    levels: list[int] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    obs_days: list[int] = field(default_factory=list)
    obs: list[float] = field(default_factory=list)
    baseline: float = float("nan")
    armed: bool = False
    streak: int = 0
    relapses: list[int] = field(default_factory=list)
    reinductions: list[int] = field(default_factory=list)
    stopped_day: int = -1
    escalated: bool = False
    course_given: int = 0
    anchor: int = 0
    policy: Policy | None = None

    def __post_init__(self) -> None:
        self.plan = [(d, "induction") for d in self.protocol.induction.offsets()]
        self.policy = make_policy(self.protocol.maintenance, self.protocol.assessment.every_days)

    # --- observation ------------------------------------------------------------------------
    def observe(self, day: int, score: float) -> bool:
        """Records an assessment; returns True when it confirms a relapse."""
        if not self.obs:
            self.baseline = score
        self.obs_days.append(day)
        self.obs.append(score)
        t = self.thresholds
        if self.armed and score >= t.relapse_min:
            self.streak += 1
            if self.streak >= t.confirmations:
                self.relapses.append(day)
                self.armed = False
                self.streak = 0
                return True
        else:
            self.streak = 0
        if self.responding:
            self.armed = True
        return False

    @property
    def responding(self) -> bool:
        return self.obs[-1] <= self.thresholds.response_fraction * self.baseline

    @property
    def remitting(self) -> bool:
        return self.obs[-1] <= self.thresholds.remission_max

    # --- decision ---------------------------------------------------------------------------
    def decide(self, today: int, until: int, relapsed: bool) -> list[Given]:
        """Sessions to give on days ``today..until-1``, after the assessment of ``today``."""
        if self.phase in ("induction", "reinduction"):
            self._course_progress(today)
        if self.phase == "maintenance":
            self._maintenance(today, until, relapsed)
        if self.phase == "stopped":
            return []
        return self._schedule(today, until)

    def _schedule_spec(self) -> Schedule:
        if self.phase == "reinduction":
            assert self.protocol.reinduction is not None
            return self.protocol.reinduction
        return self.protocol.induction

    def _course_progress(self, today: int) -> None:
        spec = self._schedule_spec()
        kind = self.phase
        if spec.stop_on_remission and self.remitting and self.course_given >= spec.min_sessions:
            self.plan = [p for p in self.plan if p[1] != kind]
        if any(p[1] == kind for p in self.plan):
            return
        if spec.require_response and not self.responding:
            self.phase = "stopped"
            self.stopped_day = today
            self.plan = []
            return
        self.phase = "maintenance"
        self.anchor = self.days[-1] if self.days else today

    def _maintenance(self, today: int, until: int, relapsed: bool) -> None:
        re = self.protocol.reinduction
        if relapsed and re is not None:
            recent = sum(1 for d in self.reinductions if d > today - 365)
            if re.max_per_year is None or recent < re.max_per_year:
                self.phase = "reinduction"
                self.reinductions.append(today)
                self.course_given = 0
                self.plan = [(today + d, "reinduction") for d in re.offsets()]
                return
        m = self.protocol.maintenance
        if self.plan or isinstance(m, RelapseOnlyPolicy | NoMaintenance):
            return
        view = PatientView(
            today=today,
            until=until,
            obs_days=self.obs_days,
            obs=self.obs,
            baseline=self.baseline,
            thresholds=self.thresholds,
            session_days=self.days,
            anchor=self.anchor,
            noise_sd=self.noise_sd,
        )
        assert self.policy is not None
        start = self.policy.propose(view)
        if start is None:
            return
        booster = m.booster
        self.plan = [
            (start + k * booster.spacing_days, "booster-start" if k == 0 else "booster")
            for k in range(booster.sessions)
        ]

    def _schedule(self, today: int, until: int) -> list[Given]:
        given: list[Given] = []
        while self.plan and self.plan[0][0] < until:
            nominal, kind = self.plan[0]
            level = self.dosing.level_for(len(self.days) + 1, self.escalated, self.responding)
            nominal_mg = self.dosing.levels[level].value
            day = self.rules.first_allowed(
                self.days, self.mg_nominal, max(nominal, today), nominal_mg, until - 1
            )
            if day is None:
                break  # waits, with everything planned after it, for the next decision
            self.plan.pop(0)
            self.escalated = self.escalated or level > 0
            self.days.append(day)
            self.mg_nominal.append(nominal_mg)
            self.levels.append(level)
            base = kind.removesuffix("-start")
            self.kinds.append(base)
            if kind == "booster-start":
                self.anchor = day
            if base != "booster":
                self.course_given += 1
            given.append(Given(day, level, base))
        return given
