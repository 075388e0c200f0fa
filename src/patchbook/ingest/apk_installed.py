"""Alpine ``/lib/apk/db/installed``: one apk component per ``P:`` stanza.

Stanzas of single-letter ``X:value`` lines separated by blank lines. Read: ``P`` name, ``V`` version,
``A`` architecture, ``o`` origin (the source package; Alpine advisories, secdb and OSV "Alpine" records,
are per origin), ``L`` licence, ``C`` checksum (``Q1`` + base64 SHA-1). Every stanza in this file is an
installed package.
"""

from __future__ import annotations

import re

from packageurl import PackageURL

from patchbook.errors import InputError
from patchbook.ingest.base import ParseOptions, register
from patchbook.ingest.common import KeyMaker, decode_text
from patchbook.model.component import Component, ParsedInventory

_SNIFF_FIRST = re.compile(rb"^\s*[CP]:\S")
_SNIFF_NAME = re.compile(rb"(?m)^P:\S")
_SNIFF_VERSION = re.compile(rb"(?m)^V:\S")


class ApkInstalled:
    name = "apk-installed"
    signature = "Alpine apk database stanzas with 'P:' and 'V:' lines"

    def sniff(self, head: bytes) -> bool:
        return all(p.search(head) for p in (_SNIFF_FIRST, _SNIFF_NAME, _SNIFF_VERSION))

    def parse(self, data: bytes, source: str, options: ParseOptions) -> ParsedInventory:
        warnings: list[str] = []
        keys = KeyMaker(warnings)
        components: list[Component] = []
        stanza: dict[str, str] = {}
        start = 1
        lines = decode_text(data, source).splitlines()
        for number, line in enumerate([*lines, ""], start=1):
            if not line.strip():
                if stanza:
                    components.append(self._component(stanza, f"{start}:1", source, keys))
                stanza = {}
                continue
            if len(line) < 2 or line[1] != ":":
                raise InputError(
                    source, f"expected 'X:value' (one letter, colon), found {line[:60]!r}", f"{number}:1"
                )
            if not stanza:
                start = number
            # Repeated letters (F:, R:, a:, Z: per file) only matter for file lists; keep the first.
            stanza.setdefault(line[0], line[2:].strip())
        return ParsedInventory(
            format=self.name,
            spec_version=None,
            source=source,
            components=tuple(components),
            warnings=tuple(warnings),
        )

    @staticmethod
    def _component(stanza: dict[str, str], where: str, source: str, keys: KeyMaker) -> Component:
        name = stanza.get("P")
        if not name:
            raise InputError(source, "stanza has no P: (package name) line; expected 'P:name'", where)
        version = stanza.get("V") or None
        arch = stanza.get("A") or None
        origin = stanza.get("o") or name
        qualifiers = {"arch": arch} if arch else {}
        if origin != name:
            qualifiers["upstream"] = origin
        purl = PackageURL(type="apk", namespace="alpine", name=name, version=version, qualifiers=qualifiers)
        checksum = stanza.get("C")
        return Component(
            key=keys.make(name, where),
            name=name,
            version=version,
            purl=purl.to_string(),
            type="apk",
            namespace="alpine",
            kind="operating-system-package",
            source_name=origin,
            source_version=version,
            licenses=(stanza["L"],) if stanza.get("L") else (),
            hashes=(("Q1-SHA1", checksum[2:]),) if checksum and checksum.startswith("Q1") else (),
        )


register(ApkInstalled(), order=31)
