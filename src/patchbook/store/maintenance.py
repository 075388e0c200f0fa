"""Whole-store operations: emptiness checks and wiping (the demo rebuilds its store from scratch)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from patchbook.store.schema import feed_imports, metadata


def import_sources(conn: Connection) -> list[str]:
    return [r[0] for r in conn.execute(sa.select(feed_imports.c.source).distinct())]


def wipe(conn: Connection) -> None:
    """Delete every row, children before parents; the schema and its revision stay."""
    for table in reversed(metadata.sorted_tables):
        conn.execute(sa.delete(table))


class PlannerStats:
    """Keeps PostgreSQL's planner statistics current during one long bulk transaction.

    Autovacuum cannot see uncommitted rows, so tables that grow by hundreds of thousands of rows
    inside one import still look empty to the planner, and indexed lookups become sequential scans
    (quadratic over the import). ``grew(n)`` re-analyses the given tables every ``every`` rows.
    A no-op on SQLite, whose planner does not depend on such statistics for primary-key lookups.
    """

    def __init__(self, conn: Connection, tables: tuple[str, ...], every: int = 20_000) -> None:
        self.conn = conn
        self.tables = tables
        self.every = every
        self.pending = 0
        self.active = conn.dialect.name == "postgresql"

    def grew(self, rows: int) -> None:
        if not self.active:
            return
        self.pending += rows
        if self.pending >= self.every:
            self.conn.exec_driver_sql(f"ANALYZE {', '.join(self.tables)}")
            self.pending = 0
