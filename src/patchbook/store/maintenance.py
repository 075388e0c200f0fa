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
