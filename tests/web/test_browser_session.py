"""Whole sessions in a real browser (headless Debian Chromium via Playwright): an esketamine session
from check-in to close with a rule firing and fixed in the page, an IV session, and a MADRS entered
after the fact for a session. Screenshots are kept under test-artifacts/browser/.

Times are taken as instants (UTC arithmetic, typed in the clinic's time zone), so a session
that started 150 min ago lasted 150 min across a daylight-saving change too; the seeded
sessions are found on the day they were seeded for, so a run across midnight finds them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from ketasim.store.seed import TZ

from .browser import POSITIVE, Demo, log_in, shot


def at(t: datetime) -> str:
    """An instant as the clinic's local time, as a datetime-local field takes it."""
    return t.astimezone(ZoneInfo(TZ)).strftime("%Y-%m-%dT%H:%M")


def minutes_ago(minutes: int) -> datetime:
    """The instant ``minutes`` real minutes ago (whole minutes, as the fields take them)."""
    return datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=minutes)


def fill(page: Page, selector: str, value: str) -> None:
    """Types a value and lets the form react as a clinician leaving the field would."""
    page.fill(selector, value)
    page.locator(selector).dispatch_event("change")


def vitals(page: Page, point: str, when: datetime, sbp: int, dbp: int) -> None:
    form = f"#step-vitals_{point}"
    page.fill(f"{form} input[name=measured_at]", at(when))
    page.fill(f"{form} input[name=sbp]", str(sbp))
    page.fill(f"{form} input[name=dbp]", str(dbp))
    page.fill(f"{form} input[name=spo2]", "98")
    save(page, f"vitals_{point}")
    expect(page.locator(f"#vitals-{point} tbody tr").last).to_contain_text(f"{sbp}/{dbp}")


def save(page: Page, step: str) -> None:
    """Saves a step and waits for the page to show it saved (the next step is typed after the swap)."""
    page.click(f"#save-{step}")
    expect(page.locator(f"#step-{step} .saved")).to_be_visible()


def open_session(page: Page, demo: Demo, patient: str) -> str:
    """Opens the patient's session of the seeded day from that day's schedule."""
    page.goto(f"{demo.url}/?day={demo.day.isoformat()}")
    row = page.locator("tr", has_text=patient)
    row.locator("a[href^='/sessions/']").first.click()
    expect(page.locator("h1")).to_contain_text(patient)
    return page.url


