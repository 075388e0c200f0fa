"""SPDX 2.2 / 2.3 JSON, read with orjson."""

from __future__ import annotations

import re

from patchbook.errors import InputError
from patchbook.ingest import spdx_common
from patchbook.ingest.base import ParseOptions, register
from patchbook.ingest.common import load_json, text_or_none
from patchbook.model.component import ParsedInventory

_VERSION_KEY = re.compile(rb'"spdxVersion"\s*:\s*"SPDX-')


class SpdxJson:
    name = "spdx-json"
    signature = 'a JSON object with "spdxVersion": "SPDX-2.x"'

    def sniff(self, head: bytes) -> bool:
        return head.lstrip().startswith(b"{") and _VERSION_KEY.search(head) is not None

    def sniff_json(self, doc: object) -> bool:
        return isinstance(doc, dict) and isinstance(doc.get("spdxVersion"), str)

    def parse(self, data: bytes, source: str, options: ParseOptions) -> ParsedInventory:
        raw = load_json(data, source, "an SPDX JSON document")
        if not isinstance(raw, dict):
            raise InputError(source, "expected an SPDX document object at the top level", "1:1")
        doc = spdx_common.SpdxDocument(
            spec=spdx_common.check_version(raw.get("spdxVersion"), source, "spdxVersion")
        )
        packages = raw.get("packages") or []
        if not isinstance(packages, list):
            raise InputError(source, 'expected "packages" to be a list', "packages")
        for i, package in enumerate(packages):
            if not isinstance(package, dict):
                raise InputError(
                    source, f"expected a package object, found {type(package).__name__}", f"packages[{i}]"
                )
            doc.packages.append(package)
            doc.where.append(f"packages[{i}]")
        relationships = raw.get("relationships") or []
        if not isinstance(relationships, list):
            raise InputError(source, 'expected "relationships" to be a list', "relationships")
        document_id = text_or_none(raw.get("SPDXID")) or "SPDXRef-DOCUMENT"
        for i, rel in enumerate(relationships):
            if not isinstance(rel, dict):
                raise InputError(source, "expected a relationship object", f"relationships[{i}]")
            left = text_or_none(rel.get("spdxElementId"))
            kind = text_or_none(rel.get("relationshipType"))
            right = text_or_none(rel.get("relatedSpdxElement"))
            if left is None or kind is None or right is None:
                raise InputError(
                    source,
                    "relationship needs spdxElementId, relationshipType and relatedSpdxElement",
                    f"relationships[{i}]",
                )
            if kind == "DESCRIBES" and left == document_id:
                doc.describes.append(right)
            elif kind == "DESCRIBED_BY" and right == document_id:
                doc.describes.append(left)
            else:
                doc.relationships.append((left, kind, right))
        describes = raw.get("documentDescribes") or []
        if isinstance(describes, list):
            doc.describes.extend(d for d in describes if isinstance(d, str))
        return spdx_common.build(doc, self.name, source, options)


register(SpdxJson(), order=12)
