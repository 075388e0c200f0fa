"""The match cache stops copying alias groups: findings read each advisory's current group, so a
merge made through another package moves them too.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("version_vulns") as batch:
        batch.drop_column("alias_group")


def downgrade() -> None:
    # The cache is derived data: emptying it makes the next ingest match everything again.
    op.execute("DELETE FROM version_vulns")
    op.execute("DELETE FROM matched_versions")
    with op.batch_alter_table("version_vulns") as batch:
        batch.add_column(sa.Column("alias_group", sa.String(128), nullable=False, server_default=""))
