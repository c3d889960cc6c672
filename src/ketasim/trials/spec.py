"""Trial specs: the YAML format as typed, validated models, and loading with field-named errors.

A spec is checked in two passes before anything is simulated: the models here
(types, ranges, unknown fields) and :func:`ketasim.trials.checks.check` (cross
references, times inside phases, regimens). Both raise
:class:`~ketasim.errors.InputError` whose field is the dotted path of the
offending value, e.g. ``phases[1].arms[0].fraction``.

>>> spec = parse_spec({
...     "id": "demo", "title": "one arm", "population": {"n": 10}, "days": 7,
...     "arms": [{"id": "ketamine", "regimen": [
...         {"drug": "ketamine", "route": "iv", "dose": "0.5 mg/kg", "over": "40 min"}]}],
...     "endpoints": [{"id": "change", "measure": "mean_change", "at": "24 h"}]})
>>> spec.phase_list()[0].id
'trial'
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationError, model_validator

from ketasim.errors import InputError
from ketasim.files import load
from ketasim.trials.spec_base import Id, SpecModel, Time, as_list, single_or_list, time_h
from ketasim.trials.spec_endpoints import Conditions, Definition, Endpoint, Target
from ketasim.trials.spec_population import BackgroundKind, Population, Setting

__all__ = [
    "SINGLE_PHASE_ID",
    "Arm",
    "ArmBackground",
    "DoseItem",
    "Dropout",
    "Follows",
    "Phase",
    "StopRule",
    "Stratum",
    "Titration",
    "TrialSpec",
    "Visits",
    "load_spec",
    "parse_spec",
]

SINGLE_PHASE_ID = "trial"


class DoseItem(SpecModel):
    """One line of a regimen (the keys of ``Regimen.from_spec``); times from the phase start."""

    drug: str = Field(description="racemic_ketamine (ketamine), esketamine, saline, midazolam, placebo_spray")
    route: str = Field(description="iv, intranasal, oral, sublingual, im, sc")
    dose: str | None = Field(None, description="'0.5 mg/kg', '84 mg' (none for placebo)")
    over: Time | None = Field(None, description="infusion duration")
    rate: str | None = Field(None, description="infusion rate, e.g. '50 mg/h'")
    devices: int | None = Field(None, ge=1, le=3, description="esketamine nasal devices (28 mg each)")
    at: Time | None = Field(None, description="first dose, from the phase start (default 0)")
    every: Time | None = Field(None, description="repeat interval (to the phase end unless count/until)")
    count: int | None = Field(None, ge=1, description="doses in all")
    until: Time | None = Field(None, description="last possible dose time, from the phase start")
    days: list[float] | None = Field(None, description="day numbers from the phase start")
    under: Literal["anaesthesia", "sedation"] | None = Field(
        None, description="sessions given under anaesthesia or sedation: no expectancy response"
    )

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class Follows(SpecModel):
    """Deterministic assignment: everyone who was in ``arm`` of ``phase`` (crossovers)."""

    phase: Id
    arm: Id


class ArmBackground(SpecModel):
    """An arm's background oral antidepressant from its phase on (replaces the population's)."""

    oral_antidepressant: BackgroundKind = Field(
        description="none, continuing (steady), new_start, or switch (from the one taken to a new one)"
    )
    from_: Time = Field(
        "0 d", alias="from", description="new_start or switch: when the new drug starts, from the phase start"
    )

    @model_validator(mode="after")
    def _start(self) -> ArmBackground:
        if self.oral_antidepressant not in ("new_start", "switch") and time_h(self.from_) > 0:
            raise ValueError(f"`from` applies to new_start and switch, not {self.oral_antidepressant}")
        return self


class Dropout(SpecModel):
    """Patients leaving the trial at random: a constant hazard, as a probability per week."""

    per_week: float = Field(ge=0, lt=1, description="probability of dropping out within a week")


class StopRule(SpecModel):
    """When a patient's sessions of an arm stop: decided at each visit of its phase, on observed scores."""

    of: Id | None = Field(None, description="stop once this definition holds at a visit")
    sessions: int | None = Field(None, ge=1, description="stop once this many sessions are given ...")
    without: Id | None = Field(None, description="... and this definition does not hold at the visit")

    @model_validator(mode="after")
    def _form(self) -> StopRule:
        if (self.of is None) == (self.sessions is None):
            raise ValueError(
                "give of (stop once it holds) or sessions with without (stop after N without it)"
            )
        if (self.sessions is None) != (self.without is None):
            raise ValueError("sessions and without go together: stop after N sessions without a definition")
        return self


StopRules = Annotated[list[StopRule], BeforeValidator(as_list), Field(json_schema_extra=single_or_list)]


class Titration(SpecModel):
    """A dose increase decided at a visit: to ``to`` after ``after_sessions``, unless ``unless`` holds."""

    to: str = Field(description="the higher dose, same unit as the arm's ('84 mg', '0.75 mg/kg')")
    after_sessions: int = Field(1, ge=1, description="sessions given before the dose may rise")
    unless: Id | None = Field(None, description="keep the dose while this definition holds (e.g. response)")


