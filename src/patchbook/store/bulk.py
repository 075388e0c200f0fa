"""Bulk inserts below SQLAlchemy's per-row overhead: COPY on PostgreSQL, raw executemany on SQLite.

SQLAlchemy's executemany builds a parameter dict per row, which costs more than the database's own
work on imports of 100,000 records. Here every column's value still goes through the column type's
bind processor (UTC timestamps, JSON), so what lands is exactly what ``insert(table)`` would write.
Runs on the caller's connection, inside its transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection


def insert_rows(conn: Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    if not rows:
        return
    columns = [c for c in table.columns if c.name in rows[0]]
    names = [c.name for c in columns]
    if conn.dialect.name == "postgresql":
        _copy(conn, table, columns, names, rows)
    else:
        processors = [c.type.bind_processor(conn.dialect) for c in columns]
        values = [_row(row, names, processors) for row in rows]
        placeholders = ", ".join("?" for _ in names)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(
                f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({placeholders})", values
            )
        finally:
            cursor.close()


def _row(
    row: Mapping[str, Any], names: list[str], processors: Sequence[Callable[[Any], Any] | None]
) -> tuple[Any, ...]:
    return tuple(p(row[n]) if p is not None else row[n] for n, p in zip(names, processors, strict=True))


def _copy(
    conn: Connection,
    table: sa.Table,
    columns: list[sa.Column[Any]],
    names: list[str],
    rows: Sequence[Mapping[str, Any]],
) -> None:
    # COPY in text format: JSON goes as its text (jsonb parses it), timestamps and the rest are
    # adapted by psycopg. The UTC check of UTCDateTime still runs through its bind processor.
    processors: list[Callable[[Any], Any] | None] = []
    for column in columns:
        if isinstance(column.type, sa.JSON):
            processors.append(_json_text)
        else:
            processors.append(column.type.bind_processor(conn.dialect))
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(_row(row, names, processors))
    finally:
        cursor.close()


def _json_text(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()
