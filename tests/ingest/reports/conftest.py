"""Helpers for the report parser tests: the real sample reports live in shared/data/reports."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def reports(shared_data: Path) -> Path:
    return shared_data / "reports"
