"""What a protocol means, checked before any simulation: every error names the field.

Structure (types, ranges, unknown fields) is pydantic's job in :mod:`spec`;
here: the dose rule against the PK library and the label, schedules against the
protocol's own constraints, thresholds against the assessment scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from ketasim.errors import InputError
from ketasim.model import Model, default_model
from ketasim.protocols.constraints import LABEL_DOSES_MG, LABEL_FIRST_MG, Rules
from ketasim.protocols.dosing import Dosing, dosing_of
from ketasim.protocols.spec import (
    FixedPolicy,
    NoMaintenance,
    Protocol,
    RelapseOnlyPolicy,
    Schedule,
    SymptomPolicy,
    TaperPolicy,
)
from ketasim.regimen.dose import Drug, Route
from ketasim.symptoms import SCALES, link

__all__ = ["MADRS_RELAPSE_MIN", "MADRS_REMISSION_MAX", "Thresholds", "check_protocol", "thresholds"]

#: MADRS remission and relapse cut-offs (ketasim.population.outcomes: TRANSFORM remission, SUSTAIN-1 relapse).
MADRS_REMISSION_MAX = 12.0
MADRS_RELAPSE_MIN = 22.0


@dataclass(frozen=True)
class Thresholds:
    """Response, remission and relapse on the protocol's assessment scale."""

    response_fraction: float
    remission_max: float
    relapse_min: float
    confirmations: int


def thresholds(protocol: Protocol, model: Model | None = None) -> Thresholds:
    """The protocol's definitions; missing cut-offs are the MADRS ones linked to its scale (rounded)."""
    model = default_model() if model is None else model
    d = protocol.definitions
    scale = protocol.assessment.scale

    def default(madrs: float) -> float:
        return float(np.rint(link(model, np.array(madrs), scale)))

    return Thresholds(
        d.response_fraction,
        d.remission_max if d.remission_max is not None else default(MADRS_REMISSION_MAX),
        d.relapse_min if d.relapse_min is not None else default(MADRS_RELAPSE_MIN),
        d.relapse_confirmations,
    )


def check_protocol(p: Protocol) -> Dosing:
    """Raises :class:`InputError` for the first meaningless or self-contradicting field."""
    dosing = dosing_of(p.dose)
    _check_label(p, dosing)
    _check_definitions(p)
    rules = Rules.of(p.constraints)
    _check_schedule(p.induction, "induction", rules, dosing, fresh=True)
    if p.reinduction is not None:
        _check_schedule(p.reinduction, "reinduction", rules, dosing, fresh=False)
    _check_maintenance(p, rules, dosing)
    return dosing


def _check_label(p: Protocol, dosing: Dosing) -> None:
    if p.constraints.label != "esketamine_us":
        return
    if dosing.drug != Drug.ESKETAMINE or dosing.route != Route.INTRANASAL:
        raise InputError(
            "protocol",
            "constraints.label",
            "the esketamine label applies to esketamine nasal sessions",
            f"{dosing.drug.value}/{dosing.route.value}",
        )
    if dosing.levels[0].value != LABEL_FIRST_MG:
        raise InputError("protocol", "dose.amount", "the esketamine label starts at 56 mg", p.dose.amount)
    if len(dosing.levels) > 1 and dosing.levels[1].value not in LABEL_DOSES_MG:
        assert p.dose.titration is not None
        raise InputError(
            "protocol", "dose.titration.to", "the esketamine label allows 56 or 84 mg", p.dose.titration.to
        )


def _check_definitions(p: Protocol) -> None:
    top = SCALES[p.assessment.scale][0]
    t = thresholds(p)
    for name, value in (("remission_max", t.remission_max), ("relapse_min", t.relapse_min)):
        if value > top:
            raise InputError(
                "protocol",
                f"definitions.{name}",
                f"must lie within the {p.assessment.scale} range 0-{top:g}",
                value,
            )
    if t.remission_max >= t.relapse_min:
        raise InputError(
            "protocol",
            "definitions.remission_max",
            f"must be below relapse_min ({t.relapse_min:g})",
            t.remission_max,
        )


