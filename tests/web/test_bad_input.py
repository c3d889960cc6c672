"""Every validation rule of the clinic reference (§5-7): a 422 naming field, rule and input, and nothing stored."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Clinic, new_clinic

from .helpers import T0, assert_rule, esk_record, iso, iv_record, make_course, make_patient, schedule

TABLES = {
    "patients": "select count(*) from patients where site_id = :site",
    "courses": "select count(*) from courses where site_id = :site",
    "contraindications": "select count(*) from contraindications where site_id = :site",
    "sessions": "select count(*) from sessions where site_id = :site",
    "devices": "select count(*) from devices d join sessions s on s.id = d.session_id where s.site_id = :site",
    "vitals": "select count(*) from vitals v join sessions s on s.id = v.session_id where s.site_id = :site",
    "scales": "select count(*) from scale_administrations where site_id = :site",
    "items": "select count(*) from scale_items i join scale_administrations a on a.id = i.administration_id "
    "where a.site_id = :site",
    "alerts": "select count(*) from alerts where site_id = :site",
    "forecasts": "select count(*) from forecasts where site_id = :site",
    "audit": "select count(*) from audit_events where site_id = :site",
    "closed": "select count(*) from sessions where site_id = :site and status = 'closed'",
    "session_changes": "select coalesce(sum(coalesce(dose_mg, 0) + coalesce(cadss, 0)), 0) from sessions "
    "where site_id = :site",
}


def snapshot(clinic: Clinic) -> dict[str, int]:
    return {k: clinic.count(sql) for k, sql in TABLES.items()}


@dataclass
class Ctx:
    c: TestClient
    pid: int
    course: int
    iv_course: int
    ref: Any = None


def scale(ctx: Ctx, **body: Any) -> Any:
    return ctx.c.post(f"/api/patients/{ctx.pid}/scales", json={"administered_at": iso(T0), **body})


def full(n: int, v: int = 1) -> dict[str, int]:
    return {str(i): v for i in range(1, n + 1)}


def open_esk(ctx: Ctx, **over: Any) -> int:
    """An esketamine session with its dose recorded, ready to close unless ``over`` breaks it."""
    r = schedule(ctx.c, ctx.pid, ctx.course, T0, **{**esk_record(T0), **over})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def close_after(ctx: Ctx, *, at40: int = 40, skip: str | None = None, **over: Any) -> Any:
    sid = open_esk(ctx, **over)
    for point, minutes in (("pre_dose", -10), ("at_40min", at40), ("discharge", 120)):
        if point != skip:
            ctx.c.post(
                f"/api/sessions/{sid}/vitals",
                json={
                    "point": point,
                    "measured_at": iso(T0 + timedelta(minutes=minutes)),
                    "sbp": 120,
                    "dbp": 80,
                },
            )
    return sid


def prior_esk(ctx: Ctx, *days: float) -> None:
    for d in days:
        at = T0 + timedelta(days=d)
        assert schedule(ctx.c, ctx.pid, ctx.course, at, **esk_record(at)).status_code == 201


def vital(ctx: Ctx, **over: Any) -> Any:
    sid = ctx.ref
    body = {
        "point": "pre_dose",
        "measured_at": iso(T0),
        "sbp": 120,
        "dbp": 80,
        "hr": 70,
        "spo2": 98,
        "rr": 14,
    }
    return ctx.c.post(f"/api/sessions/{sid}/vitals", json={**body, **over})


def last_alert(x: Ctx) -> int:
    return int(x.c.get("/api/alerts").json()["items"][0]["id"])


def patient_like(x: Ctx) -> dict[str, Any]:
    p = x.c.get(f"/api/patients/{x.pid}").json()
    return {"mrn": p["mrn"], "name": p["name"], "birth_date": p["birth_date"], "sex": p["sex"]}


# (id, setup before the snapshot or None, the bad request, field, rule)
Case = tuple[str, Callable[[Ctx], Any] | None, Callable[[Ctx], Any], str, str]
CASES: list[Case] = [
    # --- scores ---------------------------------------------------------------------------------
    ("madrs item above 6", None, lambda x: scale(x, instrument="madrs", items={"1": 7}), "items.1", "scale.item_range"),
    ("phq9 item above 3", None, lambda x: scale(x, instrument="phq9", mode="self", items={"4": 4}), "items.4", "scale.item_range"),
    ("qids item below 0", None, lambda x: scale(x, instrument="qids_sr16", mode="self", items={"2": -1}), "items.2", "scale.item_range"),
    ("cssrs answer not yes/no", None, lambda x: scale(x, instrument="cssrs", items={"1": 2}), "items.1", "scale.item_range"),
    ("item not an integer", None, lambda x: scale(x, instrument="madrs", items={"1": 2.5}), "1", "int"),
    ("item number beyond the scale", None, lambda x: scale(x, instrument="madrs", items={"11": 1}), "items.11", "scale.item_number"),
    ("hand total differs", None, lambda x: scale(x, instrument="madrs", items=full(10), total=12), "total", "scale.total_mismatch"),
    ("total with items missing", None, lambda x: scale(x, instrument="madrs", items={"1": 1}, total=1), "total", "scale.total_incomplete"),
    ("qids total summed, not domain max", None, lambda x: scale(x, instrument="qids_sr16", mode="self", items=full(16), total=16), "total", "scale.total_mismatch"),
    ("cssrs q3 after q2 no", None, lambda x: scale(x, instrument="cssrs", items={"1": 1, "2": 0, "3": 1, "6": 0}), "items.3", "cssrs.skip_logic"),
    ("cssrs 3 months without q6", None, lambda x: scale(x, instrument="cssrs", items={"1": 0, "2": 0, "6": 0, "7": 1}), "items.7", "cssrs.skip_logic"),
    ("cssrs self-administered", None, lambda x: scale(x, instrument="cssrs", mode="self"), "mode", "scale.mode"),
    ("madrs self-rated", None, lambda x: scale(x, instrument="madrs", mode="self"), "mode", "scale.mode"),
    ("assessment in the future", None, lambda x: scale(x, instrument="madrs", administered_at=iso(datetime.now(UTC) + timedelta(days=1))), "administered_at", "scale.time_future"),
    ("assessment before birth", None, lambda x: scale(x, instrument="madrs", administered_at="1970-01-01T10:00:00+00:00"), "administered_at", "scale.time_before_birth"),
    ("assessment after death", lambda x: x.c.patch(f"/api/patients/{x.pid}", json={"death_date": "2026-01-01"}), lambda x: scale(x, instrument="madrs"), "administered_at", "scale.time_after_death"),
    ("time without timezone", None, lambda x: scale(x, instrument="madrs", administered_at="2026-03-02T10:00:00"), "administered_at", "timezone"),
    ("converted score saved as native", None, lambda x: scale(x, instrument="madrs", origin="converted"), "origin", "scale.converted_not_native"),
    ("item entered one by one out of range", lambda x: scale(x, instrument="madrs").json()["id"], lambda x: x.c.put(f"/api/scales/{x.ref}/items/3", json={"value": 9}), "items.3", "scale.item_range"),
    ("scale for another patient's session", None, lambda x: scale(x, instrument="madrs", session_id=999_999), "session_id", "scale.session_patient"),
    # --- sessions, doses, schedule ----------------------------------------------------------
    ("two dosing sessions the same day", lambda x: prior_esk(x, 0), lambda x: schedule(x.c, x.pid, x.course, T0 + timedelta(hours=4)), "scheduled_at", "schedule.same_day"),
    ("esketamine 28 mg", None, lambda x: schedule(x.c, x.pid, x.course, T0, **esk_record(T0, 28)), "dose_mg", "esketamine.dose_set"),
    ("esketamine above 84 mg", None, lambda x: schedule(x.c, x.pid, x.course, T0, dose_mg=112), "dose_mg", "esketamine.dose_set"),
    ("esketamine first dose 84", None, lambda x: schedule(x.c, x.pid, x.course, T0, **esk_record(T0, 84)), "dose_mg", "esketamine.first_dose"),
    ("devices do not make the dose", lambda x: prior_esk(x, -3), lambda x: schedule(x.c, x.pid, x.course, T0, **{**esk_record(T0, 84), "devices": esk_record(T0, 56)["devices"]}), "devices", "esketamine.devices"),
    ("devices under 5 min apart", None, lambda x: schedule(x.c, x.pid, x.course, T0, **{**esk_record(T0), "devices": [{"given_at": iso(T0)}, {"given_at": iso(T0 + timedelta(minutes=3))}]}), "devices.1", "esketamine.device_interval"),
    ("dose start before arrival", None, lambda x: schedule(x.c, x.pid, x.course, T0, **{**esk_record(T0), "arrival_at": iso(T0 + timedelta(minutes=5))}), "dose_start_at", "session.time_order"),
    ("discharge before monitoring end", None, lambda x: schedule(x.c, x.pid, x.course, T0, **{**esk_record(T0), "discharge_at": iso(T0 + timedelta(minutes=60))}), "discharge_at", "session.time_order"),
    ("lot expired", None, lambda x: schedule(x.c, x.pid, x.course, T0, **{**esk_record(T0), "lot_expiry": "2026-01-01"}), "lot_expiry", "dose.lot_expired"),
    ("esketamine by IV route", None, lambda x: schedule(x.c, x.pid, x.course, T0, drug="esketamine", route="iv"), "route", "session.drug_route"),
    ("drug differs from the course", None, lambda x: schedule(x.c, x.pid, x.course, T0, drug="racemic_ketamine", route="iv"), "drug", "session.course_drug"),
    ("third session in 7 days (induction)", lambda x: prior_esk(x, 0, 3), lambda x: schedule(x.c, x.pid, x.course, T0 + timedelta(days=5)), "scheduled_at", "esketamine.frequency"),
    ("second session in 7 days (week 5 on)", lambda x: prior_esk(x, 0, 35), lambda x: schedule(x.c, x.pid, x.course, T0 + timedelta(days=38)), "scheduled_at", "esketamine.frequency"),
    ("override reason too short", lambda x: prior_esk(x, 0, 3), lambda x: schedule(x.c, x.pid, x.course, T0 + timedelta(days=5), override_reason="why"), "override_reason", "string_too_short"),
    ("iv weight missing", lambda x: x.c.patch(f"/api/patients/{x.pid}", json={"weight_kg": None}), lambda x: schedule(x.c, x.pid, x.iv_course, T0, **{k: v for k, v in iv_record(T0).items() if k != "weight_kg"}), "weight_kg", "iv.weight"),
    ("iv weight implausible", None, lambda x: schedule(x.c, x.pid, x.iv_course, T0, **iv_record(T0, 25)), "weight_kg", "greater_than_equal"),
    ("iv weight not recent", None, lambda x: schedule(x.c, x.pid, x.iv_course, T0, **{**iv_record(T0), "weight_measured_on": "2025-06-01"}), "weight_measured_on", "iv.weight_recent"),
    ("iv mg/kg above clinic maximum", None, lambda x: schedule(x.c, x.pid, x.iv_course, T0, **iv_record(T0, 70, 1.2)), "mg_per_kg", "iv.max_mg_per_kg"),
    ("iv dose is not mg/kg x weight", None, lambda x: schedule(x.c, x.pid, x.iv_course, T0, **{**iv_record(T0), "dose_mg": 50}), "dose_mg", "iv.dose_weight"),
    ("iv infusion under clinic minimum", None, lambda x: schedule(x.c, x.pid, x.iv_course, T0, **{**iv_record(T0), "infusion_min": 5}), "infusion_min", "iv.min_duration"),
    ("dose in a unit string", None, lambda x: schedule(x.c, x.pid, x.course, T0, dose_mg="56 mg"), "dose_mg", "float_parsing"),
    ("close without lot", lambda x: close_after(x, lot=None), lambda x: x.c.post(f"/api/sessions/{x.ref}/close"), "lot", "close.required"),
    ("close without 40-min BP", lambda x: close_after(x, skip="at_40min"), lambda x: x.c.post(f"/api/sessions/{x.ref}/close"), "vitals", "close.vitals_40min"),
    ("close with BP at 55 min only", lambda x: close_after(x, at40=55), lambda x: x.c.post(f"/api/sessions/{x.ref}/close"), "vitals", "close.vitals_40min"),
    ("close without pre-dose BP", lambda x: close_after(x, skip="pre_dose"), lambda x: x.c.post(f"/api/sessions/{x.ref}/close"), "vitals", "close.vitals_pre_dose"),
    ("close without discharge BP", lambda x: close_after(x, skip="discharge"), lambda x: x.c.post(f"/api/sessions/{x.ref}/close"), "vitals", "close.vitals_discharge"),
    ("close after 100 min monitoring", lambda x: close_after(x, monitoring_end_at=iso(T0 + timedelta(minutes=100)), discharge_at=iso(T0 + timedelta(minutes=101))), lambda x: x.c.post(f"/api/sessions/{x.ref}/close"), "monitoring_end_at", "esketamine.monitoring_120"),
    ("close without pulse oximetry", lambda x: close_after(x, pulse_oximetry=False), lambda x: x.c.post(f"/api/sessions/{x.ref}/close"), "pulse_oximetry", "close.pulse_oximetry"),
    ("close without consent confirmed", lambda x: close_after(x, consent_on_file=False), lambda x: x.c.post(f"/api/sessions/{x.ref}/close"), "consent_on_file", "close.consent"),
    ("close without a ride home confirmed", lambda x: close_after(x, transport_confirmed=False), lambda x: x.c.post(f"/api/sessions/{x.ref}/close"), "transport_confirmed", "close.transport"),
    ("close without discharge assessment", lambda x: close_after(x, discharge_ready=False), lambda x: x.c.post(f"/api/sessions/{x.ref}/close"), "discharge_ready", "close.discharge"),
    ("unresolved contraindication", lambda x: x.c.post(f"/api/patients/{x.pid}/contraindications", json={"kind": "hypersensitivity"}), lambda x: schedule(x.c, x.pid, x.course, T0), "patient_id", "schedule.contraindication"),
    ("not REMS-enrolled", lambda x: x.c.patch(f"/api/patients/{x.pid}", json={"rems_enrolled": False}), lambda x: schedule(x.c, x.pid, x.course, T0), "patient_id", "rems.patient_enrolled"),
    ("open SI alert", lambda x: scale(x, instrument="phq9", mode="self", items={"9": 2}), lambda x: schedule(x.c, x.pid, x.course, T0), "patient_id", "schedule.open_si_alert"),
    ("positive pregnancy without decision", lambda x: x.c.patch(f"/api/patients/{x.pid}", json={"pregnancy_positive": True}), lambda x: schedule(x.c, x.pid, x.course, T0), "override_reason", "schedule.pregnancy"),
    # --- vitals -----------------------------------------------------------------------------
    ("sbp above 260", open_esk, lambda x: vital(x, sbp=300), "sbp", "less_than_equal"),
    ("sbp below 60", open_esk, lambda x: vital(x, sbp=50, dbp=40), "sbp", "greater_than_equal"),
    ("dbp below 30", open_esk, lambda x: vital(x, dbp=20), "dbp", "greater_than_equal"),
    ("sbp not above dbp", open_esk, lambda x: vital(x, sbp=90, dbp=95), "body", "sbp_gt_dbp"),
    ("hr above 220", open_esk, lambda x: vital(x, hr=250), "hr", "less_than_equal"),
    ("spo2 below 50", open_esk, lambda x: vital(x, spo2=40), "spo2", "greater_than_equal"),
    ("rr below 4", open_esk, lambda x: vital(x, rr=2), "rr", "greater_than_equal"),
    # --- identity, units, general -----------------------------------------------------------
    ("duplicate MRN", patient_like, lambda x: x.c.post("/api/patients", json={**x.ref, "name": "Other"}), "mrn", "patient.duplicate"),
    ("birth date in the future", patient_like, lambda x: x.c.post("/api/patients", json={**x.ref, "mrn": "NEW-1", "birth_date": "2999-01-01"}), "birth_date", "patient.birth_future"),
    ("weight in a unit string", patient_like, lambda x: x.c.post("/api/patients", json={**x.ref, "mrn": "NEW-2", "weight_kg": "70 kg"}), "weight_kg", "float_parsing"),
    ("unknown field", patient_like, lambda x: x.c.post("/api/patients", json={**x.ref, "mrn": "NEW-3", "wieght": 70}), "wieght", "extra_forbidden"),
    ("import without rater", None, lambda x: x.c.post("/api/patients/import", data={"mrn": "IMP-1", "name": "A", "birth_date": "1980-01-01", "source": "EHR"}, files={"record": ("r.json", b"{}", "application/fhir+json")}), "rater", "missing"),
    ("alert acknowledged without note", lambda x: scale(x, instrument="phq9", mode="self", items={"9": 1}) and last_alert(x), lambda x: x.c.post(f"/api/alerts/{x.ref}/acknowledge", json={"note": ""}), "note", "string_too_short"),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_rule_answers_422_and_stores_nothing(app: Any, case: Case) -> None:
    _, setup, bad, field, rule = case
    clinic = new_clinic(app)
    c = clinic.client("clinician")
    p = make_patient(c)
    ctx = Ctx(c, p["id"], make_course(c, p["id"])["id"], make_course(c, p["id"], "ketamine_iv_clinic")["id"])
    if setup is not None:
        ctx.ref = setup(ctx)
    before = snapshot(clinic)
    hit = assert_rule(bad(ctx), field, rule)
    assert snapshot(clinic) == before, "a refused request changed the database"
    assert hit["msg"]


def test_site_not_certified_blocks_esketamine(app: Any) -> None:
    clinic = new_clinic(app, rems_certified=False)
    c = clinic.client("clinician")
    p = make_patient(c)
    course = make_course(c, p["id"])
    before = snapshot(clinic)
    assert_rule(schedule(c, p["id"], course["id"], T0), "site", "rems.site_certified")
    assert snapshot(clinic) == before


def test_soft_rules_warn_flag_or_alert_without_refusing(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    p = make_patient(c)
    course = make_course(c, p["id"])
    # interval under 72 h: allowed with a warning
    assert schedule(c, p["id"], course["id"], T0, **esk_record(T0)).status_code == 201
    r = schedule(c, p["id"], course["id"], T0 + timedelta(days=2))
    assert r.status_code == 201 and any("under the clinic" in w for w in r.json()["warnings"])
    # off-label frequency with a clinician's reason: allowed, audited as an override
    r = schedule(
        c,
        p["id"],
        course["id"],
        T0 + timedelta(days=4),
        override_reason="relapse risk discussed with patient",
    )
    assert r.status_code == 201 and any(w.startswith("off-label") for w in r.json()["warnings"])
    assert (
        clinic.count("select count(*) from audit_events where site_id = :site and action = 'override'") == 1
    )
    # pre-dose BP above 140/90, post-dose rise and low SpO2 raise alerts for a clinician
    sid = r.json()["id"]
    for point, sbp, dbp, spo2 in (("pre_dose", 150, 95, 97), ("at_40min", 195, 110, 90)):
        body = {"point": point, "measured_at": iso(T0), "sbp": sbp, "dbp": dbp, "spo2": spo2}
        assert c.post(f"/api/sessions/{sid}/vitals", json=body).status_code == 201
    rules = sorted(a["rule"] for a in c.get("/api/alerts").json()["items"])
    assert rules == ["bp.post_dose_rise", "bp.pre_dose_high", "spo2.low"]
    # QIDS both appetite directions and overlapping PHQ-9 recall are flags, not refusals
    items = {str(i): 0 for i in range(1, 17)} | {"6": 1, "7": 2}
    r = c.post(
        f"/api/patients/{p['id']}/scales",
        json={"instrument": "qids_sr16", "mode": "self", "administered_at": iso(T0), "items": items},
    )
    assert "qids_both_directions" in r.json()["flags"]
    for days in (0, 7):
        body = {"instrument": "phq9", "mode": "self", "administered_at": iso(T0 + timedelta(days=days))}
        r = c.post(f"/api/patients/{p['id']}/scales", json=body)
    assert "overlapping_recall" in r.json()["flags"]
    # IV dose above 0.5 mg/kg (within the maximum) and under 40 min (above the minimum) warn
    iv = make_course(c, p["id"], "ketamine_iv_clinic")
    at = T0 + timedelta(days=20)
    r = schedule(c, p["id"], iv["id"], at, **{**iv_record(at, 70, 0.75), "infusion_min": 30})
    assert r.status_code == 201, r.text
    assert len([w for w in r.json()["warnings"] if "usual" in w]) == 2
    assert not any("fasting" in w for w in r.json()["warnings"])  # confirmed in the record


@pytest.mark.parametrize("protocol", ["esketamine_label", "ketamine_iv_clinic"])
def test_a_dose_without_fasting_confirmed_warns(clinic: Clinic, protocol: str) -> None:
    """Fasting before the dose is a check-in item: dosing without it is recorded with a warning."""
    c = clinic.client("clinician")
    p = make_patient(c)
    course = make_course(c, p["id"], protocol)
    body = esk_record(T0) if protocol == "esketamine_label" else iv_record(T0)
    r = schedule(c, p["id"], course["id"], T0, **{**body, "fasting_confirmed": False})
    assert r.status_code == 201, r.text
    fasting = [w for w in r.json()["warnings"] if "fasting not confirmed" in w]
    assert len(fasting) == 1, r.json()["warnings"]
    assert ("no food for 2 h" in fasting[0]) == (protocol == "esketamine_label")
    # a session not yet dosed has nothing to warn about
    r = schedule(c, p["id"], course["id"], T0 + timedelta(days=3))
    assert r.status_code == 201 and not any("fasting" in w for w in r.json()["warnings"])


def test_viewer_cannot_override(clinic: Clinic) -> None:
    c = clinic.client("clinician")
    p = make_patient(c)
    course = make_course(c, p["id"])
    r = clinic.client("viewer").post(
        f"/api/patients/{p['id']}/sessions",
        json={
            "course_id": course["id"],
            "scheduled_at": iso(T0),
            "override_reason": "I want to override this",
        },
    )
    assert r.status_code == 403
