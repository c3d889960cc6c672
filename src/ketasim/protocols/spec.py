"""Protocol files: the drug and dose rules, induction, maintenance policy, re-induction, constraints.

A protocol is a YAML file (format in docs/protocols.md, JSON Schema in
``protocols/schema.json``). These pydantic models are its structure;
:mod:`ketasim.protocols.load` reads a file, validates it against them and then
checks its meaning (:mod:`ketasim.protocols.checks`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "POLICIES",
    "Assessment",
    "Booster",
    "Constraints",
    "Definitions",
    "DoseRule",
    "FixedPolicy",
    "ForecastPolicy",
    "Maintenance",
    "NoMaintenance",
    "Protocol",
    "Reinduction",
    "RelapseOnlyPolicy",
    "Schedule",
    "SymptomPolicy",
    "TaperPolicy",
    "Titration",
]

POLICIES = ("fixed", "taper", "symptom_triggered", "relapse_only", "forecast_triggered", "none")
Scale = Literal["madrs", "phq9", "qids_sr16"]


class _Node(BaseModel):
    """Strict, immutable protocol node: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Titration(_Node):
    """Dose escalation: from session ``from_session`` on, give ``to`` instead of the start dose."""

    to: str = Field(description="the escalated dose, in the unit of `amount` ('84 mg', '0.75 mg/kg')")
    from_session: int = Field(2, ge=2, le=100, description="first session (1-based, whole treatment) at it")
    if_not_responding: bool = Field(
        True,
        description="escalate only while the latest observed score is not a response; once escalated, stay",
    )


class DoseRule(_Node):
    """What every session gives."""

    drug: str = Field(description="racemic_ketamine (ketamine) or esketamine")
    route: str = Field(description="iv, intranasal, oral, sublingual, im, sc")
    amount: str = Field(description="start dose: '0.5 mg/kg', '56 mg' (esketamine nasal: 28 mg devices)")
    over: str | None = Field(None, description="IV infusion duration, e.g. '40 min'")
    titration: Titration | None = None


class Assessment(_Node):
    """Scheduled assessments: the only scores the protocol's decisions may use."""

    scale: Scale = Field("madrs", description="madrs (clinician), phq9 or qids_sr16 (linked, approximate)")
    every_days: int = Field(7, ge=1, le=28, description="days between assessments = days between decisions")
    rater_noise: bool = Field(True, description="observed scores carry the scale's rater noise")


class Definitions(_Node):
    """Response, remission and relapse on the assessment scale (defaults: docs/protocols.md)."""

    response_fraction: float = Field(
        0.5, gt=0.0, lt=1.0, description="response: score <= fraction x baseline"
    )
    remission_max: float | None = Field(None, ge=0.0, description="remission: score <= this")
    relapse_min: float | None = Field(None, ge=0.0, description="relapse: score >= this, after a response")
    relapse_confirmations: int = Field(2, ge=1, le=4, description="consecutive assessments to confirm")


class Schedule(_Node):
    """A course of sessions: ``sessions`` at ``per_week``, ``every_days`` or explicit ``days``."""

    sessions: int = Field(ge=1, le=24)
    per_week: int | None = Field(None, ge=1, le=7, description="sessions per week, spread over the week")
    every_days: int | None = Field(None, ge=1, le=28, description="days between sessions")
    days: list[int] | None = Field(None, description="day offsets from the course start, from 0, increasing")
    stop_on_remission: bool = Field(False, description="stop the course once an assessment shows remission")
    min_sessions: int = Field(1, ge=1, le=24, description="sessions given before stopping early")
    require_response: bool = Field(
        False, description="patients not in observed response after the course stop treatment"
    )

    def offsets(self) -> list[int]:
        """Day offsets of every session from the course start."""
        if self.days is not None:
            return list(self.days)
        if self.every_days is not None:
            return [k * self.every_days for k in range(self.sessions)]
        per_week = self.per_week or 1
        week = [(7 * j) // per_week for j in range(per_week)]
        return [7 * (k // per_week) + week[k % per_week] for k in range(self.sessions)]


class Reinduction(Schedule):
    """A new course given after a confirmed (observed) relapse."""

    after: Literal["relapse"] = "relapse"
    max_per_year: int | None = Field(None, ge=0, le=52, description="re-inductions allowed per 365 days")


class Booster(_Node):
    """One booster: ``sessions`` sessions ``spacing_days`` apart (a cluster when more than one)."""

    sessions: int = Field(1, ge=1, le=6)
    spacing_days: int = Field(2, ge=1, le=14)


class FixedPolicy(_Node):
    """A booster every ``every_days`` after the induction."""

    policy: Literal["fixed"]
    every_days: int = Field(ge=1, le=365)
    booster: Booster = Booster()


class TaperPolicy(_Node):
    """Widening intervals while the response holds; back a step (or to the first) when it is lost."""

    policy: Literal["taper"]
    intervals_days: list[int] = Field(min_length=1, max_length=24, description="non-decreasing, days")
    on_loss: Literal["step_back", "restart"] = "step_back"
    booster: Booster = Booster()


class SymptomPolicy(_Node):
    """A booster when the observed score reaches ``threshold`` (or ``fraction_of_baseline``)."""

    policy: Literal["symptom_triggered"]
    threshold: float | None = Field(None, ge=0.0, description="score on the assessment scale")
    fraction_of_baseline: float | None = Field(None, gt=0.0, le=1.0, description="score >= this x baseline")
    booster: Booster = Booster()


class RelapseOnlyPolicy(_Node):
    """No boosters: treat again only after a relapse (the protocol's re-induction)."""

    policy: Literal["relapse_only"]


class NoMaintenance(_Node):
    """No boosters and, unlike ``relapse_only``, no re-induction required: the induction alone."""

    policy: Literal["none"]


class ForecastPolicy(_Node):
    """A booster when the forecast probability of the event before the next slot exceeds ``limit``."""

    policy: Literal["forecast_triggered"]
    limit: float = Field(gt=0.0, lt=1.0, description="probability above which a booster is given")
    target: Literal["relapse", "response_loss"] = "relapse"
    horizon_days: int | None = Field(None, ge=1, le=56, description="default: the assessment interval")
    slope_prior_sd: float = Field(2.0, gt=0.0, le=20.0, description="prior SD of the drift, points/week")
    booster: Booster = Booster()


Maintenance = Annotated[
    FixedPolicy | TaperPolicy | SymptomPolicy | RelapseOnlyPolicy | ForecastPolicy | NoMaintenance,
    Field(discriminator="policy"),
]


class Constraints(_Node):
    """Rules every proposed session must satisfy; sessions that break one wait for the first allowed day."""

    label: Literal["none", "esketamine_us"] = Field(
        "none",
        description="esketamine_us: <= 2 sessions/week in weeks 1-4, <= 1/week after; 56 then 56/84 mg",
    )
    min_hours_between_sessions: float = Field(24.0, ge=0.0, le=2160.0)
    max_sessions_per_week: int | None = Field(None, ge=1, le=7, description="in any 7 days")
    max_sessions_per_year: int | None = Field(None, ge=1, le=366, description="in any 365 days")


class Protocol(_Node):
    """A treatment protocol."""

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$", max_length=80)
    description: str = ""
    dose: DoseRule
    assessment: Assessment = Assessment()
    definitions: Definitions = Definitions()
    induction: Schedule
    maintenance: Maintenance
    reinduction: Reinduction | None = None
    constraints: Constraints = Constraints()
