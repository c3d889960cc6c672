"""The session page runs a whole session through the API's own rules: each step is tried on
change without saving, refused with the rule named, fixed and saved, and the session closes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ketasim.store.crud.users import create_user
from ketasim.store.db import transaction
from ketasim.store.schemas import UserCreate

from ..conftest import Clinic, new_clinic
from .helpers import T0, make_course, make_patient, schedule

TZ = "America/New_York"


def local(t: datetime) -> str:
    return t.astimezone(ZoneInfo(TZ)).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def ny(app: FastAPI) -> Clinic:
    return new_clinic(app, timezone=TZ)


#: The check-in boxes: consent, fasting and a ride home confirmed.
CHECKED_IN = {"consent_on_file": "on", "fasting_confirmed": "on", "transport_confirmed": "on"}


def _session(c: TestClient, protocol: str = "esketamine_label") -> tuple[int, int]:
    p = make_patient(c)
    course = make_course(c, p["id"], protocol)
    r = schedule(c, p["id"], course["id"], T0)
    assert r.status_code == 201, r.text
    return p["id"], r.json()["id"]


def step(c: TestClient, sid: int, name: str, htmx: bool = False, **form: Any) -> Any:
    headers = {"HX-Request": "true"} if htmx else {}
    return c.post(f"/sessions/{sid}/steps/{name}", data=form, headers=headers)


def vitals(c: TestClient, sid: int, point: str, minutes: int, sbp: int = 124) -> None:
    at = local(T0 + timedelta(minutes=minutes))
    r = step(c, sid, f"vitals_{point}", measured_at=at, sbp=sbp, dbp=80, spo2=98)
    assert r.status_code == 200, r.text


def test_a_whole_esketamine_session_in_the_page(ny: Clinic) -> None:
    c = ny.client()
    _, sid = _session(c)
    page = c.get(f"/sessions/{sid}")
    assert page.status_code == 200
    assert "Check-in" in page.text and "✓ REMS: site certified, patient enrolled" in page.text
    assert "close.required" in page.text  # the first closing rule still missing, named before any entry

    r = step(c, sid, "checkin", arrival_at=local(T0 - timedelta(minutes=15)), **CHECKED_IN)
    assert r.status_code == 200 and "Saved." in r.text
    vitals(c, sid, "pre_dose", -10)

    # devices 2 min apart: the dry run names the rule and stores nothing
    bad = {
        "dose_mg": "56",
        "lot": "LOT-7",
        "lot_expiry": "2027-01-31",
        "device_1": local(T0),
        "device_2": local(T0 + timedelta(minutes=2)),
    }
    r = c.post(f"/ui/sessions/{sid}/steps/dose/check", data=bad)
    assert r.status_code == 200 and 'id="errors-dose"' in r.text
    assert "esketamine.device_interval" in r.text and "2 min" in r.text
    r = step(c, sid, "dose", **bad)
    assert r.status_code == 422 and "esketamine.device_interval" in r.text
    assert 'value="' + bad["device_2"] + '"' in r.text  # the refused entry stays in the form to fix
    assert c.get(f"/api/sessions/{sid}").json()["devices"] == []
    # 84 mg as a first dose fires the label rule in the same place
    r = c.post(f"/ui/sessions/{sid}/steps/dose/check", data={**bad, "dose_mg": "84"})
    assert "esketamine.first_dose" in r.text

    good = {**bad, "device_2": local(T0 + timedelta(minutes=5))}
    assert "<li" not in c.post(f"/ui/sessions/{sid}/steps/dose/check", data=good).text
    r = step(c, sid, "dose", **good)
    assert r.status_code == 200, r.text
    api = c.get(f"/api/sessions/{sid}").json()
    given = [datetime.fromisoformat(d["given_at"]) for d in api["devices"]]
    assert given == [T0, T0 + timedelta(minutes=5)]
    assert datetime.fromisoformat(api["dose_start_at"]) == T0
    assert api["status"] == "in_progress"

    # a BP at 25 min is recorded but does not count as the 40-min BP: closing names the rule
    vitals(c, sid, "at_40min", 25)
    r = step(c, sid, "effects", cadss="12", moaas_min="4", pulse_oximetry="on", adverse_events="nausea")
    assert r.status_code == 200
    vitals(c, sid, "discharge", 121)
    r = step(
        c,
        sid,
        "discharge",
        monitoring_end_at=local(T0 + timedelta(minutes=125)),
        discharge_at=local(T0 + timedelta(minutes=130)),
        discharge_ready="on",
    )
    assert r.status_code == 200, r.text
    r = c.post(f"/sessions/{sid}/close")
    assert r.status_code == 422 and "close.vitals_40min" in r.text and "[25]" in r.text
    vitals(c, sid, "at_40min", 41, sbp=150)
    page = c.get(f"/sessions/{sid}").text
    assert "Every closing rule passes." in page
    r = c.post(f"/sessions/{sid}/close")
    assert r.status_code == 200 and "Closed and signed" in r.text
    api = c.get(f"/api/sessions/{sid}").json()
    assert api["status"] == "closed" and api["consent_on_file"] and api["cadss"] == 12
    assert api["fasting_confirmed"] and api["transport_confirmed"]
    assert not any("fasting" in w for w in api["warnings"])
    assert round(api["monitoring_min"]) == 125
    # closed: the page offers no saving, and a post is refused by the API's rule
    assert "save-dose" not in c.get(f"/sessions/{sid}").text
    r = step(c, sid, "effects", cadss="3")
    assert r.status_code == 422 and "session.closed" in r.text


def test_times_entered_are_the_clinics_local_times(ny: Clinic) -> None:
    c = ny.client()
    _, sid = _session(c)
    step(c, sid, "checkin", arrival_at="2026-03-02T04:45", consent_on_file="on")
    api = c.get(f"/api/sessions/{sid}").json()
    assert datetime.fromisoformat(api["arrival_at"]) == datetime(2026, 3, 2, 9, 45, tzinfo=UTC)
    assert 'value="2026-03-02T04:45"' in c.get(f"/sessions/{sid}").text


def test_htmx_saves_answer_the_fragment_with_the_refusal(ny: Clinic) -> None:
    c = ny.client()
    _, sid = _session(c)
    r = step(c, sid, "checkin", htmx=True, arrival_at=local(T0 + timedelta(days=4000)))
    assert r.status_code == 200  # HTMX swaps only 2xx answers
    assert r.text.lstrip().startswith('<div id="session-body"') and "<html" not in r.text
    assert "session.time_future" in r.text or "time.beyond_horizon" in r.text
    r = c.post(f"/sessions/{sid}/close", headers={"HX-Request": "true"})
    assert r.status_code == 200 and "close.required" in r.text


def test_an_iv_session_in_the_page(ny: Clinic) -> None:
    c = ny.client()
    _, sid = _session(c, "ketamine_iv_clinic")
    page = c.get(f"/sessions/{sid}").text
    assert "Infusion started" in page and "Device 1" not in page and "REMS" not in page
    assert "Fasted as the clinic" in page and "A ride home is arranged" in page
    # checked in with consent only: neither fasting nor a ride home confirmed yet
    step(c, sid, "checkin", arrival_at=local(T0 - timedelta(minutes=15)), consent_on_file="on")
    vitals(c, sid, "pre_dose", -10)
    form = {
        "weight_kg": "70",
        "weight_measured_on": "2026-03-02",
        "mg_per_kg": "0.5",
        "dose_mg": "40",
        "infusion_min": "40",
        "lot": "LOT-IV",
        "lot_expiry": "2027-01-31",
        "dose_start_at": local(T0),
        "dose_end_at": local(T0 + timedelta(minutes=40)),
    }
    r = c.post(f"/ui/sessions/{sid}/steps/dose/check", data=form)
    assert "iv.dose_weight" in r.text and "35.0 mg" in r.text
    r = c.post(f"/ui/sessions/{sid}/steps/dose/check", data={**form, "dose_mg": "35", "mg_per_kg": "1.5"})
    assert "iv.max_mg_per_kg" in r.text or "iv.dose_weight" in r.text
    r = step(c, sid, "dose", **{**form, "dose_mg": "35"})
    assert r.status_code == 200, r.text
    assert "0.88 mg/min" in r.text  # 35 mg over 40 min
    assert "fasting not confirmed at check-in" in r.text  # the dose is recorded with a warning
    step(c, sid, "effects", pulse_oximetry="on")
    vitals(c, sid, "discharge", 100)
    step(
        c,
        sid,
        "discharge",
        monitoring_end_at=local(T0 + timedelta(minutes=100)),
        discharge_at=local(T0 + timedelta(minutes=105)),
        discharge_ready="on",
    )
    r = c.post(f"/sessions/{sid}/close")
    assert r.status_code == 422 and "close.transport" in r.text and "no driving" in r.text
    assert "close.transport" in c.get(f"/sessions/{sid}").text  # named before close is tried again
    arrival = local(T0 - timedelta(minutes=15))
    step(c, sid, "checkin", arrival_at=arrival, consent_on_file="on", transport_confirmed="on")
    r = c.post(f"/sessions/{sid}/close")
    assert r.status_code == 200 and "Closed and signed" in r.text
    api = c.get(f"/api/sessions/{sid}").json()
    assert api["transport_confirmed"] and not api["fasting_confirmed"]


def test_viewers_see_the_session_but_cannot_record(ny: Clinic) -> None:
    _, sid = _session(ny.client())
    v = ny.client("viewer")
    page = v.get(f"/sessions/{sid}")
    assert page.status_code == 200 and "save-checkin" not in page.text and "close-session" not in page.text
    assert step(v, sid, "checkin", consent_on_file="on").status_code == 403
    assert v.get("/sessions/999999").status_code == 404


def test_patient_page_and_today_link_their_sessions_in_clinic_time(app: FastAPI) -> None:
    tokyo = new_clinic(app, timezone="Asia/Tokyo")
    c = tokyo.client()
    p = make_patient(c)
    course = make_course(c, p["id"], start=datetime.now(UTC).date() - timedelta(days=1))
    now_local = datetime.now(ZoneInfo("Asia/Tokyo"))
    at = now_local.replace(hour=23, minute=40, second=0, microsecond=0)
    r = schedule(c, p["id"], course["id"], at)
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    page = c.get(f"/patients/{p['id']}").text
    assert f'href="/sessions/{sid}"' in page and at.strftime("%Y-%m-%d 23:40") in page
    today = c.get("/").text
    assert f'href="/sessions/{sid}"' in today and "23:40" in today and "UTC" not in today.split("<tbody>")[1]


def test_a_score_entered_after_the_fact(ny: Clinic) -> None:
    c = ny.client()
    pid, sid = _session(c)
    with transaction(ny.sessions) as db:
        rater = create_user(
            db,
            None,
            UserCreate(email=f"rater.{ny.site_id}@example.org", name="Dr Rater", role="clinician",
                       password="a long enough password"),
            site_id=ny.site_id,
        ).id  # fmt: skip
    form = c.get(f"/patients/{pid}/scales/new?session_id={sid}").text
    assert f'<option value="{sid}" selected' in form and "Dr Rater" in form
    when = local(T0 + timedelta(hours=3))
    r = c.post(
        f"/patients/{pid}/scales/new",
        data={"instrument": "madrs", "administered_at": when, "rater_id": str(rater), "session_id": str(sid)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    scale_id = int(r.headers["location"].rsplit("/", 1)[1])
    api = c.get(f"/api/scales/{scale_id}").json()
    assert datetime.fromisoformat(api["administered_at"]) == T0 + timedelta(hours=3)
    assert api["rater_id"] == rater and api["session_id"] == sid
    page = c.get(f"/scales/{scale_id}").text
    assert "rated by Dr Rater" in page and f'href="/sessions/{sid}"' in page
    assert "probably better off dead" in page  # MADRS item 10, step 4
    assert "MADRS" in c.get(f"/sessions/{sid}").text.split('id="session-scales"')[1]

    future = local(datetime.now(UTC) + timedelta(days=2))
    r = c.post(f"/patients/{pid}/scales/new", data={"instrument": "madrs", "administered_at": future})
    assert r.status_code == 422 and "scale.time_future" in r.text
    r = c.post(
        f"/patients/{pid}/scales/new", data={"instrument": "madrs", "administered_at": "1979-01-01T10:00"}
    )
    assert r.status_code == 422 and "scale.time_before_birth" in r.text
    ny.client("viewer")
    r = c.post(
        f"/patients/{pid}/scales/new",
        data={"instrument": "madrs", "administered_at": when, "rater_id": str(ny.users["viewer"])},
    )
    assert r.status_code == 422 and "scale.rater" in r.text


def test_the_visit_note_prints_the_session_and_marks_the_forecast_as_a_suggestion(ny: Clinic) -> None:
    c = ny.client()
    pid, sid = _session(c)
    step(c, sid, "checkin", arrival_at=local(T0 - timedelta(minutes=15)), **CHECKED_IN)
    vitals(c, sid, "pre_dose", -10, sbp=151)  # above 140/90: an alert for a clinician
    step(c, sid, "dose", dose_mg="56", lot="LOT-N", lot_expiry="2027-01-31",
         device_1=local(T0), device_2=local(T0 + timedelta(minutes=5)))  # fmt: skip
    alert = c.get("/api/alerts?open=true").json()["items"][0]
    r = c.post(f"/api/alerts/{alert['id']}/acknowledge", json={"note": "Rechecked at 138/84; proceeded."})
    assert r.status_code == 200, r.text
    r = c.post(
        f"/api/patients/{pid}/scales",
        json={"instrument": "madrs", "administered_at": (T0 + timedelta(hours=3)).isoformat(),
              "session_id": sid, "items": dict.fromkeys(range(1, 11), 2)},
    )  # fmt: skip
    assert r.status_code == 201, r.text

    note = c.get(f"/sessions/{sid}/note")
    assert note.status_code == 200 and 'href="/static/print.css"' in note.text
    text = note.text
    assert "MRN " in text and "56 mg" in text and "LOT-N" in text and "consent confirmed" in text
    assert "fasting confirmed" in text and "ride home confirmed" in text
    assert "1: 05:00" in text and "2: 05:05" in text  # devices in clinic time (New York)
    assert "151/80" in text and "MADRS" in text and "20 (moderate)" in text
    assert "acknowledged" in text and "Rechecked at 138/84; proceeded." in text
    forecast = text.split('id="note-forecast"')[1]
    assert "suggest" in forecast.lower()
    assert "nothing was scheduled from it" in text
    download = c.get(f"/sessions/{sid}/note?download=true")
    assert download.headers["content-disposition"].startswith("attachment;")
    actions = ny.count(
        "select count(*) from audit_events where site_id = :site and entity = 'session' and entity_id = :sid "
        "and action in ('print', 'export')",
        sid=sid,
    )
    assert actions == 2
    assert f'href="/sessions/{sid}/note"' in c.get(f"/sessions/{sid}").text
