"""The esketamine REMS Patient Monitoring Form of a session: its record fields come from the session,
its answers are stored, it is due 7 days after the session, and its submission is recorded once the
session is closed and every field is answered."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Clinic

from .helpers import T0, assert_rule, esk_record, iv_record, make_course, make_patient, schedule, vitals

ANSWERS = {
    "concomitant": ["benzodiazepine"],
    "ready_to_leave_min": 95,
    "vitals_acceptable_pre": True,
    "vitals_acceptable_end": True,
    "sedation": False,
    "dissociation": True,
    "respiratory_depression": False,
    "serious_adverse_event": False,
}


def closed_esketamine(c: TestClient, at: datetime = T0) -> tuple[int, int]:
    p = make_patient(c)
    course = make_course(c, p["id"])
    r = schedule(c, p["id"], course["id"], at, **esk_record(at))
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    vitals(c, sid, at)
    assert c.post(f"/api/sessions/{sid}/close").status_code == 200
    return p["id"], sid


def form(c: TestClient, sid: int) -> dict[str, Any]:
    r = c.get(f"/api/sessions/{sid}/rems-form")
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def test_the_form_reads_the_record_and_is_submitted_once_complete(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    _, sid = closed_esketamine(c)
    f = form(c, sid)
    assert f["status"] == "draft" and f["due_on"] == (T0.date() + timedelta(days=7)).isoformat()
    assert f["overdue"] is True  # T0 lies months back
    rec = f["fields"]
    assert rec["dose_mg"] == 56 and rec["lot"] == "LOT-1" and rec["monitoring_min"] == 125
    assert rec["bp_pre_dose"] == "125/80" and rec["bp_40min"] == "125/80" and rec["bp_end"] == "125/80"
    assert rec["first_treatment"] is True and rec["rems_enrolled"] is True
    assert rec["monitoring_provider"] == f"clinician {clinic.site_id}"  # who closed the session
    assert f["missing"] == list(ANSWERS)  # the record is complete; the answers are not

    before = clinic.count("select count(*) from rems_forms where site_id = :site")
    assert_rule(
        c.post(f"/api/sessions/{sid}/rems-form/submit", json={"channel": "online", "confirmation": "C-1"}),
        "missing",
        "rems.incomplete",
    )
    assert clinic.count("select count(*) from rems_forms where site_id = :site") == before

    half = {k: ANSWERS[k] for k in list(ANSWERS)[:4]}
    r = c.put(f"/api/sessions/{sid}/rems-form", json=half)
    assert r.status_code == 200, r.text
    assert r.json()["missing"] == list(ANSWERS)[4:] and r.json()["status"] == "draft"
    r = c.put(f"/api/sessions/{sid}/rems-form", json={k: ANSWERS[k] for k in list(ANSWERS)[4:]})
    assert r.json()["status"] == "ready" and r.json()["missing"] == [], r.text
    assert r.json()["answers"] == ANSWERS

    r = c.post(f"/api/sessions/{sid}/rems-form/submit", json={"channel": "fax", "confirmation": "FX-778"})
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "submitted" and done["channel"] == "fax" and done["confirmation"] == "FX-778"
    assert done["overdue"] is False and done["submitted_at"]
    assert_rule(c.put(f"/api/sessions/{sid}/rems-form", json={"sedation": True}), "status", "rems.submitted")
    again = {"channel": "online", "confirmation": "C-2"}
    assert_rule(c.post(f"/api/sessions/{sid}/rems-form/submit", json=again), "status", "rems.submitted")
    assert form(c, sid)["answers"]["sedation"] is False
    audit = (
        "select count(*) from audit_events where site_id = :site and entity = 'rems_form' and action = '{}'"
    )
    assert clinic.count(audit.format("submit")) == 1 and clinic.count(audit.format("update")) == 2


def test_answers_are_checked(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    _, sid = closed_esketamine(c)
    put = lambda body: c.put(f"/api/sessions/{sid}/rems-form", json=body)  # noqa: E731
    assert_rule(put({"concomitant": ["alcohol"]}), "concomitant.0", "literal_error")
    for bad in (-1, 601, True, "95"):
        assert put({"ready_to_leave_min": bad}).status_code == 422, bad
    assert_rule(put({"unknown": 1}), "unknown", "extra_forbidden")
    viewer = clinic.client("viewer")
    viewer_id = clinic.users["viewer"]
    assert_rule(put({"monitoring_provider_id": viewer_id}), "monitoring_provider_id", "rems.provider")
    assert put({"concomitant": []}).json()["answers"]["concomitant"] == []  # "none" is an answer
    r = put({"concomitant": ["opioid", "benzodiazepine", "opioid"]})
    assert r.json()["answers"]["concomitant"] == ["benzodiazepine", "opioid"]
    assert viewer.put(f"/api/sessions/{sid}/rems-form", json={"sedation": True}).status_code == 403
    assert viewer.get(f"/api/sessions/{sid}/rems-form").status_code == 200


def test_only_closed_esketamine_sessions_of_the_site(clinic: Clinic, other_clinic: Clinic) -> None:
    c = clinic.client("clinician")
    p = make_patient(c)
    iv = make_course(c, p["id"], "ketamine_iv_clinic")
    sid = schedule(c, p["id"], iv["id"], T0, **iv_record(T0)).json()["id"]
    assert_rule(c.get(f"/api/sessions/{sid}/rems-form"), "session_id", "rems.not_esketamine")
    esk = make_course(c, p["id"])
    at = T0 + timedelta(days=10)
    open_sid = schedule(c, p["id"], esk["id"], at, **esk_record(at)).json()["id"]
    assert c.put(f"/api/sessions/{open_sid}/rems-form", json=ANSWERS).status_code == 200
    body = {"channel": "online", "confirmation": "C-3"}
    r = c.post(f"/api/sessions/{open_sid}/rems-form/submit", json=body)
    assert_rule(r, "status", "rems.session_open")
    assert other_clinic.client("clinician").get(f"/api/sessions/{open_sid}/rems-form").status_code == 404


def test_the_second_treatment_and_a_recent_session(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=4)
    pid, first = closed_esketamine(c, at - timedelta(days=7))
    course_id = c.get(f"/api/patients/{pid}/courses").json()[0]["id"]
    r = schedule(c, pid, course_id, at, **esk_record(at))
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    f = form(c, sid)
    assert f["fields"]["first_treatment"] is False and form(c, first)["fields"]["first_treatment"] is True
    assert f["overdue"] is False
    assert date.fromisoformat(f["due_on"]) >= datetime.now(UTC).date() + timedelta(days=6)
    # open, with no vitals yet: the record's gaps are listed before the answers
    assert f["missing"][:4] == ["bp_pre_dose", "bp_40min", "bp_end", "monitoring_provider"]


def test_the_form_in_the_session_page(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    _, sid = closed_esketamine(c)
    page = c.get(f"/sessions/{sid}").text
    assert 'id="rems-form"' in page and 'data-status="draft"' in page and "overdue" in page
    assert "Missing: concomitant, ready_to_leave_min" in page and "125/80" in page
    answers = {
        "concomitant": ["benzodiazepine", "opioid"],
        "ready_to_leave_min": "95",
        "vitals_acceptable_pre": "yes",
        "vitals_acceptable_end": "yes",
        "sedation": "no",
        "dissociation": "yes",
        "respiratory_depression": "no",
        "serious_adverse_event": "no",
    }
    bad = c.post(f"/sessions/{sid}/rems-form", data={**answers, "ready_to_leave_min": "９５"})
    assert bad.status_code == 422 and 'id="errors-rems"' in bad.text and "ready_to_leave_min" in bad.text
    assert form(c, sid)["answers"]["ready_to_leave_min"] is None  # nothing of the refused post kept
    r = c.post(f"/sessions/{sid}/rems-form", data=answers, headers={"HX-Request": "true"})
    assert r.status_code == 200 and "Saved." in r.text and 'data-status="ready"' in r.text
    assert form(c, sid)["answers"]["concomitant"] == ["benzodiazepine", "opioid"]
    # "none of these" is an answer of its own; a blank question clears its answer
    r = c.post(f"/sessions/{sid}/rems-form", data={**answers, "concomitant": [], "concomitant_none": "on"})
    assert form(c, sid)["answers"]["concomitant"] == []
    c.post(f"/sessions/{sid}/rems-form", data={**answers, "sedation": ""})
    assert form(c, sid)["missing"] == ["sedation"]
    c.post(f"/sessions/{sid}/rems-form", data=answers)

    r = c.post(f"/sessions/{sid}/rems-form/submit", data={"channel": "online", "confirmation": "  "})
    assert r.status_code == 422 and 'id="errors-rems_submit"' in r.text and "confirmation" in r.text
    r = c.post(f"/sessions/{sid}/rems-form/submit", data={"channel": "online", "confirmation": "R-2026-9"})
    assert r.status_code == 200 and 'data-status="submitted"' in r.text and "R-2026-9" in r.text
    assert 'id="save-rems"' not in r.text and 'id="submit-rems"' not in r.text
    note = c.get(f"/sessions/{sid}/note").text
    assert "REMS monitoring form" in note and "confirmation R-2026-9" in note

    p = make_patient(c)
    iv = make_course(c, p["id"], "ketamine_iv_clinic")
    iv_sid = schedule(c, p["id"], iv["id"], T0, **iv_record(T0)).json()["id"]
    assert 'id="rems-form"' not in c.get(f"/sessions/{iv_sid}").text


def test_today_lists_the_forms_still_to_submit(clinic: Clinic, other_clinic: Clinic) -> None:
    c = clinic.client("clinician")
    now = datetime.now(UTC).replace(microsecond=0)
    _, recent = closed_esketamine(c, now - timedelta(hours=4))
    _, late = closed_esketamine(c, now - timedelta(days=10))
    _, old = closed_esketamine(c)  # months back: left to its session page
    page = c.get("/").text
    assert 'id="rems-due"' in page
    rows = page.split('id="rems-due"')[1].split("</table>")[0]
    assert f'href="/sessions/{recent}#rems-form"' in rows and f'href="/sessions/{late}#rems-form"' in rows
    assert f"/sessions/{old}#" not in rows
    older = re.search(r"(\d+) older forms? \(sessions more than 60 days ago\) not submitted", page)
    assert older is not None and int(older.group(1)) >= 1, "an old unsubmitted form is counted, not dropped"
    late_row = rows.split(f'data-session-id="{late}"')[1].split("</tr>")[0]
    recent_row = rows.split(f'data-session-id="{recent}"')[1].split("</tr>")[0]
    assert "overdue" in late_row and "overdue" not in recent_row
    assert ((now - timedelta(hours=4)).date() + timedelta(days=7)).isoformat() in recent_row  # a UTC site
    c.put(f"/api/sessions/{late}/rems-form", json=ANSWERS)
    r = c.post(f"/api/sessions/{late}/rems-form/submit", json={"channel": "online", "confirmation": "L-1"})
    assert r.status_code == 200, r.text
    rows = c.get("/").text.split('id="rems-due"')[1].split("</table>")[0]
    assert f"/sessions/{late}#" not in rows and f"/sessions/{recent}#" in rows
    assert 'id="rems-due"' not in other_clinic.client("clinician").get("/").text
