"""Smart-contract assets and compiler-bug matching (issue 5).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from patchbook.store.types import JSONColumn, UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contracts",
        sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("chain", sa.String(64)),
        sa.Column("chain_id", sa.BigInteger),
        sa.Column("address", sa.String(42)),
        sa.Column("contract_name", sa.Text),
        sa.Column("compiler_version", sa.String(32)),
        sa.Column("settings", JSONColumn, nullable=False),
        sa.Column("libraries", JSONColumn, nullable=False),
        sa.Column("proxy", sa.String(16), nullable=False),
        sa.Column("implementation", sa.String(42)),
        sa.Column("admin", sa.String(42)),
        sa.Column("owner", sa.String(42)),
        sa.Column("timelock_address", sa.String(42)),
        sa.Column("timelock_min_delay_seconds", sa.Integer),
        sa.Column("multisig_address", sa.String(42)),
        sa.Column("multisig_threshold", sa.Integer),
        sa.Column("multisig_signers", sa.Integer),
        sa.Column("pausable", sa.Boolean),
        sa.Column("compiler_bugs", JSONColumn, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "solc_bugs",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("uid", sa.String(32), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("introduced", sa.String(32)),
        sa.Column("fixed", sa.String(32)),
        sa.Column("conditions", JSONColumn, nullable=False),
        sa.Column("link", sa.Text),
        sa.Column("published", sa.String(32)),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("feed_imports.id"), nullable=False),
    )
    op.create_table(
        "solc_releases",
        sa.Column("version", sa.String(32), primary_key=True),
        sa.Column("bugs", JSONColumn, nullable=False),
        sa.Column("released", sa.String(16)),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("feed_imports.id"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("solc_releases")
    op.drop_table("solc_bugs")
    op.drop_table("contracts")
