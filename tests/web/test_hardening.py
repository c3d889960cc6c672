"""Security holes of issue 12: lockout by anyone, spoofed client addresses, login CSRF, PHI in URLs,
error pages, HEAD, and the crisis line. Each test failed before the fix."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ketasim.store.migrate import upgrade
from ketasim.web.app import create_app
from ketasim.web.settings import Settings
from tests.conftest import PASSWORD, Clinic

from ..services import free_port
from .helpers import T0, iso, make_patient

ATTACKER, VICTIM = ("203.0.113.9", 40000), ("198.51.100.7", 40001)


@pytest.fixture
def own_app(db_url: str) -> Iterator[FastAPI]:
    """An app with a limiter of its own (the shared test app's limiter is shared by every test)."""
    app = create_app(
        Settings(database_url=db_url, login_max_failures=3, login_window_s=60, login_address_max_failures=8)
    )
    yield app
    app.state.engine.dispose()


def login(app: FastAPI, client: tuple[str, int], email: str, password: str, **headers: str) -> httpx.Response:
    c = TestClient(app, base_url="https://testserver", client=client)
    return c.post("/api/auth/login", json={"email": email, "password": password}, headers=headers)


def test_lockout_cannot_be_triggered_from_another_address(own_app: FastAPI, clinic: Clinic) -> None:
    """Hole: five wrong passwords from anywhere locked a clinician out for five minutes."""
    clinic.client("clinician")
    email = clinic.email("clinician")
    codes = [login(own_app, ATTACKER, email, "wrong password").status_code for _ in range(6)]
    assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429, 429]
    r = login(own_app, VICTIM, email, PASSWORD)
    assert r.status_code == 200, "the clinician signs in from their own address"
    # Still refused for the attacker, whose right password would now be refused too.
    assert login(own_app, ATTACKER, email, PASSWORD).status_code == 429


def test_backoff_doubles_for_an_account_and_address(own_app: FastAPI, clinic: Clinic) -> None:
    clinic.client("viewer")
    email = clinic.email("viewer")
    limiter = own_app.state.login_limiter
    for _ in range(3):
        login(own_app, ATTACKER, email, "wrong password")
    first = int(login(own_app, ATTACKER, email, "wrong password").headers["retry-after"])
    assert 55 <= first <= 61
    limiter.shift(61)  # the wait is over: one more try, which fails, and the next wait doubles
    assert login(own_app, ATTACKER, email, "wrong password").status_code == 401
    second = int(login(own_app, ATTACKER, email, "wrong password").headers["retry-after"])
    assert 115 <= second <= 121
    limiter.shift(121)
    assert login(own_app, ATTACKER, email, PASSWORD).status_code == 200
    assert login(own_app, ATTACKER, email, "wrong password").status_code == 401, "success clears the pair"


def test_one_address_cannot_try_many_accounts(own_app: FastAPI, clinic: Clinic) -> None:
    clinic.client("clinician")
    codes = [
        login(own_app, ATTACKER, f"nobody{k}@example.org", "wrong password").status_code for k in range(10)
    ]
    assert codes[:8] == [401] * 8 and codes[8:] == [429, 429]
    assert login(own_app, VICTIM, clinic.email("clinician"), PASSWORD).status_code == 200


def test_forwarded_for_only_from_configured_proxies(db_url: str, clinic: Clinic) -> None:
    clinic.client("clinician")
    email = clinic.email("clinician")
    plain = create_app(Settings(database_url=db_url, login_max_failures=2))
    proxied = create_app(
        Settings(database_url=db_url, login_max_failures=2, trusted_proxies=["127.0.0.1", "10.0.0.0/8"])
    )
    try:
        loop = ("127.0.0.1", 5000)
        # Without a trusted proxy the header is ignored: every try counts against 127.0.0.1.
        codes = [
            login(plain, loop, email, "wrong password", **{"x-forwarded-for": f"192.0.2.{k}"}).status_code
            for k in range(3)
        ]
        assert codes == [401, 401, 429]
        # Behind a trusted proxy the client is the rightmost address the proxies did not add.
        hdr = {"x-forwarded-for": "192.0.2.50, 10.1.2.3"}
        for _ in range(2):
            assert login(proxied, loop, email, "wrong password", **hdr).status_code == 401
        assert login(proxied, loop, email, "wrong password", **hdr).status_code == 429
        assert login(proxied, loop, email, PASSWORD, **{"x-forwarded-for": "192.0.2.51"}).status_code == 200
        # A spoofed left-most entry does not move the client off the address the proxy saw.
        spoof = {"x-forwarded-for": "192.0.2.99, 192.0.2.50"}
        assert login(proxied, loop, email, "wrong password", **spoof).status_code == 429
    finally:
        plain.state.engine.dispose()
        proxied.state.engine.dispose()


