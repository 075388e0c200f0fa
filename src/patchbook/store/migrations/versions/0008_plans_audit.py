"""Patches, plans, approvals and the hash-chained audit trail (issue 6).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from patchbook.store.types import JSONColumn, UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("venue", sa.Text, nullable=False),
        sa.Column("calendar_source", sa.Text, nullable=False),
        sa.Column("calendar_sha256", sa.String(64)),
        sa.Column("horizon_start", UTCDateTime, nullable=False),
        sa.Column("horizon_end", UTCDateTime, nullable=False),
        sa.Column("summary", JSONColumn, nullable=False),
    )
    op.create_table(
        "patches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "plan_run_id", sa.Integer, sa.ForeignKey("plan_runs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("change_key", sa.Text, nullable=False),
        sa.Column("asset", sa.Text, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("environment", sa.String(16), nullable=False),
        sa.Column("team", sa.Text, nullable=False),
        sa.Column("emergency", sa.Boolean, nullable=False),
        sa.Column("late", sa.Boolean, nullable=False),
        sa.Column("due_date", sa.Date),
        sa.Column("window_start", UTCDateTime),
        sa.Column("window_end", UTCDateTime),
        sa.Column("rollback_end", UTCDateTime),
        sa.Column("risk_reduction", sa.Float, nullable=False),
        sa.Column("requested_by", sa.Text, nullable=False),
        sa.Column("detail", JSONColumn, nullable=False),
        sa.UniqueConstraint("plan_run_id", "change_key", name="uq_patches_plan_run_id_change_key"),
    )
    op.create_table(
        "patch_approvals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("patch_id", sa.Integer, sa.ForeignKey("patches.id", ondelete="CASCADE"), nullable=False),
        sa.Column("approver", sa.Text, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("patch_id", "approver", name="uq_patch_approvals_patch_id_approver"),
    )
    op.create_table(
        "audit_events",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("payload", JSONColumn, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("hash", name="uq_audit_events_hash"),
    )


def downgrade() -> None:
    op.drop_table("audit_events")
    op.drop_table("patch_approvals")
    op.drop_table("patches")
    op.drop_table("plan_runs")
