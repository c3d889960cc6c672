"""A patient's whole record to and from the file formats of :mod:`ketasim.io` (CSV, FHIR R4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ketasim.population.patients import Patient as CorePatient
from ketasim.record import PatientRecord, ScoreObservation
from ketasim.regimen.dose import Dose, Drug, Route
from ketasim.regimen.regimen import Regimen
from ketasim.store.crud.alerts import raise_alert
from ketasim.store.crud.audit import Actor, record, require
from ketasim.store.crud.patients import get_patient
from ketasim.store.errors import RuleError
from ketasim.store.models import (
    Course,
    Device,
    Patient,
    ScaleAdministration,
    ScaleItem,
    Site,
    TreatmentSession,
)
from ketasim.store.rules import local_day
from ketasim.store.types import utcnow
from ketasim.store.validators import EARLIEST, SKEW
from ketasim.units import DoseAmount

__all__ = ["export_record", "import_record"]

#: Which observation of a record each stored total or item becomes.
_TOTALS = {"madrs": "madrs", "phq9": "phq9", "qids_sr16": "qids_sr16"}
_ITEMS = {("madrs", 10): "madrs_item10", ("phq9", 9): "phq9_item9"}


def _age(born: date, on: date) -> float:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _dose(s: TreatmentSession, t: float) -> Dose:
    assert s.dose_mg is not None
    if s.drug == "esketamine":
        gap = 5.0 / 60
        if len(s.devices) > 1:
            gap = (s.devices[1].given_at - s.devices[0].given_at).total_seconds() / 3600
        return Dose(
            drug=Drug.ESKETAMINE,
            route=Route.INTRANASAL,
            devices=round(s.dose_mg / 28),
            time_h=t,
            device_interval_h=gap,
        )
    return Dose(
        drug=Drug.RACEMIC_KETAMINE,
        route=Route.IV,
        amount=DoseAmount(s.dose_mg),
        time_h=t,
        duration_h=(s.infusion_min or 40.0) / 60,
    )


def export_record(db: Session, actor: Actor, patient_id: int, *, audit: bool = True) -> PatientRecord:
    """The patient's covariates, the doses given and the scores observed (an audited export).

    ``audit=False`` reads the record for the patient's own page (its forecast), which is not an export.
    """
    p = get_patient(db, actor, patient_id, audit=False)
    sessions = db.scalars(
        select(TreatmentSession)
        .options(selectinload(TreatmentSession.devices))
        .where(
            TreatmentSession.patient_id == p.id,
            TreatmentSession.dose_mg.is_not(None),
            TreatmentSession.status != "cancelled",
        )
    ).all()
    scales = db.scalars(
        select(ScaleAdministration)
        .options(selectinload(ScaleAdministration.items))
        .where(ScaleAdministration.patient_id == p.id, ScaleAdministration.total.is_not(None))
    ).all()

    def when(s: TreatmentSession) -> datetime:
        return s.devices[0].given_at if s.devices else (s.dose_start_at or s.scheduled_at)

    stamps = [when(s) for s in sessions] + [a.administered_at for a in scales]
    if not stamps:
        raise RuleError(
            "patient_id", "export.empty", "the patient has no doses or complete scores to export", p.id
        )
    start = min(stamps)

    def hours(t: datetime) -> float:
        return (t - start).total_seconds() / 3600.0

    doses = [_dose(s, hours(when(s))) for s in sorted(sessions, key=when)]
    obs: list[ScoreObservation] = []
    for a in sorted(scales, key=lambda a: a.administered_at):
        t = hours(a.administered_at)
        if a.instrument in _TOTALS and a.total is not None:
            obs.append(ScoreObservation(t, _TOTALS[a.instrument], a.total))
        for item in a.items:
            if (a.instrument, item.item_no) in _ITEMS:
                obs.append(ScoreObservation(t, _ITEMS[(a.instrument, item.item_no)], item.value))
    try:
        core = CorePatient(
            weight_kg=p.weight_kg or 70.0,
            age_years=min(max(_age(p.birth_date, start.date()), 18.0), 100.0),
            sex=p.sex,  # type: ignore[arg-type]
            ancestry=p.ancestry,
        )
    except ValueError as err:
        raise RuleError("patient_id", "export.covariates", str(err), p.id) from None
    if audit:
        record(db, actor, "export", "patient", p.id, patient_id=p.id)
    return PatientRecord(core, Regimen(tuple(doses)), tuple(obs), start, p.mrn, p.name, p.birth_date)


def import_record(
    db: Session,
    actor: Actor,
    rec: PatientRecord,
    *,
    mrn: str,
    name: str,
    birth_date: date,
    source: str,
    rater: str,
) -> Patient:
    """Creates a patient from a record: past sessions and imported scores (source and rater required)."""
    require(actor, "clinician")
    if db.scalar(select(Patient.id).where(Patient.site_id == actor.site_id, Patient.mrn == mrn)):
        raise RuleError("mrn", "patient.duplicate", "a patient with this MRN exists in the site", mrn)
    _check_times(rec, birth_date)
    site = db.get_one(Site, actor.site_id)
    p = Patient(
        site_id=actor.site_id,
        mrn=mrn,
        name=name,
        birth_date=birth_date,
        sex=rec.patient.sex,
        ancestry=rec.patient.ancestry,
        weight_kg=rec.patient.weight_kg,
        weight_measured_on=rec.start.date(),
    )
    db.add(p)
    db.flush()
    courses: dict[str, Course] = {}
    for dose in rec.regimen.doses:
        if dose.drug not in (Drug.ESKETAMINE, Drug.RACEMIC_KETAMINE) or dose.amount is None:
            raise RuleError(
                "regimen", "import.drug", "only esketamine and racemic ketamine doses import", dose.drug.value
            )
        if dose.drug.value not in courses:
            c = Course(
                site_id=actor.site_id,
                patient_id=p.id,
                protocol="esketamine_label" if dose.drug == Drug.ESKETAMINE else "ketamine_iv_clinic",
                drug=dose.drug.value,
                route=dose.route.value,
                label_status="on_label" if dose.drug == Drug.ESKETAMINE else "off_label",
                start_date=rec.at(dose.time_h).date(),
                status="completed",
            )
            db.add(c)
            db.flush()
            courses[dose.drug.value] = c
        for t in dose.times():
            at = rec.at(t)
            s = TreatmentSession(
                site_id=actor.site_id,
                patient_id=p.id,
                course_id=courses[dose.drug.value].id,
                status="imported",
                scheduled_at=at,
                day=local_day(at, site),
                drug=dose.drug.value,
                route=dose.route.value,
                dose_mg=dose.amount.mg(rec.patient.weight_kg),
                infusion_min=dose.duration_h * 60 if dose.route == Route.IV else None,
                dose_start_at=at,
                adverse_events="",
                warnings=[f"imported from {source}"],
                created_by=actor.user_id,
                devices=[
                    Device(seq=k + 1, given_at=at + timedelta(hours=k * dose.device_interval_h))
                    for k in range(dose.devices)
                ],
                vitals=[],
            )
            db.add(s)
    _import_scores(db, actor, p, rec, site, source, rater)
    db.flush()
    record(db, actor, "import", "patient", p.id, patient_id=p.id, reason=f"source: {source}")
    return p


def _check_times(rec: PatientRecord, birth_date: date) -> None:
    """An imported record happened: every dose and score lies between birth and now (issue 12)."""
    hours = [o.time_h for o in rec.observations]
    hours += [t for d in rec.regimen.doses for t in d.times()]
    latest = utcnow() + SKEW
    for h in sorted(set(hours)):
        try:
            at = rec.at(h)
            at.astimezone(UTC)
        except OverflowError:
            raise RuleError("time", "import.time_range", "a time of the record is out of range", h) from None
        if at > latest:
            raise RuleError(
                "time",
                "import.time_future",
                "imported doses and scores must not be in the future",
                at.isoformat(),
            )
        if at.date() < max(birth_date, EARLIEST):
            raise RuleError(
                "time",
                "import.time_before_birth",
                "imported doses and scores must not precede birth",
                at.isoformat(),
            )


def _import_scores(
    db: Session, actor: Actor, p: Patient, rec: PatientRecord, site: Site, source: str, rater: str
) -> None:
    by_time: dict[tuple[float, str], ScaleAdministration] = {}
    item_of = {v: k for k, v in _ITEMS.items()}
    for o in rec.observations:
        instrument = item_of[o.scale][0] if o.scale in item_of else o.scale
        key = (o.time_h, instrument)
        a = by_time.get(key)
        if a is None:
            a = ScaleAdministration(
                site_id=actor.site_id,
                patient_id=p.id,
                instrument=instrument,
                mode="clinician" if instrument == "madrs" else "self",
                recall="past_week" if instrument != "phq9" else "past_2_weeks",
                administered_at=rec.at(o.time_h),
                source=f"import:{source}",
                imported_rater=rater,
                flags=["imported"],
                items=[],
            )
            db.add(a)
            by_time[key] = a
        if o.scale in item_of:
            a.items.append(ScaleItem(item_no=item_of[o.scale][1], value=int(o.value)))
        else:
            a.total = int(o.value)
    db.flush()
    for a in by_time.values():
        for item in a.items:
            fired = (a.instrument == "phq9" and item.value >= 1) or (
                a.instrument == "madrs" and item.value >= site.madrs_si_cutoff
            )
            if fired:
                raise_alert(
                    db,
                    actor,
                    patient_id=p.id,
                    rule=f"si.{a.instrument}_item{item.item_no}",
                    severity="high",
                    message=f"imported {a.instrument} item {item.item_no} = {item.value}",
                    source_kind="scale",
                    source_id=a.id,
                )
