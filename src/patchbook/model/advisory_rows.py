"""What an import writes, as flat rows: built where a record is parsed (possibly a worker process).

The JSON columns are serialised here, once, to the exact text the store's engine would write
(``patchbook.store.types.json_dumps``), so what crosses a process boundary pickles as strings rather
than nested dicts, and the writer binds them as they are. This module stays light on purpose: a worker
imports it without SQLAlchemy or the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import orjson

from patchbook.model.advisory import Advisory


def json_text(value: Any) -> str:
    """The same text as the engine's JSON serialiser (``patchbook.store.types.json_dumps``)."""
    return orjson.dumps(value).decode()


@dataclass(frozen=True, slots=True)
class Skip:
    """A record an import did not use, and why."""

    location: str
    record_id: str | None
    reason: str


class AffectedRow(NamedTuple):
    """One ``affected_packages`` row, less its advisory id."""

    ecosystem: str
    ecosystem_qualifier: str | None
    name: str
    purl: str | None
    ranges: str  # JSON text
    versions: str  # JSON text


class AdvisoryRow(NamedTuple):
    """One ``advisories`` row (less the alias group and import id, known only to the writer)."""

    id: str
    modified: datetime
    published: datetime | None
    withdrawn: datetime | None
    summary: str
    aliases: str  # JSON text
    severity: str  # JSON text
    record: str  # JSON text of the record as received
    sha256: str
    source: str
    identifiers: tuple[str, ...]  # its id and aliases: what it adds to an alias group
    affected: tuple[AffectedRow, ...]


def advisory_row(advisory: Advisory, sha256: str, source: str) -> AdvisoryRow:
    a = advisory
    return AdvisoryRow(
        id=a.id,
        modified=a.modified,
        published=a.published,
        withdrawn=a.withdrawn,
        summary=a.summary,
        aliases=json_text(list(a.aliases)),
        severity=json_text([{"type": s.type, "score": s.score} for s in a.severity]),
        record=json_text(a.raw),
        sha256=sha256,
        source=source,
        identifiers=a.identifiers,
        affected=tuple(
            AffectedRow(
                ecosystem=p.ecosystem,
                ecosystem_qualifier=p.ecosystem_qualifier,
                name=p.name,
                purl=p.purl,
                ranges=json_text(
                    [
                        {
                            "type": r.type,
                            **({"repo": r.repo} if r.repo else {}),
                            "events": [{e.kind: e.version} for e in r.events],
                        }
                        for r in p.ranges
                    ]
                ),
                versions=json_text(list(p.versions)),
            )
            for p in a.affected
        ),
    )
