"""The clinic in a real browser (headless Debian Chromium driven by Playwright): log in, enter a session
and a MADRS item by item, watch the chart update, acknowledge the suicidal-ideation alert."""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import datetime
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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with the demo clinic on its own SQLite file, served by uvicorn on a loopback port."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'clinic.db'}"
    upgrade(url)
    app = create_app(Settings(database_url=url))
    with transaction(app.state.sessions) as db:
        seed_demo(db)
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
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)
    app.state.engine.dispose()


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
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_clinician_journey(page: Page, server: str) -> None:
    email, password = DEMO_LOGINS["clinician"]
    page.goto(server + "/")
    expect(page).to_have_url(server + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_contain_text("Wrong email or password")
    page.errors.clear()  # type: ignore[attr-defined]  # the refused login answers 401 on purpose
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Today")
    shot(page, "01-today")

    # enter a session, with instant validation of a bad dose
    page.click("text=Patients")
    page.click("text=Robin Synthetic")
    expect(page.locator("#chart .main-svg").first).to_be_visible()
    shot(page, "02-patient")
    page.click("text=New session")
    now = datetime.now(ZoneInfo(TZ))
    page.fill("input[name=scheduled_at]", now.replace(hour=16, minute=0).strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=dose_mg]", "-5")
    page.locator("input[name=dose_mg]").dispatch_event("change")
    expect(page.locator("#form-errors")).to_contain_text("dose_mg")
    shot(page, "03-session-instant-validation")
    page.fill("input[name=dose_mg]", "84")
    page.locator("input[name=dose_mg]").dispatch_event("change")
    expect(page.locator("#form-errors li")).to_have_count(0)
    page.fill("input[name=lot]", "LOT-B1")
    page.fill("input[name=lot_expiry]", f"{now.year + 1}-01-31")
    page.click("#save-session")
    expect(page.locator("#sessions tbody tr").first).to_contain_text("84 mg")
    expect(page.locator("#sessions tbody tr").first).to_contain_text("scheduled")

    # a MADRS, item by item; the chart gains a point when it is complete
    chart = page.locator("#chart")
    expect(chart).to_have_attribute("data-points", POSITIVE)
    page.select_option("select[name=instrument]", "madrs")
    page.click("#start-scale")
    expect(page.locator("h1")).to_contain_text("MADRS")
    expect(chart).to_have_attribute("data-points", POSITIVE)
    points_before = int(chart.get_attribute("data-points") or 0)
    for item in range(1, 10):
        page.select_option(f"#item{item}", "2")
        expect(page.locator("#scale-total")).to_contain_text(f"{item}/10 items")
    shot(page, "04-madrs-partial")
    page.select_option("#item10", "4")
    expect(page.locator("#scale-total")).to_have_text("22")
    expect(page.locator("#scale-status .alert")).to_contain_text("MADRS item 10 = 4")
    expect(chart).to_have_attribute("data-points", str(points_before + 1))
    shot(page, "05-madrs-complete-chart-updated")

    # acknowledge the alert in the inbox, with a note
    page.click("#nav-alerts")
    card = page.locator("article.alert", has_text="MADRS item 10 = 4")
    expect(card).to_have_count(1)
    shot(page, "06-alerts-inbox")
    card.locator("textarea[name=note]").fill("Seen in person; C-SSRS screened, safety plan reviewed.")
    card.locator("button[type=submit]").click()
    expect(page.locator("article.alert", has_text="MADRS item 10 = 4")).to_have_count(0)
    expect(page.locator("article.alert", has_text="PHQ-9 item 9")).to_have_count(1)
    shot(page, "07-alert-acknowledged")

    # the education page: PK for a chosen regimen, with the mood layer note
    page.click("text=Simulate a protocol")
    expect(page.locator("#mood-note")).to_contain_text("mood layer")
    page.click("#simulate-form button[type=submit]")
    expect(page.locator("#sim-chart")).to_have_attribute("data-points", re.compile(r"^\d{3,}$"))
    shot(page, "08-simulate")
    assert page.errors == [], page.errors  # type: ignore[attr-defined]
