"""The clinic in a real browser: the demo clinic served by uvicorn on a loopback port, and a headless
Debian Chromium driven by Playwright. Screenshots are kept under test-artifacts/browser/."""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import uvicorn
from playwright.sync_api import Page, expect, sync_playwright

from ketasim.store.db import transaction
from ketasim.store.migrate import upgrade
from ketasim.store.seed import DEMO_LOGINS, TZ, seed_demo
from ketasim.web.app import create_app
from ketasim.web.settings import Settings

from ..services import ensure_debian_package, free_port

__all__ = ["ARTIFACTS", "POSITIVE", "Demo", "demo", "log_in", "page", "server", "shot"]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
POSITIVE = re.compile(r"^[1-9]\d*$")
# A busy 2-core CI machine may take seconds to parse the 4.8 MB Plotly bundle.
expect.set_options(timeout=30_000)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class Demo:
    """The served demo clinic: its address and the clinic day its schedule was seeded for.

    Tests reach the seeded sessions through ``day``, never through "today": a module that starts
    before midnight in the clinic's time zone and runs past it still finds them.
    """

    url: str
    day: date


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The app with the demo clinic on its own SQLite file, served by uvicorn on a loopback port."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'clinic.db'}"
    upgrade(url)
    app = create_app(Settings(database_url=url))
    day = datetime.now(ZoneInfo(TZ)).date()
    with transaction(app.state.sessions) as db:
        seed_demo(db, today=day)
    port = free_port()
    srv = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield Demo(f"http://127.0.0.1:{port}", day)
    srv.should_exit = True
    thread.join(10)
    app.state.engine.dispose()


@pytest.fixture(scope="module")
def server(demo: Demo) -> str:
    """The served demo clinic's address."""
    return demo.url


@pytest.fixture(scope="module")
def page(server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    ensure_debian_package("chromium", shutil.which("chromium") is not None)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": 1280, "height": 900},
        )
        ctx.set_default_timeout(30_000)
        pg = ctx.new_page()
        pg.errors = []  # type: ignore[attr-defined]
        pg.on("console", lambda m: m.type == "error" and pg.errors.append(m.text))  # type: ignore[attr-defined]
        pg.on("pageerror", lambda e: pg.errors.append(str(e)))  # type: ignore[attr-defined]
        yield pg
        ctx.close()


def shot(page: Page, name: str) -> None:
    """A full-page screenshot kept as a test artifact."""
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page: Page, server: str, role: str = "clinician") -> None:
    """Signs in as the demo clinic's user of ``role``."""
    email, password = DEMO_LOGINS[role]
    page.goto(server + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Today")
