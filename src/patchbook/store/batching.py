"""Splitting long key lists so every ``IN (...)`` stays within the back ends' parameter limits."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
IN_CHUNK = 500  # bound parameters per IN (...) list; far below SQLite's and PostgreSQL's limits


def chunks(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
