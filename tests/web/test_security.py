"""Security: authentication, roles on every route, CSRF, rate limits, headers, site isolation, audit, logs."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ketasim.web.app import create_app
from ketasim.web.security import StripQueryFilter
from ketasim.web.settings import Settings
from tests.conftest import PASSWORD, Clinic

from .helpers import T0, esk_record, iso, make_course, make_patient, schedule

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def api_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every documented API operation, path ids filled with 1."""
    out = []
    for path, ops in app.openapi()["paths"].items():
        for method in ops:
            out.append((method.upper(), re.sub(r"\{[^}]+\}", "1", path)))
    return sorted(out)


def test_every_api_route_needs_a_login(app: FastAPI) -> None:
    c = TestClient(app, base_url="https://testserver")
    routes = api_routes(app)
    assert len(routes) > 25
    for method, path in routes:
        if path == "/api/auth/login":
            continue
        r = c.request(method, path, json={})
        assert r.status_code == 401, (method, path, r.status_code)


def test_viewer_cannot_change_anything(clinic: Clinic) -> None:
    viewer = clinic.client("viewer")
    # Searching patients is a read sent as a POST (the term stays out of URLs).
    allowed = {"/api/auth/login", "/api/auth/logout", "/api/simulate/pk", "/api/patients/search"}
    for method, path in api_routes(clinic.app):
        if method in UNSAFE and path not in allowed:
            r = viewer.request(method, path, json={})
            assert r.status_code == 403, (method, path, r.status_code, r.text)


def test_admin_runs_the_site_but_not_the_clinic(clinic: Clinic) -> None:
    admin = clinic.client("admin")
    r = admin.post(
        "/api/users", json={"email": "new@example.org", "name": "New", "role": "viewer", "password": "x" * 12}
    )
    assert r.status_code == 201
    assert admin.post("/api/patients", json={}).status_code == 403
    c = clinic.client("clinician")
    assert c.get("/api/users").status_code == 403
    assert c.get("/api/audit").status_code == 403
    assert c.post("/api/users", json={}).status_code == 403


