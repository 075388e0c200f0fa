"""Ingest: read an SBOM, lock file or package database into a :class:`ParsedInventory`.

``parse(path)`` detects the format from the file's content (never its name) and parses it; the only I/O
is reading that one file. Bad input raises :class:`patchbook.errors.InputError` with the file, the
position and what was expected.

Formats register themselves in :mod:`patchbook.ingest.base` when their module is imported below, each
with an order: the detector asks the strictest sniffers (JSON keys, XML namespaces, fixed field names)
before the loosest (requirements.txt lines).
"""

from __future__ import annotations

from pathlib import Path

from patchbook.ingest import (  # noqa: F401  (imported to register themselves)
    apk_installed,
    cyclonedx_json,
    cyclonedx_xml,
    dpkg_status,
    npm_lock,
    poetry_lock,
    requirements,
    spdx_json,
    spdx_tag,
)
from patchbook.ingest.base import ParseOptions, registered
from patchbook.ingest.detect import DEFAULT_MAX_BYTES, detect_parser, read_input
from patchbook.model.component import ParsedInventory

__all__ = ["DEFAULT_MAX_BYTES", "ParseOptions", "detect", "formats", "parse"]


def detect(path: Path, *, max_bytes: int | None = None) -> str:
    """The format name of ``path`` ("cyclonedx-json", "dpkg-status", ...), from its content."""
    path = Path(path)
    return detect_parser(read_input(path, max_bytes), str(path)).name


def parse(
    path: Path, *, max_bytes: int | None = None, options: ParseOptions | None = None
) -> ParsedInventory:
    """Read ``path``, detect its format and parse it.

    ``max_bytes`` caps the file size (default ``$PATCHBOOK_MAX_INPUT_BYTES`` or 1 GiB); larger files are
    refused before reading.
    """
    path = Path(path)
    source = str(path)
    data = read_input(path, max_bytes)
    parser = detect_parser(data, source)
    return parser.parse(data, source, options or ParseOptions())


def formats() -> tuple[str, ...]:
    """Names of the formats ingest reads, in detection order."""
    return tuple(p.name for p in registered())
