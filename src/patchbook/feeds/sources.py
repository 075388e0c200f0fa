"""Reading OSV records from what a user points at: a directory tree, a per-ecosystem ``all.zip``,
or one JSON / YAML file (a record, a list of records, or an osv.dev API answer ``{"vulns": [...]}``).

Damaged input (a file that does not parse, a zip with path traversal or an oversized member) raises
:class:`InputError` naming the file and the position; the import it belongs to is rolled back.
"""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any, NamedTuple

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

    def unreadable(error: OSError) -> None:
        raise InputError(str(error.filename or root), f"cannot read the directory: {error.strerror}")

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(RECORD_SUFFIXES) and not name.startswith("."):
                yield Path(dirpath) / name


def iter_file(path: Path) -> Iterator[RawRecord]:
    yield from records_in(str(path), decode(str(path), _read_file(path)))


def _check_member(archive: str, info: zipfile.ZipInfo | Member) -> None:
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


class Member(NamedTuple):
    """Where one zip member's bytes are, from the central directory: enough to read it without a
    :class:`zipfile.ZipFile` (a worker process reading a slice of a large archive would otherwise
    parse the whole central directory again, seconds for 100,000 members)."""

    position: int  # in ``ZipFile.infolist()``
    filename: str
    orig_filename: str
    header_offset: int
    compress_type: int
    compress_size: int
    file_size: int
    crc: int
    flag_bits: int

    @classmethod
    def of(cls, index: int, info: zipfile.ZipInfo) -> Member:
        return cls(
            index,
            info.filename,
            info.orig_filename,
            info.header_offset,
            info.compress_type,
            info.compress_size,
            info.file_size,
            info.CRC,
            info.flag_bits,
        )


def zip_member_list(path: Path) -> list[Member]:
    """The record members of an archive, in archive order, after checking every member's path and size."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [Member.of(n, i) for n, i in enumerate(archive.infolist()) if not i.is_dir()]
    except zipfile.BadZipFile as exc:
        raise InputError(str(path), f"not a valid zip archive: {exc}") from None
    for member in members:
        _check_member(str(path), member)
    return [m for m in members if m.filename.endswith(RECORD_SUFFIXES)]


def zip_members(path: Path) -> list[zipfile.ZipInfo]:
    members = zip_member_list(path)  # raises InputError for a damaged or unsafe archive
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    return [infos[m.position] for m in members]


def iter_zip(path: Path, members: Sequence[zipfile.ZipInfo | Member]) -> Iterator[RawRecord]:
    with ZipReader(path) as reader:
        for member in members:
            yield from reader.records(member)


# The local file header in front of every member's data (APPNOTE 4.3.7).
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_PLAIN_FLAGS = 0x1 | 0x20 | 0x40  # encrypted, patched, strong encryption: left to zipfile


class ZipReader:
    """Reads members of one archive: plain stored / deflated members straight from their local header
    (checking what ``ZipFile.open`` checks: header signature, name, size and CRC-32), anything else
    through :mod:`zipfile`, opened only if such a member comes up."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[bytes] | None = None
        self._archive: zipfile.ZipFile | None = None

    def __enter__(self) -> ZipReader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if self._archive is not None:
            self._archive.close()
            self._archive = None

    def records(self, member: zipfile.ZipInfo | Member) -> Iterator[RawRecord]:
        if isinstance(member, zipfile.ZipInfo):
            member = Member.of(-1, member)
        location = f"{self.path}!{member.filename}"
        try:
            payload = self._read(member)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise InputError(location, f"damaged archive member: {exc}") from None
        if len(payload) > MAX_RECORD_BYTES:
            raise InputError(location, f"member is over {MAX_RECORD_BYTES:,} bytes uncompressed")
        yield from records_in(location, decode(location, payload))

    def _read(self, member: Member) -> bytes:
        """The member's bytes, at most one byte past the limit (never trust the declared size alone)."""
        plain = member.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
        if not plain or member.flag_bits & _PLAIN_FLAGS:
            return self._read_with_zipfile(member)
        if self._fh is None:
            self._fh = open(self.path, "rb")  # noqa: SIM115 - closed by close()
        fh = self._fh
        fh.seek(member.header_offset)
        header = fh.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size:
            raise zipfile.BadZipFile("Truncated file header")
        fields = _LOCAL_HEADER.unpack(header)
        if fields[0] != _LOCAL_SIGNATURE:
            raise zipfile.BadZipFile("Bad magic number for file header")
        name = fh.read(fields[10])
        fh.seek(fields[11], os.SEEK_CUR)  # the local extra field
        encoding = "utf-8" if fields[3] & 0x800 else "cp437"
        if name.decode(encoding) != member.orig_filename:
            raise zipfile.BadZipFile(
                f"File name in directory {member.orig_filename!r} and header {name!r} differ."
            )
        data = fh.read(member.compress_size)
        if len(data) != member.compress_size:
            raise EOFError("member data ends early (truncated archive)")
        if member.compress_type == zipfile.ZIP_STORED:
            payload = data[: MAX_RECORD_BYTES + 1]
        else:
            inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            payload = inflater.decompress(data, MAX_RECORD_BYTES + 1)
            if len(payload) > MAX_RECORD_BYTES:
                return payload  # the caller refuses it by size
            if not inflater.eof:
                raise EOFError("Compressed file ended before the end-of-stream marker was reached")
        if len(payload) != member.file_size or zlib.crc32(payload) != member.crc:
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {member.filename!r}")
        return payload

    def _read_with_zipfile(self, member: Member) -> bytes:
        if self._archive is None:
            self._archive = zipfile.ZipFile(self.path)
        infos = self._archive.infolist()
        if 0 <= member.position < len(infos) and infos[member.position].filename == member.filename:
            info = infos[member.position]
        else:
            info = self._archive.getinfo(member.filename)
        with self._archive.open(info) as fh:
            return fh.read(MAX_RECORD_BYTES + 1)
