"""The public surface: ecosystem names, suffixes, errors, sort_key contract."""

from __future__ import annotations

import bisect

import pytest

from patchbook.versions import (
    KNOWN_ECOSYSTEMS,
    InvalidVersion,
    UnsupportedEcosystem,
    base_ecosystem,
    compare,
    sort_key,
    supports,
)


@pytest.mark.parametrize(
    ("name", "base"),
    [
        ("Debian:11", "Debian"),
        ("Alpine:v3.16", "Alpine"),
        ("Ubuntu:22.04:LTS", "Ubuntu"),
        ("Ubuntu:Pro:18.04:LTS", "Ubuntu"),
        ("Red Hat:rhel_aus:8.4::appstream", "Red Hat"),
        ("Maven:https://maven.google.com", "Maven"),
        ("Rocky Linux:9", "Rocky Linux"),
        ("PyPI", "PyPI"),
        ("Photon OS:3.0", "Photon OS"),
        ("crates.io", "crates.io"),
    ],
)
def test_base_ecosystem(name: str, base: str) -> None:
    assert base_ecosystem(name) == base
    assert supports(name)


def test_known_ecosystems() -> None:
    for name in (
        "PyPI",
        "npm",
        "Maven",
        "Go",
        "crates.io",
        "RubyGems",
        "NuGet",
        "Packagist",
        "Debian",
        "Alpine",
        "Red Hat",
        "Hex",
        "Pub",
        "CRAN",
        "Hackage",
        "Ubuntu",
        "Rocky Linux",
        "AlmaLinux",
        "SUSE",
        "openSUSE",
        "Mageia",
        "Wolfi",
        "Chainguard",
        "SwiftURL",
        "GitHub Actions",
        "Linux",
        "OSS-Fuzz",
        "Android",
        "Bitnami",
        "Photon OS",
    ):
        assert name in KNOWN_ECOSYSTEMS
    assert len(KNOWN_ECOSYSTEMS) >= 40
    for unsupported in ("Linux", "OSS-Fuzz", "Android"):
        assert not supports(unsupported)
        with pytest.raises(UnsupportedEcosystem):
            compare(unsupported, "1", "2")
    with pytest.raises(UnsupportedEcosystem):
        sort_key("NoSuchEcosystem", "1.0")
    assert issubclass(UnsupportedEcosystem, ValueError)


@pytest.mark.parametrize(
    ("eco", "a", "b", "want"),
    [
        ("Ubuntu:22.04:LTS", "1.0~rc1", "1.0", -1),
        ("AlmaLinux", "1.0^git1", "1.0", 1),
        ("SUSE", "2.0-1", "2.0-1.1", -1),
        ("Wolfi", "1.2_rc1", "1.2", -1),
        ("Go", "v1.2.3", "1.2.3", 0),
        ("SwiftURL", "1.0.0-beta", "1.0.0", -1),
        ("GitHub Actions", "v4", "4.0.1", -1),
        ("Debian:11", "1:0.1", "2.0", 1),
        ("Red Hat:rhel_aus:8.4::appstream", "0:1.0-1.el8", "1.0-2.el8", -1),
        ("Alpine:v3.16", "1.0-r1", "1.0-r10", -1),
        ("Hex", "1.0.0-rc.1", "1.0.0", -1),
    ],
)
def test_family_members_share_ordering(eco: str, a: str, b: str, want: int) -> None:
    assert compare(eco, a, b) == want


@pytest.mark.parametrize(
    ("eco", "bad"),
    [
        ("CRAN", "1.0-beta"),
        ("Hackage", "1.0-rc1"),
        ("RubyGems", "1.0 beta!"),
        ("Debian", ""),
        ("Debian", "a:1.0"),
        ("npm", ""),
        ("Maven", " "),
    ],
)
def test_invalid_versions_raise(eco: str, bad: str) -> None:
    with pytest.raises(InvalidVersion):
        sort_key(eco, bad)
    assert issubclass(InvalidVersion, ValueError)


def test_sort_key_sorts_and_bisects() -> None:
    raw = ["2.0", "1.0.dev0", "1.0", "1.0rc1", "1.0.post1", "0.9", "legacy-thing"]
    ordered = sorted(raw, key=lambda v: sort_key("PyPI", v))
    assert ordered == ["legacy-thing", "0.9", "1.0.dev0", "1.0rc1", "1.0", "1.0.post1", "2.0"]
    keys = [sort_key("PyPI", v) for v in ordered]
    assert bisect.bisect_left(keys, sort_key("PyPI", "1.0.0")) == 4
    raw_m = ["1.0", "1.0-SNAPSHOT", "1.0-alpha-1", "1.0-1", "1.0.1"]
    maven = sorted(raw_m, key=lambda v: sort_key("Maven", v))
    assert maven == ["1.0-alpha-1", "1.0-SNAPSHOT", "1.0", "1.0-1", "1.0.1"]
    keys_m = [sort_key("Maven", v) for v in maven]
    assert bisect.bisect_right(keys_m, sort_key("Maven", "1.0.0")) == 3


def test_keys_are_hashable_and_equal_keys_hash_equal() -> None:
    for eco, a, b in [
        ("Maven", "1.0", "1-ga"),
        ("PyPI", "1.0", "1.0.0"),
        ("Debian", "1.0", "0:1.0-0"),
        ("RubyGems", "1.0.a2", "1.0.a.2"),
        ("Packagist", "1.0RC1", "1.0rc1"),
        ("Alpine", "1.0", "1.0-r0"),
        ("NuGet", "1.0", "1.0.0.0"),
    ]:
        ka, kb = sort_key(eco, a), sort_key(eco, b)
        assert ka == kb and hash(ka) == hash(kb)
        assert len({ka, kb}) == 1