def test_an_esketamine_session_from_check_in_to_close(page: Page, demo: Demo) -> None:
    log_in(page, demo.url)
    url = open_session(page, demo, "Alex Example")
    expect(page.locator("#session-status")).to_have_text("scheduled")
    expect(page.locator("#screens")).to_contain_text("REMS: site certified, patient enrolled")
    shot(page, "10-esketamine-session-start")
    t0 = minutes_ago(150)

    page.fill("#step-checkin input[name=arrival_at]", at(t0 - timedelta(minutes=15)))
    page.check("input[name=consent_on_file]")
    page.check("input[name=fasting_confirmed]")
    page.check("input[name=transport_confirmed]")
    save(page, "checkin")
    vitals(page, "pre_dose", t0 - timedelta(minutes=10), 128, 82)

    # device by device; the second one too soon: the label rule shows before anything is saved
    page.select_option("#step-dose select[name=dose_mg]", "84")
    page.fill("input[name=lot]", "LOT-E1")
    page.fill("input[name=lot_expiry]", f"{demo.day.year + 1}-06-30")
    fill(page, "input[name=device_1]", at(t0))
    fill(page, "input[name=device_2]", at(t0 + timedelta(minutes=2)))
    fill(page, "input[name=device_3]", at(t0 + timedelta(minutes=10)))
    errors = page.locator("#errors-dose li")
    expect(errors).to_contain_text("esketamine.device_interval")
    expect(errors).to_contain_text("devices at least 5 min apart")
    shot(page, "11-esketamine-device-rule-fires")
    fill(page, "input[name=device_2]", at(t0 + timedelta(minutes=5)))
    expect(errors).to_have_count(0)
    save(page, "dose")
    expect(page.locator("#session-status")).to_have_text("in_progress")
    expect(page.locator("#clock")).to_have_text(re.compile(r"^15[01] min$"))
    due = page.locator("#due li").first
    expect(due).to_have_attribute("data-done", "false")

    vitals(page, "at_40min", t0 + timedelta(minutes=40), 142, 88)
    expect(page.locator("#due li").first).to_have_attribute("data-done", "true")
    page.fill("input[name=cadss]", "14")
    page.fill("input[name=moaas_min]", "4")
    page.check("input[name=pulse_oximetry]")
    save(page, "effects")
    vitals(page, "discharge", t0 + timedelta(minutes=121), 126, 80)
    page.fill("input[name=monitoring_end_at]", at(t0 + timedelta(minutes=125)))
    page.fill("input[name=discharge_at]", at(t0 + timedelta(minutes=130)))
    page.click("#save-discharge")
    expect(page.locator("#readiness")).to_contain_text("close.discharge")

    # closing without the discharge assessment is refused with the rule; ticking it fixes it
    page.click("#close-session")
    expect(page.locator("#errors-close li")).to_contain_text("close.discharge")
    shot(page, "12-esketamine-close-refused")
    page.check("input[name=discharge_ready]")
    page.click("#save-discharge")
    expect(page.locator("#readiness")).to_have_text("Every closing rule passes.")
    page.click("#close-session")
    expect(page.locator("#closed")).to_contain_text("Closed and signed")
    expect(page.locator("#session-status")).to_have_text("closed")
    expect(page.locator("#save-dose")).to_have_count(0)
    shot(page, "13-esketamine-closed")
    page.goto(url)  # the record survives a reload
    expect(page.locator("#session-status")).to_have_text("closed")
    expect(page.locator("#vitals-at_40min")).to_contain_text("40 min")

    # the REMS monitoring form: the record's fields are filled in, the answers are the clinician's
    expect(page.locator("#rems-status")).to_have_attribute("data-status", "draft")
    expect(page.locator("#rems-record")).to_contain_text("142/88")
    page.check("input[name=concomitant_none]")
    page.fill("input[name=ready_to_leave_min]", "90")
    for name in ("vitals_acceptable_pre", "vitals_acceptable_end", "dissociation"):
        page.select_option(f"select[name={name}]", "yes")
    for name in ("sedation", "respiratory_depression", "serious_adverse_event"):
        page.select_option(f"select[name={name}]", "no")
    page.click("#save-rems")
    expect(page.locator("#rems-status")).to_have_attribute("data-status", "ready")
    page.fill("#step-rems_submit input[name=confirmation]", "REMS-0001")
    page.click("#submit-rems")
    expect(page.locator("#rems-status")).to_have_attribute("data-status", "submitted")
    expect(page.locator("#rems-status")).to_contain_text("REMS-0001")
    shot(page, "13b-esketamine-rems-form-submitted")
    assert page.errors == [], page.errors  # type: ignore[attr-defined]


