"""Shared fixtures: the example patient record; the clinic app's databases (SQLite and a real
PostgreSQL), apps and signed-in clients."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from ketasim.io.examples import path
from ketasim.io.patient_data import load_record
from ketasim.record import PatientRecord
from ketasim.store.crud.users import create_site, create_user
from ketasim.store.db import transaction
from ketasim.store.migrate import upgrade
from ketasim.store.schemas import UserCreate
from ketasim.web.app import create_app
from ketasim.web.settings import Settings

from .services import postgres_server

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def example_csv() -> PatientRecord:
    """The shipped example patient (CSV)."""
    return load_record(path("patient.csv"))


@pytest.fixture(scope="session", autouse=True)
def _cheap_argon2() -> Iterator[None]:
    """Hundreds of test logins with argon2's production cost would take minutes; the algorithm is the same."""
    from argon2 import PasswordHasher

    from ketasim.store.crud import users

    saved = users._hasher
    users._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    users._hasher = saved


@pytest.fixture(scope="session", autouse=True)
def _every_sbml_checked() -> Iterator[None]:
    """Every SBML document a test makes passes libsbml's full consistency check (tests/sbml_oracle.py)."""
    from .sbml_oracle import check_every_sbml

    with check_every_sbml():
        yield


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A migrated database on a private PostgreSQL server started for this test run."""
    with postgres_server() as url:
        upgrade(url)
        yield url
        dispose(url)


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated SQLite file."""
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'clinic.db'}"
    upgrade(url)
    yield url
    dispose(url)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each API test runs on SQLite and on PostgreSQL."""
    return str(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))


_apps: dict[str, FastAPI] = {}


def dispose(url: str) -> None:
    """Closes the pooled connections of the app on ``url`` before its server goes away."""
    if url in _apps:
        _apps.pop(url).state.engine.dispose()


def app_for(url: str) -> FastAPI:
    """One app per database for the whole run (building the app is cheap; engines are reused)."""
    if url not in _apps:
        _apps[url] = create_app(Settings(database_url=url, cookie_secure=True, login_max_failures=5))
    return _apps[url]


@pytest.fixture
def app(db_url: str) -> FastAPI:
    return app_for(db_url)


@dataclass
class Clinic:
    """A fresh site of its own per test, so tests never see each other's rows."""

    app: FastAPI
    site_id: int
    name: str
    users: dict[str, int] = field(default_factory=dict)

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.app.state.sessions  # type: ignore[no-any-return]

    def email(self, role: str) -> str:
        return f"{role}.{self.site_id}@example.org"

    def client(self, role: str = "clinician") -> TestClient:
        """A client signed in as a user of this site with ``role`` (created on first use)."""
        if role not in self.users:
            with transaction(self.sessions) as db:
                u = create_user(
                    db,
                    None,
                    UserCreate(
                        email=self.email(role), name=f"{role} {self.site_id}", role=role, password=PASSWORD
                    ),
                    site_id=self.site_id,
                )
                self.users[role] = u.id
        c = TestClient(self.app, base_url="https://testserver")
        r = c.post("/api/auth/login", json={"email": self.email(role), "password": PASSWORD})
        assert r.status_code == 200, r.text
        c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        return c

    def count(self, sql: str, **params: Any) -> int:
        """A count over this site's rows (``:site`` is bound to the site id)."""
        from sqlalchemy import text

        with self.sessions() as db:
            return int(db.execute(text(sql), {"site": self.site_id, **params}).scalar_one())


def new_clinic(app: FastAPI, **site: Any) -> Clinic:
    """A new site (REMS-certified, UTC unless told otherwise) in the app's database."""
    name = f"Site {uuid.uuid4().hex[:12]}"
    tz = site.pop("timezone", "UTC")
    certified = site.pop("rems_certified", True)
    with transaction(app.state.sessions) as db:
        s = create_site(db, name=name, timezone=tz, rems_certified=certified)
        for k, v in site.items():
            setattr(s, k, v)
        sid = s.id
    return Clinic(app, sid, name)


@pytest.fixture
def clinic(app: FastAPI) -> Clinic:
    return new_clinic(app)


@pytest.fixture
def other_clinic(app: FastAPI) -> Clinic:
    return new_clinic(app)
