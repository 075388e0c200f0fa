"""CycloneDX, whatever the serialisation: a JSON-shaped document in, a ParsedInventory out.

The XML reader turns its tree into the same shape as the JSON form (only the fields read here), so
both share this walk. Fields read: ``metadata.component`` (the subject), ``components`` (nested ones
too), ``dependencies`` (``ref`` / ``dependsOn``), and per component ``bom-ref``, ``type``, ``group``,
``name``, ``version``, ``scope``, ``purl``, ``licenses``, ``hashes``.
"""

from __future__ import annotations

import re
from typing import Any

from patchbook.errors import InputError
from patchbook.ingest.base import ParseOptions
from patchbook.ingest.common import KeyMaker, PurlReader, text_or_none
from patchbook.ingest.graph import direct_keys
from patchbook.model.component import Component, Dependency, ParsedInventory

# 1.1 has no bom-ref, metadata or dependency graph, but its components read the same; 1.0 likewise.
# Versions newer than this parse with a warning: the fields read here have not changed since 1.2.
NEWEST_KNOWN = (1, 6)
_SPEC = re.compile(r"^1\.(\d+)$")


def check_spec_version(spec: object, source: str, where: str) -> tuple[str, list[str]]:
    """The spec version as text, and a warning if it is newer than this reader knows."""
    text = text_or_none(spec)
    match = _SPEC.match(text or "")
    if text is None or match is None:
        raise InputError(
            source, f"unsupported CycloneDX specVersion {spec!r}; expected 1.0 to 1.{NEWEST_KNOWN[1]}", where
        )
    minor = int(match.group(1))
    if minor > NEWEST_KNOWN[1]:
        return text, [f"CycloneDX {text} is newer than 1.{NEWEST_KNOWN[1]}; read as 1.{NEWEST_KNOWN[1]}"]
    return text, []


def _licenses(raw: object) -> tuple[str, ...]:
    out: list[str] = []
    if not isinstance(raw, list):
        return ()
    for entry in raw:
        if not isinstance(entry, dict):
            continue
        if "expression" in entry:
            text = text_or_none(entry["expression"])
        else:
            lic = entry.get("license")
            text = text_or_none(lic.get("id") or lic.get("name")) if isinstance(lic, dict) else None
        if text:
            out.append(text)
    return tuple(out)


def _hashes(raw: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, list):
        return ()
    out = []
    for entry in raw:
        if isinstance(entry, dict):
            alg, content = text_or_none(entry.get("alg")), text_or_none(entry.get("content"))
            if alg and content:
                out.append((alg, content))
    return tuple(out)


class _Walker:
    def __init__(self, source: str, options: ParseOptions) -> None:
        self.source = source
        self.warnings: list[str] = []
        self.purls = PurlReader(source, options, self.warnings)
        self.keys = KeyMaker(self.warnings)
        # Keyword arguments per component; Components are made once "direct" is known (frozen objects).
        self.components: list[dict[str, Any]] = []

    def component(self, raw: object, where: str, parent: str | None, register: bool = True) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise InputError(self.source, f"expected a component object, found {type(raw).__name__}", where)
        ref = text_or_none(raw.get("bom-ref"))
        if ref is not None:
            where = f"{where} (bom-ref {ref!r})"
        purl, ptype, namespace = self.purls.read(raw.get("purl"), where)
        name = text_or_none(raw.get("name"))
        if name is None:
            raise InputError(self.source, 'component has no name; expected a "name"', where)
        version = text_or_none(raw.get("version"))
        group = text_or_none(raw.get("group"))
        # Without a bom-ref (CycloneDX 1.1, or a sloppy generator) the purl is the next best identity.
        wanted = ref or purl or "/".join(p for p in (group, f"{name}@{version or ''}") if p)
        key = self.keys.make(wanted, where) if register else wanted
        comp = dict(
            key=key,
            name=name,
            version=version,
            purl=purl,
            type=ptype,
            namespace=namespace if namespace is not None or purl is not None else group,
            scope=text_or_none(raw.get("scope")),
            kind=text_or_none(raw.get("type")),
            parent=parent,
            licenses=_licenses(raw.get("licenses")),
            hashes=_hashes(raw.get("hashes")),
        )
        if register:
            self.components.append(comp)
        return comp

    def components_of(self, raw: object, where: str, parent: str | None) -> None:
        if raw is None:
            return
        if not isinstance(raw, list):
            raise InputError(self.source, f"expected a list of components, found {type(raw).__name__}", where)
        for i, item in enumerate(raw):
            here = f"{where}[{i}]"
            comp = self.component(item, here, parent)
            nested = item.get("components") if isinstance(item, dict) else None
            if nested:
                self.components_of(nested, f"{here}.components", comp["key"])

    def dependencies(self, raw: object) -> list[Dependency]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise InputError(self.source, 'expected "dependencies" to be a list', "dependencies")
        edges: list[Dependency] = []
        for i, entry in enumerate(raw):
            where = f"dependencies[{i}]"
            if not isinstance(entry, dict) or text_or_none(entry.get("ref")) is None:
                raise InputError(self.source, 'expected a dependency object with a "ref"', where)
            ref = str(entry["ref"]).strip()
            targets = entry.get("dependsOn") or []
            if not isinstance(targets, list):
                raise InputError(self.source, 'expected "dependsOn" to be a list of bom-refs', where)
            for target in targets:
                text = text_or_none(target)
                if text is not None:
                    edges.append(Dependency(ref, text))
        return edges


def build(
    doc: dict[str, Any], fmt: str, spec: str, source: str, options: ParseOptions, warnings: list[str]
) -> ParsedInventory:
    """The inventory a JSON-shaped CycloneDX document describes; ``warnings`` so far come first."""
    walker = _Walker(source, options)
    walker.warnings.extend(warnings)
    metadata = doc.get("metadata")
    subject: Component | None = None
    if isinstance(metadata, dict) and metadata.get("component") is not None:
        subject = Component(
            **walker.component(metadata["component"], "metadata.component", None, register=False)
        )
    walker.components_of(doc.get("components"), "components", None)
    edges = walker.dependencies(doc.get("dependencies"))

    keys = [c["key"] for c in walker.components]
    known = set(keys)
    if subject is not None:
        known.add(subject.key)
    dangling = sum(1 for e in edges if e.source not in known or e.target not in known)
    if dangling:
        walker.warnings.append(f"{dangling} dependency edges name bom-refs that are not components")
    direct = direct_keys(subject.key if subject else None, keys, edges, walker.warnings)
    if direct is None:
        components = [Component(**kw) for kw in walker.components]
    else:
        components = [Component(**kw, direct=kw["key"] in direct) for kw in walker.components]
    return ParsedInventory(
        format=fmt,
        spec_version=spec,
        source=source,
        subject=subject,
        components=tuple(components),
        dependencies=tuple(edges),
        warnings=tuple(walker.warnings),
    )
