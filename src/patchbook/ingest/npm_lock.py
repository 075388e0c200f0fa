"""npm ``package-lock.json`` v2 / v3: the flat ``packages`` map keyed by install path.

Each ``node_modules/...`` entry is one installed package (nested paths are nested installs, several
versions of one package can coexist). ``""`` is the root project: the subject, and its
``dependencies`` / ``devDependencies`` / ``optionalDependencies`` / ``peerDependencies`` name the direct
ones. Edges are resolved the way Node resolves ``require``: from the package's own ``node_modules`` up
to the root. ``link: true`` entries are symlinks to workspace folders that have their own entry, so they
are skipped. Lockfile v1 (npm 6, no ``packages`` map) is refused with a hint.
"""

from __future__ import annotations

import re
from typing import Any

from packageurl import PackageURL

from patchbook.errors import InputError
from patchbook.ingest.base import ParseOptions, register
from patchbook.ingest.common import load_json, text_or_none
from patchbook.ingest.graph import direct_keys
from patchbook.model.component import Component, Dependency, ParsedInventory

_SNIFF = re.compile(rb'"lockfileVersion"\s*:\s*\d')
_DEP_FIELDS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")
_MARK = "node_modules/"


def _name_from_path(path: str) -> str:
    return path.rsplit(_MARK, 1)[-1] if _MARK in path else path.rsplit("/", 1)[-1]


def resolve(path: str, dependency: str, installed: dict[str, Any]) -> str | None:
    """The install path Node would load ``dependency`` from, for a package installed at ``path``."""
    base = path
    while True:
        candidate = f"{base}/{_MARK}{dependency}" if base else f"{_MARK}{dependency}"
        if candidate in installed:
            return candidate
        if not base:
            return None
        # Climb one node_modules level: "node_modules/a/node_modules/b" -> "node_modules/a" -> "".
        cut = base.rfind("/" + _MARK)
        base = base[:cut] if cut >= 0 else ""


def _scope(entry: dict[str, Any]) -> str | None:
    if entry.get("dev"):
        return "dev"
    if entry.get("devOptional"):
        return "dev-optional"
    if entry.get("optional"):
        return "optional"
    return None


def _purl(name: str, version: str | None) -> tuple[str, str | None]:
    namespace, _, bare = name.rpartition("/")
    purl = PackageURL(type="npm", namespace=namespace or None, name=bare, version=version).to_string()
    return purl, namespace or None


class NpmLock:
    name = "package-lock"
    signature = 'a JSON object with "lockfileVersion" and a "packages" map (npm 7+)'

    def sniff(self, head: bytes) -> bool:
        return head.lstrip().startswith(b"{") and _SNIFF.search(head) is not None

    def sniff_json(self, doc: object) -> bool:
        return isinstance(doc, dict) and "lockfileVersion" in doc

    def parse(self, data: bytes, source: str, options: ParseOptions) -> ParsedInventory:
        doc = load_json(data, source, "a package-lock.json")
        if not isinstance(doc, dict):
            raise InputError(source, "expected a package-lock object at the top level", "1:1")
        lock_version = doc.get("lockfileVersion")
        packages = doc.get("packages")
        if lock_version not in (2, 3) or not isinstance(packages, dict):
            raise InputError(
                source,
                f'package-lock lockfileVersion {lock_version!r} has no "packages" map; '
                "expected lockfileVersion 2 or 3 (regenerate with npm 7 or later)",
                "lockfileVersion",
            )
        warnings: list[str] = []
        root = packages.get("", {})
        if not isinstance(root, dict):
            raise InputError(source, "expected an object for the root package", 'packages[""]')
        root_name = text_or_none(root.get("name")) or text_or_none(doc.get("name")) or "(root)"
        root_version = text_or_none(root.get("version")) or text_or_none(doc.get("version"))
        root_purl, root_namespace = _purl(root_name, root_version)
        subject = Component(
            key="",
            name=root_name.rpartition("/")[2],
            version=root_version,
            purl=root_purl,
            type="npm",
            namespace=root_namespace,
            kind="application",
        )

        installed: dict[str, dict[str, Any]] = {}
        for path, entry in packages.items():
            if path == "":
                continue
            if not isinstance(entry, dict):
                raise InputError(
                    source, f"expected an object, found {type(entry).__name__}", f"packages[{path!r}]"
                )
            if entry.get("link"):
                continue
            installed[path] = entry

        edges: list[Dependency] = []
        for path, entry in [("", root), *installed.items()]:
            for field in _DEP_FIELDS:
                wanted = entry.get(field) or {}
                if not isinstance(wanted, dict):
                    raise InputError(source, f"expected {field!r} to be an object", f"packages[{path!r}]")
                for dependency in wanted:
                    target = resolve(path, dependency, installed)
                    if target is not None:
                        edges.append(Dependency(path, target))
                    elif field not in ("peerDependencies", "optionalDependencies") and path == "":
                        warnings.append(f"root dependency {dependency!r} is not installed in the lock file")

        direct = direct_keys("", list(installed), edges, warnings)
        components = []
        for path, entry in installed.items():
            full_name = text_or_none(entry.get("name")) or _name_from_path(path)
            version = text_or_none(entry.get("version"))
            purl, namespace = _purl(full_name, version)
            # As in CycloneDX and the purl: "@grpc/grpc-js" is namespace "@grpc", name "grpc-js".
            name = full_name.rpartition("/")[2]
            integrity = text_or_none(entry.get("integrity"))
            hashes: tuple[tuple[str, str], ...] = ()
            if integrity and "-" in integrity:
                alg, _, digest = integrity.partition("-")
                hashes = ((alg, digest),)  # SRI form: algorithm-base64digest
            components.append(
                Component(
                    key=path,
                    name=name,
                    version=version,
                    purl=purl,
                    type="npm",
                    namespace=namespace,
                    direct=None if direct is None else path in direct,
                    scope=_scope(entry),
                    licenses=(lic,) if (lic := text_or_none(entry.get("license"))) else (),
                    hashes=hashes,
                )
            )
        return ParsedInventory(
            format=self.name,
            spec_version=str(lock_version),
            source=source,
            subject=subject,
            components=tuple(components),
            dependencies=tuple(edges),
            warnings=tuple(warnings),
        )


register(NpmLock(), order=20)
