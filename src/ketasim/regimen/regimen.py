"""A regimen: an immutable, combinable sequence of doses, expanded into time-sorted events.

A :class:`Regimen` is an immutable, combinable tuple of
:class:`~ketasim.regimen.dose.Dose` values. It expands into explicit
:class:`~ketasim.regimen.dose.DoseEvent` rows (one per nasal device, repeats
realised); :mod:`ketasim.io.nonmem` converts it to and from NONMEM-style
records. It never holds observations.

>>> from ketasim.regimen.dose import iv_infusion
>>> r = Regimen.of(iv_infusion("0.5 mg/kg", over="40 min").repeat(every="2 d", count=3))
>>> [round(e.time_h, 1) for e in r.expand(weight_kg=70)]
[0.0, 48.0, 96.0]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ketasim.regimen.dose import Dose, DoseEvent, Drug, Route
from ketasim.regimen.parse import doses_from_spec
from ketasim.units import DEVICE_MG, hours

__all__ = ["Regimen", "doses_of"]


@dataclass(frozen=True)
class Regimen:
    """An immutable, combinable sequence of doses."""

    doses: tuple[Dose, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, *doses: Dose) -> Regimen:
        return cls(tuple(doses))

    def __add__(self, other: Regimen | Dose) -> Regimen:
        extra = (other,) if isinstance(other, Dose) else other.doses
        return Regimen(self.doses + extra)

    def __iter__(self) -> Iterator[Dose]:
        return iter(self.doses)

    def __len__(self) -> int:
        return len(self.doses)

    def shift(self, dt_h: float) -> Regimen:
        """Returns the regimen delayed by ``dt_h`` hours."""
        return Regimen(tuple(replace(d, time_h=d.time_h + dt_h) for d in self.doses))

    def then(self, other: Regimen, after: str | float) -> Regimen:
        """Appends ``other``, starting ``after`` the first dose of this regimen."""
        gap = hours(after, "after") if isinstance(after, str) else after
        start = min((d.time_h for d in self.doses), default=0.0)
        return self + other.shift(start + gap)

    @property
    def drugs(self) -> frozenset[Drug]:
        return frozenset(d.drug for d in self.doses)

    @property
    def routes(self) -> frozenset[tuple[Drug, Route]]:
        return frozenset((d.drug, d.route) for d in self.doses)

    def expand(self, weight_kg: float | None = None) -> tuple[DoseEvent, ...]:
        """Realises repeats and devices into time-sorted :class:`DoseEvent` rows."""
        events: list[DoseEvent] = []
        for dose in self.doses:
            for t in dose.times():
                if dose.drug.is_placebo:
                    events.append(DoseEvent(t, dose.drug, dose.route, 0.0, dose.duration_h, under=dose.under))
                elif dose.devices:
                    for k in range(dose.devices):
                        events.append(
                            DoseEvent(
                                t + k * dose.device_interval_h,
                                dose.drug,
                                dose.route,
                                DEVICE_MG,
                                0.0,
                                device=k + 1,
                                under=dose.under,
                            )
                        )
                else:
                    assert dose.amount is not None
                    events.append(
                        DoseEvent(
                            t,
                            dose.drug,
                            dose.route,
                            dose.amount.mg(weight_kg),
                            dose.infusion_hours(weight_kg),
                            under=dose.under,
                        )
                    )
        events.sort(key=lambda e: (e.time_h, e.device))
        out: list[DoseEvent] = []
        session = -1
        for e in events:
            if e.device <= 1:
                session += 1
            out.append(replace(e, session=session))
        return tuple(out)

    def session_times(self) -> list[float]:
        """Start times (h) of every treatment session, placebo sessions included."""
        return sorted({t for d in self.doses for t in d.times()})

    # --- construction from plain data (YAML/JSON) -------------------------------------------
    @classmethod
    def from_spec(cls, spec: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> Regimen:
        """Builds a regimen from plain data, as written in YAML regimen files.

        Each item: ``drug``, ``route``, ``dose`` ('0.5 mg/kg', '56 mg'), and
        optionally ``over`` or ``rate`` (IV infusions), ``devices``, ``at``
        (time of first dose, default 0), ``every`` with ``count`` or ``until``,
        or ``days`` (a list of day numbers), and ``under`` (``anaesthesia`` or
        ``sedation``: the sessions give no expectancy response).
        """
        return cls(tuple(doses_from_spec(spec)))


def doses_of(items: Iterable[Dose]) -> Regimen:
    """Collects doses into a regimen."""
    return Regimen(tuple(items))
