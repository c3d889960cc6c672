"""Input safety: non-blank notes and reasons, date bounds, clean names and text, strict item values,
newest-first scores, LIKE escaping, size limits and 422 answers that echo neither passwords nor
megabytes. Each test names the hole it closes (issue 12); every one failed before the fix."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ketasim.store.models import ScaleAdministration
from tests.conftest import Clinic

from .helpers import T0, assert_rule, esk_record, iso, iv_record, make_course, make_patient, schedule

NOW = datetime.now(UTC)
TABLES = (
    "patients",
    "sessions",
    "vitals",
    "scale_administrations",
    "alerts where acknowledged_at is not null",
)


def counts(clinic: Clinic) -> dict[str, int]:
    out = {}
    for t in TABLES:
        where = " and " if " where " in t else " where "
        table = t.split(" ")[0]
        if table == "vitals":
            sql = (
                "select count(*) from vitals v join sessions s on s.id = v.session_id where s.site_id = :site"
            )
        else:
            sql = f"select count(*) from {t}{where}site_id = :site"
        out[table] = clinic.count(sql)
    return out


def si_alert(c: TestClient, pid: int) -> int:
    body = {"instrument": "phq9", "mode": "self", "administered_at": iso(T0), "items": {"9": 2}}
    assert c.post(f"/api/patients/{pid}/scales", json=body).status_code == 201
    return int(c.get("/api/alerts").json()["items"][0]["id"])


# --- notes and reasons ------------------------------------------------------------------------------
@pytest.mark.parametrize("note", ["   ", "\t\n  \n", "  a  ", "\u3000\u3000\u3000"])
def test_alert_note_of_spaces_is_refused(clinic: Clinic, note: str) -> None:
    """Hole: an SI alert could be acknowledged with a note of three spaces (200)."""
    c = clinic.client("clinician")
    aid = si_alert(c, make_patient(c)["id"])
    r = c.post(f"/api/alerts/{aid}/acknowledge", json={"note": note})
    hit = assert_rule(r, "note", "text.")
    assert hit["type"] in ("text.blank", "text.too_short")
    assert c.get("/api/alerts").json()["total"] == 1, "the alert must stay open"
    ok = c.post(f"/api/alerts/{aid}/acknowledge", json={"note": "  Seen; safety plan reviewed.  "})
    assert ok.status_code == 200 and ok.json()["note"] == "Seen; safety plan reviewed."


@pytest.mark.parametrize("reason", [" " * 10, " " * 40, "why      .", "\n" * 12])
def test_override_reason_of_spaces_is_refused(clinic: Clinic, reason: str) -> None:
    """Hole: a frequency override reason of ten spaces passed `esketamine.frequency`."""
    c = clinic.client("clinician")
    p = make_patient(c)
    course = make_course(c, p["id"])
    for d in (0, 3):
        at = T0 + timedelta(days=d)
        assert schedule(c, p["id"], course["id"], at, **esk_record(at)).status_code == 201
    before = counts(clinic)
    r = schedule(c, p["id"], course["id"], T0 + timedelta(days=5), override_reason=reason)
    assert_rule(r, "override_reason", "text.")
    assert counts(clinic) == before
    c.patch(f"/api/patients/{p['id']}", json={"pregnancy_positive": True})
    r = schedule(c, p["id"], course["id"], T0 + timedelta(days=20), override_reason=reason)
    assert_rule(r, "override_reason", "text.")
    assert counts(clinic) == before


def test_every_note_field_is_stripped_and_checked(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    p = make_patient(c)
    ci = c.post(f"/api/patients/{p['id']}/contraindications", json={"kind": "hypersensitivity"}).json()
    assert_rule(
        c.post(f"/api/contraindications/{ci['id']}/resolve", json={"note": "    "}), "note", "text.blank"
    )
    f = c.post(
        f"/api/patients/{p['id']}/forecasts",
        json={
            "kind": "population",
            "model": "m",
            "model_version": "1",
            "inputs_hash": "12345678",
            "scale": "madrs",
            "trajectory": {"times": [iso(T0)], "quantiles": {"q50": [20]}},
        },
    ).json()
    r = c.post(f"/api/forecasts/{f['id']}/review", json={"status": "accepted", "note": " \n "})
    assert_rule(r, "note", "text.blank")


# --- dates ------------------------------------------------------------------------------------------
EXTREMES = [
    "9999-12-31T23:59:59+00:00",
    "0001-01-01T00:00:00+00:00",
    "9999-12-31T23:00:00-05:00",
    "0001-01-01T00:30:00+05:00",
    "1899-12-31T23:59:00+00:00",
]


@pytest.mark.parametrize("when", EXTREMES)
def test_extreme_times_answer_422_not_500(clinic: Clinic, when: str) -> None:
    """Hole: scheduled_at 9999-12-31 or 0001-01-01 answered 500 (OverflowError) with a traceback."""
    c = clinic.client("clinician")
    p = make_patient(c)
    course = make_course(c, p["id"])
    sid = schedule(c, p["id"], course["id"], T0, **esk_record(T0)).json()["id"]
    before = counts(clinic)
    assert_rule(schedule(c, p["id"], course["id"], datetime.fromisoformat(when)), "scheduled_at", "time.")
    vital = {"point": "other", "measured_at": when, "sbp": 120, "dbp": 80}
    assert_rule(c.post(f"/api/sessions/{sid}/vitals", json=vital), "measured_at", "")
    assert_rule(c.patch(f"/api/sessions/{sid}", json={"discharge_at": when}), "discharge_at", "")
    scale = {"instrument": "madrs", "administered_at": when}
    assert_rule(c.post(f"/api/patients/{p['id']}/scales", json=scale), "administered_at", "")
    body = {
        "kind": "population",
        "model": "m",
        "model_version": "1",
        "inputs_hash": "12345678",
        "scale": "madrs",
        "trajectory": {"times": [when], "quantiles": {"q50": [20]}},
    }
    assert c.post(f"/api/patients/{p['id']}/forecasts", json=body).status_code == 422
    assert counts(clinic) == before


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "9999-12-31"])
def test_extreme_dates_answer_422(clinic: Clinic, day: str) -> None:
    c = clinic.client("clinician")
    p = make_patient(c)
    before = counts(clinic)
    assert_rule(c.post("/api/patients", json={**_like(p), "mrn": "X-1", "birth_date": day}), "birth_date", "")
    assert_rule(
        c.patch(f"/api/patients/{p['id']}", json={"weight_measured_on": day}), "weight_measured_on", ""
    )
    assert_rule(c.patch(f"/api/patients/{p['id']}", json={"death_date": day}), "death_date", "")
    course = {"protocol": "esketamine_label", "start_date": day}
    assert_rule(c.post(f"/api/patients/{p['id']}/courses", json=course), "start_date", "")
    assert counts(clinic) == before


def _like(p: dict[str, Any]) -> dict[str, Any]:
    return {k: p[k] for k in ("mrn", "name", "birth_date", "sex")}


def test_future_measurements_are_refused(clinic: Clinic) -> None:
    """Hole: future dates were accepted for vitals, weights, death dates and session record times."""
    c = clinic.client("clinician")
    p = make_patient(c)
    esk = make_course(c, p["id"])
    iv = make_course(c, p["id"], "ketamine_iv_clinic")
    sid = schedule(c, p["id"], esk["id"], T0, **esk_record(T0)).json()["id"]
    tomorrow, in_2030 = NOW + timedelta(days=1), "2030-06-01"
    before = counts(clinic)
    v = {"point": "other", "measured_at": iso(tomorrow), "sbp": 120, "dbp": 80}
    assert_rule(c.post(f"/api/sessions/{sid}/vitals", json=v), "measured_at", "vitals.time_future")
    for field in ("arrival_at", "dose_start_at", "dose_end_at", "monitoring_end_at", "discharge_at"):
        assert_rule(
            c.patch(f"/api/sessions/{sid}", json={field: iso(tomorrow)}), field, "session.time_future"
        )
    dev = {"devices": [{"given_at": iso(tomorrow)}, {"given_at": iso(tomorrow + timedelta(minutes=5))}]}
    assert_rule(c.patch(f"/api/sessions/{sid}", json=dev), "given_at", "session.time_future")
    weight = {"weight_measured_on": in_2030}
    assert_rule(
        c.patch(f"/api/patients/{p['id']}", json=weight), "weight_measured_on", "weight.measured_future"
    )
    assert_rule(
        c.post("/api/patients", json={**_like(p), "mrn": "W-1", **weight}), "weight_measured_on", "weight."
    )
    at = T0 + timedelta(days=30)
    r = schedule(c, p["id"], iv["id"], at, **{**iv_record(at), "weight_measured_on": in_2030})
    assert_rule(r, "weight_measured_on", "weight.measured_future")
    # a day refused even if the UTC date turns between here and the request (one day of grace)
    death = {"death_date": (datetime.now(UTC) + timedelta(days=3)).date().isoformat()}
    assert_rule(c.patch(f"/api/patients/{p['id']}", json=death), "death_date", "patient.death_future")
    assert_rule(
        c.patch(f"/api/patients/{p['id']}", json={"death_date": "1970-01-01"}),
        "death_date",
        "patient.death_before_birth",
    )
    assert counts(clinic) == before
    assert c.get(f"/api/patients/{p['id']}").json()["death_date"] is None


def test_a_weight_measured_after_the_session_does_not_count(clinic: Clinic) -> None:
    """Hole: `iv.weight_recent` compared days only one way, so a later weight satisfied it forever."""
    c = clinic.client("clinician")
    p = make_patient(c)
    iv = make_course(c, p["id"], "ketamine_iv_clinic")
    at = T0 + timedelta(days=3)
    record = {**iv_record(at), "weight_measured_on": (at + timedelta(days=5)).date().isoformat()}
    assert_rule(schedule(c, p["id"], iv["id"], at, **record), "weight_measured_on", "iv.weight_recent")


def test_sessions_are_scheduled_within_the_horizon(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    p = make_patient(c)
    course = make_course(c, p["id"])
    r = schedule(c, p["id"], course["id"], NOW + timedelta(days=400))
    assert_rule(r, "scheduled_at", "time.beyond_horizon")
    assert schedule(c, p["id"], course["id"], NOW + timedelta(days=30)).status_code == 201


def test_an_import_dated_in_the_future_is_refused(clinic: Clinic) -> None:
    """Hole: an import dated 2031 bypassed `scale.time_future` and the forecast started in 2035."""
    c = clinic.client("clinician")
    rows = (
        "ID,TIME,AMT,EVID,DV,SCALE,DRUG,ROUTE,DEVICE,WT,AGE,SEXF,UTC\n"
        "1,0,,0,30,madrs,,,,70,45,1,2031-05-01T09:00:00+00:00\n"
        "1,24,,0,28,madrs,,,,70,45,1,2031-05-02T09:00:00+00:00\n"
    )
    before = counts(clinic)
    r = c.post(
        "/api/patients/import",
        data={
            "mrn": "IMP-F",
            "name": "Future Import",
            "birth_date": "1980-01-01",
            "source": "ehr",
            "rater": "R",
        },
        files={"record": ("record.csv", rows.encode(), "text/csv")},
    )
    hit = assert_rule(r, "time", "time_future")
    assert hit["type"] in ("scale.time_future", "import.time_future")
    assert counts(clinic) == before


def test_server_errors_leave_no_traceback_and_no_patient_data(
    clinic: Clinic, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hole: an unhandled error reached the server with its traceback (which uvicorn logs whole)."""
    from ketasim.store.crud import patients as crud

    c = clinic.client("clinician")
    p = make_patient(c, name="Zebulon Quintavius")

    def boom(*_: Any, **__: Any) -> Any:
        raise ValueError("patient Zebulon Quintavius, MRN 1234: date value out of range")

    monkeypatch.setattr(crud, "update_patient", boom)
    caplog.set_level(logging.DEBUG)
    # The test client re-raises whatever escapes the app, as uvicorn would log it.
    r = c.patch(f"/api/patients/{p['id']}", json={"weight_kg": 71})
    assert r.status_code == 500 and r.json() == {"detail": "internal error"}
    logged = [x for x in caplog.records if x.levelno >= logging.ERROR]
    assert logged and all(x.exc_info is None for x in logged)
    text = "\n".join(x.getMessage() for x in caplog.records)
    assert "Zebulon" not in text and "1234" not in text and "ValueError" in text
    monkeypatch.setattr("ketasim.web.pages.clinic.patients_crud.list_courses", boom)
    page = c.get(f"/patients/{p['id']}", headers={"accept": "text/html"})
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "Traceback" not in page.text and "out of range" not in page.text


