"""CycloneDX JSON (spec 1.0 to 1.6), read with orjson."""

from __future__ import annotations

import re

from patchbook.errors import InputError
from patchbook.ingest import cyclonedx_common
from patchbook.ingest.base import ParseOptions, register
from patchbook.ingest.common import load_json
from patchbook.model.component import ParsedInventory

_BOM_FORMAT = re.compile(rb'"bomFormat"\s*:\s*"CycloneDX"')


class CycloneDxJson:
    name = "cyclonedx-json"
    signature = 'a JSON object with "bomFormat": "CycloneDX"'

    def sniff(self, head: bytes) -> bool:
        return head.lstrip().startswith(b"{") and _BOM_FORMAT.search(head) is not None

    def sniff_json(self, doc: object) -> bool:
        return isinstance(doc, dict) and doc.get("bomFormat") == "CycloneDX"

    def parse(self, data: bytes, source: str, options: ParseOptions) -> ParsedInventory:
        doc = load_json(data, source, "a CycloneDX JSON document")
        if not isinstance(doc, dict) or doc.get("bomFormat") != "CycloneDX":
            raise InputError(
                source, 'not a CycloneDX document: expected "bomFormat": "CycloneDX"', "bomFormat"
            )
        spec, warnings = cyclonedx_common.check_spec_version(doc.get("specVersion"), source, "specVersion")
        return cyclonedx_common.build(doc, self.name, spec, source, options, warnings)


register(CycloneDxJson(), order=10)
