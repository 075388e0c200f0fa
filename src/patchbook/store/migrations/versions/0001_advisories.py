"""Advisory feeds: imports and their skips, OSV advisories, affected packages, alias groups, KEV.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from patchbook.store.types import JSONColumn, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_imports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime),
        sa.Column("fetched_at", UTCDateTime),
        sa.Column("sha256", sa.String(64)),
        sa.Column("upstream_marker", sa.Text),
        *(
            sa.Column(name, sa.Integer, nullable=False)
            for name in ("records_seen", "inserted", "updated", "unchanged", "removed", "skipped")
        ),
    )
    op.create_table(
        "feed_skips",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "import_id", sa.Integer, sa.ForeignKey("feed_imports.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("record_id", sa.Text),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_index("ix_feed_skips_import_id", "feed_skips", ["import_id"])
    op.create_table(
        "advisories",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("modified", UTCDateTime, nullable=False),
        sa.Column("published", UTCDateTime),
        sa.Column("withdrawn", UTCDateTime),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("aliases", JSONColumn, nullable=False),
        sa.Column("severity", JSONColumn, nullable=False),
        sa.Column("alias_group", sa.String(128), nullable=False),
        sa.Column("record", JSONColumn, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("feed_imports.id"), nullable=False),
    )
    op.create_index("ix_advisories_alias_group", "advisories", ["alias_group"])
    op.create_table(
        "affected_packages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "advisory_id", sa.String(128), sa.ForeignKey("advisories.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("ecosystem", sa.String(64), nullable=False),
        sa.Column("ecosystem_qualifier", sa.String(128)),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("purl", sa.Text),
        sa.Column("ranges", JSONColumn, nullable=False),
        sa.Column("versions", JSONColumn, nullable=False),
    )
    op.create_index("ix_affected_packages_ecosystem_name", "affected_packages", ["ecosystem", "name"])
    op.create_index("ix_affected_packages_advisory_id", "affected_packages", ["advisory_id"])
    op.create_table(
        "alias_members",
        sa.Column("identifier", sa.String(128), primary_key=True),
        sa.Column("alias_group", sa.String(128), nullable=False),
    )
    op.create_index("ix_alias_members_alias_group", "alias_members", ["alias_group"])
    op.create_table(
        "kev_entries",
        sa.Column("cve_id", sa.String(32), primary_key=True),
        sa.Column("vendor", sa.Text, nullable=False),
        sa.Column("product", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("date_added", sa.Date, nullable=False),
        sa.Column("due_date", sa.Date),
        sa.Column("known_ransomware", sa.Boolean, nullable=False),
        sa.Column("short_description", sa.Text, nullable=False),
        sa.Column("required_action", sa.Text, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("cwes", JSONColumn, nullable=False),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("feed_imports.id"), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "kev_entries",
        "alias_members",
        "affected_packages",
        "advisories",
        "feed_skips",
        "feed_imports",
    ):
        op.drop_table(table)
