"""Builders of valid API payloads; each test changes one thing to break one rule."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday, in the past


def iso(t: datetime) -> str:
    return t.isoformat()


def patient_body(**over: Any) -> dict[str, Any]:
    body = {
        "mrn": "M-" + uuid.uuid4().hex[:8],
        "name": "Test Patient",
        "birth_date": "1980-05-17",
        "sex": "female",
        "weight_kg": 70.0,
        "weight_measured_on": T0.date().isoformat(),
        "rems_enrolled": True,
    }
    return {**body, **over}


def make_patient(c: TestClient, **over: Any) -> dict[str, Any]:
    r = c.post("/api/patients", json=patient_body(**over))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def make_course(
    c: TestClient, pid: int, protocol: str = "esketamine_label", start: date | None = None
) -> dict[str, Any]:
    r = c.post(
        f"/api/patients/{pid}/courses",
        json={"protocol": protocol, "start_date": (start or T0.date()).isoformat()},
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def esk_record(at: datetime, dose: int = 56) -> dict[str, Any]:
    """A complete esketamine dose record (devices 5 min apart, 125 min monitoring)."""
    n = dose // 28
    return {
        "dose_mg": dose,
        "lot": "LOT-1",
        "lot_expiry": (at.date() + timedelta(days=300)).isoformat(),
        "devices": [{"given_at": iso(at + timedelta(minutes=5 * k))} for k in range(n)],
        "arrival_at": iso(at - timedelta(minutes=15)),
        "dose_start_at": iso(at),
        "dose_end_at": iso(at + timedelta(minutes=5 * (n - 1))),
        "monitoring_end_at": iso(at + timedelta(minutes=125)),
        "discharge_at": iso(at + timedelta(minutes=130)),
        "pulse_oximetry": True,
        "consent_on_file": True,
        "fasting_confirmed": True,
        "transport_confirmed": True,
        "discharge_ready": True,
    }


def iv_record(at: datetime, weight: float = 70.0, mg_per_kg: float = 0.5) -> dict[str, Any]:
    return {
        "dose_mg": round(weight * mg_per_kg, 1),
        "mg_per_kg": mg_per_kg,
        "weight_kg": weight,
        "weight_measured_on": at.date().isoformat(),
        "infusion_min": 40,
        "lot": "LOT-IV",
        "lot_expiry": (at.date() + timedelta(days=300)).isoformat(),
        "arrival_at": iso(at - timedelta(minutes=15)),
        "dose_start_at": iso(at),
        "dose_end_at": iso(at + timedelta(minutes=40)),
        "monitoring_end_at": iso(at + timedelta(minutes=100)),
        "discharge_at": iso(at + timedelta(minutes=105)),
        "pulse_oximetry": True,
        "consent_on_file": True,
        "fasting_confirmed": True,
        "transport_confirmed": True,
        "discharge_ready": True,
    }


def vitals(c: TestClient, sid: int, at: datetime, *, at40: int = 40) -> None:
    for point, minutes in (("pre_dose", -10), ("at_40min", at40), ("discharge", 120)):
        r = c.post(
            f"/api/sessions/{sid}/vitals",
            json={
                "point": point,
                "measured_at": iso(at + timedelta(minutes=minutes)),
                "sbp": 125,
                "dbp": 80,
                "spo2": 98,
            },
        )
        assert r.status_code == 201, r.text


def schedule(c: TestClient, pid: int, course: int, at: datetime, **extra: Any) -> Any:
    return c.post(
        f"/api/patients/{pid}/sessions", json={"course_id": course, "scheduled_at": iso(at), **extra}
    )


def assert_rule(r: Any, field: str, rule: str) -> dict[str, Any]:
    """The answer is a 422 naming the field (last part of loc) and the rule."""
    assert r.status_code == 422, r.text
    items = r.json()["detail"]
    hit = [
        i
        for i in items
        if str(i["loc"][-1]) == field.split(".")[-1] or ".".join(map(str, i["loc"])).endswith(field)
    ]
    assert hit, f"no error for field {field}: {items}"
    assert any(rule in (i["type"] + " " + i["msg"]) for i in hit), f"rule {rule!r} not named: {hit}"
    assert all("input" in i for i in hit)
    return hit[0]
