"""The contract of a report parser, the registry detection walks, and helpers every parser shares.

Reports are JSON. The file is read in one call and decoded once with orjson (measured on a 50 MB
SARIF: a memory map costs more in page faults, 0.5 s of CPU, than the copy, 0.3 s; the decoded document
dwarfs either) and each registered parser is asked, in order, whether the
decoded document has its shape (``sniff``); the first that says yes parses it. A parser raises
:class:`InputError` naming the file and a JSON path (``runs[0].results[12].ruleId``) for anything it
cannot use, so nothing of a bad report is written.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Protocol

import orjson

from patchbook.errors import InputError
from patchbook.ingest.detect import read_input
from patchbook.model.report import ParsedReport

UTF8_BOM = b"\xef\xbb\xbf"


class ReportParser(Protocol):
    """One report format."""

    name: str  # the format name reported to the user: "sarif", "trivy-json", ...
    signature: str  # what ``sniff`` looks for, for the "tried: ..." part of an unrecognised-format error

    def sniff(self, doc: object) -> bool:
        """Whether the decoded document has this format's shape (cheap: top-level keys only)."""
        ...

    def parse(self, doc: Any, source: str) -> ParsedReport:
        """Normalise the whole document; raise ``InputError`` naming ``source`` and a JSON path."""
        ...


_REGISTRY: dict[str, tuple[int, ReportParser]] = {}


def register(parser: ReportParser, order: int) -> ReportParser:
    if parser.name in _REGISTRY:
        raise ValueError(f"a report parser named {parser.name!r} is already registered")
    _REGISTRY[parser.name] = (order, parser)
    return parser


def registered() -> tuple[ReportParser, ...]:
    return tuple(p for _, p in sorted(_REGISTRY.values(), key=lambda item: item[0]))


def tried() -> str:
    return "; ".join(f"{p.name} ({p.signature})" for p in registered())


# --- reading -------------------------------------------------------------------------------------


def looks_like_json(path: Path) -> bool:
    """Whether the file's first non-blank byte opens a JSON object or array (without reading it all)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False  # the SBOM reader reports the file problem with its own message
    if head.startswith(UTF8_BOM):
        head = head[len(UTF8_BOM) :]
    return head.lstrip()[:1] in (b"{", b"[")


def load_document(path: Path, max_bytes: int | None = None) -> Any:
    """Decode the JSON file at ``path``; refuse it before reading when it is over the size limit."""
    source = str(path)
    data = read_input(path, max_bytes, expected="a scanner report")
    try:
        return orjson.loads(data[len(UTF8_BOM) :] if data.startswith(UTF8_BOM) else data)
    except orjson.JSONDecodeError as exc:
        raise InputError(
            source,
            f"malformed JSON: {exc.msg}; expected a JSON scanner report",
            f"{exc.lineno}:{exc.colno}",
        ) from None


# --- helpers for parsers -------------------------------------------------------------------------


def tool_slug(name: str) -> str:
    """A tool's name as an attribution: "Semgrep OSS" -> "semgrep-oss", "CodeQL" -> "codeql"."""
    return re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-") or "unknown"


def need(value: object, kind: type | tuple[type, ...], source: str, where: str, expected: str) -> Any:
    """``value`` if it is of ``kind``; otherwise the one-line error naming the JSON path."""
    if not isinstance(value, kind):
        got = "missing" if value is None else f"a {type(value).__name__}"
        raise InputError(source, f"expected {expected}, got {got}", where)
    return value


def obj(value: object) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (for optional parts of a record)."""
    return value if isinstance(value, dict) else {}


def seq(value: object) -> list[Any]:
    """``value`` if it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def text(value: object) -> str | None:
    """A non-empty string, or None."""
    return value if isinstance(value, str) and value.strip() else None


def split_versions(value: object) -> tuple[str, ...]:
    """Fixed versions as reports spell them: a list, or one string with commas ("1.2.3, 2.0.1")."""
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, list):
        return tuple(v.strip() for v in value if isinstance(v, str) and v.strip())
    return ()


def unique(ids: list[str]) -> tuple[str, ...]:
    """Ids in first-seen order, without repeats or blanks."""
    return tuple(dict.fromkeys(i.strip() for i in ids if i and i.strip()))