# --- names and free text ----------------------------------------------------------------------------
BAD_NAMES = [
    ("   ", "text.blank"),
    ("\u00a0\u2003", "text.blank"),
    ("\u200b\u200b", "text."),
    ("Ann\x00Lee", "text.control_character"),
    ("Ann\x07Lee", "text.control_character"),
    ("Ann\nLee", "text.control_character"),
    ("Ann\x85Lee", "text.control_character"),
    ("Ann\u202eeeL", "text.bidi_control"),
    ("Ann\u2066Lee\u2069", "text.bidi_control"),
    ("Ann\u2028Lee", "text.control_character"),
    ("12345", "text.no_letter"),
]


@pytest.mark.parametrize(("name", "rule"), BAD_NAMES, ids=[repr(n) for n, _ in BAD_NAMES])
def test_bad_names_are_refused_on_every_database(clinic: Clinic, name: str, rule: str) -> None:
    """Hole: names of only spaces or with NUL/control/bidi characters were stored (PostgreSQL: 500)."""
    c = clinic.client("clinician")
    p = make_patient(c)
    before = counts(clinic)
    assert_rule(c.post("/api/patients", json={**_like(p), "mrn": "N-1", "name": name}), "name", rule)
    assert_rule(c.patch(f"/api/patients/{p['id']}", json={"name": name}), "name", rule)
    body = {"email": "n@example.org", "name": name, "role": "viewer", "password": "x" * 12}
    assert_rule(clinic.client("admin").post("/api/users", json=body), "name", rule)
    assert counts(clinic) == before


