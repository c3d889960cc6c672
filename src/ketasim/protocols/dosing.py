"""A protocol's dose rule made concrete: dose levels, the engine's dose of each level, titration.

Level 0 is the start dose, level 1 the escalated dose of the titration rule.
Doses given by amount (mg or mg/kg) share one engine session slot per day and the
level is a scale factor on the amount (the PK is linear, so this is exact).
Esketamine nasal doses are whole devices, and a 56 mg and an 84 mg session differ
in more than amount (per-device absorption), so each level gets its own slot,
level ``k`` starting ``k`` x 15 minutes after the day's slot time: after the last
device of the level before it, so the devices of two slots never interleave.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketasim.errors import InputError
from ketasim.model import default_model
from ketasim.protocols.spec import DoseRule
from ketasim.regimen.dose import Dose, Drug, Route
from ketasim.units import DEVICE_MG, DoseAmount, parse_dose, parse_duration_h

__all__ = ["LEVEL_OFFSET_H", "Dosing", "dosing_of"]

#: Start of level k's slot after the day's slot time (device-based doses only).
LEVEL_OFFSET_H = 0.25


@dataclass(frozen=True)
class Dosing:
    """Dose levels of one protocol and how the engine gives them."""

    drug: Drug
    route: Route
    levels: tuple[DoseAmount, ...]
    duration_h: float
    from_session: int
    if_not_responding: bool

    @property
    def by_devices(self) -> bool:
        """Esketamine nasal sessions: whole 28 mg devices, one slot per level."""
        return self.drug == Drug.ESKETAMINE and self.route == Route.INTRANASAL

    def offset_h(self, level: int) -> float:
        """Hours after the day's slot time at which a session of ``level`` starts."""
        return LEVEL_OFFSET_H * level if self.by_devices else 0.0

    def scale(self, level: int) -> float:
        """Amount of ``level`` relative to the slot's dose (1 for device-based doses)."""
        return 1.0 if self.by_devices else self.levels[level].value / self.levels[0].value

    def dose(self, level: int, time_h: float) -> Dose:
        """The engine dose of a slot: level ``level`` (device-based) or the start dose (scaled)."""
        amount = self.levels[level] if self.by_devices else self.levels[0]
        if self.by_devices:
            return Dose(
                drug=self.drug, route=self.route, devices=round(amount.value / DEVICE_MG), time_h=time_h
            )
        return Dose(
            drug=self.drug, route=self.route, amount=amount, time_h=time_h, duration_h=self.duration_h
        )

    def slot_levels(self) -> tuple[int, ...]:
        """Levels that need their own engine slot."""
        return tuple(range(len(self.levels))) if self.by_devices else (0,)

    def mg(self, level: int, weight_kg: float) -> float:
        """mg given by one session of ``level`` to a patient of ``weight_kg``."""
        return self.levels[level].mg(weight_kg)

    def level_for(self, session_number: int, escalated: bool, responding: bool) -> int:
        """Level of the ``session_number``-th session (1-based) under the titration rule."""
        if len(self.levels) == 1 or session_number < self.from_session:
            return 0
        if escalated or not self.if_not_responding or not responding:
            return 1
        return 0


def _amount(text: str, field: str) -> DoseAmount:
    try:
        return parse_dose(text, field)
    except InputError as err:
        raise InputError("protocol", field, err.rule, err.received) from None


def dosing_of(rule: DoseRule) -> Dosing:
    """Checks a dose rule (drug, route, model, units, devices) and makes it concrete."""
    drug = Drug.parse(rule.drug, "dose.drug")
    route = Route.parse(rule.route, "dose.route")
    if drug.is_placebo:
        raise InputError("protocol", "dose.drug", "a protocol gives an active drug", rule.drug)
    try:
        default_model().pk.check(drug, route)
    except InputError as err:
        raise InputError("protocol", "dose.route", err.rule, err.received) from None
    start = _amount(rule.amount, "dose.amount")
    levels = [start]
    if rule.titration is not None:
        to = _amount(rule.titration.to, "dose.titration.to")
        if to.per_kg != start.per_kg:
            raise InputError(
                "protocol",
                "dose.titration.to",
                "must use the unit of dose.amount (mg or mg/kg)",
                rule.titration.to,
            )
        levels.append(to)
    duration = 0.0
    if rule.over is not None and route != Route.IV:
        raise InputError("protocol", "dose.over", "only IV doses can be infusions", rule.over)
    if rule.over is not None:
        try:
            duration = parse_duration_h(rule.over, "dose.over")
        except InputError as err:
            raise InputError("protocol", "dose.over", err.rule, err.received) from None
    titration = rule.titration
    dosing = Dosing(
        drug=drug,
        route=route,
        levels=tuple(levels),
        duration_h=duration,
        from_session=titration.from_session if titration else 2,
        if_not_responding=titration.if_not_responding if titration else True,
    )
    for level, field in enumerate(("dose.amount", "dose.titration.to")[: len(levels)]):
        _check_level(dosing, level, field)
    return dosing


def _check_level(dosing: Dosing, level: int, field: str) -> None:
    """Builds the engine dose of ``level`` once, so that a bad dose fails here with its field."""
    amount = dosing.levels[level]
    if dosing.by_devices:
        devices = amount.value / DEVICE_MG
        if amount.per_kg or abs(devices - round(devices)) > 1e-9 or not 1 <= round(devices) <= 3:
            raise InputError(
                "protocol",
                field,
                "esketamine nasal doses are 1-3 whole 28 mg devices (28, 56, 84 mg)",
                str(amount),
            )
        return
    try:
        Dose(drug=dosing.drug, route=dosing.route, amount=amount, duration_h=dosing.duration_h)
    except InputError as err:
        name = "dose.over" if err.field == "duration" else field
        raise InputError("protocol", name, err.rule, err.received) from None
