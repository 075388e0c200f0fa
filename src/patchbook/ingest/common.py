"""Helpers every parser shares: decoding with positions, purl splitting, unique keys, positions."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import orjson
from packageurl import PackageURL

from patchbook.errors import InputError
from patchbook.ingest.base import ParseOptions

UTF8_BOM = b"\xef\xbb\xbf"


def line_col(data: bytes, offset: int) -> str:
    """``line:column`` (1-based, column in characters) of byte ``offset`` in ``data``."""
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[start:offset].decode("utf-8", errors="replace")) + 1
    return f"{line}:{column}"


def decode_text(data: bytes, source: str) -> str:
    """``data`` as UTF-8 text (a leading BOM dropped); a clear error at the first byte that is not UTF-8."""
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            source,
            f"not UTF-8 text: byte 0x{data[exc.start]:02x} at byte offset {exc.start} cannot be decoded; "
            "expected a UTF-8 file",
            line_col(data, exc.start),
        ) from None


def load_json(data: bytes, source: str, expected: str) -> Any:
    """Decode JSON with orjson; malformed or truncated input becomes an error at its line:column."""
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if "UTF-8" in exc.msg:
            # orjson does not say where the bad byte is; find it so the message can.
            decode_text(data, source)
        where = f"{exc.lineno}:{exc.colno}"
        if exc.pos >= len(data.rstrip()) or "end of data" in exc.msg:
            raise InputError(
                source, f"JSON ends early (truncated?): {exc.msg}; expected {expected}", where
            ) from None
        raise InputError(source, f"malformed JSON: {exc.msg}; expected {expected}", where) from None


@lru_cache(maxsize=1 << 16)
def split_purl(purl: str) -> tuple[str, str | None] | str:
    """(type, namespace) of a purl, or the reason it does not parse.

    Cached process-wide: an estate repeats the same purls across many SBOMs, and PackageURL.from_string
    is the costliest step of reading a CycloneDX component.
    """
    try:
        parsed = PackageURL.from_string(purl)
    except ValueError as exc:
        return str(exc).rstrip(".")
    return parsed.type, parsed.namespace or None


class PurlReader:
    """Splits purl strings into (type, namespace), once per distinct string.

    A purl that does not parse is an ``InputError`` naming the component, or, with
    ``ParseOptions(strict_purls=False)``, a warning, and the component keeps no purl.
    """

    def __init__(self, source: str, options: ParseOptions, warnings: list[str]) -> None:
        self._source = source
        self._strict = options.strict_purls
        self._warnings = warnings

    def read(self, purl: object, where: str) -> tuple[str | None, str | None, str | None]:
        """(purl, type, namespace) for the purl written at ``where``; (None, None, None) if absent."""
        if purl is None or purl == "":
            return None, None, None
        if not isinstance(purl, str):
            return self._bad(repr(purl), where, "is not a string")
        parts = split_purl(purl)
        if isinstance(parts, str):
            return self._bad(purl, where, parts)
        return purl, parts[0], parts[1]

    def _bad(self, purl: str, where: str, why: str) -> tuple[None, None, None]:
        message = f"purl {purl!r} does not parse ({why}); expected pkg:type/namespace/name@version"
        if self._strict:
            raise InputError(self._source, message, where)
        self._warnings.append(f"{where}: {message}; component kept without a purl")
        return None, None, None


class KeyMaker:
    """Unique component keys: the input's own identifier where it has one, made unique where it repeats."""

    def __init__(self, warnings: list[str]) -> None:
        self._seen: set[str] = set()
        self._warnings = warnings

    def make(self, wanted: str, where: str) -> str:
        key = wanted
        n = 1
        while key in self._seen:
            n += 1
            key = f"{wanted}#{n}"
        if n > 1:
            self._warnings.append(f"{where}: identifier {wanted!r} repeats; kept as {key!r}")
        self._seen.add(key)
        return key

    def __contains__(self, key: str) -> bool:
        return key in self._seen


def text_or_none(value: object) -> str | None:
    """A non-empty string, or None (JSON nulls, empty strings and non-strings all mean 'not given')."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        # Hand-written SBOMs sometimes give versions as JSON numbers.
        return str(value)
    return None