@pytest.mark.parametrize(
    "name", ["Zoë O'Brien-Łukasiewicz", "محمد الأحمد", "ناهید\u200cکریمی", "李小龍", "  Ann   Lee  "]
)
def test_real_names_are_kept(clinic: Clinic, name: str) -> None:
    c = clinic.client("clinician")
    p = make_patient(c, name=name)
    assert p["name"] == name.strip()


@pytest.mark.parametrize("bad", ["\x00", "\ud800", "\x1b[31m"])
def test_no_text_field_takes_nul_surrogates_or_escapes(clinic: Clinic, bad: str) -> None:
    """Free text keeps newlines, but NUL, lone surrogates and terminal escapes are refused (PostgreSQL
    refuses NUL with an error that used to surface as 500)."""
    c = clinic.client("clinician")
    p = make_patient(c)
    course = make_course(c, p["id"])
    sid = schedule(c, p["id"], course["id"], T0).json()["id"]
    before = counts(clinic)

    def send(method: str, url: str, body: dict[str, Any]) -> Any:
        # Escaped JSON (\\ud800), as a client would send a lone surrogate.
        return c.request(method, url, content=json.dumps(body), headers={"content-type": "application/json"})

    login = {"email": f"a{bad}@example.org", "password": "whatever it is"}
    flag = {"kind": "hypersensitivity", "detail": bad}
    probes = [
        (send("PATCH", f"/api/sessions/{sid}", {"adverse_events": f"nausea{bad}"}), "adverse_events"),
        (send("PATCH", f"/api/sessions/{sid}", {"lot": f"L{bad}1"}), "lot"),
        (send("POST", f"/api/patients/{p['id']}/contraindications", flag), "detail"),
        (send("POST", "/api/patients/search", {"q": f"Ann{bad}"}), "q"),
        (send("POST", "/api/auth/login", login), "email"),
    ]  # fmt: skip
    for r, field in probes:
        assert_rule(r, field, "text.")
    assert counts(clinic) == before
    ok = c.patch(f"/api/sessions/{sid}", json={"adverse_events": "nausea\n\tresolved by 60 min"})
    assert ok.status_code == 200


