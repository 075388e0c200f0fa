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
