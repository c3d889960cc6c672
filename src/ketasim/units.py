"""Units and conversions: doses in mg or mg/kg, time in hours, ng/mL at the edges, µM at receptors.

Molar masses are those of the free bases (PubChem formulae):
ketamine C13H16ClNO 237.73 g/mol, norketamine C12H14ClNO 223.70 g/mol,
hydroxynorketamine C12H14ClNO2 239.70 g/mol. One esketamine nasal device holds
32.3 mg esketamine HCl (274.19 g/mol) = 28 mg base (Spravato US PI §11).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Final

from ketasim.errors import UnitError

__all__ = [
    "DEVICE_MG",
    "MOLAR_MASS",
    "DoseAmount",
    "hours",
    "ng_ml_to_um",
    "parse_dose",
    "parse_duration_h",
    "parse_weight_kg",
    "um_to_ng_ml",
]

#: g/mol of each analyte's free base.
MOLAR_MASS: Final[dict[str, float]] = {
    "ketamine": 237.73,
    "s_ketamine": 237.73,
    "r_ketamine": 237.73,
    "esketamine": 237.73,
    "norketamine": 223.70,
    "s_norketamine": 223.70,
    "r_norketamine": 223.70,
    "noresketamine": 223.70,
    "hydroxynorketamine": 239.70,
}

#: mg of esketamine base in one Spravato device (US PI §11).
DEVICE_MG: Final[float] = 28.0

_HOURS: Final[dict[str, float]] = {
    "s": 1 / 3600,
    "sec": 1 / 3600,
    "second": 1 / 3600,
    "seconds": 1 / 3600,
    "min": 1 / 60,
    "mins": 1 / 60,
    "minute": 1 / 60,
    "minutes": 1 / 60,
    "h": 1.0,
    "hr": 1.0,
    "hrs": 1.0,
    "hour": 1.0,
    "hours": 1.0,
    "d": 24.0,
    "day": 24.0,
    "days": 24.0,
    "wk": 168.0,
    "w": 168.0,
    "week": 168.0,
    "weeks": 168.0,
}
_MG: Final[dict[str, float]] = {
    "mg": 1.0,
    "g": 1000.0,
    "ug": 1e-3,
    "µg": 1e-3,
    "μg": 1e-3,
    "mcg": 1e-3,
}
_KG: Final[dict[str, float]] = {"kg": 1.0, "g": 1e-3, "lb": 0.45359237, "lbs": 0.45359237}

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:nan|inf|infinity)"
_QTY = re.compile(rf"^\s*({_NUMBER})\s*([A-Za-zµμ/]*)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class DoseAmount:
    """A dose as written: ``value`` mg, or mg/kg when ``per_kg`` is true."""

    value: float
    per_kg: bool = False

    def mg(self, weight_kg: float | None) -> float:
        """Returns the dose in mg, resolving mg/kg with the patient's weight."""
        if not self.per_kg:
            return self.value
        if weight_kg is None:
            raise UnitError("dose", "weight_kg", "a mg/kg dose needs the patient's weight", None)
        return self.value * weight_kg

    def __str__(self) -> str:
        return f"{self.value:g} mg/kg" if self.per_kg else f"{self.value:g} mg"


def _split(text: str | float | int, field: str) -> tuple[float, str]:
    if isinstance(text, bool):
        raise UnitError("units", field, "must be a number with a unit", text)
    if isinstance(text, int | float):
        return float(text), ""
    m = _QTY.match(str(text))
    if not m:
        raise UnitError("units", field, "must be a number followed by a unit, e.g. '84 mg'", text)
    return float(m.group(1)), m.group(2).strip()


def _check_finite(value: float, field: str, raw: object, *, allow_zero: bool) -> None:
    if math.isnan(value) or math.isinf(value):
        raise UnitError("units", field, "must be a finite number", raw)
    if value < 0 or (value == 0 and not allow_zero):
        rule = "must be zero or positive" if allow_zero else "must be positive"
        raise UnitError("units", field, rule, raw)


def parse_dose(text: str | float, field: str = "dose") -> DoseAmount:
    """Parses a dose such as ``'84 mg'``, ``'0.5mg/kg'`` or ``'250 ug'``.

    >>> parse_dose("0.5mg/kg")
    DoseAmount(value=0.5, per_kg=True)
    >>> parse_dose("84 mg").value
    84.0
    """
    value, unit = _split(text, field)
    _check_finite(value, field, text, allow_zero=False)
    if not unit:
        raise UnitError("units", field, "needs a unit: mg, g, ug or mg/kg", text)
    unit_l = unit.lower()
    if unit_l.endswith("/kg"):
        base = unit_l[: -len("/kg")]
        if base not in _MG:
            raise UnitError("units", field, "unknown mass unit (mg/kg, ug/kg)", text)
        return DoseAmount(value * _MG[base], per_kg=True)
    if unit_l not in _MG:
        raise UnitError("units", field, "unknown dose unit (use mg, g, ug or mg/kg)", text)
    return DoseAmount(value * _MG[unit_l])


def parse_duration_h(text: str | float, field: str = "duration", *, allow_zero: bool = False) -> float:
    """Parses a duration such as ``'40min'``, ``'2 h'`` or ``'3 d'`` into hours.

    >>> parse_duration_h("40min")
    0.6666666666666666
    """
    value, unit = _split(text, field)
    _check_finite(value, field, text, allow_zero=allow_zero)
    if not unit:
        raise UnitError("units", field, "needs a unit: min, h, d or wk", text)
    factor = _HOURS.get(unit.lower())
    if factor is None:
        raise UnitError("units", field, "unknown time unit (use s, min, h, d or wk)", text)
    return value * factor


def hours(text: str | float, field: str = "time") -> float:
    """Parses a time offset (zero allowed) into hours: ``hours('2 d') == 48.0``."""
    return parse_duration_h(text, field, allow_zero=True)


def parse_weight_kg(text: str | float, field: str = "weight") -> float:
    """Parses a body weight; a bare number is read as kg (``80`` or ``'80 kg'``)."""
    value, unit = _split(text, field)
    _check_finite(value, field, text, allow_zero=False)
    if not unit:
        return value
    factor = _KG.get(unit.lower())
    if factor is None:
        raise UnitError("units", field, "unknown weight unit (use kg or lb)", text)
    return value * factor


def ng_ml_to_um(conc_ng_ml: float, analyte: str) -> float:
    """Converts ng/mL to µM with the analyte's molar mass: ``(ng/mL) / (g/mol) = µmol/L``."""
    return conc_ng_ml / MOLAR_MASS[analyte]


def um_to_ng_ml(conc_um: float, analyte: str) -> float:
    """Converts µM to ng/mL with the analyte's molar mass."""
    return conc_um * MOLAR_MASS[analyte]