# --- lists, search and items ------------------------------------------------------------------------
def test_newest_scores_never_vanish(clinic: Clinic) -> None:
    """Hole: the patient page and chart read the oldest 200 scores, so newer ones vanished."""
    c = clinic.client("clinician")
    p = make_patient(c, birth_date="1950-01-01")
    with clinic.sessions() as db, db.begin():
        db.add_all(
            ScaleAdministration(
                site_id=clinic.site_id,
                patient_id=p["id"],
                instrument="madrs",
                mode="clinician",
                recall="past_week",
                administered_at=T0 - timedelta(days=3 * k),
                total=20 + k % 5,
                band="moderate",
                flags=[],
                items=[],
            )
            for k in range(1, 230)
        )
    newest = T0 + timedelta(hours=1)
    items = {str(i): 1 for i in range(1, 11)}
    body = {"instrument": "madrs", "administered_at": iso(newest), "items": items}
    assert c.post(f"/api/patients/{p['id']}/scales", json=body).status_code == 201
    page = c.get(f"/api/patients/{p['id']}/scales", params={"limit": 50}).json()
    assert page["total"] == 230
    assert page["items"][0]["administered_at"].startswith(newest.strftime("%Y-%m-%dT%H:%M"))
    stamps = [x["administered_at"] for x in page["items"]]
    assert stamps == sorted(stamps, reverse=True)
    last = c.get(f"/api/patients/{p['id']}/scales", params={"limit": 50, "offset": 200}).json()
    assert len(last["items"]) == 30, "the whole history stays reachable"
    oldest = c.get(f"/api/patients/{p['id']}/scales", params={"order": "oldest", "limit": 1}).json()
    assert oldest["items"][0]["administered_at"] < stamps[-1]
    html = c.get(f"/patients/{p['id']}").text
    assert newest.strftime("%Y-%m-%d %H:%M") in html
    chart = c.get(f"/ui/patients/{p['id']}/chart.json").json()
    xs = chart["series"]["MADRS"]["x"]
    assert any(x.startswith(newest.strftime("%Y-%m-%dT%H:%M")) for x in xs)
    assert xs == sorted(xs), "the chart's points stay in time order"


