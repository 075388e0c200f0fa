"""Debian ``/var/lib/dpkg/status``: one deb component per *installed* package.

Stanzas of ``Field: value`` lines (continuation lines start with a space or tab) separated by blank
lines. Only stanzas whose ``Status`` state is ``installed`` count (removed packages with config files
left, ``deinstall ok config-files``, are not installed). The version keeps its epoch (``1:2.36-9``).
Debian advisories (OSV "Debian" records, the security tracker) are per *source* package, so
``Source:`` is kept as ``source_name`` (with its own version when written ``Source: gcc-12 (12.2.0-14)``;
else the binary's). The file does not say whether the host is Debian or Ubuntu: the purl namespace is
``ubuntu`` when the package versions or maintainers say so, else ``debian``, and a warning records the guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from packageurl import PackageURL

from patchbook.errors import InputError
from patchbook.ingest.base import ParseOptions, register
from patchbook.ingest.common import KeyMaker, decode_text
from patchbook.model.component import Component, ParsedInventory

_SNIFF_PACKAGE = re.compile(rb"(?m)^Package: \S")
_SNIFF_STATUS = re.compile(rb"(?m)^Status: \S")
_FIELD = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*):[ \t]*(.*)$")
_SOURCE = re.compile(r"^(\S+)(?:\s+\((\S+)\))?$")


def stanzas(text: str, source: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(first line number, fields) per stanza; continuation lines are appended to their field."""
    fields: dict[str, str] = {}
    start = 0
    last: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            if fields:
                yield start, fields
            fields, last = {}, None
            continue
        if line[0] in " \t":
            if last is None:
                raise InputError(
                    source, "continuation line before any field; expected 'Field: value'", f"{number}:1"
                )
            fields[last] += "\n" + line.strip()
            continue
        match = _FIELD.match(line)
        if match is None:
            raise InputError(source, f"expected 'Field: value', found {line[:60]!r}", f"{number}:1")
        if not fields:
            start = number
        last = match.group(1)
        fields[last] = match.group(2).strip()
    if fields:
        yield start, fields


class DpkgStatus:
    name = "dpkg-status"
    signature = "Debian control stanzas with 'Package:' and 'Status:' fields"

    def sniff(self, head: bytes) -> bool:
        return _SNIFF_PACKAGE.search(head) is not None and _SNIFF_STATUS.search(head) is not None

    def parse(self, data: bytes, source: str, options: ParseOptions) -> ParsedInventory:
        warnings: list[str] = []
        keys = KeyMaker(warnings)
        rows: list[tuple[str, dict[str, str]]] = []
        for line, fields in stanzas(decode_text(data, source), source):
            where = f"{line}:1"
            if "Package" not in fields:
                raise InputError(source, "stanza has no Package field; expected 'Package: name'", where)
            if "Status" not in fields:
                raise InputError(source, f"package {fields['Package']!r} has no Status field", where)
            status = fields["Status"].split()
            if len(status) != 3:
                raise InputError(
                    source,
                    f"Status {fields['Status']!r} is not 'want flag state' (e.g. 'install ok installed')",
                    where,
                )
            if status[2] == "installed":
                rows.append((where, fields))

        ubuntu = any(
            "ubuntu" in f.get("Version", "") or "ubuntu.com" in f.get("Maintainer", "").lower()
            for _, f in rows
        )
        distro = "ubuntu" if ubuntu else "debian"
        if rows:
            warnings.append(f"the distribution is not recorded in a dpkg status file; taken to be {distro!r}")
        components = []
        for where, fields in rows:
            name = fields["Package"]
            version = fields.get("Version") or None
            arch = fields.get("Architecture") or None
            source_name, source_version = name, version
            if "Source" in fields:
                match = _SOURCE.match(fields["Source"])
                if match is None:
                    raise InputError(
                        source, f"Source {fields['Source']!r} is not 'name' or 'name (version)'", where
                    )
                source_name, source_version = match.group(1), match.group(2) or version
            qualifiers = {"arch": arch} if arch else {}
            if source_name != name:
                qualifiers["upstream"] = source_name
            purl = PackageURL(type="deb", namespace=distro, name=name, version=version, qualifiers=qualifiers)
            components.append(
                Component(
                    # Multi-Arch: the same package may be installed once per architecture.
                    key=keys.make(f"{name}:{arch}" if arch else name, where),
                    name=name,
                    version=version,
                    purl=purl.to_string(),
                    type="deb",
                    namespace=distro,
                    kind="operating-system-package",
                    source_name=source_name,
                    source_version=source_version,
                )
            )
        return ParsedInventory(
            format=self.name,
            spec_version=None,
            source=source,
            components=tuple(components),
            warnings=tuple(warnings),
        )


register(DpkgStatus(), order=30)
