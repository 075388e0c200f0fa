"""The FIRST EPSS daily CSV (``epss_scores-YYYY-MM-DD.csv[.gz]``): parser and lookup.

Layout::

    #model_version:v2025.03.14,score_date:2026-05-18T00:00:00Z
    cve,epss,percentile
    CVE-1999-0001,0.0046,0.7385

Early-2021 files have no ``#`` line and only ``cve,epss``; older files write the date ``...+0000``.
Both are accepted. Anything else — a garbled metadata line, a wrong header, a row that is not
``CVE id, probability in [0,1], percentile in [0,1]`` — raises :class:`InputError` naming the line.
CVEs the file does not score are the caller's business: :func:`lookup` counts them.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from patchbook.errors import InputError
from patchbook.model.risk import EpssScore, EpssSnapshot

_CVE = re.compile(r"^CVE-\d{4}-\d{4,}$")
_GZIP_MAGIC = b"\x1f\x8b"


def _score_date(raw: str, source: str) -> datetime:
    text = raw.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif re.search(r"[+-]\d{4}$", text):  # "+0000" -> "+00:00"
        text = text[:-2] + ":" + text[-2:]
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InputError(source, f"score_date {raw!r} is not an ISO 8601 date-time", "line 1") from exc
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _metadata(line: str, source: str) -> tuple[str, datetime]:
    fields: dict[str, str] = {}
    for part in line[1:].split(","):
        key, sep, value = part.partition(":")
        if not sep:
            raise InputError(source, f"garbled metadata {part!r}; expected key:value", "line 1")
        fields[key.strip()] = value.strip()
    if "model_version" not in fields or "score_date" not in fields:
        raise InputError(
            source,
            "metadata line must carry model_version and score_date, e.g. "
            "'#model_version:v2025.03.14,score_date:2026-05-18T00:00:00Z'",
            "line 1",
        )
    return fields["model_version"], _score_date(fields["score_date"], source)


def _unit(value: str, what: str, source: str, lineno: int) -> float:
    try:
        x = float(value)
    except ValueError:
        raise InputError(source, f"{what} {value!r} is not a number", f"line {lineno}") from None
    if not 0.0 <= x <= 1.0:  # also rejects nan
        raise InputError(source, f"{what} {value!r} is outside [0, 1]", f"line {lineno}")
    return x


def parse_epss_text(text: str, source: str = "<epss>") -> EpssSnapshot:
    """Parse the decoded text of one daily EPSS file."""
    lines = text.splitlines()
    pos = 0
    model_version: str | None = None
    score_date: datetime | None = None
    if lines and lines[0].startswith("#"):
        model_version, score_date = _metadata(lines[0], source)
        pos = 1
    if pos >= len(lines):
        raise InputError(source, "missing header 'cve,epss,percentile'", f"line {pos + 1}")
    header = [h.strip().lower() for h in lines[pos].split(",")]
    if header not in (["cve", "epss", "percentile"], ["cve", "epss"]):
        raise InputError(
            source, f"expected header 'cve,epss,percentile', got {lines[pos]!r}", f"line {pos + 1}"
        )
    width = len(header)
    scores: dict[str, EpssScore] = {}
    for lineno, line in enumerate(lines[pos + 1 :], start=pos + 2):
        if not line.strip():
            continue
        cols = line.split(",")
        if len(cols) != width:
            raise InputError(
                source, f"expected {width} columns ({','.join(header)}), got {line!r}", f"line {lineno}"
            )
        cve = cols[0].strip().upper()
        if not _CVE.match(cve):
            raise InputError(source, f"{cols[0]!r} is not a CVE id", f"line {lineno}")
        if cve in scores:
            raise InputError(source, f"{cve} appears twice", f"line {lineno}")
        scores[cve] = EpssScore(
            cve=cve,
            epss=_unit(cols[1], "epss", source, lineno),
            percentile=_unit(cols[2], "percentile", source, lineno) if width == 3 else None,
            model_version=model_version,
            score_date=score_date,
        )
    return EpssSnapshot(model_version=model_version, score_date=score_date, scores=scores)


def parse_epss(data: bytes, source: str = "<epss>") -> EpssSnapshot:
    """Parse one daily EPSS file's bytes, gzip-compressed or plain (detected by the gzip magic number)."""
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InputError(source, f"corrupt gzip data: {exc}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(source, f"not UTF-8 text (byte {exc.start})") from exc
    return parse_epss_text(text, source)


def load_epss(path: str | Path) -> EpssSnapshot:
    """Read and parse an EPSS file from disk (``.csv`` or ``.csv.gz``)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(str(p), f"cannot read: {exc.strerror}") from exc
    return parse_epss(data, str(p))


def lookup(snapshot: EpssSnapshot, cves: Iterable[str]) -> tuple[dict[str, EpssScore], list[str]]:
    """(scores found, CVEs the file does not score). Unknown CVEs are counted, never an error."""
    found: dict[str, EpssScore] = {}
    missing: list[str] = []
    for cve in cves:
        score = snapshot.get(cve)
        if score is None:
            missing.append(cve)
        else:
            found[score.cve] = score
    return found, missing
