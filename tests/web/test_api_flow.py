"""The clinic workflow through the REST API, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import Clinic

from .helpers import T0, esk_record, iso, iv_record, make_course, make_patient, schedule, vitals


def test_esketamine_session_from_schedule_to_close(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    p = make_patient(c)
    course = make_course(c, p["id"])
    r = schedule(c, p["id"], course["id"], T0)
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    assert r.json()["status"] == "scheduled"
    r = c.patch(f"/api/sessions/{sid}", json=esk_record(T0, 56))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "in_progress"
    assert [d["seq"] for d in r.json()["devices"]] == [1, 2]
    vitals(c, sid, T0)
    r = c.post(f"/api/sessions/{sid}/close")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "closed" and body["monitoring_min"] == 125
    # a closed session no longer changes
    assert c.patch(f"/api/sessions/{sid}", json={"cadss": 3}).status_code == 422
    # the next session may step up to 84 mg after the first 56 mg
    at = T0 + timedelta(days=3)
    r = schedule(c, p["id"], course["id"], at, **esk_record(at, 84))
    assert r.status_code == 201, r.text
    listed = c.get("/api/sessions", params={"patient_id": p["id"]}).json()
    assert listed["total"] == 2 and [s["dose_mg"] for s in listed["items"]] == [56, 84]


def test_iv_ketamine_session_with_weight_based_dose(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    p = make_patient(c, weight_kg=82)
    course = make_course(c, p["id"], "ketamine_iv_clinic")
    r = schedule(c, p["id"], course["id"], T0, **iv_record(T0, 82))
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    assert r.json()["dose_mg"] == 41.0
    vitals(c, sid, T0)
    assert c.post(f"/api/sessions/{sid}/close").json()["status"] == "closed"


def test_scale_item_by_item_raises_si_alert_only_a_clinician_clears(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    p = make_patient(c)
    r = c.post(f"/api/patients/{p['id']}/scales", json={"instrument": "madrs", "administered_at": iso(T0)})
    assert r.status_code == 201 and r.json()["total"] is None and "incomplete" in r.json()["flags"]
    aid = r.json()["id"]
    for item in range(1, 10):
        r = c.put(f"/api/scales/{aid}/items/{item}", json={"value": 2})
        assert r.status_code == 200, r.text
        assert r.json()["total"] is None
    assert c.get("/api/alerts").json()["total"] == 0
    r = c.put(f"/api/scales/{aid}/items/10", json={"value": 4})
    assert r.json()["total"] == 22 and r.json()["band"] == "moderate" and r.json()["complete"]
    alerts = c.get("/api/alerts").json()["items"]
    assert [a["rule"] for a in alerts] == ["si.madrs_item10"]
    alert = alerts[0]
    # an open SI alert blocks scheduling, and nothing is rescheduled by itself
    course = make_course(c, p["id"])
    assert schedule(c, p["id"], course["id"], T0 + timedelta(days=1)).json()["detail"][0]["type"] == (
        "schedule.open_si_alert"
    )
    viewer = clinic.client("viewer")
    assert viewer.post(f"/api/alerts/{alert['id']}/acknowledge", json={"note": "seen"}).status_code == 403
    admin = clinic.client("admin")
    assert admin.post(f"/api/alerts/{alert['id']}/acknowledge", json={"note": "seen"}).status_code == 403
    r = c.post(f"/api/alerts/{alert['id']}/acknowledge", json={})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "note"
    r = c.post(f"/api/alerts/{alert['id']}/acknowledge", json={"note": "C-SSRS done; safety plan agreed"})
    assert r.status_code == 200 and r.json()["acknowledged_by"] == clinic.users["clinician"]
    assert c.get("/api/alerts").json()["total"] == 0
    assert schedule(c, p["id"], course["id"], T0 + timedelta(days=1)).status_code == 201
    # lowering the item afterwards does not close or re-raise anything
    c.put(f"/api/scales/{aid}/items/10", json={"value": 0})
    assert c.get("/api/alerts", params={"open": False}).json()["total"] == 1


def test_phq9_item9_and_cssrs_raise_alerts(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    p = make_patient(c)
    items = {str(i): 1 for i in range(1, 10)}
    r = c.post(
        f"/api/patients/{p['id']}/scales",
        json={"instrument": "phq9", "mode": "self", "administered_at": iso(T0), "items": items, "total": 9},
    )
    assert r.status_code == 201 and r.json()["band"] == "mild"
    cssrs = {"1": 1, "2": 1, "3": 1, "4": 0, "5": 1, "6": 0}
    r = c.post(
        f"/api/patients/{p['id']}/scales",
        json={"instrument": "cssrs", "administered_at": iso(T0), "items": cssrs},
    )
    assert r.status_code == 201 and r.json()["band"] == "high risk", r.text
    rules = sorted(a["rule"] for a in c.get("/api/alerts").json()["items"])
    assert rules == ["si.cssrs_severe", "si.phq9_item9"]


def test_qids_total_is_the_sum_of_domain_maxima(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    p = make_patient(c)
    items = {str(i): 0 for i in range(1, 17)}
    items.update({"1": 3, "2": 1, "6": 2, "8": 1, "15": 1, "16": 2})
    r = c.post(
        f"/api/patients/{p['id']}/scales",
        json={"instrument": "qids_sr16", "mode": "self", "administered_at": iso(T0), "items": items},
    )
    assert r.json()["total"] == 3 + 2 + 2


def test_idempotency_key_replays_without_duplicating(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    p = make_patient(c)
    course = make_course(c, p["id"])
    first = schedule(c, p["id"], course["id"], T0, idempotency_key="key-000001")
    again = schedule(c, p["id"], course["id"], T0, idempotency_key="key-000001")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    body = {"instrument": "phq9", "mode": "self", "administered_at": iso(T0), "idempotency_key": "key-000002"}
    a, b = (c.post(f"/api/patients/{p['id']}/scales", json=body) for _ in range(2))
    assert (a.status_code, b.status_code, a.json()["id"]) == (201, 200, b.json()["id"])
    assert clinic.count("select count(*) from sessions where site_id = :site") == 1
    assert clinic.count("select count(*) from scale_administrations where site_id = :site") == 1


def test_forecast_is_stored_as_a_pending_suggestion_and_reviewed(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    p = make_patient(c)
    times = [iso(T0 + timedelta(days=d)) for d in range(3)]
    body = {
        "kind": "population",
        "model": "ketasim.population",
        "model_version": "0.1.0",
        "inputs_hash": "abc12345",
        "scale": "madrs",
        "trajectory": {
            "times": times,
            "quantiles": {"q05": [10, 11, 12], "q50": [20, 21, 22], "q95": [30, 31, 32]},
        },
        "window_start": times[1],
        "window_end": times[2],
    }
    r = c.post(f"/api/patients/{p['id']}/forecasts", json=body)
    assert r.status_code == 201 and r.json()["status"] == "pending", r.text
    fid = r.json()["id"]
    assert (
        clinic.client("viewer")
        .post(f"/api/forecasts/{fid}/review", json={"status": "accepted", "note": "looks fine"})
        .status_code
        == 403
    )
    r = c.post(f"/api/forecasts/{fid}/review", json={"status": "dismissed", "note": "not yet"})
    assert r.json()["status"] == "dismissed" and r.json()["reviewed_by"] == clinic.users["clinician"]
    assert (
        c.post(f"/api/forecasts/{fid}/review", json={"status": "accepted", "note": "again"}).status_code
        == 422
    )
    bad = {**body, "trajectory": {"times": times, "quantiles": {"q50": [1, 2]}}}
    assert c.post(f"/api/patients/{p['id']}/forecasts", json=bad).status_code == 422


def test_contraindication_blocks_until_a_clinician_resolves_it(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    p = make_patient(c)
    course = make_course(c, p["id"])
    r = c.post(f"/api/patients/{p['id']}/contraindications", json={"kind": "arteriovenous_malformation"})
    assert r.status_code == 201
    cid = r.json()["id"]
    blocked = schedule(c, p["id"], course["id"], T0)
    assert blocked.json()["detail"][0]["type"] == "schedule.contraindication"
    assert c.post(f"/api/contraindications/{cid}/resolve", json={}).status_code == 422
    assert (
        clinic.client("viewer")
        .post(f"/api/contraindications/{cid}/resolve", json={"note": "ok now"})
        .status_code
        == 403
    )
    assert (
        c.post(f"/api/contraindications/{cid}/resolve", json={"note": "imaging: no AVM"}).status_code == 200
    )
    assert schedule(c, p["id"], course["id"], T0).status_code == 201


def test_lists_are_paginated(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    for k in range(5):
        make_patient(c, name=f"Paged {k}")
    page = c.get("/api/patients", params={"limit": 2, "offset": 2}).json()
    assert page["total"] == 5 and page["limit"] == 2 and len(page["items"]) == 2
    assert c.get("/api/patients", params={"limit": 0}).status_code == 422
    assert c.post("/api/patients/search", json={"q": "Paged 3"}).json()["total"] == 1


def test_site_thresholds_admin_only(clinic: Clinic) -> None:
    assert clinic.client("clinician").patch("/api/site", json={"madrs_si_cutoff": 2}).status_code == 403
    admin = clinic.client("admin")
    assert admin.patch("/api/site", json={"madrs_si_cutoff": 2}).json()["madrs_si_cutoff"] == 2
    c = clinic.client("clinician")
    p = make_patient(c)
    items = {str(i): 0 for i in range(1, 11)} | {"10": 2}
    c.post(
        f"/api/patients/{p['id']}/scales",
        json={"instrument": "madrs", "administered_at": iso(T0), "items": items},
    )
    assert c.get("/api/alerts").json()["total"] == 1
