"""Doses as data: drugs, routes, infusions, nasal sessions and repeats, and the events they expand to.

A :class:`Dose` is one administration, optionally repeated; a
:class:`~ketasim.regimen.regimen.Regimen` combines doses and expands them into
explicit :class:`DoseEvent` rows (one per nasal device, repeats realised).
``CMT`` numbers each route's NONMEM dosing compartment
(``ID TIME AMT RATE CMT EVID II ADDL`` + covariates).

>>> [round(t, 1) for t in iv_infusion("0.5 mg/kg", over="40 min").repeat(every="2 d", count=3).times()]
[0.0, 48.0, 96.0]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from ketasim.errors import InputError
from ketasim.units import DEVICE_MG, DoseAmount, hours, parse_dose, parse_duration_h

__all__ = [
    "CMT",
    "DEVICE_INTERVAL_H",
    "MAX_DEVICES",
    "Dose",
    "DoseEvent",
    "Drug",
    "Route",
    "Setting",
    "intramuscular",
    "iv_bolus",
    "iv_infusion",
    "nasal_session",
    "oral",
    "placebo",
    "subcutaneous",
    "sublingual",
]

#: Minutes between two esketamine devices of one session (Spravato PI: "wait 5 minutes").
DEVICE_INTERVAL_H = 5.0 / 60.0
MAX_DEVICES = 3


class Drug(StrEnum):
    """What is given: an active drug or a placebo kind (placebos have no PK)."""

    RACEMIC_KETAMINE = "racemic_ketamine"
    ESKETAMINE = "esketamine"
    SALINE = "saline"
    MIDAZOLAM = "midazolam"
    PLACEBO_SPRAY = "placebo_spray"

    @property
    def is_placebo(self) -> bool:
        return self in (Drug.SALINE, Drug.MIDAZOLAM, Drug.PLACEBO_SPRAY)

    @classmethod
    def parse(cls, value: str | Drug, field: str = "drug") -> Drug:
        if isinstance(value, Drug):
            return value
        key = str(value).strip().lower().replace("-", "_").replace(" ", "_")
        key = _DRUG_ALIASES.get(key, key)
        try:
            return cls(key)
        except ValueError:
            known = ", ".join(d.value for d in cls)
            raise InputError("regimen", field, f"unknown drug (known: {known})", value) from None


class Route(StrEnum):
    """Route of administration."""

    IV = "iv"
    INTRANASAL = "intranasal"
    ORAL = "oral"
    SUBLINGUAL = "sublingual"
    IM = "im"
    SC = "sc"

    @classmethod
    def parse(cls, value: str | Route, field: str = "route") -> Route:
        if isinstance(value, Route):
            return value
        key = str(value).strip().lower().replace("-", "_").replace(" ", "_")
        key = _ROUTE_ALIASES.get(key, key)
        try:
            return cls(key)
        except ValueError:
            known = ", ".join(r.value for r in cls)
            raise InputError("regimen", field, f"unknown route (known: {known})", value) from None


class Setting(StrEnum):
    """A session given while the patient is unconscious or sedated: its subjective experience is masked.

    The drug's effect is unchanged; the session gives no expectancy impulse (decision 0031).
    """

    ANAESTHESIA = "anaesthesia"
    SEDATION = "sedation"

    @classmethod
    def parse(cls, value: str | Setting | None, field: str = "under") -> Setting | None:
        if value is None or isinstance(value, Setting):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            known = ", ".join(s.value for s in cls)
            raise InputError("regimen", field, f"unknown setting (known: {known})", value) from None


_DRUG_ALIASES = {
    "ketamine": "racemic_ketamine",
    "racemic": "racemic_ketamine",
    "rs_ketamine": "racemic_ketamine",
    "s_ketamine": "esketamine",
    "spravato": "esketamine",
    "placebo": "placebo_spray",
}
_ROUTE_ALIASES = {
    "intravenous": "iv",
    "in": "intranasal",
    "nasal": "intranasal",
    "po": "oral",
    "sl": "sublingual",
    "buccal": "sublingual",
    "intramuscular": "im",
    "subcutaneous": "sc",
}

#: NONMEM dosing compartment of each route (documented in docs/data-formats.md).
CMT: Mapping[Route, int] = {
    Route.IV: 1,
    Route.INTRANASAL: 2,
    Route.ORAL: 3,
    Route.SUBLINGUAL: 4,
    Route.IM: 5,
    Route.SC: 6,
}
_ROUTE_OF_CMT = {v: k for k, v in CMT.items()}

_PLACEBO_ROUTE = {
    Drug.SALINE: Route.IV,
    Drug.MIDAZOLAM: Route.IV,
    Drug.PLACEBO_SPRAY: Route.INTRANASAL,
}


def finite(value: float, field: str, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError("regimen", field, "must be a number", value)
    v = float(value)
    if not math.isfinite(v):
        raise InputError("regimen", field, "must be finite", value)
    if v < 0 or (positive and v == 0):
        raise InputError("regimen", field, "must be positive" if positive else "must be >= 0", value)
    return v


@dataclass(frozen=True, kw_only=True)
class Dose:
    """One administration, optionally repeated every ``ii_h`` hours ``addl`` more times.

    ``amount`` is mg or mg/kg (:class:`~ketasim.units.DoseAmount`). An IV infusion
    has a ``duration_h`` *or* a ``rate_mg_h``, never both. An esketamine nasal
    session has ``devices`` 28 mg devices given ``device_interval_h`` apart.
    Placebo kinds carry no amount. ``under`` marks a session given under anaesthesia or
    sedation (:class:`Setting`): no expectancy impulse, the same drug effect.
    """

    drug: Drug
    route: Route
    amount: DoseAmount | None = None
    time_h: float = 0.0
    duration_h: float = 0.0
    rate_mg_h: float | None = None
    devices: int = 0
    device_interval_h: float = DEVICE_INTERVAL_H
    ii_h: float = 0.0
    addl: int = 0
    under: Setting | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "drug", Drug.parse(self.drug))
        object.__setattr__(self, "route", Route.parse(self.route))
        object.__setattr__(self, "under", Setting.parse(self.under))
        finite(self.time_h, "time")
        finite(self.duration_h, "duration")
        finite(self.ii_h, "interval")
        finite(self.device_interval_h, "device_interval", positive=True)
        if isinstance(self.addl, bool) or not isinstance(self.addl, int) or self.addl < 0:
            raise InputError("regimen", "addl", "must be a whole number >= 0", self.addl)
        if self.addl > 0 and self.ii_h <= 0:
            raise InputError("regimen", "interval", "repeats need an interval > 0", self.ii_h)
        if self.rate_mg_h is not None:
            finite(self.rate_mg_h, "rate", positive=True)
            if self.duration_h > 0:
                raise InputError(
                    "regimen",
                    "rate",
                    "an infusion takes a rate or a duration, not both",
                    f"rate={self.rate_mg_h} mg/h, duration={self.duration_h} h",
                )
        if (self.duration_h > 0 or self.rate_mg_h is not None) and self.route != Route.IV:
            raise InputError("regimen", "duration", "only IV doses can be infusions", self.route.value)
        if self.drug.is_placebo:
            self._check_placebo()
        else:
            self._check_active()

    def _check_placebo(self) -> None:
        expected = _PLACEBO_ROUTE[self.drug]
        if self.route != expected:
            raise InputError(
                "regimen",
                "route",
                f"{self.drug.value} is given by route {expected.value}",
                self.route.value,
            )
        if self.amount is not None or self.rate_mg_h is not None:
            raise InputError("regimen", "dose", "a placebo session has no dose", str(self.amount))

    def _check_active(self) -> None:
        nasal_esk = self.drug == Drug.ESKETAMINE and self.route == Route.INTRANASAL
        if nasal_esk:
            if self.devices == 0 and self.amount is not None and not self.amount.per_kg:
                n = self.amount.value / DEVICE_MG
                if abs(n - round(n)) > 1e-9:
                    raise InputError(
                        "regimen",
                        "dose",
                        "esketamine nasal doses are whole 28 mg devices",
                        str(self.amount),
                    )
                object.__setattr__(self, "devices", round(n))
            if isinstance(self.devices, bool) or not isinstance(self.devices, int):
                raise InputError("regimen", "devices", "must be a whole number", self.devices)
            if not 1 <= self.devices <= MAX_DEVICES:
                raise InputError(
                    "regimen",
                    "devices",
                    f"a nasal session has 1 to {MAX_DEVICES} devices of 28 mg (28-84 mg)",
                    self.devices,
                )
            expected = DoseAmount(self.devices * DEVICE_MG)
            if self.amount is None:
                object.__setattr__(self, "amount", expected)
            elif self.amount != expected:
                raise InputError(
                    "regimen", "dose", f"{self.devices} devices give {expected}", str(self.amount)
                )
            return
        if self.devices:
            raise InputError(
                "regimen",
                "devices",
                "devices apply to esketamine nasal sessions only",
                self.devices,
            )
        if self.amount is None:
            raise InputError("regimen", "dose", "an active dose needs an amount", None)
        finite(self.amount.value, "dose", positive=True)
        if self.rate_mg_h is not None and self.amount.per_kg:
            raise InputError(
                "regimen",
                "rate",
                "give a mg/kg infusion a duration, not a mg/h rate",
                self.rate_mg_h,
            )

    # --- combinators -----------------------------------------------------------------------
    def at(self, time: str | float) -> Dose:
        """Returns the dose moved to ``time`` (hours, or a string with a unit)."""
        return replace(self, time_h=hours(time, "time") if isinstance(time, str) else time)

    def given_under(self, setting: Setting | str | None) -> Dose:
        """Returns the dose given under anaesthesia or sedation (None: awake)."""
        return replace(self, under=Setting.parse(setting))

    def repeat(
        self,
        every: str | float,
        count: int | None = None,
        until: str | float | None = None,
    ) -> Dose:
        """Repeats the dose ``count`` times in all, or up to and including time ``until``."""
        ii = (
            parse_duration_h(every, "every")
            if isinstance(every, str)
            else finite(every, "every", positive=True)
        )
        if (count is None) == (until is None):
            raise InputError(
                "regimen",
                "repeat",
                "give exactly one of count or until",
                f"count={count}, until={until}",
            )
        if count is not None:
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise InputError("regimen", "count", "must be a whole number >= 1", count)
            return replace(self, ii_h=ii, addl=count - 1)
        assert until is not None
        end = hours(until, "until") if isinstance(until, str) else finite(until, "until")
        if end < self.time_h:
            raise InputError("regimen", "until", "must not be before the first dose", until)
        return replace(self, ii_h=ii, addl=math.floor((end - self.time_h) / ii + 1e-9))

    def times(self) -> list[float]:
        """Times (h) of every repeat of this dose."""
        return [self.time_h + k * self.ii_h for k in range(self.addl + 1)]

    def infusion_hours(self, weight_kg: float | None) -> float:
        """Duration of the infusion in hours (0 for a bolus or non-IV dose)."""
        if self.rate_mg_h is not None:
            assert self.amount is not None
            return self.amount.mg(weight_kg) / self.rate_mg_h
        return self.duration_h


@dataclass(frozen=True)
class DoseEvent:
    """One resolved administration: a single time, mg amount and (for nasal sessions) device."""

    time_h: float
    drug: Drug
    route: Route
    amount_mg: float
    duration_h: float = 0.0
    device: int = 0  # 1-based device number within a nasal session, 0 otherwise
    session: int = 0  # index of the treatment session this event belongs to
    under: Setting | None = None  # anaesthesia / sedation: the session's experience is masked


# --- constructors ---------------------------------------------------------------------------
def _amount(dose: str | float, field: str = "dose") -> DoseAmount:
    return parse_dose(dose, field)


def iv_infusion(
    dose: str | float,
    *,
    over: str | float | None = None,
    rate_mg_h: float | None = None,
    drug: Drug | str = Drug.RACEMIC_KETAMINE,
    at: float = 0.0,
) -> Dose:
    """An IV infusion given ``over`` a duration or at ``rate_mg_h`` (e.g. 0.5 mg/kg over 40 min)."""
    duration = 0.0
    if over is not None:
        duration = (
            parse_duration_h(over, "over") if isinstance(over, str) else finite(over, "over", positive=True)
        )
    if over is None and rate_mg_h is None:
        raise InputError("regimen", "over", "an infusion needs a duration or a rate", None)
    return Dose(
        drug=Drug.parse(drug),
        route=Route.IV,
        amount=_amount(dose),
        time_h=at,
        duration_h=duration,
        rate_mg_h=rate_mg_h,
    )


def iv_bolus(dose: str | float, *, drug: Drug | str = Drug.RACEMIC_KETAMINE, at: float = 0.0) -> Dose:
    """An IV bolus."""
    return Dose(drug=Drug.parse(drug), route=Route.IV, amount=_amount(dose), time_h=at)


def nasal_session(devices: int, *, at: float = 0.0) -> Dose:
    """An esketamine nasal session of ``devices`` 28 mg devices, 5 minutes apart."""
    return Dose(drug=Drug.ESKETAMINE, route=Route.INTRANASAL, devices=devices, time_h=at)


def _route_dose(route: Route) -> Any:
    def make(dose: str | float, *, drug: Drug | str = Drug.RACEMIC_KETAMINE, at: float = 0.0) -> Dose:
        return Dose(drug=Drug.parse(drug), route=route, amount=_amount(dose), time_h=at)

    make.__doc__ = f"A {route.value} dose."
    return make


oral = _route_dose(Route.ORAL)
sublingual = _route_dose(Route.SUBLINGUAL)
intramuscular = _route_dose(Route.IM)
subcutaneous = _route_dose(Route.SC)


def placebo(
    kind: Drug | str,
    *,
    at: float = 0.0,
    over: str | float = 0.0,
    under: Setting | str | None = None,
) -> Dose:
    """A placebo session (saline or midazolam infusion, placebo spray), optionally under anaesthesia."""
    drug = Drug.parse(kind)
    if not drug.is_placebo:
        raise InputError("regimen", "kind", "must be saline, midazolam or placebo_spray", kind)
    duration = parse_duration_h(over, "over") if isinstance(over, str) else float(over)
    return Dose(
        drug=drug, route=_PLACEBO_ROUTE[drug], time_h=at, duration_h=duration, under=Setting.parse(under)
    )
