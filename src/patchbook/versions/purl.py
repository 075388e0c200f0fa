"""Package URLs (purl, ECMA-427) and OSV package keys.

Parsing is done by `packageurl-python`; this module adds validation it skips, turns its errors into
`InvalidPurl` with one clear reason, maps purl types to OSV ecosystems (data-formats.md §5.3) and
normalises package names the way OSV spells them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from packageurl import PackageURL

from .ecosystems import base_ecosystem
from .errors import InvalidPurl

_TYPE_TO_ECOSYSTEM = {
    "pypi": "PyPI",
    "npm": "npm",
    "maven": "Maven",
    "golang": "Go",
    "cargo": "crates.io",
    "nuget": "NuGet",
    "gem": "RubyGems",
    "composer": "Packagist",
    "hex": "Hex",
    "pub": "Pub",
    "cran": "CRAN",
    "hackage": "Hackage",
    "conan": "ConanCenter",
    "swift": "SwiftURL",
    "bitnami": "Bitnami",
    "opam": "opam",
    "julia": "Julia",
}

# rpm vendors (purl namespace) -> OSV ecosystem
_RPM_VENDORS = {
    "redhat": "Red Hat",
    "rhel": "Red Hat",
    "rocky": "Rocky Linux",
    "rocky-linux": "Rocky Linux",
    "almalinux": "AlmaLinux",
    "alma": "AlmaLinux",
    "suse": "SUSE",
    "sles": "SUSE",
    "opensuse": "openSUSE",
    "mageia": "Mageia",
    "photon": "Photon OS",
    "openeuler": "openEuler",
    "azurelinux": "Azure Linux",
    "mariner": "Azure Linux",
}
_APK_VENDORS = {"alpine": "Alpine", "wolfi": "Wolfi", "chainguard": "Chainguard", "minimos": "MinimOS"}

# Debian codenames -> release number (distro-info-data); used for the `distro` qualifier
_DEBIAN_CODENAMES = {
    "wheezy": "7", "jessie": "8", "stretch": "9", "buster": "10", "bullseye": "11", "bookworm": "12",
    "trixie": "13", "forky": "14",
}  # fmt: skip
_UBUNTU_CODENAMES = {
    "trusty": "14.04", "xenial": "16.04", "bionic": "18.04", "focal": "20.04", "jammy": "22.04",
    "noble": "24.04", "mantic": "23.10", "lunar": "23.04", "kinetic": "22.10", "oracular": "24.10",
    "plucky": "25.04",
}  # fmt: skip

# per-type rules from the purl type definitions (types/*-definition.json) that packageurl-python
# does not enforce
_NAMESPACE_REQUIRED = frozenset({"maven", "swift", "vscode-extension", "composer", "github", "bitbucket",
                                 "huggingface"})
_NAMESPACE_PROHIBITED = frozenset({"vcpkg", "otp", "julia", "cargo", "gem", "pub", "pypi", "nuget", "oci",
                                   "chrome-extension", "mlflow", "cran"})
_VERSION_REQUIRED = frozenset({"swift", "cran"})
_QUALIFIER_REQUIRED = {"julia": ("uuid",)}
# characters a qualifier value keeps unencoded in the canonical form (ECMA-427 §5.6.6; the purl test
# suite keeps ":" and encodes "/", "+", "@")
_QUALIFIER_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_~:")

_TYPE_RE = re.compile(r"[A-Za-z][A-Za-z0-9.+-]*")
_PEP503 = re.compile(r"[-_.]+")


def parse_purl(s: str) -> PackageURL:
    """Parse and validate a purl string, raising InvalidPurl with the reason."""
    if not isinstance(s, str) or not s.strip():
        raise InvalidPurl("empty package URL")
    text = s.strip()
    if not text.lower().startswith("pkg:"):
        raise InvalidPurl(f"{text!r}: a package URL starts with 'pkg:'")
    body = text[4:].lstrip("/")
    type_part = body.split("/", 1)[0]
    if not _TYPE_RE.fullmatch(type_part):
        raise InvalidPurl(f"{text!r}: type {type_part!r} must start with a letter and use only "
                          "letters, digits, '.', '+' and '-'")
    try:
        purl = PackageURL.from_string(text)
    except ValueError as exc:
        raise InvalidPurl(f"{text!r}: {exc}") from exc
    _validate(purl, text)
    return _normalise_type(purl)


_LOWERCASE_TYPES = frozenset({"brew", "git"})  # case-insensitive namespace and name (type definitions)


def _normalise_type(purl: PackageURL) -> PackageURL:
    if purl.type.lower() in _LOWERCASE_TYPES:
        return purl._replace(namespace=purl.namespace.lower() if purl.namespace else purl.namespace,
                             name=purl.name.lower())
    return purl


def _validate(purl: PackageURL, text: str) -> None:
    if not purl.name:
        raise InvalidPurl(f"{text!r}: a name is required")
    for key in purl.qualifiers or {}:
        if not re.fullmatch(r"[a-z0-9._-]+", key.lower()) or key[0].isdigit():
            raise InvalidPurl(f"{text!r}: qualifier key {key!r} is not valid")
    ptype = purl.type.lower()
    if ptype in _NAMESPACE_REQUIRED and not purl.namespace:
        raise InvalidPurl(f"{text!r}: a {ptype} purl needs a namespace")
    if ptype in _NAMESPACE_PROHIBITED and purl.namespace:
        raise InvalidPurl(f"{text!r}: a {ptype} purl has no namespace")
    if ptype in _VERSION_REQUIRED and not purl.version:
        raise InvalidPurl(f"{text!r}: a {ptype} purl needs a version")
    for qualifier in _QUALIFIER_REQUIRED.get(ptype, ()):
        if not (purl.qualifiers or {}).get(qualifier):
            raise InvalidPurl(f"{text!r}: a {ptype} purl needs the {qualifier!r} qualifier")
    if ptype == "cpan" and "::" in purl.name:
        raise InvalidPurl(f"{text!r}: a cpan name is a distribution name, not a module name ('::')")
    if ptype == "chrome-extension":
        if not re.fullmatch(r"[a-p]{32}", purl.name):
            raise InvalidPurl(f"{text!r}: a chrome extension id is 32 letters a-p")
        if purl.version and not re.fullmatch(r"\d+(\.\d+){0,3}", purl.version):
            raise InvalidPurl(f"{text!r}: a chrome extension version is 1 to 4 dot-separated numbers")
    if ptype == "swift" and text.split("@", 1)[0].endswith("/"):
        raise InvalidPurl(f"{text!r}: the name is empty")


def _encode_value(value: str) -> str:
    return "".join(c if c in _QUALIFIER_SAFE else "".join(f"%{b:02X}" for b in c.encode()) for c in value)


def canonical_purl(purl: PackageURL | str) -> str:
    """The canonical string form (ECMA-427): packageurl-python's, with qualifier values encoded per spec.

    packageurl-python leaves "/" (and ":"-prefixed URLs) unencoded in qualifier values, e.g.
    `repository_url=https://repo.spring.io/release`; the spec's test suite expects
    `repository_url=https:%2F%2Frepo.spring.io%2Frelease`. Everything else is its output.
    """
    p = _as_purl(purl)
    text = p.to_string()
    if not p.qualifiers:
        return text
    head, _, rest = text.partition("?")
    subpath = ""
    if "#" in rest:
        rest, _, sub = rest.partition("#")
        subpath = "#" + sub
    quals: dict[str, Any] = dict(p.qualifiers)
    encoded = "&".join(f"{k}={_encode_value(str(quals[k]))}" for k in sorted(quals) if quals[k])
    return f"{head}?{encoded}{subpath}" if encoded else head + subpath


def build_purl(type: str | None, namespace: str | None, name: str | None, version: str | None = None,
               qualifiers: dict[str, str] | None = None, subpath: str | None = None) -> PackageURL:
    """Build a purl from components with the same validation as `parse_purl`."""
    if not type or not name:
        raise InvalidPurl("a package URL needs a type and a name")
    try:
        purl = PackageURL(type=type, namespace=namespace, name=name, version=version,
                          qualifiers=qualifiers, subpath=subpath)
    except ValueError as exc:
        raise InvalidPurl(str(exc)) from exc
    _validate(purl, f"pkg:{type}/{name}")
    return _normalise_type(purl)


def _as_purl(purl: PackageURL | str) -> PackageURL:
    return parse_purl(purl) if isinstance(purl, str) else purl


def _distro_release(distro: str, prefix: str) -> str:
    d = distro.strip().lower()
    for p in (prefix + "-", prefix):
        if d.startswith(p):
            d = d[len(p) :]
            break
    return d


def purl_ecosystem(purl: PackageURL | str) -> str | None:
    """The OSV ecosystem for a purl (with release suffix where the purl says it), or None."""
    p = _as_purl(purl)
    ptype = p.type.lower()
    namespace = (p.namespace or "").lower()
    qualifiers: dict[str, Any] = dict(p.qualifiers or {})
    distro = str(qualifiers.get("distro") or "")
    if ptype in _TYPE_TO_ECOSYSTEM:
        return _TYPE_TO_ECOSYSTEM[ptype]
    if ptype == "deb":
        if namespace == "debian":
            if not distro:
                return "Debian"
            rel = _distro_release(distro, "debian")
            rel = _DEBIAN_CODENAMES.get(rel, rel)
            return f"Debian:{rel.split('.')[0]}" if rel[:1].isdigit() else "Debian"
        if namespace == "ubuntu":
            if not distro:
                return "Ubuntu"
            rel = _distro_release(distro, "ubuntu")
            rel = _UBUNTU_CODENAMES.get(rel, rel)
            if not re.fullmatch(r"\d\d\.\d\d", rel):
                return "Ubuntu"
            # even-year April releases are LTS, and OSV spells them with a ":LTS" suffix
            lts = int(rel[:2]) % 2 == 0 and rel.endswith(".04")
            return f"Ubuntu:{rel}:LTS" if lts else f"Ubuntu:{rel}"
        return None
    if ptype == "apk":
        eco = _APK_VENDORS.get(namespace)
        if eco == "Alpine" and distro:
            m = re.match(r"v?(\d+)\.(\d+)", _distro_release(distro, "alpine"))
            if m:
                return f"Alpine:v{m.group(1)}.{m.group(2)}"
        return eco
    if ptype == "rpm":
        return _RPM_VENDORS.get(namespace)
    return None


@lru_cache(maxsize=1 << 16)
def normalise_name(ecosystem: str, name: str) -> str:
    """A package name as OSV spells it in `ecosystem`, so names can be compared as strings."""
    base = base_ecosystem(ecosystem)
    n = name.strip()
    if base == "PyPI":
        return _PEP503.sub("-", n).lower()  # PEP 503
    if base in ("npm", "NuGet", "Packagist", "Hex", "Pub", "Hackage"):
        return n.lower()  # case-insensitive registries (npm scopes included: @scope/name)
    if base == "Maven":
        if ":" not in n and "/" in n:
            group, _, artifact = n.rpartition("/")
            n = f"{group}:{artifact}"
        return n
    if base == "Go":
        return n.rstrip("/")  # module paths are case-sensitive
    if base == "crates.io":
        return n
    return n


def _purl_name(p: PackageURL) -> str:
    ptype = p.type.lower()
    ns = p.namespace or ""
    if ptype == "maven":
        return f"{ns}:{p.name}" if ns else p.name
    if ptype in ("npm", "golang", "composer", "swift", "github", "bitbucket"):
        return f"{ns}/{p.name}" if ns else p.name
    return p.name


def purl_package(purl: PackageURL | str) -> tuple[str, str, str] | None:
    """The OSV lookup key (ecosystem, normalised name, version) for a purl; None without ecosystem/version."""
    p = _as_purl(purl)
    eco = purl_ecosystem(p)
    if eco is None or not p.version:
        return None
    version = p.version
    if eco == "Go" and version.startswith("v"):
        version = version[1:]  # OSV Go versions carry no "v"
    return eco, normalise_name(eco, _purl_name(p)), version
