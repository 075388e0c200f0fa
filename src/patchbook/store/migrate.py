"""Alembic, driven from code: ``patchbook db upgrade`` and the revision check on open."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from patchbook.errors import StoreUnavailable
from patchbook.store.engine import Store


def _config(store: Store) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "patchbook.store:migrations")
    cfg.attributes["store"] = store
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config_for_scripts()).get_current_head()
    assert head is not None, "patchbook ships at least one migration"
    return head


def _config_for_scripts() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "patchbook.store:migrations")
    return cfg


def current_revision(store: Store) -> str | None:
    with store.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(store: Store, revision: str = "head") -> tuple[str | None, str]:
    """Migrate to ``revision``; returns (before, after)."""
    before = current_revision(store)
    command.upgrade(_config(store), revision)
    return before, current_revision(store) or ""


def require_current(store: Store) -> None:
    current, head = current_revision(store), head_revision()
    if current != head:
        state = "has no patchbook schema" if current is None else f"is at schema revision {current}"
        raise StoreUnavailable(
            f"the database at {store.display_url} {state}, this patchbook needs {head}: "
            "run `patchbook db upgrade`"
        )
