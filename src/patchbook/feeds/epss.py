"""EPSS as a feed: recognising the daily CSV among the files ``feeds import`` takes, giving each file its
score date, and where ``feeds sync`` fetches it. Parsing is ``patchbook.risk.epss`` (one parser)."""

from __future__ import annotations

import os
import re
import zlib
from datetime import date
from pathlib import Path

from patchbook.errors import InputError
from patchbook.model.risk import EpssSnapshot
from patchbook.risk.epss import parse_epss

# FIRST publishes the daily file here (the older epss.cyentia.com address redirects to it).
EPSS_URL = "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz"
_NAME_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")
_STARTS = (b"#model_version", b"cve,epss", b"CVE-")


def epss_url() -> str:
    return os.environ.get("PATCHBOOK_EPSS_URL", EPSS_URL)


def looks_like_epss(head: bytes) -> bool:
    """True for the first bytes of an EPSS CSV, plain or gzip-compressed.

    The comment line, the column header, or (a file that lost its header) a CVE row: the last is
    recognised so that the parser can say which header is missing instead of a JSON error.
    """
    if head[:2] == b"\x1f\x8b":
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 512)
        except zlib.error:
            return False
    first = head.lstrip(b"\xef\xbb\xbf").lstrip()
    return first.lower().startswith(_STARTS[1]) or first.startswith((_STARTS[0], _STARTS[2]))


def read_epss(path: Path, source: str | None = None) -> tuple[EpssSnapshot, date]:
    """Parse one EPSS file and the day its scores are for.

    The day is the header's ``score_date``; early-2021 files have no header, and then the date in the
    file name (``epss_scores-2021-04-14.csv``) is used. Without either the scores cannot be kept in the
    history, and that is an input error.
    """
    where = source or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(where, f"cannot read: {exc.strerror}") from exc
    snapshot = parse_epss(data, where)
    if snapshot.score_date is not None:
        return snapshot, snapshot.score_date.date()
    named = _NAME_DATE.search(path.name) or _NAME_DATE.search(where.rsplit("/", 1)[-1])
    if named:
        try:
            return snapshot, date.fromisoformat(named.group(1))
        except ValueError:
            pass
    raise InputError(
        where,
        "no score date: expected a '#model_version:...,score_date:...' line or a date in the file name",
        "line 1",
    )
