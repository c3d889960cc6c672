"""A demo clinic: one site, three staff logins and synthetic patients with months of sessions and scores.

Every record goes through the same crud functions and safety rules as the app,
so the demo data obeys the label and clinic rules. Seeding twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketasim.store.crud import patients, scales, sessions
from ketasim.store.crud.audit import Actor
from ketasim.store.crud.users import create_site, create_user
from ketasim.store.models import Site, User
from ketasim.store.schemas import (
    CourseCreate,
    DeviceIn,
    PatientCreate,
    ScaleCreate,
    SessionCreate,
    SessionUpdate,
    UserCreate,
    VitalCreate,
)

__all__ = ["DEMO_LOGINS", "DEMO_SITE", "seed_demo"]

DEMO_SITE = "Demo clinic"
#: The demo clinic is in England. NHS 111 "option 2" is the NHS's 24-hour urgent mental health line
#: (NHS England, 2024: "call 111 and select the mental health option"); Samaritans answer 116 123
#: free, day and night (samaritans.org); 999 when a life is at risk. A real site sets its own.
UK_CRISIS_LINE = (
    "NHS 111, option 2 (urgent mental health, 24 h) · Samaritans 116 123 (free, 24 h)"
    " · 999 if life is at risk"
)
TZ = "Europe/London"
#: Demo-only credentials, printed by ``make run``; never use them for a real practice.
DEMO_LOGINS = {
    "clinician": ("clinician@demo.ketasim.org", "demo-clinician-pw"),
    "admin": ("admin@demo.ketasim.org", "demo-admin-pass1"),
    "viewer": ("viewer@demo.ketasim.org", "demo-viewer-pass1"),
}
ESK_DAYS = (-120, -117, -113, -110, -106, -103, -99, -96, -89, -82, -75, -68, -54, -40, -26, -12)
IV_DAYS = (-100, -98, -96, -93, -91, -89, -60, -30)


@dataclass(frozen=True)
class Seeded:
    """What seeding did: whether it created the clinic, and the clinician login."""

    created: bool
    email: str
    password: str


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZoneInfo(TZ))


def _madrs_items(total: int, rng: np.random.Generator) -> dict[int, int]:
    items = dict.fromkeys(range(1, 11), 0)
    for _ in range(total):
        free = [k for k in range(1, 10) if items[k] < 6]
        items[int(rng.choice(free))] += 1
    return items


def _phq_items(total: int, rng: np.random.Generator) -> dict[int, int]:
    items = dict.fromkeys(range(1, 10), 0)
    for _ in range(min(total, 24)):
        free = [k for k in range(1, 9) if items[k] < 3]
        items[int(rng.choice(free))] += 1
    return items


def _session(
    db: Session, a: Actor, pid: int, course: int, day: date, dose: float, weight: float | None
) -> None:
    start = _at(day, 10)
    s, _ = sessions.create_session(db, a, pid, SessionCreate(course_id=course, scheduled_at=start))
    esk = s.drug == "esketamine"
    fields = SessionUpdate(
        dose_mg=dose,
        lot="DEMO-" + day.strftime("%y%m"),
        lot_expiry=day + timedelta(days=365),
        arrival_at=start - timedelta(minutes=20),
        dose_start_at=start,
        dose_end_at=start + timedelta(minutes=10 * (dose // 28 - 1) if esk else 40),
        monitoring_end_at=start + timedelta(minutes=125),
        discharge_at=start + timedelta(minutes=130),
        devices=[DeviceIn(given_at=start + timedelta(minutes=5 * k)) for k in range(int(dose // 28))]
        if esk
        else None,
        weight_kg=weight,
        weight_measured_on=day if weight else None,
        mg_per_kg=None if esk else 0.5,
        infusion_min=None if esk else 40.0,
        cadss=6,
        moaas_min=4,
        pulse_oximetry=True,
        consent_on_file=True,
        fasting_confirmed=True,
        transport_confirmed=True,
        discharge_ready=True,
    )
    sessions.update_session(db, a, s.id, fields)
    for point, minutes, sbp, dbp in (
        ("pre_dose", -10, 126, 80),
        ("at_40min", 40, 138, 86),
        ("discharge", 122, 124, 78),
    ):
        v = VitalCreate(
            point=point, measured_at=start + timedelta(minutes=minutes), sbp=sbp, dbp=dbp, hr=74, spo2=98
        )
        sessions.add_vital(db, a, s.id, v)
    sessions.close_session(db, a, s.id)


def _scores(
    db: Session, a: Actor, pid: int, days: list[date], base: float, floor: float, rng: np.random.Generator
) -> None:
    t0 = days[0]
    for k, day in enumerate(days):
        madrs = round(floor + (base - floor) * np.exp(-(day - t0).days / 25) + rng.normal(0, 2))
        madrs = int(np.clip(madrs, 0, 54))
        scales.create_scale(
            db,
            a,
            pid,
            ScaleCreate(instrument="madrs", administered_at=_at(day, 9, 30), items=_madrs_items(madrs, rng)),
        )
        if k % 4 == 0:
            phq = int(np.clip(round(madrs * 0.45 + rng.normal(0, 1.5)), 0, 24))
            scales.create_scale(
                db,
                a,
                pid,
                ScaleCreate(
                    instrument="phq9",
                    mode="self",
                    recall="past_2_weeks",
                    administered_at=_at(day, 9, 15),
                    items=_phq_items(phq, rng),
                ),
            )


def seed_demo(db: Session, *, today: date | None = None) -> Seeded:
    """Creates the demo clinic unless it exists; returns the clinician login either way."""
    email, password = DEMO_LOGINS["clinician"]
    if db.scalar(select(Site.id).where(Site.name == DEMO_SITE)) is not None:
        return Seeded(False, email, password)
    today = today or datetime.now(ZoneInfo(TZ)).date()
    site = create_site(db, name=DEMO_SITE, timezone=TZ, rems_certified=True)
    site.crisis_line = UK_CRISIS_LINE
    users: dict[str, User] = {}
    for role, (mail, pw) in DEMO_LOGINS.items():
        users[role] = create_user(
            db,
            None,
            UserCreate(email=mail, name=f"Demo {role}", role=role, password=pw),
            site_id=site.id,
        )
    a = Actor(users["clinician"].id, site.id, "clinician")
    rng = np.random.default_rng(20260101)
    people = [
        ("D-1001", "Alex Example", date(1979, 4, 2), "female", 68.0, "esketamine"),
        ("D-1002", "Sam Sample", date(1966, 11, 20), "male", 82.0, "ketamine"),
        ("D-1003", "Robin Synthetic", date(1990, 7, 9), "female", 59.0, "esketamine"),
        ("D-1004", "Jordan Placeholder", date(1984, 1, 30), "male", 91.0, "ketamine"),
    ]
    for n, (mrn, name, born, sex, weight, drug) in enumerate(people):
        p = patients.create_patient(
            db,
            a,
            PatientCreate(
                mrn=mrn,
                name=name,
                birth_date=born,
                sex=sex,
                weight_kg=weight,
                weight_measured_on=today,
                rems_enrolled=True,
            ),
        )
        shift = n // 2 * 14
        if drug == "esketamine":
            days = [today + timedelta(days=d + shift) for d in ESK_DAYS if d + shift < 0]
            c = patients.create_course(
                db, a, p.id, CourseCreate(protocol="esketamine_label", start_date=days[0])
            )
            for k, day in enumerate(days):
                _session(db, a, p.id, c.id, day, 56.0 if k == 0 else 84.0, None)
        else:
            days = [today + timedelta(days=d + shift) for d in IV_DAYS if d + shift < 0]
            c = patients.create_course(
                db, a, p.id, CourseCreate(protocol="ketamine_iv_clinic", start_date=days[0])
            )
            for day in days:
                _session(db, a, p.id, c.id, day, round(0.5 * weight, 1), weight)
        _scores(db, a, p.id, [days[0] - timedelta(days=3), *days], 34 - 2 * n, 10 + 2 * n, rng)
        if n < 2:
            sessions.create_session(
                db, a, p.id, SessionCreate(course_id=c.id, scheduled_at=_at(today, 14 + n))
            )
    # One recent PHQ-9 with item 9 > 0, so that the inbox shows what an SI alert looks like.
    items = {**_phq_items(11, rng), 9: 1}
    scales.create_scale(
        db,
        a,
        p.id,
        ScaleCreate(
            instrument="phq9",
            mode="self",
            recall="past_2_weeks",
            administered_at=_at(today - timedelta(days=1), 9),
            items=items,
        ),
    )
    return Seeded(True, email, password)
