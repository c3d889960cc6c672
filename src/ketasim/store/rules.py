"""Safety rules for scheduling, dosing and closing a session (clinic reference §5 and §7).

Each rule raises :class:`RuleError` naming the field, the rule and the value
received; soft rules return warnings instead. No rule ever changes a dose or a
schedule: they refuse, warn or alert, and a clinician decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from ketasim.store.errors import RuleError
from ketasim.store.models import Course, Patient, Site, TreatmentSession
from ketasim.units import DEVICE_MG

__all__ = [
    "ESKETAMINE_DOSES_MG",
    "check_close",
    "check_dose",
    "check_schedule",
    "local_day",
]

#: Spravato US label: 56 or 84 mg per session (2 or 3 devices), first dose 56 mg.
ESKETAMINE_DOSES_MG = (56, 84)
DRUG_ROUTE = {"esketamine": "intranasal", "racemic_ketamine": "iv"}
CONTRAINDICATIONS = (
    "aneurysmal_vascular_disease",
    "arteriovenous_malformation",
    "intracerebral_haemorrhage",
    "hypersensitivity",
)


def local_day(at: datetime, site: Site) -> date:
    """The calendar day of ``at`` at the site (same-day rules use the clinic's day)."""
    return at.astimezone(ZoneInfo(site.timezone)).date()


def _age_years(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def check_schedule(
    *,
    site: Site,
    patient: Patient,
    course: Course,
    drug: str,
    route: str,
    at: datetime,
    others: Sequence[TreatmentSession],
    open_unresolved: Sequence[str],
    open_si_alerts: int,
    override_reason: str | None,
) -> list[str]:
    """Refuses a session that may not be scheduled; returns warnings and overridden limits."""
    if DRUG_ROUTE.get(drug) != route:
        raise RuleError(
            "route", "session.drug_route", f"{drug} is given by route {DRUG_ROUTE.get(drug)}", route
        )
    if course.drug != drug:
        raise RuleError("drug", "session.course_drug", f"the course is for {course.drug}", drug)
    if course.status != "active":
        raise RuleError("course_id", "session.course_status", "the course must be active", course.status)
    if open_unresolved:
        raise RuleError(
            "patient_id",
            "schedule.contraindication",
            "an unresolved contraindication blocks scheduling until a clinician resolves it",
            list(open_unresolved),
        )
    if open_si_alerts:
        raise RuleError(
            "patient_id",
            "schedule.open_si_alert",
            "a suicidal-ideation alert is open: a clinician must acknowledge it first",
            open_si_alerts,
        )
    if patient.pregnancy_positive and not override_reason:
        raise RuleError(
            "override_reason",
            "schedule.pregnancy",
            "pregnancy is positive: a clinician's decision is required",
            None,
        )
    if drug == "esketamine":
        if not site.rems_certified:
            raise RuleError("site", "rems.site_certified", "the site is not REMS-certified", False)
        if not patient.rems_enrolled:
            raise RuleError("patient_id", "rems.patient_enrolled", "the patient is not REMS-enrolled", False)
    day = local_day(at, site)
    active = [s for s in others if s.status != "cancelled"]
    if any(s.day == day for s in active):
        raise RuleError(
            "scheduled_at", "schedule.same_day", "no two dosing sessions on the same day", str(day)
        )
    warnings: list[str] = []
    near = [abs((s.scheduled_at - at).total_seconds()) / 3600 for s in active]
    if near and min(near) < site.min_interval_warn_h:
        warnings.append(f"interval {min(near):.0f} h is under the clinic's {site.min_interval_warn_h:g} h")
    if drug == "esketamine":
        limit = _label_frequency(course, active, at, day, site)
        if limit:
            if not override_reason:
                raise RuleError("scheduled_at", "esketamine.frequency", limit, at.isoformat())
            warnings.append(f"off-label frequency overridden: {limit}")
    return warnings


def _label_frequency(
    course: Course, active: Sequence[TreatmentSession], at: datetime, day: date, site: Site
) -> str | None:
    # Label: weeks 1-4 at most twice in any 7 days, then at most once in any 7 days.
    week = (day - course.start_date).days // 7 + 1
    cap = 2 if week <= 4 else 1
    times = sorted([at, *(s.scheduled_at for s in active)])
    for start in (t for t in times if at - timedelta(days=7) < t <= at):
        if sum(start <= t < start + timedelta(days=7) for t in times) > cap:
            phase = "induction (weeks 1-4)" if cap == 2 else "maintenance (week 5 on)"
            return f"the label allows at most {cap} session(s) in any 7 days in {phase}"
    return None


def check_dose(
    *,
    site: Site,
    patient: Patient,
    session: TreatmentSession,
    earlier_doses: Sequence[float],
    devices: Sequence[datetime],
) -> list[str]:
    """Refuses a dose outside the label or clinic protocol; returns soft warnings."""
    warnings: list[str] = []
    if session.dose_mg is None:
        return warnings
    if not session.fasting_confirmed:
        # A warning, not a stop: nausea and vomiting are common after a dose, and a clinician may
        # still dose a patient who ate; the record says that fasting was not confirmed.
        warnings.append(
            "fasting not confirmed at check-in (esketamine: no food for 2 h, no liquids for 30 min)"
            if session.drug == "esketamine"
            else "fasting not confirmed at check-in (the clinic's fasting instructions)"
        )
    if session.drug == "esketamine":
        dose = session.dose_mg
        if dose not in ESKETAMINE_DOSES_MG:
            raise RuleError("dose_mg", "esketamine.dose_set", "esketamine doses are 56 or 84 mg", dose)
        if not earlier_doses and dose != 56:
            raise RuleError("dose_mg", "esketamine.first_dose", "the first dose of a course is 56 mg", dose)
        if dose == 84 and 56 not in earlier_doses:
            raise RuleError("dose_mg", "esketamine.84_needs_56", "84 mg only after a prior 56 mg", dose)
        if devices:
            if len(devices) * DEVICE_MG != dose:
                raise RuleError(
                    "devices",
                    "esketamine.devices",
                    f"{dose:g} mg takes {dose / DEVICE_MG:g} devices",
                    len(devices),
                )
            for k in range(1, len(devices)):
                gap = (devices[k] - devices[k - 1]).total_seconds() / 60
                if gap < 5:
                    raise RuleError(
                        f"devices.{k}",
                        "esketamine.device_interval",
                        "devices at least 5 min apart",
                        f"{gap:g} min",
                    )
        return warnings
    return _check_iv(site, session, warnings)


def _check_iv(site: Site, s: TreatmentSession, warnings: list[str]) -> list[str]:
    if s.weight_kg is None or not 30 <= s.weight_kg <= 300:
        raise RuleError("weight_kg", "iv.weight", "a weight of 30-300 kg is required", s.weight_kg)
    # A weight "measured" after the session day cannot have informed its dose.
    age = None if s.weight_measured_on is None else (s.day - s.weight_measured_on).days
    if age is None or not 0 <= age <= site.weight_max_age_days:
        raise RuleError(
            "weight_measured_on",
            "iv.weight_recent",
            f"the weight must be measured within {site.weight_max_age_days} days of the session",
            str(s.weight_measured_on),
        )
    if s.mg_per_kg is None or s.mg_per_kg <= 0:
        raise RuleError("mg_per_kg", "iv.mg_per_kg", "a weight-based dose (mg/kg) is required", s.mg_per_kg)
    if s.mg_per_kg > site.iv_max_mg_per_kg:
        raise RuleError(
            "mg_per_kg",
            "iv.max_mg_per_kg",
            f"the clinic maximum is {site.iv_max_mg_per_kg:g} mg/kg",
            s.mg_per_kg,
        )
    if s.mg_per_kg > 0.5:
        warnings.append(f"{s.mg_per_kg:g} mg/kg is above the usual 0.5 mg/kg")
    assert s.dose_mg is not None
    expected = s.mg_per_kg * s.weight_kg
    if abs(s.dose_mg - expected) > 1.0:
        raise RuleError(
            "dose_mg", "iv.dose_weight", f"mg/kg × weight gives {expected:.1f} mg (±1 mg)", s.dose_mg
        )
    if s.infusion_min is None or s.infusion_min < site.iv_min_infusion_min:
        raise RuleError(
            "infusion_min",
            "iv.min_duration",
            f"infusions last at least {site.iv_min_infusion_min:g} min (rapid-push risk)",
            s.infusion_min,
        )
    if s.infusion_min < 40:
        warnings.append(f"infusion over {s.infusion_min:g} min is shorter than the usual 40 min")
    return warnings


def check_times(s: TreatmentSession) -> None:
    """Refuses timestamps out of order: arrival ≤ dose start ≤ dose end ≤ monitoring end ≤ discharge."""
    names = ("arrival_at", "dose_start_at", "dose_end_at", "monitoring_end_at", "discharge_at")
    seen: list[tuple[str, datetime]] = [(n, v) for n in names if (v := getattr(s, n)) is not None]
    for (n0, v0), (n1, v1) in pairwise(seen):
        if v1 < v0:
            raise RuleError(n1, "session.time_order", f"{n1} must not be before {n0}", v1.isoformat())
    if s.lot_expiry is not None and s.lot_expiry < s.day:
        raise RuleError(
            "lot_expiry", "dose.lot_expired", "the lot expires before the session", str(s.lot_expiry)
        )


def check_close(site: Site, s: TreatmentSession) -> None:
    """Refuses to close a session without its dose record, vitals and monitoring."""
    for name in ("dose_mg", "lot", "lot_expiry", "dose_start_at", "monitoring_end_at", "discharge_at"):
        if getattr(s, name) in (None, ""):
            raise RuleError(name, "close.required", "required before the session can be closed", None)
    check_times(s)
    points = {v.point for v in s.vitals}
    for point in ("pre_dose", "discharge"):
        if point not in points:
            raise RuleError(
                "vitals", f"close.vitals_{point}", f"a {point} blood pressure is required", sorted(points)
            )
    if not s.consent_on_file:
        raise RuleError(
            "consent_on_file", "close.consent", "the patient's consent must be confirmed at check-in", False
        )
    if not s.transport_confirmed:
        raise RuleError(
            "transport_confirmed",
            "close.transport",
            "a ride home must be confirmed: no driving until the next day after a night's sleep",
            False,
        )
    if not s.pulse_oximetry:
        raise RuleError("pulse_oximetry", "close.pulse_oximetry", "pulse oximetry must be recorded", False)
    if not s.discharge_ready:
        raise RuleError(
            "discharge_ready", "close.discharge", "a clinician discharge assessment is required", False
        )
    if s.drug != "esketamine":
        return
    if len(s.devices) * DEVICE_MG != s.dose_mg:
        raise RuleError(
            "devices", "esketamine.devices", "every device must be recorded with its time", len(s.devices)
        )
    first = s.devices[0].given_at
    lo, hi = site.bp40_window_min
    at40 = [v for v in s.vitals if v.point == "at_40min"]
    if not any(lo <= (v.measured_at - first).total_seconds() / 60 <= hi for v in at40):
        got = [round((v.measured_at - first).total_seconds() / 60) for v in at40]
        raise RuleError("vitals", "close.vitals_40min", f"a BP {lo}-{hi} min after the first device", got)
    minutes = s.monitoring_min
    if minutes is None or minutes < 120:
        raise RuleError(
            "monitoring_end_at",
            "esketamine.monitoring_120",
            "monitoring lasts ≥ 120 min after the first device",
            minutes,
        )
