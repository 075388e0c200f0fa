"""Lock files and OS package databases, from small hand-written fixtures modelled on real ones."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from patchbook.ingest import detect, formats, parse
from patchbook.model.component import Dependency

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("package-lock.json", "package-lock"),
        ("poetry.lock", "poetry-lock"),
        ("requirements.txt", "requirements"),
        ("dpkg-status", "dpkg-status"),
        ("apk-installed", "apk-installed"),
    ],
)
def test_detected_by_content_under_any_name(name: str, fmt: str, tmp_path: Path) -> None:
    assert detect(FIXTURES / name) == fmt
    anonymous = tmp_path / "upload.bin"
    anonymous.write_bytes((FIXTURES / name).read_bytes())
    assert detect(anonymous) == fmt


def test_formats_are_registered_strictest_first() -> None:
    names = formats()
    assert names[:4] == ("cyclonedx-json", "cyclonedx-xml", "spdx-json", "spdx-tag-value")
    assert names[-1] == "requirements"
    assert len(names) == 9


def test_package_lock() -> None:
    inventory = parse(FIXTURES / "package-lock.json")
    assert (inventory.format, inventory.spec_version) == ("package-lock", "3")
    assert inventory.subject is not None
    assert (inventory.subject.name, inventory.subject.version) == ("order-gateway", "2.4.1")
    by_key = {c.key: c for c in inventory.components}
    assert len(by_key) == 10
    # Two versions of qs coexist: the hoisted one and the one nested under body-parser.
    assert by_key["node_modules/qs"].version == "6.11.0"
    nested = by_key["node_modules/body-parser/node_modules/qs"]
    assert (nested.name, nested.version, nested.purl) == ("qs", "6.9.7", "pkg:npm/qs@6.9.7")
    # Node resolution: body-parser gets its own nested qs, express the hoisted one.
    assert (
        Dependency("node_modules/body-parser", "node_modules/body-parser/node_modules/qs")
        in inventory.dependencies
    )
    assert Dependency("node_modules/express", "node_modules/qs") in inventory.dependencies
    grpc = by_key["node_modules/@grpc/grpc-js"]
    assert (grpc.name, grpc.namespace, grpc.purl) == (
        "grpc-js",
        "@grpc",
        "pkg:npm/%40grpc/grpc-js@1.9.14",
    )
    assert grpc.hashes[0][0] == "sha512" and grpc.licenses == ("Apache-2.0",)
    direct = {k for k, c in by_key.items() if c.direct}
    assert direct == {
        "node_modules/@grpc/grpc-js",
        "node_modules/express",
        "node_modules/ws",
        "node_modules/jest",
    }
    assert by_key["node_modules/jest"].scope == "dev"
    assert by_key["node_modules/fsevents"].scope == "dev"
    assert by_key["node_modules/ws"].scope is None
    assert inventory.unmatchable == 0


def test_package_lock_links_and_workspaces(tmp_path: Path) -> None:
    lock = {
        "name": "venue",
        "lockfileVersion": 2,
        "packages": {
            "": {"name": "venue", "workspaces": ["packages/*"], "dependencies": {"lodash": "^4"}},
            "node_modules/lodash": {"version": "4.17.20"},
            "node_modules/risk-ui": {"resolved": "packages/risk-ui", "link": True},
            "packages/risk-ui": {"name": "risk-ui", "version": "0.3.0", "dependencies": {"lodash": "^4"}},
        },
    }
    path = tmp_path / "package-lock.json"
    path.write_bytes(orjson.dumps(lock))
    inventory = parse(path)
    assert [c.key for c in inventory.components] == ["node_modules/lodash", "packages/risk-ui"]
    assert Dependency("packages/risk-ui", "node_modules/lodash") in inventory.dependencies


def test_poetry_lock() -> None:
    inventory = parse(FIXTURES / "poetry.lock")
    assert (inventory.format, inventory.spec_version) == ("poetry-lock", "2.0")
    assert len(inventory.components) == 9
    by_name = {c.name: c for c in inventory.components}
    assert by_name["aiohttp"].purl == "pkg:pypi/aiohttp@3.9.1"
    assert by_name["pytest"].scope == "dev"
    assert by_name["PyYAML"].name == "PyYAML"  # the name as written; normalising is the matcher's job
    assert all(c.direct is None for c in inventory.components)  # poetry.lock does not say
    assert Dependency("yarl@1.9.4", "idna@3.6") in inventory.dependencies
    assert len(inventory.dependencies) == 7


def test_requirements() -> None:
    inventory = parse(FIXTURES / "requirements.txt")
    got = [(c.name, c.version) for c in inventory.components]
    assert got == [
        ("aiohttp", "3.9.1"),
        ("cryptography", "41.0.7"),
        ("PyYAML", "6.0.1"),
        ("requests", "2.31.0"),
        ("urllib3", None),
        ("jinja2", None),
        ("numpy", None),  # ==1.26.* is a range, not a pin
        ("websockets", "12.0"),
    ]
    assert inventory.unmatchable == 3
    aiohttp = inventory.components[0]
    assert len(aiohttp.hashes) == 2 and aiohttp.hashes[0][0] == "sha256"
    assert inventory.components[4].purl == "pkg:pypi/urllib3"  # ecosystem known, version not


def test_dpkg_status() -> None:
    inventory = parse(FIXTURES / "dpkg-status")
    by_name = {c.name: c for c in inventory.components}
    # openssh-server is "deinstall ok config-files": not installed, not a component.
    assert sorted(by_name) == ["bsdutils", "libc6", "libgcc-s1", "libssl3", "tzdata"]
    libc = by_name["libc6"]
    assert (libc.source_name, libc.source_version) == ("glibc", "2.36-9+deb12u4")
    assert libc.purl == "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&upstream=glibc"
    # Source with its own version, and a binary version with an epoch.
    bsd = by_name["bsdutils"]
    assert (bsd.version, bsd.source_name, bsd.source_version) == (
        "1:2.38.1-5+deb12u1",
        "util-linux",
        "2.38.1-5",
    )
    # No Source field: the source package is the binary package.
    assert (by_name["tzdata"].source_name, by_name["tzdata"].key) == ("tzdata", "tzdata:all")
    assert by_name["libgcc-s1"].source_name == "gcc-12"
    assert any("debian" in w for w in inventory.warnings)


def test_dpkg_status_ubuntu_is_recognised(tmp_path: Path) -> None:
    text = (
        "Package: openssl\nStatus: install ok installed\nArchitecture: amd64\n"
        "Maintainer: Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>\nVersion: 3.0.2-0ubuntu1.15\n"
    )
    path = tmp_path / "status"
    path.write_text(text)
    (component,) = parse(path).components
    assert component.namespace == "ubuntu" and component.purl is not None
    assert component.purl.startswith("pkg:deb/ubuntu/openssl@3.0.2-0ubuntu1.15")


def test_apk_installed() -> None:
    inventory = parse(FIXTURES / "apk-installed")
    got = [(c.name, c.version, c.source_name) for c in inventory.components]
    assert got == [
        ("musl", "1.2.4-r2", "musl"),
        ("libcrypto3", "3.1.4-r5", "openssl"),
        ("libssl3", "3.1.4-r5", "openssl"),
        ("busybox", "1.36.1-r15", "busybox"),
    ]
    assert inventory.components[1].purl == "pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&upstream=openssl"
    assert inventory.components[0].licenses == ("MIT",)


def test_dpkg_and_apk_do_not_confuse_each_other(tmp_path: Path) -> None:
    # An apk db has no "Package:" lines, a dpkg status no "P:" lines; neither sniffs as the other.
    assert detect(FIXTURES / "apk-installed") == "apk-installed"
    assert detect(FIXTURES / "dpkg-status") == "dpkg-status"
