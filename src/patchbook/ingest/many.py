"""Parsing many inventory files at once (an estate's SBOMs), in worker processes when it pays.

Parsing is pure CPU and happens before the store transaction, so the files of an inventory are parsed
in a pool of spawn-started processes (never fork: the parent may hold a database connection) while the
parent waits. Results come back in input order; the first bad file's :class:`InputError` is re-raised in
the parent exactly as an in-process parse would raise it, and nothing has been written yet.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from patchbook.ingest import parse
from patchbook.model.component import ParsedInventory

PARALLEL_MIN_FILES = 8  # below this, starting workers costs more than it saves
MAX_WORKERS = 4


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parse_with_hash(path: Path) -> tuple[ParsedInventory, str]:
    return parse(path), file_sha256(path)


def _workers() -> int:
    configured = os.environ.get("PATCHBOOK_INGEST_WORKERS")
    if configured is not None and configured.strip().isdigit():
        return int(configured)
    return min(MAX_WORKERS, os.cpu_count() or 1)


def parse_many(
    paths: Sequence[Path], advance: Callable[[], None] | None = None
) -> list[tuple[ParsedInventory, str]]:
    """(parsed inventory, SHA-256) of each file, in the order given."""
    tick = advance or (lambda: None)
    workers = _workers()
    if len(paths) < PARALLEL_MIN_FILES or workers < 2:
        out = []
        for p in paths:
            out.append(parse_with_hash(p))
            tick()
        return out
    context = multiprocessing.get_context("spawn")
    results = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for result in pool.map(parse_with_hash, paths, chunksize=2):
            results.append(result)
            tick()
    return results
