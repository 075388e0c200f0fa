"""Simulated deployments of planned patches: each asset's simulation profile and every run's evidence.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from patchbook.store.types import JSONColumn, UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "simulation_profiles",
        sa.Column("asset", sa.Text, primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("set_by", sa.Text, nullable=False),
        sa.Column("set_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "simulation_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("patch_id", sa.Integer, sa.ForeignKey("patches.id", ondelete="SET NULL"), nullable=True),
        sa.Column("asset", sa.Text, nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime, nullable=False),
        sa.Column("profile_source", sa.Text, nullable=False),
        sa.Column("profile_sha256", sa.String(64), nullable=False),
        sa.Column("baseline_cmd", sa.Text, nullable=False),
        sa.Column("candidate_cmd", sa.Text, nullable=False),
        sa.Column("flow_sha256", sa.String(64), nullable=False),
        sa.Column("run", JSONColumn, nullable=False),
    )
    op.create_index("ix_simulation_runs_patch_id", "simulation_runs", ["patch_id"])


def downgrade() -> None:
    op.drop_index("ix_simulation_runs_patch_id", "simulation_runs")
    op.drop_table("simulation_runs")
    op.drop_table("simulation_profiles")
