"""Alembic environment: always runs on the connection of the Store that patchbook opened."""

from __future__ import annotations

from alembic import context

from patchbook.store.engine import Store
from patchbook.store.schema import metadata

store: Store = context.config.attributes["store"]

with store.engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=store.backend == "sqlite",  # SQLite can only ALTER through table copies
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        if store.backend == "postgresql":
            # Two workers upgrading at once must not both run the same migration.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7310624)")
        context.run_migrations()
