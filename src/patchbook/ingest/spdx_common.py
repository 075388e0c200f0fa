"""SPDX 2.x, whatever the serialisation: JSON-shaped packages and relationships in, a ParsedInventory out.

Every package is a component (files and snippets are not). The purl is the ``externalRefs`` entry with
``referenceType: purl`` in category PACKAGE-MANAGER (2.3 also spells it PACKAGE_MANAGER). The subject is
the package the document DESCRIBES when there is exactly one; it stays among the components, since in
SPDX the described package is an ordinary package whose own advisories concern the asset.

The dependency graph is read from the relationships between packages: DEPENDS_ON, CONTAINS, the link
types, and their reverse forms (DEPENDENCY_OF, CONTAINED_BY, *_DEPENDENCY_OF, ...) turned around.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from patchbook.errors import InputError
from patchbook.ingest.base import ParseOptions
from patchbook.ingest.common import KeyMaker, PurlReader, text_or_none
from patchbook.ingest.graph import direct_keys
from patchbook.model.component import Component, Dependency, ParsedInventory

PURL_CATEGORIES = frozenset({"PACKAGE-MANAGER", "PACKAGE_MANAGER"})
FORWARD = frozenset({"DEPENDS_ON", "CONTAINS", "DYNAMIC_LINK", "STATIC_LINK", "HAS_PREREQUISITE"})
REVERSE = frozenset(
    {
        "DEPENDENCY_OF",
        "CONTAINED_BY",
        "RUNTIME_DEPENDENCY_OF",
        "BUILD_DEPENDENCY_OF",
        "DEV_DEPENDENCY_OF",
        "OPTIONAL_DEPENDENCY_OF",
        "PROVIDED_DEPENDENCY_OF",
        "TEST_DEPENDENCY_OF",
        "PREREQUISITE_FOR",
    }
)
_NO_VALUE = frozenset({"NOASSERTION", "NONE"})
_VERSION = re.compile(r"^SPDX-2\.(\d+)$")


@dataclass
class SpdxDocument:
    """What both SPDX readers hand over: JSON-shaped packages, relationship triples, DESCRIBES targets.

    ``where`` gives each package's position for messages (``packages[3]`` or ``line 120``).
    """

    spec: str
    packages: list[dict[str, Any]] = field(default_factory=list)
    where: list[str] = field(default_factory=list)
    relationships: list[tuple[str, str, str]] = field(default_factory=list)
    describes: list[str] = field(default_factory=list)


def check_version(value: object, source: str, where: str) -> str:
    """The version number ("2.3" for "SPDX-2.3"); SPDX 3 and anything else is refused."""
    text = text_or_none(value) or ""
    match = _VERSION.match(text)
    if match is None:
        raise InputError(
            source, f"unsupported spdxVersion {value!r}; expected SPDX-2.2 or SPDX-2.3 (SPDX 2.x)", where
        )
    return text.removeprefix("SPDX-")


def _value(raw: object) -> str | None:
    text = text_or_none(raw)
    return None if text is None or text in _NO_VALUE else text


def _purl_locator(refs: object) -> str | None:
    if not isinstance(refs, list):
        return None
    for ref in refs:
        if (
            isinstance(ref, dict)
            and ref.get("referenceType") == "purl"
            and str(ref.get("referenceCategory", "")).upper() in PURL_CATEGORIES
        ):
            return text_or_none(ref.get("referenceLocator"))
    return None


def _checksums(raw: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, list):
        return ()
    out = []
    for entry in raw:
        if isinstance(entry, dict):
            alg, value = text_or_none(entry.get("algorithm")), text_or_none(entry.get("checksumValue"))
            if alg and value:
                out.append((alg, value))
    return tuple(out)


def build(doc: SpdxDocument, fmt: str, source: str, options: ParseOptions) -> ParsedInventory:
    """The inventory an SPDX 2.x document describes."""
    warnings: list[str] = []
    purls = PurlReader(source, options, warnings)
    keys = KeyMaker(warnings)
    components: list[Component] = []
    for raw, where in zip(doc.packages, doc.where, strict=True):
        spdx_id = text_or_none(raw.get("SPDXID"))
        name = text_or_none(raw.get("name"))
        if name is None:
            raise InputError(source, "package has no name; expected a PackageName", where)
        if spdx_id is not None:
            where = f"{where} (SPDXID {spdx_id!r})"
        purl, ptype, namespace = purls.read(_purl_locator(raw.get("externalRefs")), where)
        version = _value(raw.get("versionInfo"))
        licences = tuple(
            v for v in (_value(raw.get("licenseConcluded")), _value(raw.get("licenseDeclared"))) if v
        )
        components.append(
            Component(
                key=keys.make(spdx_id or f"{name}@{version or ''}", where),
                name=name,
                version=version,
                purl=purl,
                type=ptype,
                namespace=namespace,
                licenses=tuple(dict.fromkeys(licences)),
                hashes=_checksums(raw.get("checksums")),
            )
        )

    package_keys = {c.key for c in components}
    edges: list[Dependency] = []
    for left, kind, right in doc.relationships:
        if left not in package_keys or right not in package_keys:
            continue  # files, snippets, other documents, NOASSERTION: not part of the package graph
        if kind in FORWARD:
            edges.append(Dependency(left, right))
        elif kind in REVERSE:
            edges.append(Dependency(right, left))

    described = [k for k in dict.fromkeys(doc.describes) if k in package_keys]
    subject_key = described[0] if len(described) == 1 else None
    if len(described) > 1:
        warnings.append(f"the document describes {len(described)} packages; no single subject")
    direct: set[str] | None
    from_described = {e.target for e in edges if e.source in described} - set(described)
    if from_described:
        direct = from_described
    else:
        others = [k for k in package_keys if k not in described]
        direct = direct_keys(None, others, [e for e in edges if e.source not in described], warnings)
    if direct is not None:
        components = [replace(c, direct=None if c.key in described else c.key in direct) for c in components]
    subject = next((c for c in components if c.key == subject_key), None)
    return ParsedInventory(
        format=fmt,
        spec_version=doc.spec,
        source=source,
        subject=subject,
        components=tuple(components),
        dependencies=tuple(edges),
        warnings=tuple(warnings),
    )