def test_the_served_app_ignores_forwarded_for_from_loopback(tmp_path: Path) -> None:
    """Hole: `ketasim serve` trusted X-Forwarded-For from loopback, so the address limit was bypassed."""
    url = f"sqlite:///{tmp_path / 'served.db'}"
    upgrade(url)
    port = free_port()
    env = {
        **os.environ,
        "KETASIM_COOKIE_SECURE": "false",
        "KETASIM_LOGIN_MAX_FAILURES": "3",
        "KETASIM_LOGIN_ADDRESS_MAX_FAILURES": "3",
    }
    cmd = [sys.executable, "-m", "ketasim.cli", "serve", "--port", str(port), "--url", url]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        codes = [
            httpx.post(
                base + "/api/auth/login",
                json={"email": f"user{k}@example.org", "password": "wrong password"},
                headers={"x-forwarded-for": f"192.0.2.{k}"},
            ).status_code
            for k in range(5)
        ]
        assert codes == [401, 401, 401, 429, 429]
    finally:
        proc.terminate()
        proc.wait(30)


# --- login CSRF -------------------------------------------------------------------------------------
def form_token(c: TestClient) -> str:
    page = c.get("/login")
    m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert m, "the login form carries a token"
    return m.group(1)


@pytest.mark.parametrize("origin", ["null", None, "https://testserver"])
def test_login_form_needs_its_token(clinic: Clinic, origin: str | None) -> None:
    """Hole: `POST /login` accepted `Origin: null` without a CSRF token (login CSRF)."""
    clinic.client("clinician")
    form = {"email": clinic.email("clinician"), "password": PASSWORD}
    headers = {"origin": origin} if origin else {}
    c = TestClient(clinic.app, base_url="https://testserver", follow_redirects=False)
    r = c.post("/login", data=form, headers=headers)
    assert r.status_code == 403 and "set-cookie" not in {k.lower() for k in r.headers}
    assert r.headers["content-type"].startswith("text/html")
    fresh = TestClient(clinic.app, base_url="https://testserver", follow_redirects=False)
    token = form_token(c)
    assert fresh.post("/login", data={**form, "csrf_token": token}, headers=headers).status_code == 403
    r = c.post("/login", data={**form, "csrf_token": token}, headers=headers)
    assert r.status_code == 303 and r.headers["location"] == "/"
    evil = c.post(
        "/login", data={**form, "csrf_token": form_token(c)}, headers={"origin": "https://evil.example"}
    )
    assert evil.status_code == 403


def test_api_login_refuses_other_origins(clinic: Clinic) -> None:
    clinic.client("clinician")
    c = TestClient(clinic.app, base_url="https://testserver")
    body = {"email": clinic.email("clinician"), "password": PASSWORD}
    assert c.post("/api/auth/login", json=body, headers={"origin": "https://evil.example"}).status_code == 403
    assert c.post("/api/auth/login", json=body, headers={"origin": "null"}).status_code == 403


# --- PHI only in bodies -----------------------------------------------------------------------------
def test_search_terms_and_import_identity_never_travel_in_the_url(clinic: Clinic) -> None:
    """Hole: import put name/MRN/birth date in the query string and search put the term there."""
    c = clinic.client("clinician")
    make_patient(c, name="Quentin Query")
    r = c.get("/api/patients", params={"q": "Quentin"})
    hit = r.json()["detail"][0]
    assert r.status_code == 422 and hit["type"] == "phi.query_string" and "Quentin" not in r.text
    found = c.post("/api/patients/search", json={"q": "Quentin"}).json()
    assert found["total"] == 1 and found["items"][0]["name"] == "Quentin Query"
    assert c.get("/api/patients").json()["total"] == 1
    # the POST search and the page's search refuse a term in the URL too, whatever the body says
    r = c.post("/api/patients/search", params={"q": "Quentin"}, json={"q": "x"})
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "phi.query_string"
    assert "Quentin" not in r.text
    for method in ("GET", "POST"):
        page = c.request(method, "/patients", params={"q": "Quentin"}, data={"q": "x"})
        assert page.status_code == 422 and "Quentin" not in page.text, method
    params = {"mrn": "IMP-Q", "name": "In Url", "birth_date": "1980-01-01", "source": "ehr", "rater": "R"}
    r = c.post(
        "/api/patients/import",
        params=params,
        content=b"{}",
        headers={"content-type": "application/fhir+json"},
    )
    assert r.status_code == 422 and "In Url" not in r.text
    assert clinic.count("select count(*) from patients where site_id = :site") == 1
    # The page's search form posts its term.
    page = c.get("/patients").text
    form = re.search(r'<form[^>]*action="/patients"[^>]*>', page)
    assert form and 'method="post"' in form.group(0)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    result = c.post("/patients", data={"q": "Quentin", "csrf_token": token.group(1)})
    assert result.status_code == 200 and "Quentin Query" in result.text
    assert c.post("/patients", data={"q": "Quentin"}, headers={"x-csrf-token": ""}).status_code == 403