def _schedule_field(s: Schedule, where: str) -> str:
    given = [k for k in ("per_week", "every_days", "days") if getattr(s, k) is not None]
    if len(given) != 1:
        raise InputError(
            "protocol", f"{where}.per_week", "give exactly one of per_week, every_days, days", given or None
        )
    return f"{where}.{given[0]}"


def _check_schedule(s: Schedule, where: str, rules: Rules, dosing: Dosing, *, fresh: bool) -> None:
    field = _schedule_field(s, where)
    if s.days is not None:
        if len(s.days) != s.sessions:
            raise InputError("protocol", field, f"must list {s.sessions} days (one per session)", s.days)
        if s.days[0] != 0 or any(b <= a for a, b in pairwise(s.days)):
            raise InputError("protocol", field, "must start at 0 and increase", s.days)
    if s.min_sessions > s.sessions:
        raise InputError(
            "protocol", f"{where}.min_sessions", f"must not exceed sessions ({s.sessions})", s.min_sessions
        )
    _check_days(
        s.offsets(),
        field,
        getattr(s, field.rsplit(".", 1)[1]),
        rules,
        dosing,
        fresh=fresh,
        what="the schedule",
    )


def _check_days(
    offsets: list[int], field: str, value: object, rules: Rules, dosing: Dosing, *, fresh: bool, what: str
) -> None:
    """Raises when the planned ``offsets`` break a constraint; ``fresh``: at the start of treatment.

    A course later in treatment (re-induction, booster) is checked after a session long before,
    so the label's later-weeks rule applies to it.
    """
    days: list[int] = [] if fresh else [-1000]
    mg: list[float] = [] if fresh else [dosing.levels[0].value]
    for k, off in enumerate(offsets):
        level = dosing.level_for(k + 1 if fresh else 2 + k, escalated=False, responding=False)
        dose_mg = dosing.levels[level].value
        rule = rules.violation(days, mg, off, dose_mg)
        if rule is not None:
            raise InputError(
                "protocol",
                field,
                f"{what} breaks the constraint '{rule}' at session {k + 1} (day {off})",
                value,
            )
        days.append(off)
        mg.append(dose_mg)


def _check_maintenance(p: Protocol, rules: Rules, dosing: Dosing) -> None:
    m = p.maintenance
    if isinstance(m, RelapseOnlyPolicy):
        if p.reinduction is None:
            raise InputError("protocol", "reinduction", "relapse_only needs a re-induction rule", None)
        return
    if isinstance(m, NoMaintenance):
        return
    cluster = [k * m.booster.spacing_days for k in range(m.booster.sessions)]
    booster = m.booster.model_dump()
    _check_days(cluster, "maintenance.booster", booster, rules, dosing, fresh=False, what="a booster")
    if isinstance(m, FixedPolicy) and m.every_days < max(cluster) + 1:
        raise InputError(
            "protocol",
            "maintenance.every_days",
            f"must exceed the booster's length ({max(cluster)} days)",
            m.every_days,
        )
    if isinstance(m, TaperPolicy):
        steps = m.intervals_days
        if any(b < a for a, b in pairwise(steps)) or steps[0] < 1:
            raise InputError(
                "protocol", "maintenance.intervals_days", "must be positive and non-decreasing", steps
            )
        if steps[0] < max(cluster) + 1:
            raise InputError(
                "protocol",
                "maintenance.intervals_days",
                f"must exceed the booster's length ({max(cluster)} days)",
                steps,
            )
    if isinstance(m, SymptomPolicy):
        if (m.threshold is None) == (m.fraction_of_baseline is None):
            raise InputError(
                "protocol",
                "maintenance.threshold",
                "give exactly one of threshold, fraction_of_baseline",
                {"threshold": m.threshold, "fraction_of_baseline": m.fraction_of_baseline},
            )
        top = SCALES[p.assessment.scale][0]
        if m.threshold is not None and m.threshold > top:
            raise InputError(
                "protocol",
                "maintenance.threshold",
                f"must lie within the {p.assessment.scale} range 0-{top:g}",
                m.threshold,
            )
