"""The suicidal-ideation signal in a record's latest scores: a clinician must assess before any plan.

Triggers, as the clinic app uses them (docs/app.md, "alerts"; clinic reference
§ "Suicidal ideation → escalation, not automation"): MADRS item 10 at or above
4 (suggested cut-off, clinic-configurable; 2-3 is flagged for review), PHQ-9
item 9 at or above 1. Only the latest score of each item counts. ketasim never
acts on the signal: it puts the clinician's assessment first in its output.

>>> from datetime import datetime, UTC
>>> from ketasim.record import PatientRecord, ScoreObservation
>>> from ketasim.population.patients import Patient
>>> from ketasim.regimen.regimen import Regimen
>>> rec = PatientRecord(Patient(), Regimen(()), (ScoreObservation(0.0, "madrs_item10", 4),),
...                     datetime(2026, 1, 5, tzinfo=UTC))
>>> si_signal(rec).must_assess
True
"""

from __future__ import annotations

from dataclasses import dataclass

from ketasim.record import PatientRecord

__all__ = ["MADRS_ITEM10_ALERT", "MADRS_ITEM10_REVIEW", "PHQ9_ITEM9_ALERT", "SafetySignal", "si_signal"]

#: MADRS item 10 at or above this raises the alert (clinic app default, site-configurable).
MADRS_ITEM10_ALERT = 4.0
#: MADRS item 10 at or above this is flagged for review.
MADRS_ITEM10_REVIEW = 2.0
#: PHQ-9 item 9 at or above this raises the alert.
PHQ9_ITEM9_ALERT = 1.0

MUST_ASSESS = (
    "Suicidal ideation in the latest scores: a clinician must assess the patient (for example with the "
    "C-SSRS) before any plan is followed."
)


@dataclass(frozen=True)
class SafetySignal:
    """What the latest suicide items show; ``must_assess`` puts the clinician's assessment first."""

    must_assess: bool
    review: bool
    findings: tuple[str, ...]

    @property
    def message(self) -> str | None:
        if self.must_assess:
            return MUST_ASSESS
        if self.review:
            return "Suicidal thoughts noted in the latest MADRS item 10 (2-3): flag for clinician review."
        return None


def si_signal(record: PatientRecord, *, madrs_item10_alert: float = MADRS_ITEM10_ALERT) -> SafetySignal:
    """The signal of ``record``'s latest MADRS item 10 and PHQ-9 item 9."""
    latest: dict[str, tuple[float, float]] = {}
    for o in record.observations:
        if o.scale in ("madrs_item10", "phq9_item9") and (
            o.scale not in latest or o.time_h >= latest[o.scale][0]
        ):
            latest[o.scale] = (o.time_h, o.value)
    findings: list[str] = []
    must = review = False
    if "madrs_item10" in latest:
        t, v = latest["madrs_item10"]
        when = record.at(t).isoformat()
        if v >= madrs_item10_alert:
            must = True
            findings.append(f"MADRS item 10 = {v:g} on {when} (alert at >= {madrs_item10_alert:g})")
        elif v >= MADRS_ITEM10_REVIEW:
            review = True
            findings.append(f"MADRS item 10 = {v:g} on {when} (review at >= {MADRS_ITEM10_REVIEW:g})")
    if "phq9_item9" in latest:
        t, v = latest["phq9_item9"]
        if v >= PHQ9_ITEM9_ALERT:
            must = True
            findings.append(f"PHQ-9 item 9 = {v:g} on {record.at(t).isoformat()} (alert at >= 1)")
    return SafetySignal(must, review, tuple(findings))
