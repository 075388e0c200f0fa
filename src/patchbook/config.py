"""Where patchbook keeps its data: ``$PATCHBOOK_HOME`` (default ``~/.patchbook``) and the database URL."""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """The patchbook home directory; created on first use."""
    path = Path(os.environ.get("PATCHBOOK_HOME") or Path.home() / ".patchbook").expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """``PATCHBOOK_DATABASE_URL`` if set (PostgreSQL for scale-out), else the embedded SQLite file."""
    url = os.environ.get("PATCHBOOK_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{home() / 'patchbook.db'}"
