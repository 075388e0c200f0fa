"""Findings from scanner reports and code findings (issue 5).

Dependency findings from reports reuse ``findings`` / ``finding_attributions``; this adds code findings
(SAST, Slither) with their history, what each report stated about a dependency finding, and the log of
report imports (docs/decisions/008-report-findings.md).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from patchbook.store.types import JSONColumn, UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "code_findings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("tool", sa.String(64), nullable=False),
        sa.Column("rule_id", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("level", sa.String(32)),
        sa.Column("security_severity", sa.Float),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("file", sa.Text),
        sa.Column("line", sa.Integer),
        sa.Column("first_seen", UTCDateTime, nullable=False),
        sa.Column("last_seen", UTCDateTime, nullable=False),
        sa.Column("state_changed_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("asset_id", "tool", "rule_id", "fingerprint"),
    )
    op.create_index("ix_code_findings_state", "code_findings", ["state"])
    op.create_table(
        "code_finding_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "code_finding_id",
            sa.Integer,
            sa.ForeignKey("code_findings.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("detail", JSONColumn, nullable=False),
    )
    op.create_index("ix_code_finding_events_code_finding_id", "code_finding_events", ["code_finding_id"])
    op.create_table(
        "finding_report_details",
        sa.Column(
            "finding_id", sa.Integer, sa.ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("stated_severity", sa.String(32)),
        sa.Column("title", sa.Text),
        sa.Column("ids", JSONColumn, nullable=False),
        sa.Column("fixed_versions", JSONColumn, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "report_imports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("format", sa.String(32), nullable=False),
        sa.Column("tools", JSONColumn, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("imported_at", UTCDateTime, nullable=False),
        sa.Column("findings", sa.Integer, nullable=False),
        sa.Column("new_findings", sa.Integer, nullable=False),
    )
    op.create_index("ix_report_imports_asset_id", "report_imports", ["asset_id"])


def downgrade() -> None:
    op.drop_index("ix_report_imports_asset_id", table_name="report_imports")
    op.drop_table("report_imports")
    op.drop_table("finding_report_details")
    op.drop_index("ix_code_finding_events_code_finding_id", table_name="code_finding_events")
    op.drop_table("code_finding_events")
    op.drop_index("ix_code_findings_state", table_name="code_findings")
    op.drop_table("code_findings")
