"""A clinic's day at a glance: Today in the site's time zone with day navigation and each session's next
step; the patient list with latest score, open alerts, REMS status and the stored booster suggestion."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import FastAPI

from ..conftest import new_clinic
from .helpers import make_course, make_patient, schedule

TOKYO = ZoneInfo("Asia/Tokyo")


def _rows(html: str, table: str) -> list[str]:
    body = html.split(f'id="{table}"')[1].split("</table>")[0]
    return re.findall(r"<tr data-[a-z-]+=\"\d+\">(.*?)</tr>", body, flags=re.S)


def test_today_is_the_sites_day_with_day_navigation_and_the_next_step(app: FastAPI) -> None:
    clinic = new_clinic(app, timezone="Asia/Tokyo")
    c = clinic.client()
    p = make_patient(c)
    course = make_course(c, p["id"], "ketamine_iv_clinic", start=datetime.now(UTC).date() - timedelta(days=2))
    tomorrow = datetime.now(TOKYO).date() + timedelta(days=1)
    # 00:30 in Tokyo is the previous day in UTC: it belongs to the clinic's day, shown in clinic time
    early = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 0, 30, tzinfo=TOKYO)
    r = schedule(c, p["id"], course["id"], early)
    assert r.status_code == 201, r.text
    sid = r.json()["id"]

    page = c.get(f"/?day={tomorrow.isoformat()}").text
    rows = _rows(page, "day-sessions")
    assert len(rows) == 1 and f'href="/sessions/{sid}"' in rows[0] and ">00:30<" in rows[0]
    assert "UTC" not in rows[0] and "check in" in rows[0]
    assert "times in Asia/Tokyo" in page
    assert f'href="/?day={(tomorrow + timedelta(days=1)).isoformat()}"' in page
    assert f'href="/?day={(tomorrow - timedelta(days=1)).isoformat()}"' in page
    assert f'href="/sessions/{sid}"' not in c.get("/").text  # not today's
    assert "No sessions on this day." in c.get(f"/?day={(tomorrow + timedelta(days=1)).isoformat()}").text
    assert c.get("/?day=2026-13-40").status_code == 422

    # once checked in, the next step is the first rule closing still refuses on
    r = c.patch(f"/api/sessions/{sid}", json={"arrival_at": (early - timedelta(days=3)).isoformat()})
    assert r.status_code == 200, r.text
    row = _rows(c.get(f"/?day={tomorrow.isoformat()}").text, "day-sessions")[0]
    assert "dose_mg: required before the session can be closed" in row


def test_the_patient_list_shows_latest_score_alerts_rems_and_booster(app: FastAPI) -> None:
    clinic = new_clinic(app)
    c = clinic.client()
    calm = make_patient(c, name="Ada Calm")
    risk = make_patient(c, name="Bo Risk", rems_enrolled=False)
    make_course(c, risk["id"], "esketamine_label")
    course = make_course(c, calm["id"], "esketamine_label")
    older = datetime.now(UTC) - timedelta(days=10)
    newer = datetime.now(UTC) - timedelta(days=2)
    for at, value in ((newer, 2), (older, 5)):  # the newer one entered last would hide a bug in order
        items = {**dict.fromkeys(range(1, 10), value), 10: 0}
        body = {"instrument": "madrs", "administered_at": at.isoformat(), "items": items}
        r = c.post(f"/api/patients/{calm['id']}/scales", json=body)
        assert r.status_code == 201, r.text
    r = c.post(
        f"/api/patients/{risk['id']}/scales",
        json={"instrument": "phq9", "mode": "self", "administered_at": newer.isoformat(),
              "items": {**dict.fromkeys(range(1, 9), 1), 9: 1}},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    window = (datetime.now(UTC) + timedelta(days=5), datetime.now(UTC) + timedelta(days=9))
    r = c.post(
        f"/api/patients/{calm['id']}/forecasts",
        json={
            "course_id": course["id"], "kind": "personal", "model": "ketasim", "model_version": "1",
            "inputs_hash": "0123456789abcdef", "scale": "madrs",
            "trajectory": {"times": [window[0].isoformat()], "quantiles": {"q50": [12.0]}},
            "window_start": window[0].isoformat(), "window_end": window[1].isoformat(),
        },
    )  # fmt: skip
    assert r.status_code == 201, r.text

    page = c.get("/patients").text
    rows = {("Ada" if "Ada Calm" in r else "Bo"): r for r in _rows(page, "patients")}
    assert "MADRS 18 (mild)" in rows["Ada"] and newer.date().isoformat() in rows["Ada"]
    assert window[0].date().isoformat() in rows["Ada"] and "(suggestion)" in rows["Ada"]
    assert "enrolled" in rows["Ada"] and "not enrolled" not in rows["Ada"]
    assert 'class="alerts">0<' in rows["Ada"]
    assert "PHQ-9 9 (mild)" in rows["Bo"] and ">1</a>" in rows["Bo"] and "not enrolled" in rows["Bo"]

    by_alerts = _rows(c.get("/patients?sort=alerts").text, "patients")
    assert "Bo Risk" in by_alerts[0]
    only = _rows(c.get("/patients?alerts=true").text, "patients")
    assert len(only) == 1 and "Bo Risk" in only[0]
    searched = _rows(c.post("/patients", data={"q": "", "sort": "latest", "alerts": "on"}).text, "patients")
    assert len(searched) == 1 and "Bo Risk" in searched[0]
    assert c.get("/patients?sort=sideways").status_code == 422
