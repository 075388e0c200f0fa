"""Reading OSV records from what a user points at: a directory tree, a per-ecosystem ``all.zip``,
or one JSON / YAML file (a record, a list of records, or an osv.dev API answer ``{"vulns": [...]}``).

Damaged input (a file that does not parse, a zip with path traversal or an oversized member) raises
:class:`InputError` naming the file and the position; the import it belongs to is rolled back.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import orjson
import yaml

from patchbook.errors import InputError
from patchbook.feeds import yamlload

RECORD_SUFFIXES = (".json", ".yaml", ".yml")
MAX_RECORD_BYTES = 32 * 1024 * 1024  # the largest real OSV records are a few MB (long version lists)
MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class RawRecord:
    location: str  # file, or zip!member, plus [index] when a file holds several records
    data: Any


def decode(location: str, payload: bytes) -> Any:
    """JSON or YAML by the content, with the position of the first error."""
    stripped = payload.lstrip()
    if stripped[:1] in (b"{", b"["):
        try:
            return orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            raise InputError(location, f"malformed JSON: {exc.msg}", f"{exc.lineno}:{exc.colno}") from None
    try:
        return yamlload.load(payload)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{mark.line + 1}:{mark.column + 1}" if mark else None
        raise InputError(location, f"malformed YAML: {exc.problem or exc.context}", where) from None
    except yaml.YAMLError as exc:
        raise InputError(location, f"malformed YAML: {exc}") from None


def records_in(location: str, document: Any) -> Iterator[RawRecord]:
    if isinstance(document, dict) and isinstance(document.get("vulns"), list):
        document = document["vulns"]
    if isinstance(document, list):
        for i, item in enumerate(document):
            yield RawRecord(f"{location}[{i}]", item)
    elif isinstance(document, dict):
        yield RawRecord(location, document)
    else:
        raise InputError(location, "expected an OSV record (a JSON/YAML object) or a list of them")


def _read_file(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(str(path), f"file is {size:,} bytes, more than the {MAX_FILE_BYTES:,} limit")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror}") from None


def iter_directory(root: Path) -> Iterator[Path]:
    """Record files below ``root`` in a stable order; hidden directories (.git) are skipped."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(RECORD_SUFFIXES) and not name.startswith("."):
                yield Path(dirpath) / name


def iter_file(path: Path) -> Iterator[RawRecord]:
    yield from records_in(str(path), decode(str(path), _read_file(path)))


def _check_member(archive: str, info: zipfile.ZipInfo) -> None:
    name = info.filename
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
        raise InputError(
            archive, f"member {name!r} has an unsafe path (absolute or '..'); refusing the archive"
        )
    if info.file_size > MAX_RECORD_BYTES:
        raise InputError(
            archive, f"member {name!r} is {info.file_size:,} bytes uncompressed, over {MAX_RECORD_BYTES:,}"
        )


def zip_members(path: Path) -> list[zipfile.ZipInfo]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [i for i in archive.infolist() if not i.is_dir()]
    except zipfile.BadZipFile as exc:
        raise InputError(str(path), f"not a valid zip archive: {exc}") from None
    for info in members:
        _check_member(str(path), info)
    return [i for i in members if i.filename.endswith(RECORD_SUFFIXES)]


def iter_zip(path: Path, members: list[zipfile.ZipInfo]) -> Iterator[RawRecord]:
    with zipfile.ZipFile(path) as archive:
        for info in members:
            location = f"{path}!{info.filename}"
            try:
                with archive.open(info) as fh:
                    # Never trust the declared size alone: read at most one byte past the limit.
                    payload = fh.read(MAX_RECORD_BYTES + 1)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise InputError(location, f"damaged archive member: {exc}") from None
            if len(payload) > MAX_RECORD_BYTES:
                raise InputError(location, f"member is over {MAX_RECORD_BYTES:,} bytes uncompressed")
            yield from records_in(location, decode(location, payload))
