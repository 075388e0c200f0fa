"""Stable identities for code findings, so a re-scan after unrelated edits finds the same ones.

A tool's own fingerprints come first: SARIF ``partialFingerprints`` (CodeQL's line hash, Slither's id),
then SARIF ``fingerprints`` (Semgrep's match id). Without them the fingerprint is a hash of the tool,
the rule, the file and the flagged code with its whitespace collapsed, so moving the code up or down
the file (an unrelated edit above it) keeps the finding; only when the report carries no snippet does
the start line stand in for it. Several identical snippets of one rule in one file are told apart by
their order of appearance.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

_SPACE = re.compile(r"\s+")
_LINE_HASH = "primaryLocationLineHash"


def from_tool(fingerprints: object) -> str | None:
    """The tool's own fingerprints as one string ("id=cffa..."), or None if it gave none."""
    if not isinstance(fingerprints, Mapping) or not fingerprints:
        return None
    line_hash = fingerprints.get(_LINE_HASH)
    if isinstance(line_hash, str) and line_hash:
        # GitHub's convention (CodeQL): the line hash alone identifies the result; the column
        # fingerprint beside it changes when the line is re-indented, which is an unrelated edit.
        return f"{_LINE_HASH}={line_hash}"
    parts = [f"{k}={v}" for k, v in sorted(fingerprints.items()) if isinstance(v, str | int) and str(v)]
    return ";".join(parts) or None


class Hasher:
    """Content hashes for one report: counts repeats so identical snippets stay distinct findings."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def __call__(
        self, tool: str, rule_id: str, file: str | None, snippet: str | None, line: int | None
    ) -> str:
        if snippet and snippet.strip():
            anchor = "code:" + _SPACE.sub(" ", snippet).strip()
        else:
            anchor = f"line:{line}" if line is not None else "file"
        key = hashlib.sha256("\x00".join((tool, rule_id, file or "", anchor)).encode()).hexdigest()[:32]
        occurrence = self._seen.get(key, 0)
        self._seen[key] = occurrence + 1
        return f"sha256={key}" + (f"#{occurrence}" if occurrence else "")
