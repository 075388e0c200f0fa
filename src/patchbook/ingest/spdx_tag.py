"""SPDX 2.2 / 2.3 tag-value: ``Tag: value`` lines, multi-line values in ``<text>...</text>``.

A package begins at ``PackageName:`` and ends where the next package, file (``FileName:``), snippet
(``SnippetSPDXID:``) or extracted licence (``LicenseID:``) begins; package fields are only read inside a
package. ``Relationship:`` lines may appear anywhere.
"""

from __future__ import annotations

import re
from typing import Any

from patchbook.errors import InputError
from patchbook.ingest import spdx_common
from patchbook.ingest.base import ParseOptions, register
from patchbook.ingest.common import decode_text
from patchbook.model.component import ParsedInventory

_SNIFF = re.compile(rb"(?m)^[ \t]*SPDXVersion:[ \t]*SPDX-")
_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*):\s?(.*)$")
# Tags that end a package section, and what section they begin.
_SECTION_STARTS = {
    "PackageName": "package",
    "FileName": "file",
    "SnippetSPDXID": "snippet",
    "LicenseID": "license",
}
# Package tags read into the JSON-shaped package dict.
_PACKAGE_FIELDS = {
    "SPDXID": "SPDXID",
    "PackageVersion": "versionInfo",
    "PackageLicenseConcluded": "licenseConcluded",
    "PackageLicenseDeclared": "licenseDeclared",
}


def _lines(text: str, source: str) -> list[tuple[int, str, str]]:
    """(line number, tag, value) for every tag, with <text> values joined."""
    out: list[tuple[int, str, str]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        number, line = i + 1, lines[i]
        i += 1
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _LINE.match(stripped)
        if match is None:
            raise InputError(source, f"expected 'Tag: value', found {stripped[:60]!r}", f"{number}:1")
        tag, value = match.group(1), match.group(2).strip()
        if value.startswith("<text>"):
            parts = [value[len("<text>") :]]
            while "</text>" not in parts[-1]:
                if i >= len(lines):
                    raise InputError(
                        source, f"<text> value of {tag} is not closed by </text> (truncated?)", f"{number}:1"
                    )
                parts.append(lines[i])
                i += 1
            value = "\n".join(parts).split("</text>", 1)[0].strip()
        out.append((number, tag, value))
    return out


class SpdxTagValue:
    name = "spdx-tag-value"
    signature = "tag-value lines starting with 'SPDXVersion: SPDX-2.x'"

    def sniff(self, head: bytes) -> bool:
        return _SNIFF.search(head) is not None

    def parse(self, data: bytes, source: str, options: ParseOptions) -> ParsedInventory:
        tags = _lines(decode_text(data, source), source)
        version = next(((n, v) for n, t, v in tags if t == "SPDXVersion"), None)
        if version is None:
            raise InputError(source, "no SPDXVersion tag; expected 'SPDXVersion: SPDX-2.3'", "1:1")
        doc = spdx_common.SpdxDocument(spec=spdx_common.check_version(version[1], source, f"{version[0]}:1"))
        document_id = "SPDXRef-DOCUMENT"
        section = "document"
        package: dict[str, Any] = {}
        for number, tag, value in tags:
            if tag in _SECTION_STARTS:
                section = _SECTION_STARTS[tag]
                if section == "package":
                    package = {"name": value, "externalRefs": [], "checksums": []}
                    doc.packages.append(package)
                    doc.where.append(f"{number}:1")
                continue
            if tag == "Relationship":
                parts = value.split()
                if len(parts) < 3:
                    raise InputError(
                        source,
                        f"expected 'Relationship: ELEMENT TYPE ELEMENT', found {value!r}",
                        f"{number}:1",
                    )
                left, kind, right = parts[0], parts[1], parts[2]
                if kind == "DESCRIBES" and left == document_id:
                    doc.describes.append(right)
                elif kind == "DESCRIBED_BY" and right == document_id:
                    doc.describes.append(left)
                else:
                    doc.relationships.append((left, kind, right))
            elif section == "document" and tag == "SPDXID":
                document_id = value
            elif section == "package":
                self._package_field(package, tag, value, source, number)
        return spdx_common.build(doc, self.name, source, options)

    @staticmethod
    def _package_field(package: dict[str, Any], tag: str, value: str, source: str, number: int) -> None:
        if tag in _PACKAGE_FIELDS:
            package[_PACKAGE_FIELDS[tag]] = value
        elif tag == "ExternalRef":
            parts = value.split(None, 2)
            if len(parts) != 3:
                raise InputError(
                    source, f"expected 'ExternalRef: CATEGORY TYPE LOCATOR', found {value!r}", f"{number}:1"
                )
            package["externalRefs"].append(
                {"referenceCategory": parts[0], "referenceType": parts[1], "referenceLocator": parts[2]}
            )
        elif tag == "PackageChecksum":
            algorithm, _, digest = value.partition(":")
            package["checksums"].append({"algorithm": algorithm.strip(), "checksumValue": digest.strip()})


register(SpdxTagValue(), order=13)
