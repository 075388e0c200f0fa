"""The demo: a small, realistic venue built in the embedded store from data bundled in the package.

It replaces an earlier demo, and refuses (without ``force``) a store that holds anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from patchbook import versions
from patchbook.demo import DATA
from patchbook.errors import PatchbookError
from patchbook.model.risk import SeverityAssessment
from patchbook.risk import best_severity
from patchbook.service import feeds as feed_service
from patchbook.service.progress import Progress
from patchbook.store import Store
from patchbook.store.maintenance import import_sources, wipe
from patchbook.store.schema import advisories, affected_packages, kev_entries

# What the demo venue runs: (asset, ecosystem, package, installed version).
DEMO_PINS: tuple[tuple[str, str, str, str], ...] = (
    ("settlement-service", "Maven", "org.apache.logging.log4j:log4j-core", "2.14.1"),
    ("market-data-gateway", "PyPI", "requests", "2.28.1"),
    ("market-data-gateway", "PyPI", "urllib3", "1.26.12"),
    ("market-data-gateway", "PyPI", "aiohttp", "3.9.5"),
    ("risk-engine", "PyPI", "cryptography", "41.0.3"),
    ("order-gateway", "npm", "ws", "8.11.0"),
    ("order-gateway", "npm", "axios", "1.4.0"),
    ("order-gateway", "npm", "lodash", "4.17.21"),
)


class DemoRefused(PatchbookError):
    pass


@dataclass(frozen=True)
class Hit:
    """One vulnerability (alias group) affecting a pinned version, with every advisory that says so."""

    advisory_ids: tuple[str, ...]
    alias_group: str
    summary: str
    severity: str  # "critical 10.0", or the band the source states
    in_kev: bool
    fixed_in: tuple[str, ...]


@dataclass(frozen=True)
class PinCheck:
    asset: str
    ecosystem: str
    package: str
    version: str
    hits: tuple[Hit, ...]


@dataclass(frozen=True)
class DemoResult:
    reports: list[feed_service.ImportReport]
    checks: list[PinCheck]


def _is_demo_source(source: str) -> bool:
    return source.startswith(str(DATA))


def build(store: Store, *, force: bool = False, progress: Progress | None = None) -> DemoResult:
    with store.engine.connect() as conn:
        foreign = [s for s in import_sources(conn) if not _is_demo_source(s)]
    if foreign and not force:
        raise DemoRefused(
            f"the store at {store.display_url} holds data that is not the demo's "
            f"(imported from {foreign[0]}{' and others' if len(foreign) > 1 else ''}); "
            "use `patchbook demo --force` to replace it, or set PATCHBOOK_HOME to an empty directory"
        )
    with store.transaction() as conn:
        wipe(conn)
    reports = feed_service.import_paths(store, [DATA / "advisories", DATA / "kev.json"], progress=progress)
    return DemoResult(reports=reports, checks=check_pins(store))


def check_pins(store: Store) -> list[PinCheck]:
    """Which stored advisories affect each pinned version (a preview of what matching will do)."""
    checks = []
    with store.engine.connect() as conn:
        for asset, ecosystem, package, version in DEMO_PINS:
            name = versions.normalise_name(ecosystem, package)
            names_it = sa.select(affected_packages.c.advisory_id).where(
                affected_packages.c.ecosystem == ecosystem, affected_packages.c.name == name
            )
            rows = conn.execute(
                sa.select(
                    advisories.c.id,
                    advisories.c.alias_group,
                    advisories.c.summary,
                    advisories.c.record,
                    kev_entries.c.cve_id.is_not(None).label("in_kev"),
                )
                .outerjoin(kev_entries, kev_entries.c.cve_id == advisories.c.alias_group)
                .where(advisories.c.id.in_(names_it))
                .order_by(advisories.c.id)
            ).all()
            by_group: dict[str, list[Any]] = {}
            for r in rows:
                if versions.affected(r.record, ecosystem, package, version):
                    by_group.setdefault(r.alias_group, []).append(r)
            hits = tuple(
                _hit(group, members, ecosystem, package, version) for group, members in by_group.items()
            )
            checks.append(PinCheck(asset, ecosystem, package, version, hits))
    return checks


def _hit(group: str, members: list[Any], ecosystem: str, package: str, version: str) -> Hit:
    scored = [_severity(m.record) for m in members]
    best = max(
        (a for a in scored if a is not None), key=lambda a: (a.score is not None, a.score or 0), default=None
    )
    fixes = {f for m in members for f in versions.fixed_for(m.record, ecosystem, package, version)}
    return Hit(
        advisory_ids=tuple(m.id for m in members),
        alias_group=group,
        summary=members[0].summary,
        severity=_label(best),
        in_kev=any(m.in_kev for m in members),
        fixed_in=tuple(sorted(fixes, key=lambda v: versions.sort_key(ecosystem, v))),
    )


def _severity(record: dict[str, Any]) -> SeverityAssessment | None:
    return best_severity(record.get("severity") or [], record.get("database_specific"))


def _label(assessment: SeverityAssessment | None) -> str:
    if assessment is None:
        return "unknown"
    return (
        f"{assessment.band} {assessment.score}"
        if assessment.score is not None
        else f"{assessment.band} (stated)"
    )


__all__ = ["DEMO_PINS", "DemoRefused", "DemoResult", "Hit", "PinCheck", "build", "check_pins"]
