"""The esketamine REMS Patient Monitoring Form of each session

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ketasim.store.types import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rems_forms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("concomitant", sa.JSON(), nullable=True),
        sa.Column("monitoring_provider_id", sa.Integer(), nullable=True),
        sa.Column("ready_to_leave_min", sa.Integer(), nullable=True),
        sa.Column("vitals_acceptable_pre", sa.Boolean(), nullable=True),
        sa.Column("vitals_acceptable_end", sa.Boolean(), nullable=True),
        sa.Column("sedation", sa.Boolean(), nullable=True),
        sa.Column("dissociation", sa.Boolean(), nullable=True),
        sa.Column("respiratory_depression", sa.Boolean(), nullable=True),
        sa.Column("serious_adverse_event", sa.Boolean(), nullable=True),
        sa.Column("updated_by", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=True),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("confirmation", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "ready_to_leave_min IS NULL OR ready_to_leave_min >= 0", name=op.f("ck_rems_forms_ready_min")
        ),
        sa.ForeignKeyConstraint(
            ["monitoring_provider_id"], ["users.id"], name=op.f("fk_rems_forms_monitoring_provider_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_rems_forms_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_rems_forms_site_id_sites")),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["users.id"], name=op.f("fk_rems_forms_submitted_by_users")
        ),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], name=op.f("fk_rems_forms_updated_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rems_forms")),
        sa.UniqueConstraint("session_id", name="uq_rems_forms_session"),
    )
    op.create_index(op.f("ix_rems_forms_site_id"), "rems_forms", ["site_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_rems_forms_site_id"), table_name="rems_forms")
    op.drop_table("rems_forms")
