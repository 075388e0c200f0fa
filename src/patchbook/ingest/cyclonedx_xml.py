"""CycloneDX XML (spec 1.0 to 1.6) through defusedxml, namespace-agnostic.

Each top-level section (``metadata``, ``components``, ``dependencies``) is turned into the JSON shape
as soon as its end tag is read and then cleared, so the tree never holds the whole document. The spec
version comes from the namespace (``http://cyclonedx.org/schema/bom/1.4``). Entity declarations and
external references are refused by defusedxml (billion laughs, XXE).
"""

from __future__ import annotations

import io
import re
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from patchbook.errors import InputError
from patchbook.ingest import cyclonedx_common
from patchbook.ingest.base import ParseOptions, register
from patchbook.ingest.common import line_col
from patchbook.model.component import ParsedInventory

_NAMESPACE = "http://cyclonedx.org/schema/bom/"
_ROOT = re.compile(rb"<(?:[\w.-]+:)?bom[\s>]")


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _children(elem: Element, name: str) -> list[Element]:
    return [child for child in elem if _local(child.tag) == name]


def _text(elem: Element, name: str) -> str | None:
    for child in elem:
        if _local(child.tag) == name:
            return (child.text or "").strip() or None
    return None


def _component(elem: Element) -> dict[str, Any]:
    out: dict[str, Any] = {"type": elem.get("type"), "bom-ref": elem.get("bom-ref")}
    for child in elem:
        tag = _local(child.tag)
        if tag in ("group", "name", "version", "scope", "purl"):
            out[tag] = (child.text or "").strip() or None
        elif tag == "hashes":
            out["hashes"] = [
                {"alg": h.get("alg"), "content": (h.text or "").strip()} for h in _children(child, "hash")
            ]
        elif tag == "licenses":
            licenses: list[dict[str, Any]] = []
            for lic in child:
                if _local(lic.tag) == "expression":
                    licenses.append({"expression": (lic.text or "").strip()})
                elif _local(lic.tag) == "license":
                    licenses.append({"license": {"id": _text(lic, "id"), "name": _text(lic, "name")}})
            out["licenses"] = licenses
        elif tag == "components":
            out["components"] = [_component(c) for c in _children(child, "component")]
    return out


def _dependency(elem: Element) -> list[dict[str, Any]]:
    # XML nests <dependency ref> inside <dependency ref>; one level in the spec, but nesting deeper
    # (seen in the wild) still reads as edges parent -> child.
    entries = [{"ref": elem.get("ref"), "dependsOn": [d.get("ref") for d in _children(elem, "dependency")]}]
    for child in _children(elem, "dependency"):
        if len(child):
            entries.extend(_dependency(child))
    return entries


class CycloneDxXml:
    name = "cyclonedx-xml"
    signature = f"an XML <bom> element in the {_NAMESPACE}1.x namespace"

    def sniff(self, head: bytes) -> bool:
        text = head.lstrip()
        return text.startswith(b"<") and _NAMESPACE.encode() in head and _ROOT.search(head) is not None

    def parse(self, data: bytes, source: str, options: ParseOptions) -> ParsedInventory:
        doc: dict[str, Any] = {}
        spec = ""
        depth = 0
        try:
            for event, elem in iterparse(io.BytesIO(data), events=("start", "end")):
                if event == "start":
                    depth += 1
                    if depth == 1:
                        spec = self._root(elem, source)
                    continue
                depth -= 1
                if depth != 1:
                    continue
                section = _local(elem.tag)
                if section == "metadata":
                    subject = _children(elem, "component")
                    doc["metadata"] = {"component": _component(subject[0]) if subject else None}
                elif section == "components":
                    doc["components"] = [_component(c) for c in _children(elem, "component")]
                elif section == "dependencies":
                    doc["dependencies"] = [d for e in _children(elem, "dependency") for d in _dependency(e)]
                elem.clear()
        except DefusedXmlException as exc:
            offset = max(data.find(b"<!ENTITY"), data.find(b"<!DOCTYPE"), 0)
            raise InputError(
                source,
                f"XML refused: {exc}; entity declarations and external references are not allowed "
                "(billion-laughs / XXE protection), expected a plain CycloneDX XML document",
                line_col(data, offset),
            ) from None
        except ParseError as exc:
            line, column = exc.position
            what = "XML ends early (truncated?)" if "no element found" in str(exc) else "malformed XML"
            raise InputError(
                source,
                f"{what}: {str(exc).split(':')[0]}; expected a CycloneDX XML document",
                f"{line}:{column + 1}",
            ) from None
        spec_text, warnings = cyclonedx_common.check_spec_version(spec, source, "bom xmlns")
        return cyclonedx_common.build(doc, self.name, spec_text, source, options, warnings)

    @staticmethod
    def _root(elem: Element, source: str) -> str:
        namespace, _, local = elem.tag[1:].rpartition("}") if elem.tag.startswith("{") else ("", "", elem.tag)
        if local != "bom" or not namespace.startswith(_NAMESPACE):
            raise InputError(
                source, f'root element is {elem.tag!r}; expected <bom xmlns="{_NAMESPACE}1.x">', "1:1"
            )
        return namespace[len(_NAMESPACE) :]


register(CycloneDxXml(), order=11)
