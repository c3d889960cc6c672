"""Initial schema: sites, staff, patients, courses, sessions, scales, alerts, forecasts, audit

Revision ID: 0001
Revises:
Create Date: 2026-11-27 11:29:23.327345
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ketasim.store.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("rems_certified", sa.Boolean(), nullable=False),
        sa.Column("madrs_si_cutoff", sa.Integer(), nullable=False),
        sa.Column("iv_max_mg_per_kg", sa.Float(), nullable=False),
        sa.Column("iv_min_infusion_min", sa.Float(), nullable=False),
        sa.Column("weight_max_age_days", sa.Integer(), nullable=False),
        sa.Column("bp40_window_min", sa.JSON(), nullable=False),
        sa.Column("min_interval_warn_h", sa.Float(), nullable=False),
        sa.Column("created_at", ketasim.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
        sa.UniqueConstraint("name", name=op.f("uq_sites_name")),
    )
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("mrn", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=8), nullable=False),
        sa.Column("ancestry", sa.String(length=16), nullable=False),
        sa.Column("weight_kg", sa.Float(), nullable=True),
        sa.Column("weight_measured_on", sa.Date(), nullable=True),
        sa.Column("bdnf_val66met", sa.String(length=16), nullable=False),
        sa.Column("benzodiazepine_mg_day", sa.Float(), nullable=False),
        sa.Column("rems_enrolled", sa.Boolean(), nullable=False),
        sa.Column("pregnancy_positive", sa.Boolean(), nullable=False),
        sa.Column("death_date", sa.Date(), nullable=True),
        sa.Column("created_at", ketasim.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "weight_kg IS NULL OR (weight_kg >= 30 AND weight_kg <= 300)", name=op.f("ck_patients_weight")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_patients_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patients")),
        sa.UniqueConstraint("site_id", "mrn", name="uq_patients_site_mrn"),
    )
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patients_site_id"), ["site_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", ketasim.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('admin','clinician','viewer')", name=op.f("ck_users_role")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_users_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_site_id"), ["site_id"], unique=False)

    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("source_kind", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("created_at", ketasim.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", ketasim.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"], ["users.id"], name=op.f("fk_alerts_acknowledged_by_users")
        ),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], name=op.f("fk_alerts_patient_id_patients")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_alerts_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_site_id"), ["site_id"], unique=False)

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", ketasim.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("source_ip", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_audit_events_actor_id_users")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_audit_events_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_site_id"), ["site_id"], unique=False)

    op.create_table(
        "contraindications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("flagged_at", ketasim.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("flagged_by", sa.Integer(), nullable=False),
        sa.Column("resolved_at", ketasim.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.Integer(), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["flagged_by"], ["users.id"], name=op.f("fk_contraindications_flagged_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_contraindications_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by"], ["users.id"], name=op.f("fk_contraindications_resolved_by_users")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_contraindications_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contraindications")),
    )
    with op.batch_alter_table("contraindications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contraindications_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contraindications_site_id"), ["site_id"], unique=False)

    op.create_table(
        "courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("protocol", sa.String(length=40), nullable=False),
        sa.Column("drug", sa.String(length=32), nullable=False),
        sa.Column("route", sa.String(length=16), nullable=False),
        sa.Column("label_status", sa.String(length=16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("mg_per_kg", sa.Float(), nullable=True),
        sa.Column("infusion_min", sa.Float(), nullable=True),
        sa.Column("created_at", ketasim.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], name=op.f("fk_courses_patient_id_patients")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_courses_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
    )
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_courses_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_courses_site_id"), ["site_id"], unique=False)

    op.create_table(
        "login_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", ketasim.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", ketasim.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_login_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_sessions_token_hash")),
    )
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "forecasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("model", sa.String(length=80), nullable=False),
        sa.Column("model_version", sa.String(length=40), nullable=False),
        sa.Column("inputs_hash", sa.String(length=64), nullable=False),
        sa.Column("scale", sa.String(length=16), nullable=False),
        sa.Column("trajectory", sa.JSON(), nullable=False),
        sa.Column("window_start", ketasim.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("window_end", ketasim.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("generated_at", ketasim.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", ketasim.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"], name=op.f("fk_forecasts_course_id_courses")),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_forecasts_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(["reviewed_by"], ["users.id"], name=op.f("fk_forecasts_reviewed_by_users")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_forecasts_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecasts")),
    )
    with op.batch_alter_table("forecasts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forecasts_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_forecasts_site_id"), ["site_id"], unique=False)

    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=80), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("scheduled_at", ketasim.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("drug", sa.String(length=32), nullable=False),
        sa.Column("route", sa.String(length=16), nullable=False),
        sa.Column("dose_mg", sa.Float(), nullable=True),
        sa.Column("mg_per_kg", sa.Float(), nullable=True),
        sa.Column("weight_kg", sa.Float(), nullable=True),
        sa.Column("weight_measured_on", sa.Date(), nullable=True),
        sa.Column("infusion_min", sa.Float(), nullable=True),
        sa.Column("lot", sa.String(length=64), nullable=True),
        sa.Column("lot_expiry", sa.Date(), nullable=True),
        sa.Column("arrival_at", ketasim.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dose_start_at", ketasim.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dose_end_at", ketasim.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("monitoring_end_at", ketasim.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("discharge_at", ketasim.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cadss", sa.Integer(), nullable=True),
        sa.Column("moaas_min", sa.Integer(), nullable=True),
        sa.Column("adverse_events", sa.Text(), nullable=False),
        sa.Column("pulse_oximetry", sa.Boolean(), nullable=False),
        sa.Column("discharge_ready", sa.Boolean(), nullable=False),
        sa.Column("discharge_assessed_by", sa.Integer(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", ketasim.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", ketasim.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("dose_mg IS NULL OR dose_mg > 0", name=op.f("ck_sessions_dose")),
        sa.ForeignKeyConstraint(["closed_by"], ["users.id"], name=op.f("fk_sessions_closed_by_users")),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"], name=op.f("fk_sessions_course_id_courses")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_sessions_created_by_users")),
        sa.ForeignKeyConstraint(
            ["discharge_assessed_by"], ["users.id"], name=op.f("fk_sessions_discharge_assessed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_sessions_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_sessions_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("site_id", "idempotency_key", name="uq_sessions_site_key"),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sessions_course_id"), ["course_id"], unique=False)
        batch_op.create_index("ix_sessions_patient_day", ["patient_id", "day"], unique=False)
        batch_op.create_index(batch_op.f("ix_sessions_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sessions_site_id"), ["site_id"], unique=False)

    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("given_at", ketasim.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_devices_session_id_sessions"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        sa.UniqueConstraint("session_id", "seq", name="uq_devices_session_seq"),
    )
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_devices_session_id"), ["session_id"], unique=False)

    op.create_table(
        "scale_administrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=80), nullable=True),
        sa.Column("instrument", sa.String(length=16), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("recall", sa.String(length=16), nullable=False),
        sa.Column("administered_at", ketasim.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rater_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("imported_rater", sa.String(length=200), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("band", sa.String(length=32), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("created_at", ketasim.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_scale_administrations_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["rater_id"], ["users.id"], name=op.f("fk_scale_administrations_rater_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_scale_administrations_session_id_sessions")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_scale_administrations_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scale_administrations")),
        sa.UniqueConstraint("site_id", "idempotency_key", name="uq_scales_site_key"),
    )
    with op.batch_alter_table("scale_administrations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scale_administrations_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_scale_administrations_site_id"), ["site_id"], unique=False)
        batch_op.create_index("ix_scales_patient_time", ["patient_id", "administered_at"], unique=False)

    op.create_table(
        "vitals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("point", sa.String(length=16), nullable=False),
        sa.Column("measured_at", ketasim.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sbp", sa.Integer(), nullable=False),
        sa.Column("dbp", sa.Integer(), nullable=False),
        sa.Column("hr", sa.Integer(), nullable=True),
        sa.Column("spo2", sa.Integer(), nullable=True),
        sa.Column("rr", sa.Integer(), nullable=True),
        sa.Column("entered_by", sa.Integer(), nullable=False),
        sa.CheckConstraint("sbp > dbp", name=op.f("ck_vitals_sbp_gt_dbp")),
        sa.ForeignKeyConstraint(["entered_by"], ["users.id"], name=op.f("fk_vitals_entered_by_users")),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_vitals_session_id_sessions"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vitals")),
    )
    with op.batch_alter_table("vitals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vitals_session_id"), ["session_id"], unique=False)

    op.create_table(
        "scale_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("administration_id", sa.Integer(), nullable=False),
        sa.Column("item_no", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.CheckConstraint("value >= 0 AND value <= 6", name=op.f("ck_scale_items_value")),
        sa.ForeignKeyConstraint(
            ["administration_id"],
            ["scale_administrations.id"],
            name=op.f("fk_scale_items_administration_id_scale_administrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scale_items")),
        sa.UniqueConstraint("administration_id", "item_no", name="uq_scale_items_admin_item"),
    )
    with op.batch_alter_table("scale_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scale_items_administration_id"), ["administration_id"], unique=False
        )

    _audit_append_only()


def downgrade() -> None:
    _drop_audit_triggers()
    with op.batch_alter_table("scale_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scale_items_administration_id"))

    op.drop_table("scale_items")
    with op.batch_alter_table("vitals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vitals_session_id"))

    op.drop_table("vitals")
    with op.batch_alter_table("scale_administrations", schema=None) as batch_op:
        batch_op.drop_index("ix_scales_patient_time")
        batch_op.drop_index(batch_op.f("ix_scale_administrations_site_id"))
        batch_op.drop_index(batch_op.f("ix_scale_administrations_patient_id"))

    op.drop_table("scale_administrations")
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_devices_session_id"))

    op.drop_table("devices")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sessions_site_id"))
        batch_op.drop_index(batch_op.f("ix_sessions_patient_id"))
        batch_op.drop_index("ix_sessions_patient_day")
        batch_op.drop_index(batch_op.f("ix_sessions_course_id"))

    op.drop_table("sessions")
    with op.batch_alter_table("forecasts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forecasts_site_id"))
        batch_op.drop_index(batch_op.f("ix_forecasts_patient_id"))

    op.drop_table("forecasts")
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_sessions_user_id"))

    op.drop_table("login_sessions")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_courses_site_id"))
        batch_op.drop_index(batch_op.f("ix_courses_patient_id"))

    op.drop_table("courses")
    with op.batch_alter_table("contraindications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contraindications_site_id"))
        batch_op.drop_index(batch_op.f("ix_contraindications_patient_id"))

    op.drop_table("contraindications")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_site_id"))
        batch_op.drop_index(batch_op.f("ix_audit_events_patient_id"))

    op.drop_table("audit_events")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_site_id"))
        batch_op.drop_index(batch_op.f("ix_alerts_patient_id"))

    op.drop_table("alerts")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_site_id"))

    op.drop_table("users")
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patients_site_id"))

    op.drop_table("patients")
    op.drop_table("sites")


def _audit_append_only() -> None:
    # The audit log is append-only in the database itself, not just in the application.
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
    )


def _drop_audit_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
        return
    op.execute("DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events")
    op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
