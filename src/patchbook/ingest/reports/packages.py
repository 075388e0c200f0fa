"""From a scanner's package type and name to a purl, for reports that do not give one.

Trivy (older versions) and Grype (some matchers) name a package by its type in their own vocabulary
("alpine", "gomod", "java-archive"); patchbook resolves findings through purls, as it does SBOM
components, so the same package gets the same (ecosystem, package) key from every source.
"""

from __future__ import annotations

from functools import lru_cache

from patchbook.versions import purl as purls
from patchbook.versions.errors import InvalidPurl

# scanner package type -> purl type (Trivy's and Grype's names; OS types handled apart)
_LANGUAGE_TYPES = {
    # Trivy
    "npm": "npm",
    "yarn": "npm",
    "pnpm": "npm",
    "node-pkg": "npm",
    "bun": "npm",
    "pip": "pypi",
    "pipenv": "pypi",
    "poetry": "pypi",
    "python-pkg": "pypi",
    "uv": "pypi",
    "gomod": "golang",
    "gobinary": "golang",
    "cargo": "cargo",
    "rust-binary": "cargo",
    "rustbinary": "cargo",
    "composer": "composer",
    "composer-vendor": "composer",
    "jar": "maven",
    "pom": "maven",
    "gradle": "maven",
    "sbt": "maven",
    "bundler": "gem",
    "gemspec": "gem",
    "nuget": "nuget",
    "dotnet-core": "nuget",
    "packages-props": "nuget",
    "hex": "hex",
    "mix": "hex",
    "pub": "pub",
    "conan": "conan",
    # Grype
    "python": "pypi",
    "go-module": "golang",
    "java-archive": "maven",
    "rust-crate": "cargo",
    "php-composer": "composer",
    "gem": "gem",
    "dotnet": "nuget",
}

_DEB_DISTROS = {"debian", "ubuntu"}
_APK_DISTROS = {"alpine", "wolfi", "chainguard"}
_RPM_DISTROS = {"redhat", "centos", "rocky", "alma", "almalinux", "amazon", "oracle", "photon", "suse"}


@lru_cache(maxsize=1 << 16)  # a report names one package once per vulnerability: build each purl once
def purl_for(package_type: str | None, name: str, version: str, distro: tuple[str, str] | None) -> str | None:
    """A purl for the package, or None when the type is unknown (the finding keeps the raw type).

    ``distro`` is the (family, release) of the scanned OS, e.g. ("alpine", "3.9.4"), for OS packages.
    """
    if not package_type or not name:
        return None
    kind = package_type.lower()
    namespace: str | None = None
    qualifiers: dict[str, str] = {}
    if kind in ("deb", "apk", "rpm") and distro is not None:
        kind = distro[0]  # Grype names the package manager; the distro decides the vendor
    if kind in _DEB_DISTROS:
        ptype, namespace = "deb", kind
    elif kind in _APK_DISTROS:
        ptype, namespace = "apk", kind
    elif kind in _RPM_DISTROS:
        ptype, namespace = "rpm", kind
    elif kind in _LANGUAGE_TYPES:
        ptype = _LANGUAGE_TYPES[kind]
    else:
        return None
    if namespace is not None and distro is not None and distro[1]:
        qualifiers["distro"] = f"{namespace}-{distro[1]}"
    bare = name
    if ptype == "maven" and ":" in name:
        namespace, _, bare = name.partition(":")
    elif ptype in ("npm", "golang", "composer") and "/" in name:
        namespace, _, bare = name.rpartition("/")
    try:
        built = purls.build_purl(ptype, namespace, bare, version, qualifiers or None)
    except InvalidPurl:
        return None
    return str(built.to_string())
