"""Version comparison throughput per ecosystem, over the OSV fixture files.

For each fixture file: `cold` parses both sides and compares (caches cleared first), `warm` calls
`compare()` with the parse cache filled (the steady state of matching), `keys` compares prepared sort
keys directly (what a sorted/bisect index does). Baseline in the same run: `packaging.version.Version`
for PyPI, parsed fresh (cold) and pre-parsed (keys). Also `affected()` checks per second on PyPA records.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import yaml
from packaging.version import InvalidVersion as PkgInvalid
from packaging.version import Version
from rich.table import Table

from patchbook.versions import affected, compare, sort_key
from patchbook.versions import core as _core
from patchbook.versions import osv as _osv

FILES = {
    "semver-versions": "npm",
    "pypi-versions": "PyPI",
    "maven-versions": "Maven",
    "debian-versions": "Debian",
    "alpine-versions": "Alpine",
    "rubygems-versions": "RubyGems",
    "nuget-versions": "NuGet",
    "packagist-versions": "Packagist",
    "redhat-versions": "Red Hat",
    "cran-versions": "CRAN",
    "pub-versions": "Pub",
    "hackage-versions": "Hackage",
}
MIN_OPS = 200_000  # repeat small files until each measurement does at least this many comparisons


def _pairs(folder: Path, stem: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for suffix in ("", "-generated"):
        path = folder / f"{stem}{suffix}.txt"
        if not path.is_file():
            continue
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if line and not line.startswith(("#", "//")):
                a, _, b = line.split(" ")
                out.append((a, b))
    return out


def _rate(n: int, fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return n / max(time.perf_counter() - started, 1e-9)


def _clear() -> None:
    _core._family_key.cache_clear()
    _osv._walk.cache_clear()
    _osv._listed_keys.cache_clear()
    _osv._KEYSETS.clear()


def _fmt(x: float) -> str:
    return f"{x / 1e6:.2f} M/s" if x >= 1e6 else f"{x / 1e3:.0f} k/s"


def run(shared: Path, workdir: Path) -> Table:
    folder = shared / "data" / "versions"
    table = Table(title="patchbook.versions: comparisons per second (baseline: packaging.version)")
    for col in ("ecosystem", "lines", "cold parse+compare", "warm compare()", "keys <", "baseline",
                "ratio (keys/baseline)"):
        table.add_column(col, justify="right" if col != "ecosystem" else "left")

    for stem, eco in FILES.items():
        pairs = _pairs(folder, stem)
        if not pairs:
            continue
        reps = max(1, MIN_OPS // len(pairs))
        n = len(pairs) * reps

        def cold(pairs: list[tuple[str, str]] = pairs, eco: str = eco) -> None:
            _clear()
            for a, b in pairs:
                compare(eco, a, b)

        def warm(pairs: list[tuple[str, str]] = pairs, eco: str = eco, reps: int = reps) -> None:
            for _ in range(reps):
                for a, b in pairs:
                    compare(eco, a, b)

        cold_rate = _rate(len(pairs), cold)
        warm_rate = _rate(n, warm)
        keys = [(sort_key(eco, a), sort_key(eco, b)) for a, b in pairs]

        def keyed(keys: list[tuple[object, object]] = keys, reps: int = reps) -> None:
            for _ in range(reps):
                for ka, kb in keys:
                    ka < kb  # type: ignore[operator]  # noqa: B015

        key_rate = _rate(n, keyed)
        base = ratio = "-"
        if eco == "PyPI":
            valid = []
            for a, b in pairs:
                try:
                    valid.append((Version(a), Version(b)))
                except PkgInvalid:
                    continue
            vreps = max(1, MIN_OPS // max(len(valid), 1))

            def baseline(valid: list[tuple[Version, Version]] = valid, vreps: int = vreps) -> None:
                for _ in range(vreps):
                    for va, vb in valid:
                        va < vb  # noqa: B015

            base_rate = _rate(len(valid) * vreps, baseline)
            base = _fmt(base_rate)
            ratio = f"{key_rate / base_rate:.1f}x"
        table.add_row(eco, str(len(pairs)), _fmt(cold_rate), _fmt(warm_rate), _fmt(key_rate), base, ratio)

    # affected(): one version checked against real PyPA records
    records = []
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for path in sorted((shared / "data" / "osv" / "pypi").glob("*/PYSEC-*.yaml"))[:600]:
        records.append(yaml.load(path.read_text(encoding="utf-8"), Loader=loader))
    checks = []
    for rec in records:
        for entry in rec.get("affected", []):
            name = entry.get("package", {}).get("name", "")
            for version in ("0.1", "1.0", "2.5.3", "10.0"):
                checks.append((rec, name, version))
    if checks:
        _clear()
        cold_rate = _rate(len(checks), lambda: [affected(r, "PyPI", nm, v) for r, nm, v in checks])
        warm_rate = _rate(len(checks) * 5, lambda: [affected(r, "PyPI", nm, v) for _ in range(5)
                                                     for r, nm, v in checks])
        table.add_row("affected() PyPI", str(len(checks)), _fmt(cold_rate), _fmt(warm_rate), "-", "-", "-")
    return table
