"""Named regimens usable everywhere (CLI, trials, protocols), and regimen files.

>>> sorted(NAMED)[:3]
['esketamine-label', 'esketamine-single-56mg', 'esketamine-single-84mg']
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ketasim.errors import InputError
from ketasim.files import load
from ketasim.regimen.dose import iv_infusion, nasal_session
from ketasim.regimen.regimen import Regimen

__all__ = ["DESCRIPTIONS", "NAMED", "load_regimen"]


def _iv_days(days: list[int]) -> Regimen:
    return Regimen(tuple(iv_infusion("0.5 mg/kg", over="40 min", at=24.0 * d) for d in days))


def _label(horizon_days: int = 365) -> Regimen:
    """Spravato label: 56 mg day 1; 84 mg twice weekly weeks 1-4; weekly weeks 5-8; every 2 weeks after."""
    doses = [nasal_session(2, at=0.0)]
    doses += [nasal_session(3, at=24.0 * d) for d in (3, 7, 10, 14, 17, 21, 24)]
    doses += [nasal_session(3, at=24.0 * d) for d in (28, 35, 42, 49)]
    doses += [nasal_session(3, at=24.0 * d) for d in range(63, horizon_days, 14)]
    return Regimen(tuple(doses))


_IV6 = [0, 2, 4, 7, 9, 11]

NAMED: dict[str, Callable[[], Regimen]] = {
    "iv-single": lambda: _iv_days([0]),
    "iv-induction-6x2w": lambda: _iv_days(_IV6),
    "iv-induction-8x4w": lambda: _iv_days([0, 3, 7, 10, 14, 17, 21, 24]),
    "iv-induction-12x4w": lambda: _iv_days([0, 2, 4, 7, 9, 11, 14, 16, 18, 21, 23, 25]),
    "iv-6x2w-then-3-weekly": lambda: _iv_days(_IV6 + list(range(32, 365, 21))),
    "esketamine-single-56mg": lambda: Regimen.of(nasal_session(2)),
    "esketamine-single-84mg": lambda: Regimen.of(nasal_session(3)),
    "esketamine-label": _label,
}

DESCRIPTIONS: dict[str, str] = {
    "iv-single": "racemic ketamine 0.5 mg/kg IV over 40 min, once",
    "iv-induction-6x2w": "0.5 mg/kg IV over 40 min, Mon/Wed/Fri for 2 weeks (days 0,2,4,7,9,11)",
    "iv-induction-8x4w": "0.5 mg/kg IV over 40 min, twice weekly for 4 weeks",
    "iv-induction-12x4w": "0.5 mg/kg IV over 40 min, three times weekly for 4 weeks",
    "iv-6x2w-then-3-weekly": "6 infusions in 2 weeks, then one every 3 weeks for a year",
    "esketamine-single-56mg": "esketamine nasal 56 mg (2 devices), once",
    "esketamine-single-84mg": "esketamine nasal 84 mg (3 devices), once",
    "esketamine-label": "Spravato label: 56 mg day 1, 84 mg twice weekly to week 4, weekly to week 8, "
    "every 2 weeks after (84 mg chosen where the label allows 56 or 84)",
}


def load_regimen(name_or_path: str | Path) -> Regimen:
    """A named regimen, or a YAML file holding a list of doses (see docs/user-guide.md)."""
    key = str(name_or_path)
    if key in NAMED:
        return NAMED[key]()
    path = Path(key)
    if not path.is_file():
        raise InputError(
            "regimen", "regimen", f"neither a named regimen ({', '.join(sorted(NAMED))}) nor a file", key
        )
    return load(path, "regimen", Regimen.from_spec)
