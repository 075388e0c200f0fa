"""The Solidity compiler's bug list: ``docs/bugs.json`` and ``docs/bugs_by_version.json`` of
ethereum/solidity, read and checked.

``bugs.json`` is a list of bug objects (uid, name, summary, severity, introduced, fixed, conditions);
``bugs_by_version.json`` maps each release to ``{"bugs": [names], "released": "YYYY-MM-DD"}``. Both are
recognised by their content. The files are GPL-3.0 data: patchbook fetches them (``feeds sync``), it
does not ship them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

import orjson

from patchbook.errors import InputError
from patchbook.match.solidity import InvalidCompilerVersion, normalise_version
from patchbook.model.contract import SolcBug

BUGS_URL = "https://raw.githubusercontent.com/ethereum/solidity/develop/docs/bugs.json"
BY_VERSION_URL = "https://raw.githubusercontent.com/ethereum/solidity/develop/docs/bugs_by_version.json"

SEVERITIES = ("very low", "low", "low/medium", "medium", "medium/high", "high")
CONDITION_KEYS = ("optimizer", "yulOptimizer", "viaIR", "ABIEncoderV2", "evmVersion")

_UID = re.compile(r"SOL-\d{4}-\d+")
_HEAD_BUGS = re.compile(rb'^\s*\[\s*\{\s*"(uid|name)"\s*:')
_HEAD_BY_VERSION = re.compile(rb'^\s*\{\s*"\d+\.\d+\.\d+"\s*:\s*\{')


def urls() -> tuple[str, str]:
    """Where `feeds sync` fetches the bug list (env overrides, for mirrors and tests)."""
    return (
        os.environ.get("PATCHBOOK_SOLIDITY_BUGS_URL") or BUGS_URL,
        os.environ.get("PATCHBOOK_SOLIDITY_BY_VERSION_URL") or BY_VERSION_URL,
    )


def sniff(head: bytes) -> str | None:
    """ "bugs" or "by-version" when the start of a file looks like one of the two, else None."""
    if _HEAD_BUGS.match(head) and b'"SOL-' in head:
        return "bugs"
    if _HEAD_BY_VERSION.match(head) and b'"bugs"' in head:
        return "by-version"
    return None


@dataclass(frozen=True)
class BugList:
    bugs: tuple[SolcBug, ...] = ()
    by_version: dict[str, tuple[list[str], str | None]] | None = None  # version -> (names, released)


def load(source: str, payload: bytes) -> BugList:
    try:
        document = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise InputError(source, f"malformed JSON: {exc.msg}", f"{exc.lineno}:{exc.colno}") from None
    if isinstance(document, list):
        return BugList(bugs=parse_bugs(source, document))
    if isinstance(document, dict):
        return BugList(by_version=parse_by_version(source, document))
    raise InputError(source, "expected the Solidity bug list (a JSON list) or bugs_by_version (an object)")


def _text(source: str, where: str, entry: dict[str, Any], key: str, *, required: bool) -> str | None:
    value = entry.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InputError(source, f"'{key}' must be a non-empty string, got {value!r}", where)
    return value


def _version(source: str, where: str, entry: dict[str, Any], key: str) -> str | None:
    value = _text(source, where, entry, key, required=False)
    if value is None:
        return None
    try:
        return normalise_version(value)
    except InvalidCompilerVersion as exc:
        raise InputError(source, f"'{key}': {exc}", where) from None


def parse_bugs(source: str, document: list[Any]) -> tuple[SolcBug, ...]:
    out: list[SolcBug] = []
    names: set[str] = set()
    for i, entry in enumerate(document):
        where = f"[{i}]"
        if not isinstance(entry, dict):
            raise InputError(source, "expected a bug object", where)
        name = _text(source, where, entry, "name", required=True)
        assert name is not None
        where = f"[{i}] ({name})"
        if name in names:
            raise InputError(source, f"bug name {name!r} appears twice; names are unique", where)
        names.add(name)
        uid = _text(source, where, entry, "uid", required=True)
        assert uid is not None
        if not _UID.fullmatch(uid):
            raise InputError(source, f"'uid' {uid!r} is not of the form SOL-YYYY-N", where)
        severity = _text(source, where, entry, "severity", required=True)
        if severity not in SEVERITIES:
            raise InputError(
                source, f"'severity' {severity!r}; expected one of {', '.join(SEVERITIES)}", where
            )
        conditions = entry.get("conditions") or {}
        if not isinstance(conditions, dict):
            raise InputError(source, "'conditions' must be an object", where)
        for key, value in conditions.items():
            if key == "evmVersion":
                if not isinstance(value, str):
                    raise InputError(
                        source, f"condition evmVersion must be a comparison string, got {value!r}", where
                    )
            elif key in CONDITION_KEYS and not isinstance(value, bool):
                raise InputError(source, f"condition {key} must be true or false, got {value!r}", where)
            # An unknown condition key is kept: the matcher reports it as "conditions unknown".
        out.append(
            SolcBug(
                uid=uid,
                name=name,
                summary=" ".join(str(entry.get("summary") or "").split()),
                severity=severity,
                fixed=_version(source, where, entry, "fixed"),
                introduced=_version(source, where, entry, "introduced"),
                conditions=dict(conditions),
                link=_text(source, where, entry, "link", required=False),
                published=_text(source, where, entry, "publish", required=False),
            )
        )
    if not out:
        raise InputError(source, "the bug list is empty")
    return tuple(out)


def parse_by_version(source: str, document: dict[str, Any]) -> dict[str, tuple[list[str], str | None]]:
    out: dict[str, tuple[list[str], str | None]] = {}
    for version, entry in document.items():
        where = f"[{version!r}]"
        try:
            key = normalise_version(version)
        except InvalidCompilerVersion as exc:
            raise InputError(source, str(exc), where) from None
        if not isinstance(entry, dict) or not isinstance(entry.get("bugs"), list):
            raise InputError(source, 'expected {"bugs": [names], "released": "YYYY-MM-DD"}', where)
        names = entry["bugs"]
        if not all(isinstance(n, str) for n in names):
            raise InputError(source, "'bugs' must be a list of bug names", where)
        released = entry.get("released")
        out[key] = (list(names), released if isinstance(released, str) else None)
    if not out:
        raise InputError(source, "bugs_by_version is empty")
    return out
