"""Every comparison line of the OSV tooling fixtures in shared/data/versions must hold.

Line format: `a < b`, `a = b`, `a > b`; blank lines and lines starting with "#" or "//" are comments.
Each line is its own test case, named after the file and line number. A `*-generated.txt` file, when
present next to the hand-written one, runs too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from patchbook.versions import compare
from tests.conftest import DATA

VECTORS = DATA / "versions"

# fixture file stem -> ecosystems that must satisfy it
FILES: dict[str, tuple[str, ...]] = {
    "semver-versions": ("npm", "crates.io", "Go", "Hex"),
    "pypi-versions": ("PyPI",),
    "maven-versions": ("Maven",),
    "debian-versions": ("Debian", "Ubuntu:22.04:LTS"),
    "alpine-versions": ("Alpine", "Wolfi"),
    "rubygems-versions": ("RubyGems",),
    "nuget-versions": ("NuGet",),
    "packagist-versions": ("Packagist",),
    "redhat-versions": ("Red Hat", "Rocky Linux:9"),
    "cran-versions": ("CRAN",),
    "pub-versions": ("Pub",),
    "hackage-versions": ("Hackage",),
}
EXPECT = {"<": -1, "=": 0, ">": 1}


def read_lines(path: Path) -> list[tuple[int, str, str, str]]:
    out = []
    for no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("//"):
            continue
        a, op, b = line.split(" ")
        out.append((no, a, op, b))
    return out


def _cases() -> list[object]:
    cases: list[object] = []
    for stem, ecosystems in FILES.items():
        for suffix in ("", "-generated"):
            path = VECTORS / f"{stem}{suffix}.txt"
            if not path.is_file():
                continue
            for no, a, op, b in read_lines(path):
                cases.append(pytest.param(ecosystems, a, op, b, id=f"{path.name}:{no}:{a}{op}{b}"))
    return cases


CASES = _cases()


def test_vector_files_present() -> None:
    for stem in FILES:
        assert (VECTORS / f"{stem}.txt").is_file(), stem


@pytest.mark.parametrize(("ecosystems", "a", "op", "b"), CASES)
def test_vector_line(ecosystems: tuple[str, ...], a: str, op: str, b: str) -> None:
    want = EXPECT[op]
    for ecosystem in ecosystems:  # every ecosystem sharing the ordering must agree
        assert compare(ecosystem, a, b) == want, ecosystem
        # the reverse must agree, or sorting would depend on argument order
        assert compare(ecosystem, b, a) == -want, ecosystem
