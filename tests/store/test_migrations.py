"""Migrations: the head constant matches the scripts, and every revision goes down and up again on
both back ends."""

from __future__ import annotations

from alembic import command

from patchbook.store import Store
from patchbook.store import migrate as migrations
from patchbook.store.engine import SCHEMA_HEAD


def test_schema_head_constant_matches_the_scripts() -> None:
    assert migrations.head_revision() == SCHEMA_HEAD


def test_migrations_go_down_and_up(store: Store) -> None:
    assert migrations.current_revision(store) == SCHEMA_HEAD
    config = migrations._config(store)
    command.downgrade(config, "base")
    assert migrations.current_revision(store) is None
    before, after = migrations.upgrade(store)
    assert (before, after) == (None, SCHEMA_HEAD)
