"""OSV records: validation and conversion of a parsed JSON/YAML dict to :class:`Advisory`.

A record that cannot be used raises :class:`InvalidRecord` with the reason; the importer skips or
rejects it as a whole, never half of it. What is checked is what matching depends on: identity,
``modified``, known ecosystems, well-formed ranges, and event versions the ecosystem can order.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import orjson

from patchbook import versions
from patchbook.feeds.timestamps import parse_rfc3339
from patchbook.model.advisory import (
    Advisory,
    AffectedPackage,
    AffectedRange,
    EventKind,
    RangeEvent,
    RangeType,
    Severity,
)

EVENT_KINDS: frozenset[str] = frozenset({"introduced", "fixed", "last_affected", "limit"})
RANGE_TYPES: frozenset[str] = frozenset({"ECOSYSTEM", "SEMVER", "GIT"})
MAX_ID_LENGTH = 128
# str.isspace() and the regex's \s both use Python's Unicode whitespace test; one search beats a
# generator over every character of every id.
_WHITESPACE = re.compile(r"\s")


class InvalidRecord(ValueError):
    """An OSV record patchbook cannot use; ``record_id`` is None when even the id is missing."""

    def __init__(self, record_id: str | None, reason: str) -> None:
        self.record_id = record_id
        self.reason = reason
        super().__init__(f"{record_id or '<no id>'}: {reason}")

    def __reduce__(self) -> tuple[type[InvalidRecord], tuple[str | None, str]]:
        return (type(self), (self.record_id, self.reason))


def record_sha256(raw: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)).hexdigest()


def source_of(advisory_id: str) -> str:
    """The OSV database an id comes from, by its prefix (GHSA, PYSEC, RUSTSEC, GO, CVE, ...)."""
    prefix, _, _ = advisory_id.partition("-")
    return prefix.upper() if prefix and prefix != advisory_id else "OSV"


def parse_record(raw: Any) -> Advisory:
    if not isinstance(raw, dict):
        raise InvalidRecord(None, f"expected an OSV record object, got {type(raw).__name__}")
    rid = raw.get("id")
    if not isinstance(rid, str) or not rid.strip():
        raise InvalidRecord(None, "missing required field 'id'")
    if len(rid) > MAX_ID_LENGTH or _WHITESPACE.search(rid):
        raise InvalidRecord(rid[:MAX_ID_LENGTH], "'id' must be a short identifier without spaces")
    try:
        return _parse(rid, raw)
    except InvalidRecord:
        raise
    except (ValueError, TypeError) as exc:
        raise InvalidRecord(rid, str(exc)) from None


def _parse(rid: str, raw: dict[str, Any]) -> Advisory:
    if "modified" not in raw:
        raise InvalidRecord(rid, "missing required field 'modified'")
    modified = parse_rfc3339(raw["modified"])
    published = parse_rfc3339(raw["published"]) if raw.get("published") else None
    withdrawn = parse_rfc3339(raw["withdrawn"]) if raw.get("withdrawn") else None
    aliases = _string_list(raw.get("aliases"), "aliases")
    summary = raw.get("summary") or ""
    details = raw.get("details") or ""
    if not isinstance(summary, str) or not isinstance(details, str):
        raise InvalidRecord(rid, "'summary' and 'details' must be strings")
    severity = tuple(_severity(s) for s in _list(raw.get("severity"), "severity"))
    affected = tuple(
        pkg for i, entry in enumerate(_list(raw.get("affected"), "affected")) if (pkg := _affected(i, entry))
    )
    return Advisory(
        id=rid,
        modified=modified,
        published=published,
        withdrawn=withdrawn,
        aliases=tuple(a for a in dict.fromkeys(aliases) if a != rid),
        summary=summary.strip() or details.strip().split("\n", 1)[0][:200],
        details=details,
        severity=severity,
        affected=affected,
        raw=raw,
    )


def _list(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"'{field}' must be a list, got {type(value).__name__}")
    return value


def _string_list(value: Any, field: str) -> list[str]:
    items = _list(value, field)
    if not all(isinstance(v, str) and v for v in items):
        raise ValueError(f"'{field}' must be a list of non-empty strings")
    return items


def _severity(entry: Any) -> Severity:
    if (
        not isinstance(entry, dict)
        or not isinstance(entry.get("type"), str)
        or not isinstance(entry.get("score"), str)
    ):
        raise ValueError("each 'severity' entry needs string 'type' and 'score'")
    return Severity(type=entry["type"], score=entry["score"])


def _affected(index: int, entry: Any) -> AffectedPackage | None:
    where = f"affected[{index}]"
    if not isinstance(entry, dict):
        raise ValueError(f"{where} must be an object")
    package = entry.get("package")
    ranges_raw = _list(entry.get("ranges"), f"{where}.ranges")
    if package is None:
        # The spec allows a package-less entry for GIT ranges only; nothing in it can be matched.
        if ranges_raw and all(isinstance(r, dict) and r.get("type") == "GIT" for r in ranges_raw):
            return None
        raise ValueError(f"{where} has no 'package'")
    if not isinstance(package, dict):
        raise ValueError(f"{where}.package must be an object")
    ecosystem_full, name = package.get("ecosystem"), package.get("name")
    if not isinstance(ecosystem_full, str) or not ecosystem_full:
        raise ValueError(f"{where}.package has no 'ecosystem'")
    if not isinstance(name, str) or not name:
        raise ValueError(f"{where}.package has no 'name'")
    ecosystem, _, qualifier = ecosystem_full.partition(":")
    if ecosystem not in versions.KNOWN_ECOSYSTEMS:
        raise ValueError(f"{where}: unknown ecosystem {ecosystem_full!r}")
    purl = package.get("purl")
    ranges = tuple(_range(f"{where}.ranges[{i}]", ecosystem, r) for i, r in enumerate(ranges_raw))
    listed = tuple(str(v) for v in _list(entry.get("versions"), f"{where}.versions"))
    return AffectedPackage(
        ecosystem=ecosystem,
        ecosystem_qualifier=qualifier or None,
        name=_normalise(ecosystem, name),
        purl=purl if isinstance(purl, str) and purl else None,
        ranges=ranges,
        versions=listed,
    )


def _normalise(ecosystem: str, name: str) -> str:
    try:
        return versions.normalise_name(ecosystem, name)
    except ValueError:
        return name


def _range(where: str, ecosystem: str, raw: Any) -> AffectedRange:
    if not isinstance(raw, dict):
        raise ValueError(f"{where} must be an object")
    rtype = raw.get("type")
    if rtype not in RANGE_TYPES:
        raise ValueError(f"{where}: range type must be one of ECOSYSTEM, SEMVER, GIT, got {rtype!r}")
    events: list[RangeEvent] = []
    for j, event in enumerate(_list(raw.get("events"), f"{where}.events")):
        if not isinstance(event, dict) or len(event) != 1:
            raise ValueError(f"{where}.events[{j}] must have exactly one of {sorted(EVENT_KINDS)}")
        ((kind, value),) = event.items()
        if kind not in EVENT_KINDS or not isinstance(value, str) or not value:
            raise ValueError(
                f"{where}.events[{j}]: expected one of {sorted(EVENT_KINDS)} with a version string"
            )
        events.append(RangeEvent(kind=kind, version=value))
    kinds = {e.kind for e in events}
    if "introduced" not in kinds:
        raise ValueError(f"{where} has no 'introduced' event")
    if {"fixed", "last_affected"} <= kinds:
        raise ValueError(f"{where} mixes 'fixed' and 'last_affected' (the OSV schema forbids it)")
    if rtype == "GIT":
        if not raw.get("repo"):
            raise ValueError(f"{where}: a GIT range needs 'repo'")
    else:
        _check_orderable(where, ecosystem, rtype, events)
    repo = raw.get("repo")
    return AffectedRange(type=rtype, events=tuple(events), repo=repo if isinstance(repo, str) else None)


def _range_scheme(rtype: RangeType, ecosystem: str) -> str | None:
    """The ordering a range's versions follow: SEMVER ranges are SemVer 2.0 whatever the ecosystem."""
    if rtype == "SEMVER":
        return "npm"  # npm's ordering is plain SemVer 2.0 precedence
    return ecosystem if versions.supports(ecosystem) else None


def _check_orderable(where: str, ecosystem: str, rtype: RangeType, events: list[RangeEvent]) -> None:
    """Every event version must be one the range's ordering understands, or matching would guess."""
    scheme = _range_scheme(rtype, ecosystem)
    if scheme is None:  # an ecosystem with no ordering patchbook knows (e.g. Linux): kept, not matched
        return
    for event in events:
        if (event.kind == "introduced" and event.version == "0") or (
            event.kind == "limit" and event.version == "*"
        ):
            continue
        try:
            versions.sort_key(scheme, event.version)
        except versions.InvalidVersion as exc:
            raise ValueError(
                f"{where}: {event.kind} version {event.version!r} is not a valid {scheme} version: {exc}"
            ) from None


__all__ = ["EventKind", "InvalidRecord", "parse_record", "record_sha256", "source_of"]
