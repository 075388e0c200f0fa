"""CVSS base scores (3.0 / 3.1 / 4.0) through the ``cvss`` package, qualitative bands, best-severity choice.

The ``cvss`` package (RedHatProductSecurity, LGPL-3.0+, used unmodified) does the arithmetic with exact
``Decimal``s and is checked in tests against every vector in the shared data, the exhaustive CVSS 3.1 base
set and an independent implementation of the 3.1 equations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from cvss import CVSS3, CVSS4
from cvss.exceptions import CVSSError

from patchbook.model.advisory import Severity
from patchbook.model.risk import SeverityAssessment, SeverityBand

_V3_PREFIXES = ("CVSS:3.0/", "CVSS:3.1/")
_V4_PREFIX = "CVSS:4.0/"

# Preference between versions when an advisory carries several vectors: the newest CVSS version is the
# source's most recent and most precise assessment (4.0 separates Attack Requirements from Complexity).
_VERSION_RANK = {"4.0": 3, "3.1": 2, "3.0": 1}

# GHSA writes MODERATE where CVSS says medium; Ubuntu and others write the band names in any case.
_STATED_BANDS: dict[str, SeverityBand] = {
    "none": "none",
    "low": "low",
    "moderate": "medium",
    "medium": "medium",
    "high": "high",
    "important": "high",
    "critical": "critical",
}


def cvss_version(vector: str) -> str:
    """The CVSS version a vector declares ("3.0", "3.1", "4.0"); ValueError for anything else."""
    v = vector.strip()
    if v.startswith(_V3_PREFIXES) or v.startswith(_V4_PREFIX):
        return v[5:8]
    if v.startswith("CVSS:"):
        raise ValueError(f"unsupported CVSS version in {vector!r} (expected CVSS:3.0, CVSS:3.1 or CVSS:4.0)")
    if v.startswith("AV:") and "/Au:" in v:
        raise ValueError(f"CVSS v2 vector {vector!r} is not scored (only CVSS 3.0, 3.1 and 4.0 are)")
    raise ValueError(f"malformed CVSS vector {vector!r}: missing the CVSS:3.x/ or CVSS:4.0/ prefix")


# Scores are pure functions of the vector string, and an estate repeats a few thousand vectors across
# hundreds of thousands of findings: caching turns a ~60 us parse into a dict lookup on re-scoring.
@lru_cache(maxsize=65536)
def cvss_score(vector: str) -> float:
    """The base score of a CVSS 3.0 / 3.1 / 4.0 vector.

    Raises ValueError naming the reason for a bad vector: malformed, unknown metric or value, a missing
    mandatory metric, a duplicate metric, an unsupported version.
    """
    version = cvss_version(vector)
    v = vector.strip()
    try:
        base = CVSS4(v).base_score if version == "4.0" else CVSS3(v).base_score
    except CVSSError as exc:
        raise ValueError(f"bad CVSS {version} vector {vector!r}: {exc}") from exc
    return float(base)


def severity_band(score: float, version: str = "3.1") -> SeverityBand:
    """The qualitative rating of a base score (CVSS 3.x and 4.0 share the bands; 2.0 has no none/critical)."""
    if not 0.0 <= score <= 10.0:
        raise ValueError(f"CVSS score {score} is outside 0.0-10.0")
    if version.startswith("2"):
        return "low" if score < 4.0 else "medium" if score < 7.0 else "high"
    if version not in _VERSION_RANK:
        raise ValueError(f"unknown CVSS version {version!r}")
    if score == 0.0:
        return "none"
    if score < 4.0:
        return "low"
    if score < 7.0:
        return "medium"
    if score < 9.0:
        return "high"
    return "critical"


def metrics(vector: str) -> dict[str, str]:
    """The metric -> value map of a vector that :func:`cvss_score` accepts (prefix dropped)."""
    return dict(_metrics(vector))


@lru_cache(maxsize=65536)
def _metrics(vector: str) -> tuple[tuple[str, str], ...]:
    cvss_score(vector)  # validates; a caller never gets metrics of a vector that does not score
    return tuple((k, v) for k, _, v in (p.partition(":") for p in vector.strip().split("/")[1:]))


def _entry(item: Severity | Mapping[str, Any]) -> tuple[str, str]:
    if isinstance(item, Severity):
        return item.type, item.score
    return str(item.get("type", "")), str(item.get("score", ""))


def best_severity(
    severity: Iterable[Severity | Mapping[str, Any]],
    database_specific: Mapping[str, Any] | None = None,
) -> SeverityAssessment | None:
    """The severity to use for an OSV record: its best CVSS vector, else the severity the source states.

    Among vectors that score, the newest CVSS version wins, then the highest score. Vectors that do not
    score are skipped and noted. Without any, ``database_specific.severity`` (GHSA) or an ``Ubuntu``-type
    entry gives a *stated* band, marked ``stated=True`` because patchbook did not compute it.
    Returns None when the record says nothing usable about severity.
    """
    considered: list[str] = []
    best: tuple[tuple[int, float], SeverityAssessment] | None = None
    stated: SeverityAssessment | None = None
    for i, item in enumerate(severity):
        kind, value = _entry(item)
        where = f"severity[{i}] {kind}"
        if kind in ("CVSS_V3", "CVSS_V4"):
            try:
                score = cvss_score(value)
            except ValueError as exc:
                considered.append(f"{where} {value!r}: rejected ({exc})")
                continue
            version = cvss_version(value)
            considered.append(f"{where} {value}: CVSS {version} base score {score}")
            cand = SeverityAssessment(
                band=severity_band(score, version),
                score=score,
                version=version,
                vector=value.strip(),
                stated=False,
                source=where,
            )
            key = (_VERSION_RANK[version], score)
            if best is None or key > best[0]:
                best = (key, cand)
        elif kind == "CVSS_V2":
            considered.append(f"{where} {value}: not scored (CVSS v2)")
        elif value.strip().lower() in _STATED_BANDS:
            considered.append(f"{where} {value!r}: stated band")
            if stated is None:
                stated = SeverityAssessment(
                    band=_STATED_BANDS[value.strip().lower()],
                    score=None,
                    version=None,
                    vector=None,
                    stated=True,
                    source=where,
                )
        else:
            considered.append(f"{where} {value!r}: not understood, ignored")
    if best is not None:
        return _with_considered(best[1], considered)
    ds = (database_specific or {}).get("severity")
    if isinstance(ds, str) and ds.strip().lower() in _STATED_BANDS:
        considered.append(f"database_specific.severity {ds!r}: stated by the source")
        return SeverityAssessment(
            band=_STATED_BANDS[ds.strip().lower()],
            score=None,
            version=None,
            vector=None,
            stated=True,
            source="database_specific.severity",
            considered=tuple(considered),
        )
    if stated is not None:
        return _with_considered(stated, considered)
    return None


def _with_considered(s: SeverityAssessment, considered: list[str]) -> SeverityAssessment:
    return SeverityAssessment(s.band, s.score, s.version, s.vector, s.stated, s.source, tuple(considered))
