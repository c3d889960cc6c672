"""The clinic in a real browser (headless Debian Chromium driven by Playwright): log in, enter a session
and a MADRS item by item, watch the chart update, acknowledge the suicidal-ideation alert."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from ketasim.store.seed import DEMO_LOGINS, TZ

from .browser import POSITIVE, shot


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