class Arm(SpecModel):
    """A treatment group of a phase."""

    id: Id
    fraction: float | None = Field(None, gt=0, le=1, description="share of the phase's entrants")
    n: int | None = Field(None, ge=1, description="patients (first phase only)")
    follows: Follows | None = Field(None, description="take everyone from an arm of an earlier phase")
    regimen: list[DoseItem] = Field(default_factory=list, description="doses, times from the phase start")
    placebo: Literal["saline", "midazolam", "spray"] | None = Field(
        None, description="placebo sessions on the schedule of the arm in `mirrors`"
    )
    mirrors: Id | None = Field(None, description="active arm whose sessions the placebo copies")
    background: ArmBackground | None = Field(
        None, description="background oral antidepressant from this phase on (default: as before)"
    )
    dropout: Dropout | None = Field(None, description="dropout in this arm (default: the phase's)")
    setting: Setting | None = Field(
        None,
        description="outpatient or inpatient, whole trial (first-phase arms only; default: the population's)",
    )
    stop_when: StopRules = Field(
        default_factory=list, description="stop the arm's sessions for a patient (any rule that holds)"
    )
    titrate: Titration | None = Field(None, description="raise the dose for a patient (once, then stay)")

    @model_validator(mode="after")
    def _allocation(self) -> Arm:
        given = [k for k in ("fraction", "n", "follows") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"give at most one of fraction, n, follows (got {', '.join(given)})")
        if self.mirrors is not None and self.placebo is None:
            raise ValueError("mirrors applies to placebo arms: add placebo: saline, midazolam or spray")
        return self


class Stratum(SpecModel):
    """A stratum of a phase's entrants: randomised within itself, reported with endpoint `stratum`."""

    id: Id
    where: Conditions = Field(min_length=1, description="who is in it (all must hold; first stratum wins)")


class Visits(SpecModel):
    """Assessment times (pre-dose when a session is due at the same time)."""

    every: Time | None = Field(None, description="a visit every this long")
    at: list[Time] = Field(default_factory=list, description="extra visit times")


class Phase(SpecModel):
    """A period of the trial; patients enter it together at its start."""

    id: Id
    days: float = Field(gt=0, le=3650, description="duration (with until: the maximum)")
    until: Id | None = Field(
        None, description="event-driven follow-up: each patient leaves the phase at this event (a definition)"
    )
    regimen: list[DoseItem] = Field(default_factory=list, description="doses for everyone (no arms)")
    arms: list[Arm] | None = Field(None, min_length=1, description="treatment groups")
    visits: Visits | None = Field(None, description="extra visits, times from the phase start")
    continue_if: Conditions = Field(
        default_factory=list, description="who goes on to the next phase (all must hold)"
    )
    dropout: Dropout | None = Field(None, description="dropout in this phase (default: the trial's)")
    strata: list[Stratum] = Field(
        default_factory=list, description="randomise within these groups of entrants (first that holds)"
    )

    @model_validator(mode="after")
    def _arms_or_regimen(self) -> Phase:
        if self.arms is not None and self.regimen:
            raise ValueError("give arms or a phase regimen, not both")
        return self


class TrialSpec(SpecModel):
    """An in-silico trial: population, phases and arms, visits, definitions, endpoints, targets."""

    id: Id
    title: str = Field(min_length=1)
    citation: str = ""
    notes: str = ""
    cohort: Id | None = Field(
        None, description="patient cohort shared with other specs (cross-validation leaves it out together)"
    )
    population: Population
    days: float | None = Field(None, gt=0, le=3650, description="duration of a trial without phases")
    until: Id | None = Field(
        None, description="a trial without phases: follow each patient until this event (days: the maximum)"
    )
    arms: list[Arm] | None = Field(None, min_length=1, description="arms of a trial without phases")
    phases: list[Phase] | None = Field(None, min_length=1, description="consecutive phases")
    visits: Visits = Field(default_factory=Visits, description="visits, times from the trial start")
    dropout: Dropout | None = Field(None, description="dropout in every phase (default: none)")
    definitions: dict[Id, Definition] = Field(default_factory=dict)
    endpoints: list[Endpoint] = Field(min_length=1)
    targets: list[Target] = Field(default_factory=list)
    replicates: int = Field(100, ge=1, le=100_000, description="replicate trials")
    seed: int = Field(0, ge=0, lt=2**63, description="seed of patients, allocation and rater noise")

    @model_validator(mode="after")
    def _layout(self) -> TrialSpec:
        if self.phases is not None:
            if self.days is not None or self.arms is not None:
                raise ValueError("give phases, or days with arms, not both")
        elif self.days is None or self.arms is None:
            raise ValueError("give phases, or days with arms (a trial without phases)")
        return self

    def phase_list(self) -> list[Phase]:
        """The phases (a trial without phases has one, with id 'trial')."""
        if self.phases is not None:
            return list(self.phases)
        assert self.days is not None and self.arms is not None
        return [Phase(id=SINGLE_PHASE_ID, days=self.days, arms=self.arms, until=self.until)]


def _path(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out or "(root)"


def _rule(err: Mapping[str, Any]) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "is required"
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")


def parse_spec(data: Any) -> TrialSpec:
    """Validates plain data (a parsed YAML mapping) into a :class:`TrialSpec`."""
    if not isinstance(data, Mapping):
        raise InputError("trial", "(root)", "a trial spec is a mapping of fields", type(data).__name__)
    try:
        return TrialSpec.model_validate(dict(data))
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(p for p in err["loc"] if isinstance(p, int | str))
        received = err.get("input")
        if err["type"] == "extra_forbidden":
            received = loc[-1] if loc else received
        elif err["type"] == "missing":
            received = None  # the input is the whole parent mapping: not worth printing
        raise InputError("trial", _path(loc), _rule(err), received) from None


def load_spec(path: str | Path) -> TrialSpec:
    """Reads and validates a YAML trial spec (cross references are checked by :func:`check`)."""
    return load(path, "trial", parse_spec)
