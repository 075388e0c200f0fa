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
        entry = _entry(source, f"vulnerabilities[{i}]", item)
        if entry.cve_id in seen:
            raise InputError(source, f"{entry.cve_id} is listed twice", f"vulnerabilities[{i}]")
        seen.add(entry.cve_id)
        entries.append(entry)
    return KevCatalog(
        catalog_version=str(document["catalogVersion"]),
        date_released=str(document.get("dateReleased", "")),
        entries=tuple(entries),
    )


def _entry(source: str, where: str, item: Any) -> KevEntry:
    if not isinstance(item, dict):
        raise InputError(source, "expected an object", where)

    def text(field: str, required: bool = True) -> str:
        value = item.get(field)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value):
            raise InputError(source, f"expected a non-empty string {field!r}", f"{where}.{field}")
        return value

    def day(field: str, required: bool) -> date | None:
        value = item.get(field)
        if not value and not required:
            return None
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise InputError(
                source, f"expected a YYYY-MM-DD date, got {value!r}", f"{where}.{field}"
            ) from None

    cve = item.get("cveID")
    if not isinstance(cve, str) or not _CVE.match(cve):
        raise InputError(source, f"expected cveID like CVE-YYYY-NNNN, got {cve!r}", f"{where}.cveID")
    added = day("dateAdded", True)
    assert added is not None
    cwes = item.get("cwes") or []
    return KevEntry(
        cve_id=cve,
        vendor=text("vendorProject"),
        product=text("product"),
        name=text("vulnerabilityName"),
        date_added=added,
        due_date=day("dueDate", False),
        known_ransomware=item.get("knownRansomwareCampaignUse") == "Known",
        short_description=text("shortDescription", False),
        required_action=text("requiredAction", False),
        notes=text("notes", False),
        cwes=tuple(str(c) for c in cwes),
    )
