"""Throwaway PostgreSQL schemas for benchmark runs: one per run, dropped afterwards."""

from __future__ import annotations

import os
import uuid

import sqlalchemy as sa

PG_URL = os.environ.get("PATCHBOOK_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def create_schema(prefix: str) -> tuple[str, str] | None:
    """(PATCHBOOK_DATABASE_URL with its search_path on a fresh schema, schema), or None without PostgreSQL."""
    engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.DBAPIError:
        return None
    finally:
        engine.dispose()
    return f"{PG_URL}?options=-csearch_path%3D{schema}", schema


def drop_schema(schema: str) -> None:
    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()
