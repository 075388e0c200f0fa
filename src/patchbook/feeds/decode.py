"""Decoding and validating OSV records into rows to write, in this process or in worker processes.

An import's work is cut into units (a run of zip members or of files), each decoded to a list of
:class:`AdvisoryRow` / :class:`Skip` entries in input order. Large imports decode their units in a
pool of worker processes while the parent writes; results are taken in submission order, so an import
writes the same rows in the same order either way (the same input gives the same store).

Workers are started with ``spawn``, never ``fork``: the parent holds an open database connection, and
a forked child closing its copy could release the parent's SQLite locks. A damaged file a worker meets
raises :class:`InputError` there; it is pickled back and re-raised in the parent when its unit's turn
comes, exactly where an in-process import would have raised it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import NamedTuple

from patchbook.feeds import osv, sources
from patchbook.model.advisory_rows import AdvisoryRow, Skip, advisory_row

Entry = AdvisoryRow | Skip

MEMBERS_PER_UNIT = 500  # zip members: small records, cheap to read
FILES_PER_UNIT = 50  # files of a tree: YAML decoding costs far more per record
PARALLEL_MIN_ITEMS = 2000  # below this, starting workers costs more than it saves
MAX_WORKERS = 4


class Unit(NamedTuple):
    """A slice of one input: zip members of ``path``, or record files (``path`` is then unused)."""

    path: str
    members: tuple[sources.Member, ...] = ()
    files: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return len(self.members) + len(self.files)


def decode_record(raw: sources.RawRecord) -> Entry:
    """One record to its row, or to the Skip saying why it cannot be used."""
    try:
        advisory = osv.parse_record(raw.data)
    except osv.InvalidRecord as exc:
        return Skip(raw.location, exc.record_id, exc.reason)
    return advisory_row(advisory, osv.record_sha256(raw.data), osv.source_of(advisory.id))


def decode_unit(unit: Unit) -> list[Entry]:
    """A unit's entries in input order; raises InputError for damaged input."""
    entries: list[Entry] = []
    if unit.members:
        with sources.ZipReader(Path(unit.path)) as reader:
            for member in unit.members:
                entries.extend(decode_record(raw) for raw in reader.records(member))
    for file in unit.files:
        entries.extend(decode_record(raw) for raw in sources.iter_file(Path(file)))
    return entries


def zip_units(path: Path, members: Sequence[sources.Member]) -> list[Unit]:
    return [
        Unit(str(path), members=tuple(members[i : i + MEMBERS_PER_UNIT]))
        for i in range(0, len(members), MEMBERS_PER_UNIT)
    ]


def file_units(files: Sequence[Path]) -> list[Unit]:
    return [
        Unit("", files=tuple(str(f) for f in files[i : i + FILES_PER_UNIT]))
        for i in range(0, len(files), FILES_PER_UNIT)
    ]


def default_workers() -> int:
    """One worker per CPU this process may use (capped): the parent mostly waits on the database."""
    override = os.environ.get("PATCHBOOK_IMPORT_WORKERS")
    if override is not None and override.strip().isdigit():
        return int(override)
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS))


def _worker_init() -> None:
    # Ctrl-C reaches the whole process group; only the parent acts on it (it cancels the pending
    # units and waits for the running ones), so workers do not print tracebacks of their own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Decoder:
    """Decodes units, in worker processes for large inputs; a context manager that always stops them.

    The pool is started on the first large input and shared by every path of one import.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = default_workers() if workers is None else workers
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Decoder:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Cancel what has not started and wait for the running units (each is bounded work)."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.shutdown(wait=True, cancel_futures=True)

    def decode(self, units: Sequence[Unit]) -> Iterator[tuple[Unit, list[Entry]]]:
        """Each unit with its entries, in order."""
        if self.workers < 1 or sum(u.size for u in units) <= PARALLEL_MIN_ITEMS:
            for unit in units:
                yield unit, decode_unit(unit)
            return
        pool = self._start()
        # Keep a few units in flight per worker: enough to keep them busy while the parent writes,
        # few enough that decoded rows waiting for the parent stay a small part of memory.
        ahead = 2 * self.workers + 1
        pending: deque[tuple[Unit, Future[list[Entry]]]] = deque()
        queue: Iterator[Unit] = iter(units)
        for unit in queue:
            pending.append((unit, pool.submit(decode_unit, unit)))
            if len(pending) >= ahead:
                break
        while pending:
            unit, future = pending.popleft()
            # Bounded by the work: a unit finishes, raises, or its worker dies (BrokenProcessPool).
            entries = future.result()
            following = next(queue, None)
            if following is not None:
                pending.append((following, pool.submit(decode_unit, following)))
            yield unit, entries

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_init,
            )
        return self._pool