def test_an_iv_session(page: Page, demo: Demo) -> None:
    log_in(page, demo.url)
    open_session(page, demo, "Sam Sample")
    t0 = minutes_ago(120)
    page.fill("#step-checkin input[name=arrival_at]", at(t0 - timedelta(minutes=20)))
    page.check("input[name=consent_on_file]")
    page.check("input[name=fasting_confirmed]")
    page.check("input[name=transport_confirmed]")
    save(page, "checkin")
    vitals(page, "pre_dose", t0 - timedelta(minutes=10), 124, 78)

    expect(page.locator("input[name=weight_kg]")).to_have_value("82")
    page.fill("input[name=mg_per_kg]", "0.5")
    page.fill("input[name=infusion_min]", "40")
    page.fill("input[name=lot]", "LOT-K1")
    page.fill("input[name=lot_expiry]", f"{demo.day.year + 1}-03-31")
    page.fill("input[name=dose_start_at]", at(t0))
    page.fill("input[name=dose_end_at]", at(t0 + timedelta(minutes=40)))
    fill(page, "input[name=dose_mg]", "45")
    expect(page.locator("#errors-dose li")).to_contain_text("iv.dose_weight")
    expect(page.locator("#errors-dose li")).to_contain_text("41.0 mg")
    shot(page, "14-iv-dose-rule-fires")
    fill(page, "input[name=dose_mg]", "41")
    expect(page.locator("#errors-dose li")).to_have_count(0)
    save(page, "dose")
    expect(page.locator("#iv-rate")).to_contain_text("1.02 mg/min")
    expect(page.locator("#session-status")).to_have_text("in_progress")

    page.check("input[name=pulse_oximetry]")
    save(page, "effects")
    vitals(page, "discharge", t0 + timedelta(minutes=90), 122, 76)
    page.fill("input[name=monitoring_end_at]", at(t0 + timedelta(minutes=95)))
    page.fill("input[name=discharge_at]", at(t0 + timedelta(minutes=100)))
    page.check("input[name=discharge_ready]")
    save(page, "discharge")
    expect(page.locator("#readiness")).to_have_text("Every closing rule passes.")
    page.click("#close-session")
    expect(page.locator("#closed")).to_contain_text("Closed and signed")
    shot(page, "15-iv-closed")
    assert page.errors == [], page.errors  # type: ignore[attr-defined]


def test_a_madrs_entered_after_the_fact_for_a_session(page: Page, demo: Demo) -> None:
    log_in(page, demo.url)
    page.click("text=Patients")
    page.click("text=Alex Example")
    page.click("#enter-past-scale")
    # 11:30 on the day before the seeded day: in the past whenever the module runs
    yesterday = datetime.combine(demo.day - timedelta(days=1), time(11, 30), ZoneInfo(TZ))
    page.select_option("select[name=instrument]", "madrs")
    page.fill("input[name=administered_at]", at(yesterday))
    session = page.locator("select[name=session_id] option").nth(1)
    session_id = session.get_attribute("value")
    page.select_option("select[name=session_id]", session_id)
    shot(page, "16-madrs-after-the-fact-form")
    page.click("#open-scale")
    expect(page.locator("h1")).to_contain_text("MADRS")
    meta = page.locator("#scale-meta")
    expect(meta).to_contain_text(yesterday.strftime("%Y-%m-%d 11:30"))
    expect(meta).to_contain_text("rated by Demo clinician")
    expect(meta.locator(f"a[href='/sessions/{session_id}']")).to_be_visible()
    expect(page.locator("#item10 option[value='4']")).to_contain_text("probably better off dead")
    expect(page.locator("#item1 option[value='6']")).to_contain_text("looks miserable all the time")
    expect(page.locator("#chart")).to_have_attribute("data-points", POSITIVE)  # scripts have run
    for item in range(1, 10):
        page.select_option(f"#item{item}", "1")
        expect(page.locator("#scale-total")).to_contain_text(f"{item}/10 items")
    page.select_option("#item10", "1")
    expect(page.locator("#scale-total")).to_have_text("10")
    expect(page.locator("#scale-band")).to_have_text("mild")
    shot(page, "17-madrs-after-the-fact-done")
    page.click(f"#scale-meta a[href='/sessions/{session_id}']")
    expect(page.locator("#session-scales")).to_contain_text("MADRS " + yesterday.strftime("%Y-%m-%d 11:30"))
    assert page.errors == [], page.errors  # type: ignore[attr-defined]


