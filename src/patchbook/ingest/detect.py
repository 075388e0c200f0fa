"""Reading an input file safely and deciding its format from its content, never from its name.

Order of checks: the file exists and is a regular file; its size is within the limit (checked with
``stat`` before a byte is read, so a 2 GB file costs nothing); it is not empty; it is text (no UTF-16/32
byte-order mark, no NUL bytes, UTF-8 in its first bytes). Then each registered parser's sniffer is asked
in registration order; the first that recognises the head parses the file. JSON that no sniffer
recognises from its head is decoded once and offered to the parsers that have a ``sniff_json``. If none
takes it, the error lists every format tried (for JSON, after saying whether the JSON is malformed).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from patchbook.errors import InputError
from patchbook.ingest.base import InventoryParser, registered
from patchbook.ingest.common import UTF8_BOM, line_col, load_json

DEFAULT_MAX_BYTES = 1 << 30  # 1 GiB
MAX_BYTES_ENV = "PATCHBOOK_MAX_INPUT_BYTES"
HEAD_BYTES = 64 * 1024

_WIDE_BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16",
    b"\xfe\xff": "UTF-16",
}


def max_bytes_default() -> int:
    """The size limit: ``$PATCHBOOK_MAX_INPUT_BYTES`` if set, else 1 GiB."""
    raw = os.environ.get(MAX_BYTES_ENV)
    if raw:
        try:
            return int(raw)
        except ValueError:
            raise InputError(MAX_BYTES_ENV, f"{raw!r} is not a whole number of bytes") from None
    return DEFAULT_MAX_BYTES


INVENTORY_FILE = "an SBOM, lock file or package database"


def read_input(path: Path, max_bytes: int | None = None, expected: str = INVENTORY_FILE) -> bytes:
    """The bytes of ``path``, refusing missing, special, oversized and empty files before reading them
    (``expected`` names what the file should have been, for the messages)."""
    source = str(path)
    limit = max_bytes_default() if max_bytes is None else max_bytes
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(source, "no such file") from None
    except OSError as exc:
        raise InputError(source, f"cannot read: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(source, f"not a regular file; expected {expected}")
    if info.st_size > limit:
        raise InputError(
            source,
            f"file is {info.st_size:,} bytes, over the {limit:,}-byte input limit; refused without reading "
            f"(raise it with {MAX_BYTES_ENV})",
        )
    if info.st_size == 0:
        raise InputError(source, f"empty file; expected {expected}")
    try:
        with path.open("rb") as handle:
            # Read one byte past the limit: a file that grew since stat() is still refused.
            data = handle.read(limit + 1)
    except OSError as exc:
        raise InputError(source, f"cannot read: {exc.strerror}") from None
    if len(data) > limit:
        raise InputError(source, f"file grew past the {limit:,}-byte input limit while being read")
    return data


def head_of(data: bytes) -> bytes:
    """The first bytes the sniffers see, without a UTF-8 byte-order mark."""
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    return data[:HEAD_BYTES]


def _check_text(data: bytes, head: bytes, source: str) -> None:
    for bom, name in _WIDE_BOMS.items():
        if data.startswith(bom):
            raise InputError(
                source, f"file is {name}-encoded (byte-order mark); expected UTF-8 text", "byte 0"
            )
    nul = head.find(b"\x00")
    if nul >= 0:
        raise InputError(
            source,
            f"binary data (NUL byte at offset {nul}); expected a text SBOM, lock file or package database",
            f"byte {nul}",
        )
    if (
        head.lstrip().startswith(b"<?xml")
        and b"encoding" in head[:200]
        and b"utf-8" not in head[:200].lower()
    ):
        return  # XML that declares its own encoding: the XML parser decodes it
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut by the head boundary
            raise InputError(
                source,
                f"not UTF-8 text: byte 0x{head[exc.start]:02x} at byte offset {exc.start} cannot be decoded; "
                "expected UTF-8 (binary file, or a legacy encoding such as Latin-1?)",
                line_col(head, exc.start),
            ) from None


def _tried() -> str:
    return "; ".join(f"{p.name} ({p.signature})" for p in registered())


def detect_parser(data: bytes, source: str) -> InventoryParser:
    """The registered parser whose sniffer recognises ``data``; a clear error naming all tried if none."""
    head = head_of(data)
    _check_text(data, head, source)
    for parser in registered():
        if parser.sniff(head):
            return parser
    start = head.lstrip()[:1]
    if start in (b"{", b"["):
        doc = load_json(data, source, "a JSON SBOM or lock file")
        # The telling key may lie beyond the head (sorted keys put "spdxVersion" after "packages"):
        # ask the JSON parsers about the decoded document before giving up.
        for parser in registered():
            sniff_json = getattr(parser, "sniff_json", None)
            if sniff_json is not None and sniff_json(doc):
                return parser
        shape = (
            f"an object with keys {sorted(doc)[:8]}" if isinstance(doc, dict) else f"a {type(doc).__name__}"
        )
        raise InputError(source, f"valid JSON ({shape}) but not a format patchbook reads; tried: {_tried()}")
    if start == b"<":
        raise InputError(source, f"XML, but not a format patchbook reads; tried: {_tried()}")
    raise InputError(source, f"unrecognised format; tried: {_tried()}")
