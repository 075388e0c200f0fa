"""Persistence: SQLAlchemy 2 Core schema, Alembic migrations and set-based repositories.

The embedded default is one SQLite file under ``$PATCHBOOK_HOME``; ``PATCHBOOK_DATABASE_URL`` selects
PostgreSQL. Repositories take a ``Connection`` so a whole command runs in one transaction.
"""

from patchbook.store.engine import Store, open_store

__all__ = ["Store", "open_store"]
