"""Triage, risk acceptance and triage rules (issue 4).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from patchbook.store.types import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "finding_triage",
        sa.Column(
            "finding_id", sa.Integer, sa.ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("state", sa.String(24)),
        sa.Column("justification", sa.String(64)),
        sa.Column("reason", sa.Text),
        sa.Column("actor", sa.Text),
        sa.Column("decided_at", UTCDateTime),
        sa.Column("source", sa.Text),
        sa.Column("accepted_by", sa.Text),
        sa.Column("accepted_reason", sa.Text),
        sa.Column("accepted_at", UTCDateTime),
        sa.Column("accepted_until", UTCDateTime),
        sa.Column("expiry_recorded", sa.Boolean, nullable=False),
    )
    op.create_index("ix_finding_triage_accepted_until", "finding_triage", ["accepted_until"])
    op.create_table(
        "triage_rules",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("package", sa.Text),
        sa.Column("ecosystem", sa.String(64)),
        sa.Column("version", sa.Text),
        sa.Column("advisory", sa.String(128)),
        sa.Column("asset_tag", sa.Text),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("justification", sa.String(64)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime),
        sa.Column("removed_by", sa.Text),
        sa.Column("removed_at", UTCDateTime),
    )


def downgrade() -> None:
    op.drop_table("triage_rules")
    op.drop_table("finding_triage")
