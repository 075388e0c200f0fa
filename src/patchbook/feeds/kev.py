"""The CISA Known Exploited Vulnerabilities catalog (JSON, schema in shared/data/kev)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from patchbook.errors import InputError
from patchbook.model.advisory import KevEntry

_CVE = re.compile(r"^CVE-\d{4}-\d{4,}$")


@dataclass(frozen=True, slots=True)
class KevCatalog:
    catalog_version: str
    date_released: str
    entries: tuple[KevEntry, ...]


def looks_like_kev(document: Any) -> bool:
    return isinstance(document, dict) and "catalogVersion" in document and "vulnerabilities" in document


def parse_catalog(source: str, document: Any) -> KevCatalog:
    if not looks_like_kev(document):
        raise InputError(source, "not a KEV catalog: expected 'catalogVersion' and 'vulnerabilities'")
    items = document["vulnerabilities"]
    if not isinstance(items, list):
        raise InputError(source, "'vulnerabilities' must be a list", "vulnerabilities")
    entries: list[KevEntry] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        where = f"vulnerabilities[{i}]"
        try:
            entry = _entry(item)
        except (KeyError, TypeError, ValueError) as exc:
            detail = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
            cve = item.get("cveID") if isinstance(item, dict) else None
            raise InputError(
                source, f"bad KEV entry {cve or ''}: {detail}".replace("  ", " "), where
            ) from None
        if entry.cve_id in seen:
            raise InputError(source, f"{entry.cve_id} is listed twice", where)
        seen.add(entry.cve_id)
        entries.append(entry)
    return KevCatalog(
        catalog_version=str(document["catalogVersion"]),
        date_released=str(document.get("dateReleased", "")),
        entries=tuple(entries),
    )


def _entry(item: Any) -> KevEntry:
    if not isinstance(item, dict):
        raise TypeError("expected an object")
    cve = item["cveID"]
    if not isinstance(cve, str) or not _CVE.match(cve):
        raise ValueError(f"cveID {cve!r} is not a CVE id")
    due = item.get("dueDate")
    cwes = item.get("cwes") or []
    return KevEntry(
        cve_id=cve,
        vendor=str(item["vendorProject"]),
        product=str(item["product"]),
        name=str(item["vulnerabilityName"]),
        date_added=date.fromisoformat(item["dateAdded"]),
        due_date=date.fromisoformat(due) if due else None,
        known_ransomware=str(item.get("knownRansomwareCampaignUse", "Unknown")).lower() == "known",
        short_description=str(item.get("shortDescription", "")),
        required_action=str(item.get("requiredAction", "")),
        notes=str(item.get("notes", "")),
        cwes=tuple(str(c) for c in cwes),
    )
