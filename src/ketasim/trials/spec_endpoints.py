"""What a trial measures: definitions (response, remission, relapse), conditions, endpoints, targets.

The rules each field follows are in docs/trials.md; cross-references (an
endpoint naming a phase, arm or definition) are checked in
:mod:`ketasim.trials.checks`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from ketasim.trials.spec_base import Covariate, Id, ScaleName, SpecModel, Time, as_list, single_or_list

__all__ = [
    "FORMS",
    "MEASURES",
    "THRESHOLDS",
    "TWO_ARM",
    "Condition",
    "Definition",
    "Dispersion",
    "Endpoint",
    "Target",
]

BaselineRef = Literal["trial", "phase"]
Origin = Literal["phase_start", "last_dose"]

#: Measures comparing two arms (they take ``arms: [a, b]``; a relative to b).
TWO_ARM = ("hazard_ratio", "difference", "odds_ratio", "effect_size")
MEASURES = (
    "rate",
    "mean",
    "mean_change",
    "mean_percent_change",
    "median_time_to",
    "mean_time_to",
    "km",
    "standardized_beta",
    *TWO_ARM,
)
Measure = Literal[
    "rate",
    "mean",
    "mean_change",
    "mean_percent_change",
    "median_time_to",
    "mean_time_to",
    "km",
    "standardized_beta",
    "hazard_ratio",
    "difference",
    "odds_ratio",
    "effect_size",
]


def _reference(value: Any) -> Any:
    """A bare name in ``all``/``any``/``not`` stands for ``{of: name}``."""
    return {"of": value} if isinstance(value, str) else value


def _references(value: Any) -> Any:
    return [_reference(v) for v in value] if isinstance(value, list | tuple) else value


#: Fields of the threshold form of a definition.
THRESHOLDS = ("min", "max", "change_min", "change_max", "percent_change_min", "percent_change_max")
#: The forms a definition takes (exactly one).
FORMS = ("thresholds", "of", "all", "any", "not")


class Definition(SpecModel):
    """A named condition on observed scores: thresholds at a visit, another definition, or a
    combination (``all``/``any``/``not``); optionally over several visits (``at_least`` ``of_last``,
    ``consecutive``, ``once_between``)."""

    scale: ScaleName = "madrs"
    min: float | None = Field(None, description="score >= min")
    max: float | None = Field(None, description="score <= max")
    change_min: float | None = Field(None, description="score - baseline >= change_min")
    change_max: float | None = Field(None, description="score - baseline <= change_max")
    percent_change_min: float | None = Field(None, description="100 (score - baseline) / baseline >= this")
    percent_change_max: float | None = Field(None, description="100 (score - baseline) / baseline <= this")
    baseline: BaselineRef = Field("trial", description="baseline of changes: trial start or phase start")
    of: Id | None = Field(None, description="another definition (to combine, or to take over several visits)")
    all_: Annotated[list[Definition], BeforeValidator(_references)] | None = Field(
        None, alias="all", min_length=1, description="every one of these holds (names or definitions)"
    )
    any_: Annotated[list[Definition], BeforeValidator(_references)] | None = Field(
        None, alias="any", min_length=1, description="at least one of these holds (names or definitions)"
    )
    not_: Annotated[Definition, BeforeValidator(_reference)] | None = Field(
        None, alias="not", description="this does not hold (a name or a definition)"
    )
    at_least: int | None = Field(
        None, ge=1, description="holds at at least this many of the last `of_last` visits"
    )
    of_last: int | None = Field(None, ge=1, le=100, description="visits looked back on (with at_least)")
    consecutive: int | None = Field(
        None, ge=1, le=100, description="holds at each of the last this many visits"
    )
    once_between: tuple[Time, Time] | None = Field(
        None, description="holds at least once at a visit in [earliest, latest] from the measure's origin"
    )
    confirm_within: tuple[Time, Time] | None = Field(
        None, description="[earliest, latest] time after a first visit at which a later visit must confirm"
    )
    kind: Literal["state", "event"] | None = Field(
        None, description="state (met at a time) or event (first confirmed time); default in docs"
    )
    at_risk: list[Id] | None = Field(
        None, description="definitions of which one must hold at the phase start to be at risk (events)"
    )

    @property
    def form(self) -> str:
        """Which of :data:`FORMS` this definition takes (validated: exactly one)."""
        for name, attr in (("of", "of"), ("all", "all_"), ("any", "any_"), ("not", "not_")):
            if getattr(self, attr) is not None:
                return name
        return "thresholds"

    @property
    def parts(self) -> list[Definition]:
        """The definitions an ``all``/``any``/``not`` combines."""
        if self.not_ is not None:
            return [self.not_]
        return list(self.all_ or self.any_ or [])

    @model_validator(mode="after")
    def _thresholds(self) -> Definition:
        pairs = (("min", "max"), ("change_min", "change_max"), ("percent_change_min", "percent_change_max"))
        thresholds = [k for k in THRESHOLDS if getattr(self, k) is not None]
        others = [
            alias
            for alias, name in (("of", "of"), ("all", "all_"), ("any", "any_"), ("not", "not_"))
            if getattr(self, name) is not None
        ]
        if not thresholds and not others:
            raise ValueError(
                "give at least one threshold (min, max, change_*, percent_change_*), or of, all, any, not"
            )
        if len(others) > 1 or (others and thresholds):
            given = thresholds[:1] + others
            raise ValueError(f"give thresholds, of, all, any or not: one form only (got {', '.join(given)})")
        if others and (self.scale != "madrs" or self.baseline != "trial"):
            raise ValueError(f"scale and baseline belong to thresholds, not to {others[0]}")
        for lo, hi in pairs:
            a, b = getattr(self, lo), getattr(self, hi)
            if a is not None and b is not None and a > b:
                raise ValueError(f"{lo} ({a}) must not exceed {hi} ({b})")
        windows = [k for k in ("at_least", "consecutive", "once_between") if getattr(self, k) is not None]
        if len(windows) > 1:
            raise ValueError(
                f"give one of at_least (with of_last), consecutive, once_between (got {', '.join(windows)})"
            )
        if (self.at_least is None) != (self.of_last is None):
            raise ValueError("at_least and of_last go together: at_least N of the last M visits")
        if self.at_least is not None and self.of_last is not None and self.at_least > self.of_last:
            raise ValueError(f"at_least ({self.at_least}) must not exceed of_last ({self.of_last})")
        return self


class Condition(SpecModel):
    """Which patients: a definition met, a score threshold, or a covariate (give exactly one form)."""

    of: Id | None = Field(None, description="a definition that must be met (events: occurred by `at`)")
    measure: Literal["score", "change", "percent_change"] | None = Field(
        None, description="an observed quantity compared with min/max"
    )
    covariate: Covariate | None = Field(None, description="a patient covariate compared with min/max or is")
    scale: ScaleName = "madrs"
    min: float | None = None
    max: float | None = None
    is_: bool | None = Field(None, alias="is", description="value of a yes/no covariate (default true)")
    phase: Id | None = Field(None, description="phase of `at` (default: the endpoint's, or this phase)")
    at: Time | None = Field(None, description="when (default: the end of the phase)")
    from_: Origin = Field("phase_start", alias="from", description="origin of `at`")
    baseline: BaselineRef = "trial"

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        forms = [k for k in ("of", "measure", "covariate") if getattr(self, k) is not None]
        if len(forms) != 1:
            raise ValueError(f"give exactly one of of, measure, covariate (got {forms or 'none'})")
        if self.measure is not None and self.min is None and self.max is None:
            raise ValueError("a measure condition needs min or max")
        if self.of is not None and (self.min is not None or self.max is not None or self.is_ is not None):
            raise ValueError("a definition condition takes no min, max or is")
        if self.covariate is None and self.is_ is not None:
            raise ValueError("`is` applies to yes/no covariates")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) must not exceed max ({self.max})")
        return self


Conditions = Annotated[list[Condition], BeforeValidator(as_list), Field(json_schema_extra=single_or_list)]
Phases = Annotated[list[Id], BeforeValidator(as_list), Field(json_schema_extra=single_or_list)]


class Endpoint(SpecModel):
    """One reported quantity, per arm or between two arms, averaged over replicate trials."""

    id: Id
    measure: Measure
    of: Id | None = Field(
        None, description="definition (rate, median_time_to, mean_time_to, km, hazard_ratio, odds_ratio)"
    )
    scale: ScaleName | None = Field(None, description="scale of means and changes (default madrs)")
    in_: Literal["rate", "mean", "mean_change", "mean_percent_change"] | None = Field(
        None, alias="in", description="the measure compared (difference, effect_size, standardized_beta)"
    )
    phase: Phases = Field(default_factory=list, description="phase id, or several pooled (crossovers)")
    at: Time | None = Field(None, description="time of the measure, from `from` (default: phase end)")
    times: list[Time] | None = Field(None, description="times of a km endpoint")
    from_: Origin = Field("phase_start", alias="from", description="origin of times")
    baseline: BaselineRef = Field("trial", description="baseline of changes: trial start or phase start")
    arm: Id | None = Field(None, description="only this arm")
    by: Literal["arm"] | None = Field(None, description="one row per arm")
    arms: tuple[Id, Id] | None = Field(None, description="two arms compared: first relative to second")
    among: Conditions = Field(default_factory=list, description="restrict to patients meeting all these")
    covariate: Covariate | None = Field(None, description="standardized_beta: the predictor reported")
    adjust: list[Covariate] = Field(default_factory=list, description="standardized_beta: other predictors")
    stratum: Id | None = Field(None, description="only the patients of this stratum of the endpoint's phase")
    missing: Literal["observed", "locf", "non_responder"] = Field(
        "observed",
        description="missing data: observed cases, last observation carried forward, non-responder",
    )

    @model_validator(mode="after")
    def _shape(self) -> Endpoint:
        m = self.measure
        needs_of = m in ("rate", "median_time_to", "mean_time_to", "km", "hazard_ratio", "odds_ratio")
        if needs_of and self.of is None:
            raise ValueError(f"measure {m} needs `of` (a definition)")
        if m in ("mean", "mean_change", "mean_percent_change", "standardized_beta") and self.of is not None:
            raise ValueError(f"measure {m} takes a scale, not `of`")
        if m == "standardized_beta" and self.in_ == "rate":
            raise ValueError(
                "standardized_beta regresses a score: in must be mean, mean_change or mean_percent_change"
            )
        if m not in ("difference", "effect_size", "standardized_beta") and self.in_ is not None:
            raise ValueError("`in` applies to difference, effect_size and standardized_beta")
        if m in TWO_ARM and self.arms is None:
            raise ValueError(f"measure {m} compares two arms: give arms: [a, b]")
        if m not in TWO_ARM and self.arms is not None:
            raise ValueError(f"measure {m} is per arm: use arm or by, not arms")
        if self.arm is not None and self.by is not None:
            raise ValueError("give arm or by, not both")
        if m in TWO_ARM and (self.arm is not None or self.by is not None):
            raise ValueError(f"measure {m} compares arms: use arms only")
        if m in ("difference", "effect_size") and self.in_ is None:
            raise ValueError(f"measure {m} needs `in` (the measure compared)")
        if m == "effect_size" and self.in_ == "rate":
            raise ValueError(
                "effect_size compares means: in must be mean, mean_change or mean_percent_change"
            )
        if m == "difference" and self.in_ == "rate" and self.of is None:
            raise ValueError("a difference in rate needs `of` (a definition)")
        if m == "km" and not self.times:
            raise ValueError("measure km needs `times`")
        if m != "km" and self.times is not None:
            raise ValueError("`times` applies to km only")
        if m == "standardized_beta" and self.covariate is None:
            raise ValueError("measure standardized_beta needs `covariate`")
        if m != "standardized_beta" and (self.covariate is not None or self.adjust):
            raise ValueError("covariate and adjust apply to standardized_beta only")
        if self.arms is not None and self.arms[0] == self.arms[1]:
            raise ValueError("arms must name two different arms")
        inner = self.in_ or ("rate" if m == "odds_ratio" else m)
        if self.missing == "non_responder" and inner != "rate":
            raise ValueError(f"missing: non_responder applies to rates of a definition, not to {inner}")
        if self.missing == "locf" and m in ("median_time_to", "km", "hazard_ratio"):
            raise ValueError(
                f"missing: locf does not apply to {m}: events are censored at the last observation"
            )
        return self


class Dispersion(SpecModel):
    """Spread of a published value as given: SD, SE or a confidence interval."""

    sd: float | None = Field(None, ge=0)
    se: float | None = Field(None, ge=0)
    ci: tuple[float, float] | None = Field(None, description="[low, high]")
    level: float = Field(0.95, gt=0, lt=1, description="confidence level of ci")

    @model_validator(mode="after")
    def _one(self) -> Dispersion:
        given = [k for k in ("sd", "se", "ci") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of sd, se, ci (got {given or 'none'})")
        if self.ci is not None and self.ci[0] > self.ci[1]:
            raise ValueError("ci must be [low, high]")
        return self


class Target(SpecModel):
    """A published result attached to an endpoint row, reported next to the prediction."""

    endpoint: Id
    arm: Id | None = Field(None, description="row of a per-arm endpoint")
    time: Time | None = Field(None, description="row of a km endpoint")
    value: float
    dispersion: Dispersion | None = None
    n: int | None = Field(None, ge=1, description="patients behind the published value")
    source: str = Field(min_length=1, description="where the value comes from (e.g. a calibration target id)")
