"""The schema, as SQLAlchemy Core tables. Alembic migrations under ``migrations/`` create it.

Advisory data (this module) is keyed by OSV id; alias groups use a stable human-readable key (the
group's CVE id where it has one), so the findings of the inventory stage can reference
``(asset, component, alias_group)`` without reshaping anything here.
"""

from __future__ import annotations

import sqlalchemy as sa

from patchbook.store.types import JSONColumn, UTCDateTime

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

feed_imports = sa.Table(
    "feed_imports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),  # osv | kev
    sa.Column("source", sa.Text, nullable=False),  # a path or the URL it was fetched from
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime, nullable=True),
    sa.Column("fetched_at", UTCDateTime, nullable=True),  # set by `feeds sync`
    sa.Column("sha256", sa.String(64), nullable=True),
    sa.Column("upstream_marker", sa.Text, nullable=True),  # KEV catalogVersion, OSV max(modified)
    sa.Column("records_seen", sa.Integer, nullable=False, default=0),
    sa.Column("inserted", sa.Integer, nullable=False, default=0),
    sa.Column("updated", sa.Integer, nullable=False, default=0),
    sa.Column("unchanged", sa.Integer, nullable=False, default=0),
    sa.Column("removed", sa.Integer, nullable=False, default=0),
    sa.Column("skipped", sa.Integer, nullable=False, default=0),
)

feed_skips = sa.Table(
    "feed_skips",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("import_id", sa.Integer, sa.ForeignKey("feed_imports.id", ondelete="CASCADE"), nullable=False),
    sa.Column("record_id", sa.Text, nullable=True),
    sa.Column("location", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Index("ix_feed_skips_import_id", "import_id"),
)

advisories = sa.Table(
    "advisories",
    metadata,
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column("modified", UTCDateTime, nullable=False),
    sa.Column("published", UTCDateTime, nullable=True),
    sa.Column("withdrawn", UTCDateTime, nullable=True),
    sa.Column("summary", sa.Text, nullable=False, default=""),
    sa.Column("aliases", JSONColumn, nullable=False),
    sa.Column("severity", JSONColumn, nullable=False),
    sa.Column("alias_group", sa.String(128), nullable=False),
    sa.Column("record", JSONColumn, nullable=False),  # the OSV record as received
    sa.Column("sha256", sa.String(64), nullable=False),  # of the canonical record, to spot silent edits
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("import_id", sa.Integer, sa.ForeignKey("feed_imports.id"), nullable=False),
    sa.Index("ix_advisories_alias_group", "alias_group"),
)

affected_packages = sa.Table(
    "affected_packages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "advisory_id", sa.String(128), sa.ForeignKey("advisories.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("ecosystem", sa.String(64), nullable=False),  # base name: "Debian" for "Debian:11"
    sa.Column("ecosystem_qualifier", sa.String(128), nullable=True),
    sa.Column("name", sa.Text, nullable=False),  # normalised for lookup
    sa.Column("purl", sa.Text, nullable=True),
    sa.Column("ranges", JSONColumn, nullable=False),
    sa.Column("versions", JSONColumn, nullable=False),
    sa.Index("ix_affected_packages_ecosystem_name", "ecosystem", "name"),
    sa.Index("ix_affected_packages_advisory_id", "advisory_id"),
)

# Every identifier (OSV id or alias) -> the key of its alias group. Groups only ever merge.
alias_members = sa.Table(
    "alias_members",
    metadata,
    sa.Column("identifier", sa.String(128), primary_key=True),
    sa.Column("alias_group", sa.String(128), nullable=False),
    sa.Index("ix_alias_members_alias_group", "alias_group"),
)

kev_entries = sa.Table(
    "kev_entries",
    metadata,
    sa.Column("cve_id", sa.String(32), primary_key=True),
    sa.Column("vendor", sa.Text, nullable=False),
    sa.Column("product", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("date_added", sa.Date, nullable=False),
    sa.Column("due_date", sa.Date, nullable=True),
    sa.Column("known_ransomware", sa.Boolean, nullable=False),
    sa.Column("short_description", sa.Text, nullable=False),
    sa.Column("required_action", sa.Text, nullable=False),
    sa.Column("notes", sa.Text, nullable=False),
    sa.Column("cwes", JSONColumn, nullable=False),
    sa.Column("import_id", sa.Integer, sa.ForeignKey("feed_imports.id"), nullable=False),
)