# --- error pages and HEAD ---------------------------------------------------------------------------
def test_page_errors_are_html_and_api_errors_json(clinic: Clinic) -> None:
    """Hole: page 404s were raw JSON."""
    c = clinic.client("clinician")
    for path in ("/patients/999999", "/no-such-page", "/scales/999999", "/patients/not-a-number"):
        r = c.get(path)
        assert r.status_code in (404, 422), (path, r.status_code)
        assert r.headers["content-type"].startswith("text/html"), path
        assert "<html" in r.text and "ketasim" in r.text
    for path in ("/api/patients/999999", "/api/no-such-thing"):
        r = c.get(path)
        assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
    anon = TestClient(clinic.app, base_url="https://testserver", follow_redirects=False)
    assert anon.get("/no-such-page").headers["content-type"].startswith("text/html")
    assert anon.get("/patients", headers={"accept": "text/html"}).status_code == 303


def test_head_is_answered_where_get_is(clinic: Clinic) -> None:
    """Hole: HEAD answered 405."""
    c = clinic.client("clinician")
    p = make_patient(c)
    for path in (
        "/login",
        "/",
        f"/patients/{p['id']}",
        "/api/auth/me",
        "/openapi.json",
        f"/api/patients/{p['id']}",
    ):
        get, head = c.get(path), c.head(path)
        assert head.status_code == get.status_code == 200, (path, head.status_code)
        assert head.content == b"" and head.headers["content-type"] == get.headers["content-type"]
    assert c.head("/api/auth/logout").status_code == 405


# --- crisis line -------------------------------------------------------------------------------------
def test_crisis_line_is_the_sites_own(clinic: Clinic) -> None:
    """Hole: the crisis line was the US 988 number in every clinic, the UK demo clinic included."""
    c = clinic.client("clinician")
    p = make_patient(c)
    body: dict[str, Any] = {
        "instrument": "phq9",
        "mode": "self",
        "administered_at": iso(T0),
        "items": {"9": 2},
    }
    assert c.post(f"/api/patients/{p['id']}/scales", json=body).status_code == 201
    unset = c.get("/alerts").text
    assert "988" not in unset and "No crisis line is set for this site" in unset
    line = "Crisis team 0800 000 0000 (24 h); emergency 112"
    admin = clinic.client("admin")
    assert clinic.client("clinician").patch("/api/site", json={"crisis_line": line}).status_code == 403
    r = admin.patch("/api/site", json={"crisis_line": line})
    assert r.status_code == 200 and r.json()["crisis_line"] == line
    for path in ("/alerts", f"/patients/{p['id']}"):
        html = c.get(path).text
        assert line in html and "988" not in html
    assert admin.patch("/api/site", json={"crisis_line": "Call\u202e999"}).status_code == 422
    assert admin.patch("/api/site", json={"crisis_line": None}).json()["crisis_line"] is None


def test_demo_clinic_shows_a_uk_crisis_line(tmp_path: Path) -> None:
    from ketasim.store.db import transaction
    from ketasim.store.models import Site
    from ketasim.store.seed import DEMO_SITE, seed_demo

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    app = create_app(Settings(database_url=url))
    try:
        with transaction(app.state.sessions) as db:
            seed_demo(db)
        with app.state.sessions() as db:
            from sqlalchemy import select

            line = db.scalar(select(Site.crisis_line).where(Site.name == DEMO_SITE))
        assert line is not None and "116 123" in line and "111" in line and "988" not in line
    finally:
        app.state.engine.dispose()
