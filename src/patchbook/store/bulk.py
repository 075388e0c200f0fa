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

from patchbook.store.types import JSONColumn

Processor = Callable[[Any], Any]


def insert_rows(conn: Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    if not rows:
        return
    names = [c.name for c in table.columns if c.name in rows[0]]
    insert_tuples(conn, table, names, [tuple(row[n] for n in names) for row in rows])


def insert_tuples(
    conn: Connection,
    table: sa.Table,
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    json_text: bool = False,
) -> None:
    """Insert ``rows`` (values in the order of ``names``).

    ``json_text``: the JSON columns already hold their serialised text (the engine serialiser's exact
    output, made where the record was parsed), written as it is instead of serialised again.
    """
    if not rows:
        return
    columns = [table.c[name] for name in names]
    postgres = conn.dialect.name == "postgresql"
    processors: list[Processor | None] = []
    for column in columns:
        if isinstance(column.type, JSONColumn | sa.JSON) and (json_text or postgres):
            # COPY takes JSON as its text (jsonb parses it); SQLite stores the text the serialiser made.
            processors.append(None if json_text else _json_text)
        else:
            processors.append(column.type.bind_processor(conn.dialect))
    values = _processed(rows, processors)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if postgres:
            # Timestamps and the rest are adapted by psycopg; the UTC check of UTCDateTime still ran
            # through its bind processor above.
            with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            placeholders = ", ".join("?" for _ in names)
            cursor.executemany(
                f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({placeholders})", values
            )
    finally:
        cursor.close()


def _processed(
    rows: Sequence[Sequence[Any]], processors: Sequence[Processor | None]
) -> Sequence[Sequence[Any]]:
    """Rows with each bind processor applied; only the columns that have one are touched."""
    active = [(i, p) for i, p in enumerate(processors) if p is not None]
    if not active:
        return rows
    out: list[list[Any]] = []
    for row in rows:
        values = list(row)
        for i, process in active:
            values[i] = process(values[i])
        out.append(values)
    return out


def _json_text(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()
