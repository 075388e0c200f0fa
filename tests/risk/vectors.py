"""Harvest every CVSS 3.x / 4.0 vector in shared/data, and the score a record states beside it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

VECTOR = re.compile(r"CVSS:(?:3\.[01]|4\.0)/[A-Za-z:/]+")

# Where advisory and scanner data in shared/data holds vectors (OSV YAML, GHSA JSON, osv.dev API JSON,
# scanner reports).
VECTOR_GLOBS = ("osv/pypi/**/*.yaml", "osv/ghsa/*.json", "osv/osv-dev-api/*.json", "reports/**/*.json")

# (vector key, score key) pairs scanners use side by side: Trivy, npm audit; Grype nests metrics.baseScore.
_PAIRS = (("V3Vector", "V3Score"), ("V40Vector", "V40Score"), ("vectorString", "score"), ("vector", None))


def all_vectors(data: Path) -> dict[str, str]:
    """vector -> the first file (relative to data) it was found in. Scans raw text, so no format is missed."""
    found: dict[str, str] = {}
    for pattern in VECTOR_GLOBS:
        for path in sorted(data.glob(pattern)):
            for v in VECTOR.findall(path.read_text(encoding="utf-8")):
                found.setdefault(v, str(path.relative_to(data)))
    return found


def _walk(node: Any) -> Iterator[tuple[str, float]]:
    if isinstance(node, dict):
        for vkey, skey in _PAIRS:
            vec = node.get(vkey)
            if isinstance(vec, str) and VECTOR.fullmatch(vec):
                score = (node.get("metrics") or {}).get("baseScore") if skey is None else node.get(skey)
                if isinstance(score, int | float) and not isinstance(score, bool):
                    yield vec, float(score)
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def stated_scores(data: Path) -> list[tuple[str, str, float]]:
    """(file, vector, score the record states) for every vector that comes with a number."""
    out: list[tuple[str, str, float]] = []
    for path in sorted(data.glob("reports/**/*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        seen: set[tuple[str, float]] = set()
        for vec, score in _walk(doc):
            if (vec, score) not in seen:
                seen.add((vec, score))
                out.append((str(path.relative_to(data)), vec, score))
    return out
