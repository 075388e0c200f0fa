"""Shared test fixtures: where the real data lives, and a scratch PATCHBOOK_HOME per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("PATCHBOOK_SHARED") or REPO.parent / "shared").resolve()
DATA = SHARED / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not DATA.is_dir():
        pytest.fail(f"real test data not found at {DATA}; set PATCHBOOK_SHARED to the shared/ folder")
    return DATA


@pytest.fixture
def pb_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty PATCHBOOK_HOME, and no database URL from the environment."""
    home = tmp_path / "pbhome"
    monkeypatch.setenv("PATCHBOOK_HOME", str(home))
    monkeypatch.delenv("PATCHBOOK_DATABASE_URL", raising=False)
    yield home


# --- the two store back ends ----------------------------------------------------------------------

PG_URL = os.environ.get("PATCHBOOK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_reachable() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    import sqlalchemy as sa

    engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return None
    except Exception as exc:  # any failure to connect means "not here"
        return str(exc).splitlines()[0]
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def pg_available() -> None:
    reason = _pg_reachable()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but PostgreSQL at {PG_URL} is unreachable: {reason}")
    pytest.skip(f"no PostgreSQL at {PG_URL}: {reason}")


@pytest.fixture
def pg_url(pg_available: None) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema of its own, dropped afterwards."""
    import uuid

    import sqlalchemy as sa

    schema = f"pbtest_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every store test runs on both back ends."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def store(db_url: str) -> Iterator[object]:
    from patchbook.store import open_store

    opened = open_store(db_url, migrate=True)
    yield opened
    opened.dispose()
