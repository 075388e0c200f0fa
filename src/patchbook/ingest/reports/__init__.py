"""Scanner reports: SARIF 2.1.0, Trivy, Grype, osv-scanner, pip-audit and Slither JSON.

One module per format, each registering a parser in :mod:`patchbook.ingest.reports.base`. The format
is decided from the decoded content, never from the file name: each parser's ``sniff`` looks at the
top-level shape, in registration order (SARIF's "runs" first, Slither's envelope last).

``parse_report(path)`` reads, detects and parses; ``detect(doc)`` only decides. Bad input raises
:class:`patchbook.errors.InputError` with the file, a JSON path and what was expected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from patchbook.errors import InputError
from patchbook.ingest.reports import (  # noqa: F401  (imported to register themselves)
    grype,
    osv_scanner,
    pip_audit,
    sarif,
    slither,
    trivy,
)
from patchbook.ingest.reports.base import ReportParser, load_document, looks_like_json, registered, tried
from patchbook.model.report import ParsedReport

__all__ = ["detect", "formats", "load_document", "looks_like_json", "parse_document", "parse_report", "tried"]


def detect(doc: object) -> ReportParser | None:
    """The parser whose shape ``doc`` has, or None (it may still be a JSON SBOM)."""
    for parser in registered():
        if parser.sniff(doc):
            return parser
    return None


def describe(doc: object) -> str:
    """A short description of a document's top level, for error messages."""
    if isinstance(doc, dict):
        return f"an object with keys {sorted(doc, key=str)[:8]}"
    return f"a {type(doc).__name__}"


def parse_document(doc: Any, source: str) -> ParsedReport:
    parser = detect(doc)
    if parser is None:
        raise InputError(
            source, f"unrecognised report format: valid JSON ({describe(doc)}); tried: {tried()}"
        )
    return parser.parse(doc, source)


def parse_report(path: Path, *, max_bytes: int | None = None) -> ParsedReport:
    """Read ``path`` (refused over the size limit), detect the report format and parse it."""
    return parse_document(load_document(Path(path), max_bytes), str(path))


def formats() -> tuple[str, ...]:
    return tuple(p.name for p in registered())
