"""Risk: EPSS history and finding scores (issue 4).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from patchbook.store.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "epss_scores",
        sa.Column("cve", sa.String(32), primary_key=True),
        sa.Column("score_date", sa.Date, primary_key=True),
        sa.Column("epss", sa.Float, nullable=False),
        sa.Column("percentile", sa.Float),
        sa.Column("model_version", sa.String(32)),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("feed_imports.id"), nullable=False),
    )
    op.create_index("ix_epss_scores_score_date", "epss_scores", ["score_date"])
    op.create_table(
        "finding_scores",
        sa.Column(
            "finding_id", sa.Integer, sa.ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("cisa", sa.String(8), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("impact", sa.Float, nullable=False),
        sa.Column("criticality_weight", sa.Float, nullable=False),
        sa.Column("value_at_risk_factor", sa.Float, nullable=False),
        sa.Column("exposure_weight", sa.Float, nullable=False),
        sa.Column("reachability_weight", sa.Float, nullable=False),
        sa.Column("severity", sa.String(16)),
        sa.Column("severity_score", sa.Float),
        sa.Column("in_kev", sa.Boolean, nullable=False),
        sa.Column("epss", sa.Float),
        sa.Column("due_date", sa.Date),
        sa.Column("exploitation", sa.String(16), nullable=False),
        sa.Column("system_exposure", sa.String(16), nullable=False),
        sa.Column("automatable", sa.String(8), nullable=False),
        sa.Column("human_impact", sa.String(16), nullable=False),
        sa.Column("computed_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("finding_scores")
    op.drop_table("epss_scores")