def test_unsafe_requests_need_the_csrf_token_and_same_origin(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    token = c.headers.pop("X-CSRF-Token")
    body = {"mrn": "C-1", "name": "N", "birth_date": "1980-01-01", "sex": "male"}
    assert c.post("/api/patients", json=body).status_code == 403
    assert c.post("/api/patients", json=body, headers={"X-CSRF-Token": "wrong"}).status_code == 403
    evil = {"X-CSRF-Token": token, "Origin": "https://evil.example"}
    assert c.post("/api/patients", json=body, headers=evil).status_code == 403
    assert clinic.count("select count(*) from patients where site_id = :site") == 0
    assert c.post("/api/patients", json=body, headers={"X-CSRF-Token": token}).status_code == 201


def test_login_cookie_is_secure_and_logout_ends_it(clinic: Clinic) -> None:
    clinic.client("clinician")
    c = TestClient(clinic.app, base_url="https://testserver")
    r = c.post("/api/auth/login", json={"email": clinic.email("clinician"), "password": PASSWORD})
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie
    with clinic.sessions() as db:
        from sqlalchemy import text

        stored = db.execute(
            text("select password_hash from users where id = :u"), {"u": clinic.users["clinician"]}
        )
        assert stored.scalar_one().startswith("$argon2id$")
        assert (
            db.execute(
                text("select count(*) from login_sessions where token_hash = :t"), {"t": cookie}
            ).scalar()
            == 0
        )
    csrf = r.json()["csrf_token"]
    assert c.get("/api/auth/me").status_code == 200
    assert c.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert c.get("/api/auth/me").status_code == 401


def test_login_rate_limit(db_url: str, clinic: Clinic) -> None:
    clinic.client("viewer")
    app = create_app(Settings(database_url=db_url, login_max_failures=3))  # its own limiter
    c = TestClient(app, base_url="https://testserver")
    email = clinic.email("viewer")
    for _ in range(3):
        assert (
            c.post("/api/auth/login", json={"email": email, "password": "wrong password"}).status_code == 401
        )
    r = c.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
    assert token
    form = {"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
    assert c.post("/login", data=form).status_code == 429
    app.state.engine.dispose()


def test_security_headers_on_pages_and_api(app: FastAPI) -> None:
    c = TestClient(app, base_url="https://testserver")
    for path in ("/login", "/api/auth/me", "/openapi.json"):
        h = c.get(path).headers
        assert "default-src 'self'" in h["content-security-policy"]
        assert "frame-ancestors 'none'" in h["content-security-policy"]
        assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"
        assert h["referrer-policy"] == "no-referrer" and "max-age" in h["strict-transport-security"]


def populate(c: TestClient) -> dict[str, Any]:
    """One of everything in a site; returns the ids."""
    p = make_patient(c, name="Isolated Person")
    course = make_course(c, p["id"])
    s = schedule(c, p["id"], course["id"], T0, **esk_record(T0)).json()
    a = c.post(
        f"/api/patients/{p['id']}/scales",
        json={"instrument": "phq9", "mode": "self", "administered_at": iso(T0), "items": {"9": 2}},
    ).json()
    ci = c.post(f"/api/patients/{p['id']}/contraindications", json={"kind": "hypersensitivity"}).json()
    times = [iso(T0), iso(T0 + timedelta(days=1))]
    f = c.post(
        f"/api/patients/{p['id']}/forecasts",
        json={
            "kind": "population",
            "model": "m",
            "model_version": "1",
            "inputs_hash": "12345678",
            "scale": "madrs",
            "trajectory": {"times": times, "quantiles": {"q50": [20, 18]}},
        },
    ).json()
    alert = c.get("/api/alerts").json()["items"][0]
    ids = {"patient": p["id"], "course": course["id"], "session": s["id"], "scale": a["id"]}
    return {**ids, "contra": ci["id"], "forecast": f["id"], "alert": alert["id"]}


def probes(ids: dict[str, Any]) -> list[tuple[str, str, Any]]:
    p, s = ids["patient"], ids["session"]
    return [
        ("GET", f"/api/patients/{p}", None),
        ("PATCH", f"/api/patients/{p}", {"name": "Changed"}),
        ("GET", f"/api/patients/{p}/courses", None),
        ("POST", f"/api/patients/{p}/courses", {"protocol": "esketamine_label", "start_date": "2026-03-01"}),
        ("GET", f"/api/patients/{p}/scales", None),
        ("POST", f"/api/patients/{p}/scales", {"instrument": "madrs", "administered_at": iso(T0)}),
        ("GET", f"/api/patients/{p}/forecasts", None),
        ("GET", f"/api/patients/{p}/export.csv", None),
        ("GET", f"/api/patients/{p}/export.fhir", None),
        ("POST", f"/api/patients/{p}/contraindications", {"kind": "hypersensitivity"}),
        ("POST", f"/api/patients/{p}/sessions", {"course_id": ids["course"], "scheduled_at": iso(T0)}),
        ("GET", f"/api/sessions/{s}", None),
        ("PATCH", f"/api/sessions/{s}", {"cadss": 1}),
        (
            "POST",
            f"/api/sessions/{s}/vitals",
            {"point": "other", "measured_at": iso(T0), "sbp": 120, "dbp": 80},
        ),
        ("POST", f"/api/sessions/{s}/close", None),
        ("GET", f"/api/scales/{ids['scale']}", None),
        ("PUT", f"/api/scales/{ids['scale']}/items/1", {"value": 1}),
        ("POST", f"/api/contraindications/{ids['contra']}/resolve", {"note": "resolved here"}),
        ("POST", f"/api/forecasts/{ids['forecast']}/review", {"status": "accepted", "note": "fine by me"}),
        ("POST", f"/api/alerts/{ids['alert']}/acknowledge", {"note": "not mine"}),
        ("GET", f"/patients/{p}", None),
        ("GET", f"/scales/{ids['scale']}", None),
        ("GET", f"/ui/patients/{p}/chart.json", None),
    ]


def test_sites_are_isolated_both_ways(clinic: Clinic, other_clinic: Clinic) -> None:
    a, b = clinic.client("clinician"), other_clinic.client("clinician")
    ids = {clinic.name: populate(a), other_clinic.name: populate(b)}
    for mine, (me, them) in ((a, (clinic, other_clinic)), (b, (other_clinic, clinic))):
        before = {k: them.count(sql) for k, sql in COUNTS.items()}
        for method, path, body in probes(ids[them.name]):
            r = mine.request(method, path, json=body) if body is not None else mine.request(method, path)
            assert r.status_code == 404, (me.name, method, path, r.status_code, r.text)
            assert "Isolated Person" not in r.text
        assert {k: them.count(sql) for k, sql in COUNTS.items()} == before
        assert mine.get("/api/patients").json()["total"] == 1
        assert mine.get("/api/alerts", params={"open": False}).json()["total"] == 1
        assert mine.get("/api/sessions").json()["total"] == 1
        foreign_session = {"course_id": ids[them.name]["course"], "scheduled_at": iso(T0 + timedelta(days=9))}
        own = ids[me.name]["patient"]
        assert mine.post(f"/api/patients/{own}/sessions", json=foreign_session).status_code == 404


COUNTS = {
    "patients": "select count(*) from patients where site_id = :site and name = 'Isolated Person'",
    "sessions": "select count(*) from sessions where site_id = :site",
    "closed": "select count(*) from sessions where site_id = :site and status = 'closed'",
    "scales": "select count(*) from scale_items i join scale_administrations a on a.id = i.administration_id "
    "where a.site_id = :site",
    "acknowledged": "select count(*) from alerts where site_id = :site and acknowledged_at is not null",
    "resolved": "select count(*) from contraindications where site_id = :site and resolved_at is not null",
    "reviewed": "select count(*) from forecasts where site_id = :site and status != 'pending'",
}


def test_reads_of_a_patient_record_and_writes_are_audited(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    p = make_patient(c)
    sql = "select count(*) from audit_events where site_id = :site and patient_id = :p and action = :a"
    assert clinic.count(sql, p=p["id"], a="create") == 1
    reads = [f"/api/patients/{p['id']}", f"/api/patients/{p['id']}/scales", f"/patients/{p['id']}"]
    for path in reads:
        before = clinic.count(sql, p=p["id"], a="read")
        assert c.get(path).status_code == 200
        assert clinic.count(sql, p=p["id"], a="read") > before, path
    c.patch(f"/api/patients/{p['id']}", json={"weight_kg": 71})
    assert clinic.count(sql, p=p["id"], a="update") == 1
    from sqlalchemy import text

    with clinic.sessions() as db:
        stmt = text("update audit_events set action = 'x' where site_id = :s")
        with pytest.raises(Exception, match="append-only"):
            db.execute(stmt, {"s": clinic.site_id})
    rows = clinic.client("admin").get("/api/audit", params={"patient_id": p["id"]}).json()
    assert rows["total"] >= 5
    assert {r["action"] for r in rows["items"]} >= {"create", "read", "update"}


def test_no_patient_data_in_logs(clinic: Clinic, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    c = clinic.client("clinician")
    secret_name, mrn = "Zebulon Quintavius", "MRN-98765"
    p = make_patient(c, name=secret_name, mrn=mrn)
    c.get("/api/patients", params={"q": secret_name})  # refused (422), and not logged either
    c.post("/api/patients/search", json={"q": secret_name})
    c.post("/api/patients", json={"mrn": mrn, "name": secret_name, "birth_date": "1980-01-01", "sex": "male"})
    c.get(f"/patients/{p['id']}")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert secret_name not in text and mrn not in text
    record = logging.LogRecord(
        "uvicorn.access",
        20,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("1.2.3.4", "GET", f"/patients?q={secret_name}", "1.1", 200),
        None,
    )
    StripQueryFilter().filter(record)
    assert secret_name not in record.getMessage() and "/patients" in record.getMessage()