def test_search_treats_percent_and_underscore_as_text(clinic: Clinic) -> None:
    """Hole: `%` or `_` in the search matched every patient."""
    c = clinic.client("clinician")
    for name in ("Ann Lee", "Bob Kay", "Cy 100% Sure", "Dee_Dee"):
        make_patient(c, name=name)
    found = lambda q: [x["name"] for x in c.post("/api/patients/search", json={"q": q}).json()["items"]]  # noqa: E731
    assert found("%") == ["Cy 100% Sure"]
    assert found("_") == ["Dee_Dee"]
    assert found("\\") == []
    assert found("ann") == ["Ann Lee"]
    assert found("e_D") == ["Dee_Dee"]


@pytest.mark.parametrize("value", [True, False, "3", 3.0, "３", None])
def test_item_values_are_strictly_integers(clinic: Clinic, value: Any) -> None:
    """Hole: `true` and full-width digits were accepted as item values."""
    c = clinic.client("clinician")
    p = make_patient(c)
    before = counts(clinic)
    r = c.post(
        f"/api/patients/{p['id']}/scales",
        json={"instrument": "madrs", "administered_at": iso(T0), "items": {"1": value}},
    )
    assert r.status_code == 422, r.text
    assert counts(clinic) == before
    sid = c.post(f"/api/patients/{p['id']}/scales", json={"instrument": "madrs", "administered_at": iso(T0)})
    scale_id = sid.json()["id"]
    assert c.put(f"/api/scales/{scale_id}/items/1", json={"value": value}).status_code == 422
    assert c.get(f"/api/scales/{scale_id}").json()["items"] == {}


