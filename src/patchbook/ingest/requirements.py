"""pip ``requirements.txt``: pinned requirements (``name==version``) become PyPI components.

Comments, blank lines and option lines (``-r``, ``-e``, ``--index-url``, ...) are skipped; continuation
backslashes are joined; per-requirement ``--hash`` options are kept as hashes; environment markers and
extras are ignored (the file says what is pinned, not what this machine installed). A requirement that is
not pinned to one exact version (``>=``, ``~=``, ``==1.*``, a bare name, a URL) is kept without a version,
so the matcher counts it unmatched. A line that is not a requirement at all is an input error.
"""

from __future__ import annotations

import re

from packageurl import PackageURL
from packaging.requirements import InvalidRequirement, Requirement

from patchbook.errors import InputError
from patchbook.ingest.base import ParseOptions, register
from patchbook.ingest.common import KeyMaker, decode_text
from patchbook.model.component import Component, ParsedInventory

# A comment starts at '#' at the start of a line or after whitespace (pip's rule), so '#egg=' in URLs stays.
_COMMENT = re.compile(r"(^|\s)#.*$")
_HASH = re.compile(r"--hash[=\s]+([A-Za-z0-9_-]+):([0-9A-Fa-f]+)")
_OPTION_TAIL = re.compile(r"\s--?[A-Za-z][\w-]*.*$")
_REQ_START = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*(===|==|~=|!=|>=|<=|>|<|@|;|$)")
_URL = re.compile(r"^(git\+|hg\+|svn\+|bzr\+|https?://|file:)")


def logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, content) with comments removed and backslash continuations joined."""
    out: list[tuple[int, str]] = []
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _COMMENT.sub("", raw).rstrip()
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = (pending + line).strip()
        pending = ""
        if line:
            out.append((start, line))
    if pending.strip():
        out.append((start, pending.strip()))
    return out


def exact_pin(requirement: Requirement) -> str | None:
    """The version pinned by ``==``/``===`` with no wildcard and no other clause, else None."""
    specs = list(requirement.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and not specs[0].version.endswith(".*"):
        return specs[0].version
    return None


class Requirements:
    name = "requirements"
    signature = "pip requirement lines such as 'name==1.2.3'"

    def sniff(self, head: bytes) -> bool:
        # Most lines must look like requirements; a file with one bad line is still a requirements file,
        # and the parser then names that line.
        text = head.decode("utf-8", errors="replace")
        good = bad = 0
        for _, line in logical_lines(text)[:50]:
            if line.startswith("-"):
                continue
            if _REQ_START.match(line) or _URL.match(line):
                good += 1
            else:
                bad += 1
        return good > 0 and good >= bad

    def parse(self, data: bytes, source: str, options: ParseOptions) -> ParsedInventory:
        warnings: list[str] = []
        keys = KeyMaker(warnings)
        components: list[Component] = []
        for number, line in logical_lines(decode_text(data, source)):
            if line.startswith("-"):
                continue  # an option line: -r, -c, -e, --index-url, --hash on its own, ...
            hashes = tuple((alg, digest.lower()) for alg, digest in _HASH.findall(line))
            spec = _OPTION_TAIL.sub("", line).strip()
            where = f"{number}:1"
            if _URL.match(spec):
                egg = re.search(r"#egg=([A-Za-z0-9._-]+)", spec)
                name = egg.group(1) if egg else spec
                warnings.append(
                    f"{where}: {spec[:60]!r} is a URL, not a pinned version; kept without a version"
                )
                components.append(Component(key=keys.make(name, where), name=name, hashes=hashes))
                continue
            try:
                requirement = Requirement(spec)
            except InvalidRequirement as exc:
                reason = str(exc).splitlines()[0]  # packaging adds a caret diagram on later lines
                raise InputError(
                    source, f"not a requirement ({reason}); expected 'name==version'", where
                ) from None
            version = exact_pin(requirement)
            # Unpinned ones keep a version-less purl: the ecosystem is known even if the version is not.
            purl = PackageURL(type="pypi", name=requirement.name, version=version).to_string()
            components.append(
                Component(
                    key=keys.make(requirement.name, where),
                    name=requirement.name,
                    version=version,
                    purl=purl,
                    type="pypi",
                    hashes=hashes,
                )
            )
        unpinned = sum(1 for c in components if c.version is None)
        if unpinned:
            warnings.append(f"{unpinned} requirements are not pinned with '=='; kept without a version")
        return ParsedInventory(
            format=self.name,
            spec_version=None,
            source=source,
            components=tuple(components),
            warnings=tuple(warnings),
        )


register(Requirements(), order=90)
