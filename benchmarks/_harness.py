"""Shared pieces of the app benchmarks: a served app on loopback, sites and users, clients, percentiles."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from ketasim.store.crud.audit import Actor
from ketasim.store.crud.patients import create_course, create_patient
from ketasim.store.crud.users import create_site, create_user
from ketasim.store.db import make_engine, make_sessionmaker, transaction
from ketasim.store.migrate import upgrade
from ketasim.store.schemas import CourseCreate, PatientCreate, UserCreate

PASSWORD = "benchmark password 1"
ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def database(url: str | None, postgres: bool, name: str) -> Iterator[str]:
    """The database to run on: as given, a private PostgreSQL cluster, or a fresh SQLite file."""
    if url:
        yield url
    elif postgres:
        sys.path.insert(0, str(ROOT))
        from tests.services import postgres_server

        with postgres_server() as pg:
            yield pg
    else:
        yield f"sqlite:///{Path(tempfile.mkdtemp()) / name}"


T0 = datetime(2025, 1, 6, 10, 0, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``ketasim serve`` in a child process on a loopback port; killed or stopped by the benchmark."""

    def __init__(self, url: str, port: int | None = None) -> None:
        self.url, self.port = url, port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        cmd = [sys.executable, "-m", "ketasim.cli", "serve", "--port", str(self.port), "--url", self.url]
        env = {**os.environ, "KETASIM_COOKIE_SECURE": "false"}
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/login", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, as in a crash."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError("the server did not shut down within 30 s of SIGTERM") from None


@dataclass
class Tenant:
    """A site with a clinician, a viewer and one patient (with an IV course) per client."""

    site_id: int
    clinician: str
    viewer: str
    patients: list[tuple[int, int]] = field(default_factory=list)


def prepare(url: str, clients: int, sites: int = 2) -> list[Tenant]:
    """Migrates ``url`` and creates the sites, users and patients the clients write to."""
    upgrade(url)
    engine = make_engine(url)
    out: list[Tenant] = []
    try:
        with transaction(make_sessionmaker(engine)) as db:
            for k in range(sites):
                tag = uuid.uuid4().hex[:8]
                site = create_site(db, name=f"bench {tag}", rems_certified=True)
                users = {
                    role: create_user(
                        db,
                        None,
                        UserCreate(
                            email=f"{role}.{tag}@bench.example", name=role, role=role, password=PASSWORD
                        ),  # type: ignore[arg-type]
                        site_id=site.id,
                    )
                    for role in ("clinician", "viewer")
                }
                t = Tenant(site.id, users["clinician"].email, users["viewer"].email)
                a = Actor(users["clinician"].id, site.id, "clinician")
                for n in range(k, clients, sites):
                    p = create_patient(
                        db,
                        a,
                        PatientCreate(
                            mrn=f"B{n}-{tag}",
                            name=f"Bench {n}",
                            birth_date=datetime(1980, 1, 1).date(),
                            sex="female",
                            weight_kg=70,
                            weight_measured_on=T0.date(),
                        ),  # type: ignore[arg-type]
                    )
                    c = create_course(
                        db, a, p.id, CourseCreate(protocol="ketamine_iv_clinic", start_date=T0.date())
                    )
                    t.patients.append((p.id, c.id))
                out.append(t)
    finally:
        engine.dispose()
    return out


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    """Signs in; returns the headers (cookie and CSRF token) of the session."""
    r = await client.post("/api/auth/login", json={"email": email, "password": password})
    r.raise_for_status()
    token = r.cookies.get("ketasim_session")
    return {"Cookie": f"ketasim_session={token}", "X-CSRF-Token": r.json()["csrf_token"]}


def iv_session(course: int, k: int, key: str) -> dict[str, Any]:
    """A complete IV ketamine session record, one day after the previous one."""
    at = T0 + timedelta(days=k)

    def iso(minutes: float) -> str:
        return (at + timedelta(minutes=minutes)).isoformat()

    return {
        "course_id": course,
        "scheduled_at": iso(0),
        "idempotency_key": key,
        "dose_mg": 35.0,
        "mg_per_kg": 0.5,
        "weight_kg": 70,
        "weight_measured_on": at.date().isoformat(),
        "infusion_min": 40,
        "lot": "BENCH",
        "lot_expiry": (at + timedelta(days=400)).date().isoformat(),
        "arrival_at": iso(-10),
        "dose_start_at": iso(0),
        "dose_end_at": iso(40),
        "monitoring_end_at": iso(100),
        "discharge_at": iso(110),
        "pulse_oximetry": True,
        "consent_on_file": True,
        "fasting_confirmed": True,
        "transport_confirmed": True,
        "discharge_ready": True,
    }


def phq9(k: int, key: str) -> dict[str, Any]:
    items = {str(i): (k + i) % 3 for i in range(1, 9)} | {"9": 0}
    at = T0 + timedelta(days=k, hours=-1)
    return {
        "instrument": "phq9",
        "mode": "self",
        "administered_at": at.isoformat(),
        "items": items,
        "idempotency_key": key,
    }


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, round(q / 100 * (len(s) - 1)))]


async def post_with_retry(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str], tries: int = 5
) -> tuple[httpx.Response | None, float]:
    """POSTs, retrying with the same idempotency key when no answer came back; answer and latency."""
    for attempt in range(tries):
        t = time.perf_counter()
        try:
            r = await client.post(path, json=body, headers=headers)
            return r, time.perf_counter() - t
        except httpx.HTTPError:
            await asyncio.sleep(0.2 * (attempt + 1))
    return None, float("nan")
