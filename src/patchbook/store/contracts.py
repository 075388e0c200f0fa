"""Repository for contract details (one row per contract asset) and the Solidity compiler bug list."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from patchbook.model.contract import (
    BugMatch,
    CompilerSettings,
    ContractDetails,
    Library,
    Multisig,
    ProxyPattern,
    SolcBug,
    Timelock,
)
from patchbook.store.advisories import ImportCounts
from patchbook.store.bulk import insert_rows
from patchbook.store.schema import assets, contracts, solc_bugs, solc_releases


def _to_row(details: ContractDetails) -> dict[str, Any]:
    tl, ms = details.timelock, details.multisig
    return {
        "chain": details.chain,
        "chain_id": details.chain_id,
        "address": details.address,
        "contract_name": details.contract_name,
        "compiler_version": details.compiler_version,
        "settings": details.settings.as_dict(),
        "libraries": [{"name": lib.name, "version": lib.version} for lib in details.libraries],
        "proxy": details.proxy.value,
        "implementation": details.implementation,
        "admin": details.admin,
        "owner": details.owner,
        "timelock_address": tl.address if tl else None,
        "timelock_min_delay_seconds": tl.min_delay_seconds if tl else None,
        "multisig_address": ms.address if ms else None,
        "multisig_threshold": ms.threshold if ms else None,
        "multisig_signers": ms.signers if ms else None,
        "pausable": details.pausable,
    }


def _from_row(row: Any) -> ContractDetails:
    return ContractDetails(
        chain=row.chain,
        chain_id=row.chain_id,
        address=row.address,
        contract_name=row.contract_name,
        compiler_version=row.compiler_version,
        settings=CompilerSettings.from_dict(dict(row.settings or {})),
        libraries=tuple(Library(x["name"], x["version"]) for x in row.libraries or ()),
        proxy=ProxyPattern(row.proxy),
        implementation=row.implementation,
        admin=row.admin,
        owner=row.owner,
        timelock=Timelock(row.timelock_address, row.timelock_min_delay_seconds)
        if row.timelock_min_delay_seconds is not None
        else None,
        multisig=Multisig(row.multisig_threshold, row.multisig_signers, row.multisig_address)
        if row.multisig_threshold is not None
        else None,
        pausable=row.pausable,
    )


def upsert(conn: Connection, asset_id: int, details: ContractDetails, source: str) -> str:
    """Insert or replace the asset's contract details; returns "added" | "changed" | "unchanged"."""
    row = _to_row(details)
    old = conn.execute(sa.select(contracts).where(contracts.c.asset_id == asset_id)).first()
    now = datetime.now(UTC)
    if old is None:
        conn.execute(
            sa.insert(contracts).values(
                asset_id=asset_id, **row, compiler_bugs=[], source=source, updated_at=now
            )
        )
        return "added"
    if _from_row(old) == details:
        return "unchanged"
    conn.execute(
        sa.update(contracts)
        .where(contracts.c.asset_id == asset_id)
        .values(**row, source=source, updated_at=now)
    )
    return "changed"


def get(conn: Connection, asset_id: int) -> ContractDetails | None:
    row = conn.execute(sa.select(contracts).where(contracts.c.asset_id == asset_id)).first()
    return _from_row(row) if row else None


def all_contracts(conn: Connection) -> list[tuple[int, str, ContractDetails]]:
    """(asset id, asset name, details) of every contract, by name."""
    rows = conn.execute(
        sa.select(contracts, assets.c.name.label("asset_name"))
        .join(assets, assets.c.id == contracts.c.asset_id)
        .order_by(assets.c.name)
    )
    return [(r.asset_id, r.asset_name, _from_row(r)) for r in rows]


def set_compiler_bugs(conn: Connection, asset_id: int, matches: Sequence[BugMatch]) -> None:
    conn.execute(
        sa.update(contracts)
        .where(contracts.c.asset_id == asset_id)
        .values(compiler_bugs=[m.as_dict() for m in matches])
    )


def compiler_bugs(conn: Connection, asset_id: int) -> list[dict[str, Any]]:
    value = conn.execute(
        sa.select(contracts.c.compiler_bugs).where(contracts.c.asset_id == asset_id)
    ).scalar_one_or_none()
    return list(value or [])