def test_the_day_view_the_chart_and_the_printable_note(page: Page, demo: Demo) -> None:
    server = demo.url
    before = datetime.now(ZoneInfo(TZ)).date()
    log_in(page, server)
    # Today is the site's day when the page was answered: the day before or after loading it
    after = datetime.now(ZoneInfo(TZ)).date()
    days = "|".join(re.escape(f"Today, {d.strftime('%A')} {d.isoformat()}") for d in {before, after})
    expect(page.locator("h1")).to_contain_text(re.compile(days))
    expect(page.locator("h1")).to_contain_text(f"times in {TZ}")
    page.goto(f"{server}/?day={demo.day.isoformat()}")
    expect(page.locator("#day-sessions tr", has_text="Sam Sample")).to_contain_text("15:00")
    page.click("#day-next")
    following = (demo.day + timedelta(days=1)).isoformat()
    expect(page).to_have_url(f"{server}/?day={following}")
    expect(page.locator("h1")).to_contain_text(following)
    shot(page, "18-day-view-tomorrow")
    page.click("#day-previous")
    expect(page).to_have_url(f"{server}/?day={demo.day.isoformat()}")
    expect(page.locator("#day-sessions")).to_contain_text("Alex Example")
    page.goto(f"{server}/?day=2000-01-03")  # a day that is never today: it links back to today
    expect(page.locator("#no-sessions")).to_be_visible()
    page.click("#day-today")
    expect(page).to_have_url(f"{server}/")
    expect(page.locator("h1")).to_contain_text("Today, ")
    # the esketamine sessions' REMS forms still to submit: recent ones listed, older ones counted
    expect(page.locator("#rems-due")).to_contain_text("overdue")
    expect(page.locator("#rems-older")).to_contain_text(re.compile(r"\d+ older forms? \(sessions more than"))
    page.locator("#rems-due tbody a[href$='#rems-form']").first.click()
    expect(page.locator("#rems-status")).to_have_attribute("data-status", re.compile("draft|ready"))
    page.go_back()
    shot(page, "19-day-view-today")

    page.click("text=Patients")
    expect(page.locator("#patients tr", has_text="Alex Example")).to_contain_text("MADRS")
    shot(page, "20-patient-list")
    page.click("text=Alex Example")
    chart = page.locator("#chart")
    expect(chart).to_have_attribute("data-points", POSITIVE)
    lines = chart.get_attribute("data-lines") or ""
    assert "today" in lines and "threshold 22" in lines, lines
    expect(chart.locator(".legend")).to_contain_text("dosing session")
    # the booster window is shaded only when a booster is suggested, as the text below says
    note = page.locator("#forecast-note").inner_text()
    assert "Suggested booster date" in note or "No booster is suggested" in note, note
    expect(chart).to_have_attribute("data-window", "shown" if "Suggested booster date" in note else "none")
    shot(page, "21-patient-chart")
    expect(chart.locator("text", has_text=re.compile(r"^date$"))).to_have_count(1)
    expect(chart.locator("text", has_text="MADRS total (points)")).to_have_count(1)
    expect(chart.locator("text", has_text="relapse (MADRS ≥ 22)")).to_have_count(1)
    # the forecast is on the MADRS; the clinician may move it to another scale
    if chart.get_attribute("data-forecast") != "none":
        expect(chart).to_have_attribute("data-forecast-scale", "madrs")
        page.select_option("#forecast-scale", "phq9")
        expect(chart).to_have_attribute("data-forecast-scale", "phq9")
        expect(page.locator("#forecast-note")).to_contain_text("on the PHQ-9")
        page.select_option("#forecast-scale", "")
        expect(chart).to_have_attribute("data-forecast-scale", "madrs")

    page.locator("#sessions tbody tr a").first.click()
    page.click("#visit-note-link")
    expect(page.locator("#visit-note h1")).to_have_text("Visit note")
    expect(page.locator("#note-forecast")).to_contain_text("suggest")
    page.emulate_media(media="print")
    expect(page.locator("header")).to_be_hidden()
    expect(page.locator("#note-download")).to_be_hidden()
    shot(page, "22-visit-note-print")
    page.emulate_media(media="screen")
    assert page.errors == [], page.errors  # type: ignore[attr-defined]
