"""Tables of the clinic app (SQLAlchemy 2, typed). Every clinical row carries its site."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ketasim.store.types import UTCDateTime, utcnow

__all__ = [
    "Alert",
    "AuditEvent",
    "Base",
    "Contraindication",
    "Course",
    "Device",
    "Forecast",
    "LoginSession",
    "Patient",
    "RemsForm",
    "ScaleAdministration",
    "ScaleItem",
    "Site",
    "TreatmentSession",
    "User",
    "Vital",
]


class Base(DeclarativeBase):
    """Declarative base with the project's naming convention (stable constraint names)."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


Base.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Site(Base):
    """A clinic: REMS certification and its configurable thresholds."""

    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    rems_certified: Mapped[bool] = mapped_column(Boolean, default=False)
    madrs_si_cutoff: Mapped[int] = mapped_column(Integer, default=4)
    iv_max_mg_per_kg: Mapped[float] = mapped_column(Float, default=1.0)
    iv_min_infusion_min: Mapped[float] = mapped_column(Float, default=20.0)
    weight_max_age_days: Mapped[int] = mapped_column(Integer, default=30)
    bp40_window_min: Mapped[list[int]] = mapped_column(JSON, default=lambda: [30, 50])
    min_interval_warn_h: Mapped[float] = mapped_column(Float, default=72.0)
    #: Crisis resources shown beside suicidal-ideation alerts (the site's own country and services).
    crisis_line: Mapped[str | None] = mapped_column(String(200), nullable=True, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """A staff member of one site: admin, clinician or viewer."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('admin','clinician','viewer')", name="role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginSession(Base):
    """A signed-in browser or API client; only the token's hash is stored."""

    __tablename__ = "login_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class Patient(Base):
    """A patient and the covariates the model reads."""

    __tablename__ = "patients"
    __table_args__ = (
        UniqueConstraint("site_id", "mrn", name="uq_patients_site_mrn"),
        CheckConstraint("weight_kg IS NULL OR (weight_kg >= 30 AND weight_kg <= 300)", name="weight"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    mrn: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(8))
    ancestry: Mapped[str] = mapped_column(String(16), default="white")
    weight_kg: Mapped[float | None] = mapped_column(Float)
    weight_measured_on: Mapped[date | None] = mapped_column(Date)
    bdnf_val66met: Mapped[str] = mapped_column(String(16), default="unknown")
    benzodiazepine_mg_day: Mapped[float] = mapped_column(Float, default=0.0)
    rems_enrolled: Mapped[bool] = mapped_column(Boolean, default=False)
    pregnancy_positive: Mapped[bool] = mapped_column(Boolean, default=False)
    death_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    contraindications: Mapped[list[Contraindication]] = relationship(
        back_populates="patient", order_by="Contraindication.id"
    )


class Contraindication(Base):
    """A contraindication flag; it blocks scheduling until a clinician resolves it."""

    __tablename__ = "contraindications"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    flagged_at: Mapped[datetime] = mapped_column(default=utcnow)
    flagged_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    patient: Mapped[Patient] = relationship(back_populates="contraindications")


class Course(Base):
    """A treatment course under one protocol (label or clinic)."""

    __tablename__ = "courses"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    protocol: Mapped[str] = mapped_column(String(40))
    drug: Mapped[str] = mapped_column(String(32))
    route: Mapped[str] = mapped_column(String(16))
    label_status: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")
    mg_per_kg: Mapped[float | None] = mapped_column(Float)
    infusion_min: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TreatmentSession(Base):
    """One dosing session: dose, devices, lot, timestamps, vitals, acute effects, monitoring."""

    __tablename__ = "sessions"
    __table_args__ = (
        UniqueConstraint("site_id", "idempotency_key", name="uq_sessions_site_key"),
        Index("ix_sessions_patient_day", "patient_id", "day"),
        CheckConstraint("dose_mg IS NULL OR dose_mg > 0", name="dose"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    scheduled_at: Mapped[datetime]
    day: Mapped[date] = mapped_column(Date)
    drug: Mapped[str] = mapped_column(String(32))
    route: Mapped[str] = mapped_column(String(16))
    dose_mg: Mapped[float | None] = mapped_column(Float)
    mg_per_kg: Mapped[float | None] = mapped_column(Float)
    weight_kg: Mapped[float | None] = mapped_column(Float)
    weight_measured_on: Mapped[date | None] = mapped_column(Date)
    infusion_min: Mapped[float | None] = mapped_column(Float)
    lot: Mapped[str | None] = mapped_column(String(64))
    lot_expiry: Mapped[date | None] = mapped_column(Date)
    arrival_at: Mapped[datetime | None]
    dose_start_at: Mapped[datetime | None]
    dose_end_at: Mapped[datetime | None]
    monitoring_end_at: Mapped[datetime | None]
    discharge_at: Mapped[datetime | None]
    cadss: Mapped[int | None] = mapped_column(Integer)
    moaas_min: Mapped[int | None] = mapped_column(Integer)
    adverse_events: Mapped[str] = mapped_column(Text, default="")
    pulse_oximetry: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Checked at check-in: the patient's treatment consent is on file (migration 0003).
    consent_on_file: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Checked at check-in: the patient has fasted as instructed (esketamine: no food for 2 h, no
    #: liquids for 30 min before the dose) and has a ride home (no driving until the next day after
    #: a night's sleep). Migration 0004.
    fasting_confirmed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    transport_confirmed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    discharge_ready: Mapped[bool] = mapped_column(Boolean, default=False)
    discharge_assessed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    override_reason: Mapped[str | None] = mapped_column(Text)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    devices: Mapped[list[Device]] = relationship(order_by="Device.seq", cascade="all, delete-orphan")
    vitals: Mapped[list[Vital]] = relationship(order_by="Vital.measured_at", cascade="all, delete-orphan")

    @property
    def monitoring_min(self) -> float | None:
        """Minutes from the first device (or dose start) to the end of monitoring."""
        first = self.devices[0].given_at if self.devices else self.dose_start_at
        if first is None or self.monitoring_end_at is None:
            return None
        return (self.monitoring_end_at - first).total_seconds() / 60.0


class Device(Base):
    """One 28 mg esketamine device of a session, with the time it was given."""

    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("session_id", "seq", name="uq_devices_session_seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    given_at: Mapped[datetime]


class RemsForm(Base):
    """The esketamine REMS Patient Monitoring Form of one session: the answers the record lacks.

    Dose, lot, times and blood pressures are read from the session itself when the form is shown,
    never copied, so the form cannot disagree with the record. ``None`` is "not answered yet".
    """

    __tablename__ = "rems_forms"
    __table_args__ = (
        UniqueConstraint("session_id", name="uq_rems_forms_session"),
        CheckConstraint("ready_to_leave_min IS NULL OR ready_to_leave_min >= 0", name="ready_min"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    #: Concomitant sedating or BP-raising medicine classes (``[]``: none; ``None``: not answered).
    concomitant: Mapped[list[str] | None] = mapped_column(JSON)
    monitoring_provider_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Minutes after the first device when the patient would have been ready to leave without the 2-h rule.
    ready_to_leave_min: Mapped[int | None] = mapped_column(Integer)
    vitals_acceptable_pre: Mapped[bool | None] = mapped_column(Boolean)
    vitals_acceptable_end: Mapped[bool | None] = mapped_column(Boolean)
    sedation: Mapped[bool | None] = mapped_column(Boolean)
    dissociation: Mapped[bool | None] = mapped_column(Boolean)
    respiratory_depression: Mapped[bool | None] = mapped_column(Boolean)
    serious_adverse_event: Mapped[bool | None] = mapped_column(Boolean)
    updated_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[str | None] = mapped_column(String(16))
    confirmation: Mapped[str | None] = mapped_column(String(64))


class Vital(Base):
    """Vital signs at a time point of a session (pre-dose, ~40 min, discharge, other)."""

    __tablename__ = "vitals"
    __table_args__ = (CheckConstraint("sbp > dbp", name="sbp_gt_dbp"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    point: Mapped[str] = mapped_column(String(16))
    measured_at: Mapped[datetime]
    sbp: Mapped[int] = mapped_column(Integer)
    dbp: Mapped[int] = mapped_column(Integer)
    hr: Mapped[int | None] = mapped_column(Integer)
    spo2: Mapped[int | None] = mapped_column(Integer)
    rr: Mapped[int | None] = mapped_column(Integer)
    entered_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class ScaleAdministration(Base):
    """One rating-scale administration, stored item by item; totals are computed."""

    __tablename__ = "scale_administrations"
    __table_args__ = (
        UniqueConstraint("site_id", "idempotency_key", name="uq_scales_site_key"),
        Index("ix_scales_patient_time", "patient_id", "administered_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(80))
    instrument: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(16))
    recall: Mapped[str] = mapped_column(String(16))
    administered_at: Mapped[datetime]
    rater_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(120), default="entered")
    imported_rater: Mapped[str | None] = mapped_column(String(200))
    total: Mapped[int | None] = mapped_column(Integer)
    band: Mapped[str | None] = mapped_column(String(32))
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    items: Mapped[list[ScaleItem]] = relationship(order_by="ScaleItem.item_no", cascade="all, delete-orphan")


class ScaleItem(Base):
    """One item's answer (C-SSRS yes/no as 1/0)."""

    __tablename__ = "scale_items"
    __table_args__ = (
        UniqueConstraint("administration_id", "item_no", name="uq_scale_items_admin_item"),
        CheckConstraint("value >= 0 AND value <= 6", name="value"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    administration_id: Mapped[int] = mapped_column(
        ForeignKey("scale_administrations.id", ondelete="CASCADE"), index=True
    )
    item_no: Mapped[int] = mapped_column(Integer)
    value: Mapped[int] = mapped_column(Integer)


class Alert(Base):
    """A safety alert; it is never closed automatically."""

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    source_kind: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)


class Forecast(Base):
    """A model suggestion (trajectory band, booster window) awaiting a clinician's review."""

    __tablename__ = "forecasts"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))
    kind: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(String(80))
    model_version: Mapped[str] = mapped_column(String(40))
    inputs_hash: Mapped[str] = mapped_column(String(64))
    scale: Mapped[str] = mapped_column(String(16))
    trajectory: Mapped[dict[str, Any]] = mapped_column(JSON)
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str | None] = mapped_column(Text)


class AuditEvent(Base):
    """Append-only record of every read of a patient record and every write (triggers forbid edits)."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    patient_id: Mapped[int | None] = mapped_column(Integer, index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    source_ip: Mapped[str | None] = mapped_column(String(64))
