"""Components: what an asset is built from, as read from an SBOM, lock file or package database.

These are the output of ``patchbook.ingest``: plain values, no I/O, no ecosystem normalisation (that is
``patchbook.versions``' job). A component without a purl or version is still a component: the matcher
counts it as unmatched, it is never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Component:
    """One component of an inventory.

    ``key`` is unique within one :class:`ParsedInventory`: the CycloneDX ``bom-ref``, the SPDX ``SPDXID``,
    or, where the format has no identifier, one built from the format's own coordinates (e.g. the
    ``node_modules/...`` path of a package-lock entry). Dependency edges refer to components by ``key``.
    """

    key: str
    # The bare name, as the purl splits it: npm "@babel/core" is namespace "@babel", name "core".
    name: str
    version: str | None = None
    purl: str | None = None
    # purl type ("npm", "pypi", "maven", "deb", ...) and namespace, from the purl as written (without a
    # purl, a CycloneDX component's "group" is its namespace).
    type: str | None = None
    namespace: str | None = None
    # True: the subject depends on it directly; False: only transitively; None: the input does not say.
    direct: bool | None = None
    # How the input scopes it: CycloneDX "required" / "optional" / "excluded"; lock files "dev" / "optional".
    scope: str | None = None
    # CycloneDX component type ("library", "application", "operating-system", ...) where given.
    kind: str | None = None
    # The key of the component this one is nested in (CycloneDX nested components), else None.
    parent: str | None = None
    # OS packages: the source package and its version (Debian ``Source:``, Alpine ``o:``). Debian and Alpine
    # advisories name source packages, so the matcher needs these, not only the binary package name.
    source_name: str | None = None
    source_version: str | None = None
    licenses: tuple[str, ...] = ()
    # (algorithm, hex digest) pairs as the input names them ("SHA-256", "SHA256", "sha512", ...).
    hashes: tuple[tuple[str, str], ...] = ()

    @property
    def matchable(self) -> bool:
        """Whether the matcher has enough to look it up: a purl and a version."""
        return self.purl is not None and self.version is not None


@dataclass(frozen=True, slots=True)
class Dependency:
    """A directed edge: ``source`` depends on (or contains) ``target``; both are component keys."""

    source: str
    target: str


@dataclass(frozen=True, slots=True)
class ParsedInventory:
    """Everything one input file says about what an asset contains.

    ``format`` is one of "cyclonedx-json", "cyclonedx-xml", "spdx-json", "spdx-tag-value", "requirements",
    "package-lock", "poetry-lock", "dpkg-status", "apk-installed".

    ``subject`` is what the file describes (CycloneDX ``metadata.component``, the package an SPDX document
    DESCRIBES, the root project of a lock file), or None. In CycloneDX the subject lives apart from the
    component list and is not in ``components``; in SPDX the described package is one of the document's
    packages and stays in ``components`` too (its own advisories concern the asset).
    """

    format: str
    spec_version: str | None
    source: str
    subject: Component | None = None
    components: tuple[Component, ...] = ()
    dependencies: tuple[Dependency, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def unmatchable(self) -> int:
        """How many components lack a purl or a version (the matcher will count them unmatched)."""
        return sum(1 for c in self.components if not c.matchable)
