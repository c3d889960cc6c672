"""Rules every proposed session must satisfy: label, spacing, weekly and yearly caps.

Sessions start on whole days (the same time of day), so spacing is counted in
whole days: two sessions ``d`` days apart are ``24 d`` hours apart. At most one
session a day always (clinic rule: no two dosing sessions on one calendar day).
The esketamine label (Spravato US PI, docs/protocols.md) counts treatment weeks
from the patient's first session: at most 2 sessions in each of weeks 1-4, at
most 1 in each later week (weeks 5-8 weekly; week 9 on every 2 weeks or weekly);
the first session is 56 mg, every later one 56 or 84 mg.

>>> rules = Rules.of(Constraints(label="esketamine_us"))
>>> rules.violation([0, 3], [56.0, 84.0], 5, 84.0)
'esketamine label: at most 2 sessions in treatment week 1'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ketasim.protocols.spec import Constraints

__all__ = ["LABEL_DOSES_MG", "LABEL_FIRST_MG", "Rules"]

#: Spravato US label: 56 mg on day 1, then 56 or 84 mg.
LABEL_FIRST_MG = 56.0
LABEL_DOSES_MG = (56.0, 84.0)
_LABEL_INDUCTION_WEEKS = 4


@dataclass(frozen=True)
class Rules:
    """The constraints of one protocol, ready to check sessions."""

    min_days: float
    max_per_week: int | None
    max_per_year: int | None
    label: bool

    @classmethod
    def of(cls, c: Constraints) -> Rules:
        return cls(
            c.min_hours_between_sessions / 24.0,
            c.max_sessions_per_week,
            c.max_sessions_per_year,
            c.label == "esketamine_us",
        )

    def violation(self, days: Sequence[int], mg: Sequence[float], day: int, dose_mg: float) -> str | None:
        """The rule a session on ``day`` of ``dose_mg`` would break after sessions ``days``, or None.

        ``days`` (sorted) and ``mg`` are the sessions already given.
        """
        if days and day <= days[-1]:
            return "one session a day, in time order"
        if days and day - days[-1] < self.min_days:
            return f"at least {24 * self.min_days:g} h between sessions"
        if self.max_per_week is not None and _count_since(days, day - 7) + 1 > self.max_per_week:
            return f"at most {self.max_per_week} sessions in any 7 days"
        if self.max_per_year is not None and _count_since(days, day - 365) + 1 > self.max_per_year:
            return f"at most {self.max_per_year} sessions in any 365 days"
        if self.label:
            return _label_violation(days, mg, day, dose_mg)
        return None

    def first_allowed(
        self, days: Sequence[int], mg: Sequence[float], day: int, dose_mg: float, last: int
    ) -> int | None:
        """The first day in ``day..last`` on which the session is allowed, or None."""
        for d in range(day, last + 1):
            if self.violation(days, mg, d, dose_mg) is None:
                return d
        return None


def _count_since(days: Sequence[int], after: int) -> int:
    """Sessions on days strictly after ``after`` (``days`` sorted)."""
    n = 0
    for d in reversed(days):
        if d <= after:
            break
        n += 1
    return n


def _label_violation(days: Sequence[int], mg: Sequence[float], day: int, dose_mg: float) -> str | None:
    if not days:
        if abs(dose_mg - LABEL_FIRST_MG) > 1e-9:
            return f"esketamine label: the first session is {LABEL_FIRST_MG:g} mg"
        return None
    if all(abs(dose_mg - a) > 1e-9 for a in LABEL_DOSES_MG):
        return "esketamine label: sessions are 56 or 84 mg"
    first = days[0]
    week = (day - first) // 7
    cap = 2 if week < _LABEL_INDUCTION_WEEKS else 1
    same_week = sum(1 for d in days if (d - first) // 7 == week)
    if same_week + 1 > cap:
        return f"esketamine label: at most {cap} session{'s' if cap > 1 else ''} in treatment week {week + 1}"
    return None
