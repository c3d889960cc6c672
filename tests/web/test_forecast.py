"""The patient chart's forecast: personal when the patient has scores, population (labelled) when not."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from ketasim.io.examples import path
from ketasim.io.patient_data import load_record
from ketasim.store.scales import INSTRUMENTS
from ketasim.web.model_bridge import patient_forecast
from tests.conftest import Clinic

from .helpers import T0, iso, iv_record, make_course, make_patient, schedule

DAYS = (0, 3, 7, 10)


def _patient_with_sessions(c: TestClient) -> int:
    p = make_patient(c, weight_kg=70)
    iv = make_course(c, p["id"], "ketamine_iv_clinic")
    for d in DAYS:
        at = T0 + timedelta(days=d)
        assert schedule(c, p["id"], iv["id"], at, **iv_record(at, 70)).status_code == 201
    return int(p["id"])


def _madrs(c: TestClient, pid: int, day: float, per_item: int, item10: int | None = None) -> None:
    items = {str(i): per_item for i in range(1, 11)}
    if item10 is not None:
        items["10"] = item10
    r = c.post(
        f"/api/patients/{pid}/scales",
        json={
            "instrument": "madrs",
            "administered_at": iso(T0 + timedelta(days=day, hours=-1)),
            "items": items,
        },
    )
    assert r.status_code == 201, r.text


def _chart(c: TestClient, pid: int) -> dict[str, Any]:
    r = c.get(f"/ui/patients/{pid}/chart.json")
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


def _nested(fc: dict[str, Any]) -> None:
    b = fc["bands"]
    for k in range(len(fc["times"])):
        assert b["95"]["lower"][k] <= b["80"]["lower"][k] <= b["50"]["lower"][k] <= fc["median"][k]
        assert fc["median"][k] <= b["50"]["upper"][k] <= b["80"]["upper"][k] <= b["95"]["upper"][k]


def test_scores_give_the_personal_forecast_and_a_booster_window(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    pid = _patient_with_sessions(c)
    for day, per_item in ((0, 3), (3, 2), (7, 1), (10, 1), (14, 2)):
        _madrs(c, pid, day, per_item)
    _chart(c, pid)  # the first model call of a process loads the compiled engine
    t0 = time.perf_counter()
    fc = _chart(c, pid)["forecast"]
    assert time.perf_counter() - t0 < 5.0  # a page view, not a batch job
    assert fc["available"] and fc["kind"] == "personal" and "personal forecast" in fc["label"]
    assert fc["scale"] == "madrs" and fc["series"] == INSTRUMENTS["madrs"].label
    assert len(fc["times"]) == 29 and fc["relapse_probability"] == sorted(fc["relapse_probability"])
    _nested(fc)
    assert "Nothing has been scheduled" in fc["notice"] and fc["reason"]
    assert fc["must_assess"] is False
    if fc["window"] is not None:
        assert set(fc["window"]) >= {"earliest", "latest", "suggested", "risk_limit"}
    # reading the chart is not an export: no export entry in the audit log
    assert clinic.count("SELECT count(*) FROM audit_events WHERE site_id = :site AND action = 'export'") == 0


def test_sessions_without_scores_give_the_population_forecast_labelled(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    pid = _patient_with_sessions(c)
    fc = _chart(c, pid)["forecast"]
    assert fc["available"] and fc["kind"] == "population"
    assert "population forecast" in fc["label"] and fc["reason"].startswith("Population forecast")
    _nested(fc)


def test_no_sessions_and_no_scores_means_no_forecast(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    p = make_patient(c)
    fc = _chart(c, p["id"])["forecast"]
    assert fc["available"] is False and fc["reason"]


def test_suicidal_ideation_puts_assessment_first(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    pid = _patient_with_sessions(c)
    for day, per_item in ((0, 3), (3, 2), (7, 2)):
        _madrs(c, pid, day, per_item)
    _madrs(c, pid, 12, 2, item10=4)
    fc = _chart(c, pid)["forecast"]
    assert fc["must_assess"] is True and "clinician must assess" in fc["safety_message"]


def test_bridge_forecasts_from_the_clinic_present() -> None:
    rec = load_record(path("patient.csv"))
    last = max(o.time_h for o in rec.observations)
    now = rec.at(last + 24.0 * 10)
    fc = patient_forecast(rec, now=now)
    assert datetime.fromisoformat(fc.times[0]) == now
    if fc.window is not None and fc.window["earliest"] is not None:
        assert datetime.fromisoformat(fc.window["earliest"]) > now
    assert fc.kind == "personal" and fc.seconds < 5.0