# --- the bug list ---------------------------------------------------------------------------------


def replace_bugs(conn: Connection, bugs: Sequence[SolcBug], import_id: int) -> ImportCounts:
    """The bug list is small (tens of entries) and published whole: replace it, count the changes."""
    old = {b.name: b for b in load_bugs(conn)}
    counts = ImportCounts(records_seen=len(bugs))
    for b in bugs:
        if b.name not in old:
            counts.inserted += 1
        elif old[b.name] != b:
            counts.updated += 1
        else:
            counts.unchanged += 1
    counts.removed = len(set(old) - {b.name for b in bugs})
    conn.execute(sa.delete(solc_bugs))
    insert_rows(
        conn,
        solc_bugs,
        [
            {
                "name": b.name,
                "uid": b.uid,
                "summary": b.summary,
                "severity": b.severity,
                "introduced": b.introduced,
                "fixed": b.fixed,
                "conditions": b.conditions,
                "link": b.link,
                "published": b.published,
                "import_id": import_id,
            }
            for b in bugs
        ],
    )
    return counts


def load_bugs(conn: Connection) -> list[SolcBug]:
    return [
        SolcBug(
            uid=r.uid,
            name=r.name,
            summary=r.summary,
            severity=r.severity,
            fixed=r.fixed,
            introduced=r.introduced,
            conditions=dict(r.conditions or {}),
            link=r.link,
            published=r.published,
        )
        for r in conn.execute(sa.select(solc_bugs).order_by(solc_bugs.c.uid.desc(), solc_bugs.c.name))
    ]


def replace_releases(
    conn: Connection, releases: dict[str, tuple[list[str], str | None]], import_id: int
) -> ImportCounts:
    old = load_releases(conn)
    counts = ImportCounts(records_seen=len(releases))
    for version, (names, _) in releases.items():
        if version not in old:
            counts.inserted += 1
        elif sorted(old[version]) != sorted(names):
            counts.updated += 1
        else:
            counts.unchanged += 1
    counts.removed = len(set(old) - set(releases))
    conn.execute(sa.delete(solc_releases))
    insert_rows(
        conn,
        solc_releases,
        [
            {"version": v, "bugs": names, "released": released, "import_id": import_id}
            for v, (names, released) in releases.items()
        ],
    )
    return counts


def load_releases(conn: Connection) -> dict[str, list[str]]:
    return {
        r.version: list(r.bugs)
        for r in conn.execute(sa.select(solc_releases.c.version, solc_releases.c.bugs))
    }


# The bug list's severities on the GHSA scale the risk model reads from database_specific.severity.
_GHSA_BAND = {
    "very low": "LOW",
    "low": "LOW",
    "low/medium": "MODERATE",
    "medium": "MODERATE",
    "medium/high": "HIGH",
    "high": "HIGH",
}


def bug_records(conn: Connection, names: Collection[str]) -> dict[str, dict[str, Any]]:
    """Compiler bugs shaped like the OSV records the risk model and the planner read (summary,
    severity band, references, the affected solc range), keyed by bug name, the advisory id of a
    compiler-bug finding."""
    wanted = set(names)
    if not wanted:
        return {}
    return {
        b.name: {
            "id": b.name,
            "aliases": [b.uid],
            "summary": b.summary,
            "severity": [],
            "database_specific": {
                "severity": _GHSA_BAND.get(b.severity, "MODERATE"),
                "solc_severity": b.severity,
            },
            "references": [{"type": "WEB", "url": b.link}] if b.link else [],
            # solc versions are SemVer: a SEMVER range lets version code find the lowest fixing release
            "affected": [
                {
                    "package": {"ecosystem": "solidity-compiler", "name": "solc"},
                    "ranges": [
                        {
                            "type": "SEMVER",
                            "events": [
                                {"introduced": b.introduced or "0"},
                                *([{"fixed": b.fixed}] if b.fixed else []),
                            ],
                        }
                    ],
                }
            ],
        }
        for b in load_bugs(conn)
        if b.name in wanted
    }
