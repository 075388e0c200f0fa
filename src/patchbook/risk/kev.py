"""CISA Known Exploited Vulnerabilities: a lookup over :class:`KevEntry` objects.

The catalog is parsed and stored by ``feeds`` (``patchbook.feeds.kev``); risk only needs "is this CVE in
KEV, and with which due date / ransomware flag".
"""

from __future__ import annotations

from collections.abc import Iterable

from patchbook.model.advisory import KevEntry


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
