"""Inventory and findings: assets and their dependencies, ingest snapshots and components, the
estate-wide match cache, findings with their attributions and history.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from patchbook.store.types import JSONColumn, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("owner", sa.Text),
        sa.Column("environment", sa.String(16), nullable=False),
        sa.Column("trading_role", sa.Text),
        sa.Column("criticality", sa.String(16), nullable=False),
        sa.Column("exposure", sa.String(24), nullable=False),
        sa.Column("value_at_risk_usd", sa.Float),
        sa.Column("tags", JSONColumn, nullable=False),
        sa.Column("attributes", JSONColumn, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "asset_dependencies",
        sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column(
            "depends_on_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True
        ),
    )
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("ingested_at", UTCDateTime, nullable=False),
        sa.Column("format", sa.String(32), nullable=False),
        sa.Column("spec_version", sa.String(16)),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("components", sa.Integer, nullable=False),
        sa.Column("unmatched", sa.Integer, nullable=False),
        sa.Column("current", sa.Boolean, nullable=False),
    )
    op.create_index("ix_snapshots_asset_id_current", "snapshots", ["asset_id", "current"])
    op.create_table(
        "components",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "snapshot_id", sa.Integer, sa.ForeignKey("snapshots.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("version", sa.Text),
        sa.Column("purl", sa.Text),
        sa.Column("ecosystem", sa.String(64)),
        sa.Column("ecosystem_qualifier", sa.String(128)),
        sa.Column("package", sa.Text),
        sa.Column("package_version", sa.Text),
        sa.Column("direct", sa.Boolean),
        sa.Column("scope", sa.String(32)),
        sa.Column("unmatched_reason", sa.Text),
    )
    op.create_index("ix_components_snapshot_id", "components", ["snapshot_id"])
    op.create_index("ix_components_package", "components", ["ecosystem", "package"])
    op.create_table(
        "matched_versions",
        sa.Column("ecosystem", sa.String(64), primary_key=True),
        sa.Column("qualifier", sa.String(128), primary_key=True),
        sa.Column("package", sa.Text, primary_key=True),
        sa.Column("version", sa.Text, primary_key=True),
        sa.Column("matched_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "version_vulns",
        sa.Column("ecosystem", sa.String(64), primary_key=True),
        sa.Column("qualifier", sa.String(128), primary_key=True),
        sa.Column("package", sa.Text, primary_key=True),
        sa.Column("version", sa.Text, primary_key=True),
        sa.Column(
            "advisory_id",
            sa.String(128),
            sa.ForeignKey("advisories.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("alias_group", sa.String(128), nullable=False),
        sa.Column("fixed", JSONColumn, nullable=False),
    )
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("ecosystem", sa.String(64), nullable=False),
        sa.Column("package", sa.Text, nullable=False),
        sa.Column("alias_group", sa.String(128), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("installed_version", sa.Text),
        sa.Column("fixed_versions", JSONColumn, nullable=False),
        sa.Column("advisory_ids", JSONColumn, nullable=False),
        sa.Column("direct", sa.Boolean),
        sa.Column("first_seen", UTCDateTime, nullable=False),
        sa.Column("last_seen", UTCDateTime, nullable=False),
        sa.Column("state_changed_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("asset_id", "ecosystem", "package", "alias_group"),
    )
    op.create_index("ix_findings_state", "findings", ["state"])
    op.create_index("ix_findings_alias_group", "findings", ["alias_group"])
    op.create_table(
        "finding_attributions",
        sa.Column(
            "finding_id", sa.Integer, sa.ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("first_seen", UTCDateTime, nullable=False),
        sa.Column("last_seen", UTCDateTime, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
    )
    op.create_table(
        "finding_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("finding_id", sa.Integer, sa.ForeignKey("findings.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("detail", JSONColumn, nullable=False),
    )
    op.create_index("ix_finding_events_finding_id", "finding_events", ["finding_id"])


def downgrade() -> None:
    for table in (
        "finding_events",
        "finding_attributions",
        "findings",
        "version_vulns",
        "matched_versions",
        "components",
        "snapshots",
        "asset_dependencies",
        "assets",
    ):
        op.drop_table(table)