@pytest.mark.parametrize("raw", ["３", "٣", "true", "+3", " 3", "3.0", "1e0"])
def test_item_form_takes_ascii_digits_only(clinic: Clinic, raw: str) -> None:
    c = clinic.client("clinician")
    p = make_patient(c)
    scale_id = c.post(
        f"/api/patients/{p['id']}/scales", json={"instrument": "madrs", "administered_at": iso(T0)}
    ).json()["id"]
    r = c.put(f"/ui/scales/{scale_id}/items/1", data={"item1": raw})
    assert "whole number" in r.text
    assert c.get(f"/api/scales/{scale_id}").json()["items"] == {}
    assert c.put(f"/ui/scales/{scale_id}/items/1", data={"item1": "3"}).status_code == 200
    assert c.get(f"/api/scales/{scale_id}").json()["items"] == {"1": 3}


# --- sizes and echoes -------------------------------------------------------------------------------
def test_a_huge_body_is_refused_before_it_is_read(clinic: Clinic) -> None:
    """Hole: a 10 MB body answered a 30 MB 422 that echoed the input."""
    c = clinic.client("clinician")
    huge = b'{"mrn": "H-1", "name": "' + b"A" * 10_000_000 + b'"}'
    r = c.post("/api/patients", content=huge, headers={"content-type": "application/json"})
    assert r.status_code == 413 and len(r.content) < 2000

    def chunks() -> Any:
        for _ in range(100):
            yield b"A" * 100_000

    r = c.post("/api/patients", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and len(r.content) < 2000
    assert clinic.count("select count(*) from patients where site_id = :site") == 0


def test_a_422_never_echoes_a_huge_input(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    body = {"mrn": "H-2", "name": "B" * 500_000, "birth_date": "1980-01-01", "sex": "female"}
    r = c.post("/api/patients", json=body)
    assert r.status_code == 422 and len(r.content) < 5000
    r = c.post("/api/patients", json={**body, "name": "ok", "sex": ["x"] * 50_000})
    assert r.status_code == 422 and len(r.content) < 5000


def test_a_422_never_echoes_a_password(clinic: Clinic) -> None:
    """Hole: 422 answers echoed submitted passwords."""
    admin = clinic.client("admin")
    secret = "hunter2-is-my-password"
    for body in (
        {"email": "u@example.org", "name": "U", "role": "viewer", "password": secret[:8]},
        {"email": "u@example.org", "name": "U", "password": secret},
        {"email": "u@example.org", "name": "U", "role": "boss", "password": secret},
        [{"password": secret}],
    ):
        r = admin.post("/api/users", json=body)
        assert r.status_code == 422 and secret[:8] not in r.text, r.text
    r = TestClient(clinic.app, base_url="https://testserver").post(
        "/api/auth/login", json={"email": "x", "password": secret * 20}
    )
    assert r.status_code == 422 and secret not in r.text
