"""Opening the store: engine set-up per back end, reachability check, schema revision check."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from patchbook import config
from patchbook.errors import StoreUnavailable
from patchbook.store.types import json_dumps

CONNECT_TIMEOUT_S = 5
# The newest migration. Opening a store compares the database's revision with this constant, so an
# up-to-date store opens without importing Alembic (a third of a short command's start-up);
# tests/store/test_migrations.py checks it against the migration scripts.
SCHEMA_HEAD = "0009"


def _normalise_url(url: str) -> sa.URL:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreUnavailable(f"database URL {url!r} is not a valid SQLAlchemy URL: {exc}") from None
    # A bare postgresql:// URL would pick psycopg2, which patchbook does not install.
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreUnavailable(f"database URL {url!r}: patchbook supports sqlite:// and postgresql:// only")
    return parsed


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (the dashboard, `status`) run while an import writes; foreign keys are off by
    # default in SQLite and the cascades depend on them.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_engine(url: str) -> Engine:
    parsed = _normalise_url(url)
    kwargs: dict[str, Any] = {
        "json_serializer": json_dumps,
        "json_deserializer": orjson.loads,
        "future": True,
    }
    if parsed.get_backend_name() == "postgresql":
        kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S}
        kwargs["pool_pre_ping"] = True
    engine = sa.create_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


@dataclass
class Store:
    """An open store: the engine plus what it points at, for messages."""

    engine: Engine
    url: str

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @property
    def display_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One writing transaction: committed when the block ends, rolled back on any exception.

        On PostgreSQL, writers of one schema take turns (a transaction-scoped advisory lock keyed by
        the schema): an ingest matching against advisories that a concurrent feed import is replacing
        could otherwise cache a stale match. Readers never wait.
        """
        with self.engine.begin() as conn:
            if self.backend == "postgresql":
                conn.exec_driver_sql(
                    "SELECT pg_advisory_xact_lock(hashtext('patchbook:' || current_schema()))"
                )
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(url: str | None = None, *, migrate: bool | None = None, check: bool = True) -> Store:
    """Open (and, for the embedded SQLite file, create and migrate) the store.

    PostgreSQL is a shared server: patchbook never changes its schema implicitly; run
    ``patchbook db upgrade`` once per release instead. ``migrate`` overrides that default;
    ``check=False`` opens without looking at the schema revision (for ``db`` commands).
    """
    url = url or config.database_url()
    engine = create_engine(url)
    store = Store(engine=engine, url=url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreUnavailable(f"cannot reach the database at {store.display_url}: {reason}") from None
    if not check and not migrate:
        return store
    if _revision(engine) == SCHEMA_HEAD:
        return store
    from patchbook.store import migrate as migrations  # only when the schema must change or be checked

    auto = store.backend == "sqlite" if migrate is None else migrate
    if auto:
        migrations.upgrade(store)
    else:
        migrations.require_current(store)
    return store


def _revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DBAPIError:  # no alembic_version table: an empty database
        return None
