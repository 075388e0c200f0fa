"""CISA Known Exploited Vulnerabilities: a lookup over :class:`KevEntry` objects.

The importer that puts the catalog into the store lives in ``feeds``; risk only needs "is this CVE in KEV,
and with which due date / ransomware flag". :func:`parse_kev_catalog` turns the catalog's JSON document
(already decoded) into entries, so tests and the offline path need no store.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from patchbook.errors import InputError
from patchbook.model.advisory import KevEntry

_CVE = re.compile(r"^CVE-\d{4}-\d{4,19}$")


class KevIndex:
    """CVE id -> KEV entry. Looks up any of a vulnerability's identifiers (aliases included)."""

    __slots__ = ("_by_cve", "catalog_version")

    def __init__(self, entries: Iterable[KevEntry], catalog_version: str | None = None) -> None:
        self._by_cve = {e.cve_id.upper(): e for e in entries}
        self.catalog_version = catalog_version

    def __len__(self) -> int:
        return len(self._by_cve)

    def __contains__(self, cve: object) -> bool:
        return isinstance(cve, str) and cve.upper() in self._by_cve

    def get(self, cve: str) -> KevEntry | None:
        return self._by_cve.get(cve.upper())

    def find(self, identifiers: Iterable[str]) -> KevEntry | None:
        """The entry for the first identifier (CVE alias) that is in KEV, if any."""
        for ident in identifiers:
            entry = self._by_cve.get(ident.upper())
            if entry is not None:
                return entry
        return None


def _date(value: Any, source: str, where: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise InputError(source, f"expected a YYYY-MM-DD date, got {value!r}", where) from exc


def parse_kev_catalog(doc: Mapping[str, Any], source: str = "<kev>") -> tuple[str, list[KevEntry]]:
    """(catalogVersion, entries) from a decoded ``known_exploited_vulnerabilities.json``."""
    vulns = doc.get("vulnerabilities")
    version = doc.get("catalogVersion")
    if not isinstance(vulns, list) or not isinstance(version, str):
        raise InputError(source, "not a KEV catalog: expected 'catalogVersion' and 'vulnerabilities[]'")
    entries: list[KevEntry] = []
    for i, v in enumerate(vulns):
        where = f"vulnerabilities[{i}]"
        cve = v.get("cveID") if isinstance(v, Mapping) else None
        if not isinstance(cve, str) or not _CVE.match(cve):
            raise InputError(source, f"expected cveID like CVE-YYYY-NNNN, got {cve!r}", where)
        due = v.get("dueDate")
        entries.append(
            KevEntry(
                cve_id=cve,
                vendor=str(v.get("vendorProject", "")),
                product=str(v.get("product", "")),
                name=str(v.get("vulnerabilityName", "")),
                date_added=_date(v.get("dateAdded"), source, f"{where}.dateAdded"),
                due_date=_date(due, source, f"{where}.dueDate") if due else None,
                known_ransomware=v.get("knownRansomwareCampaignUse") == "Known",
                short_description=str(v.get("shortDescription", "")),
                required_action=str(v.get("requiredAction", "")),
                notes=str(v.get("notes", "")),
                cwes=tuple(v.get("cwes") or ()),
            )
        )
    return version, entries
