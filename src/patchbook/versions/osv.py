"""OSV `affected[]` evaluation: is this package version affected, and which releases fix it?

Follows the OSV schema's evaluation algorithm (docs/schema.md, "Evaluation"):

* a record with `withdrawn` set affects nothing;
* an `affected[]` entry applies when its package matches (see `entry_matches`);
* a version is affected when it is in the entry's explicit `versions` list, or inside any of its
  ranges (ranges are OR-ed);
* within one ECOSYSTEM or SEMVER range the events are sorted with the ecosystem's comparator (never as
  text), `introduced: "0"` first, and walked in order: `introduced` at or below the version switches
  "affected" on, `fixed` at or below switches it off, `last_affected` strictly below switches it off.
  Several introduced/fixed pairs therefore describe disjoint intervals. `limit` events cap the range
  (the version must be below at least one limit; `"*"` means no cap);
* GIT ranges are commit ranges and cannot be evaluated without the repository, so only the explicit
  `versions` list counts for them.

Ecosystem matching rule: base names must be equal (`Debian:11` and `Debian` share `Debian`). If both
the query and the entry carry a suffix, the suffixes must be equal too: an entry for `Debian:11` matches
a query for `Debian:11` or plain `Debian`, never `Debian:12`. An entry without a suffix applies to every
release of its ecosystem. Package names are compared after `normalise_name` for that ecosystem.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any

from .core import family, sort_key
from .ecosystems import base_ecosystem
from .errors import InvalidVersion, UnsupportedEcosystem
from .purl import normalise_name

Record = Mapping[str, Any]

_EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")
_SEMVER = "npm"  # any ecosystem with the plain SemVer ordering


def _suffix(ecosystem: str) -> str:
    base = base_ecosystem(ecosystem)
    name = ecosystem.strip()
    return name[len(base) + 1 :] if name.startswith(base + ":") else ""


@lru_cache(maxsize=4096)
def ecosystem_matches(entry_ecosystem: str, query_ecosystem: str) -> bool:
    if base_ecosystem(entry_ecosystem) != base_ecosystem(query_ecosystem):
        return False
    entry_suffix, query_suffix = _suffix(entry_ecosystem), _suffix(query_ecosystem)
    return not entry_suffix or not query_suffix or entry_suffix == query_suffix


def entry_matches(entry: Mapping[str, Any], ecosystem: str, name: str) -> bool:
    package = entry.get("package") or {}
    entry_eco = package.get("ecosystem")
    entry_name = package.get("name")
    if not isinstance(entry_eco, str) or not isinstance(entry_name, str):
        return False
    if not ecosystem_matches(entry_eco, ecosystem):
        return False
    base = base_ecosystem(ecosystem)
    return normalise_name(base, entry_name) == normalise_name(base, name)


def affected_entries(record: Record, ecosystem: str, name: str) -> Iterator[Mapping[str, Any]]:
    """The `affected[]` entries of `record` that are about this package."""
    for entry in record.get("affected") or ():
        if isinstance(entry, Mapping) and entry_matches(entry, ecosystem, name):
            yield entry


def _ordering_ecosystem(range_type: str, ecosystem: str) -> str | None:
    if range_type == "SEMVER":
        return _SEMVER
    if range_type == "ECOSYSTEM":
        return ecosystem
    return None  # GIT, or unknown types


Walk = tuple[tuple[tuple[str, str, Any], ...], tuple[Any, ...]]


def _event_tuple(events: Iterable[Mapping[str, Any]]) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for event in events:
        for kind in _EVENT_KINDS:
            if kind in event:
                out.append((kind, str(event[kind])))
                break
    return tuple(out)


@lru_cache(maxsize=1 << 16)
def _walk(ordering: str, events: tuple[tuple[str, str], ...]) -> Walk:
    """Events sorted by version (`introduced: "0"` first) plus the limit keys; cached per range.

    Events whose version the ecosystem cannot order are dropped; sorting is stable, so events with
    equal versions keep the record's order.
    """
    zero: list[tuple[str, str, Any]] = []
    rest: list[tuple[str, str, Any]] = []
    for kind, value in events:
        if kind == "introduced" and value == "0":
            zero.append((kind, value, None))
        elif kind == "limit" and value == "*":
            continue
        else:
            try:
                rest.append((kind, value, sort_key(ordering, value)))
            except InvalidVersion:
                continue
    rest.sort(key=lambda e: e[2])
    walk = tuple(zero + rest)
    return walk, tuple(k for kind, _, k in walk if kind == "limit")


def range_contains(ecosystem: str, events: Sequence[Mapping[str, Any]], version: str,
                   range_type: str = "ECOSYSTEM") -> bool:
    """Whether `version` lies inside one OSV range given by its `events` (ECOSYSTEM or SEMVER)."""
    ordering = _ordering_ecosystem(range_type, ecosystem)
    if ordering is None:
        return False
    return _locate(ordering, events, version)[0]


def _fixed_in_range(ordering: str, events: Sequence[Mapping[str, Any]], version: str) -> str | None:
    """The first `fixed` above `version` when the range contains it; None otherwise."""
    return _locate(ordering, events, version)[1]


def _locate(ordering: str, events: Sequence[Mapping[str, Any]], version: str) -> tuple[bool, str | None]:
    """The OSV walk for one range: (does it contain `version`, the fix that ends that interval).

    Events at or below the version switch "affected" on and off; an event above it can no longer
    change the answer, and the first `fixed` there is the fix for the interval holding the version.
    """
    v = sort_key(ordering, version)
    walk, limits = _walk(ordering, _event_tuple(events))
    if limits and not any(v < lim for lim in limits):
        return False, None
    vulnerable = False
    for kind, value, k in walk:
        if k is not None and v < k:
            if vulnerable and kind == "fixed":
                return True, value
        elif kind == "introduced":
            vulnerable = True
        elif kind == "fixed" or (kind == "last_affected" and k < v):
            vulnerable = False
    return vulnerable, None


@lru_cache(maxsize=1 << 14)
def _listed_keys(ordering: str, listed: tuple[str, ...]) -> frozenset[Any]:
    """Sort keys of an explicit `versions` list, so "1.0" matches a listed "1.0.0" where they are equal."""
    keys = set()
    for item in listed:
        try:
            keys.add(sort_key(ordering, item))
        except InvalidVersion:
            continue
    return frozenset(keys)


# Explicit `versions` lists run to hundreds of entries and the same record is checked against many
# installed versions, so their key sets are remembered per list object. The cache holds a reference to
# the list, so its id cannot be reused while cached; records are treated as read-only once loaded.
_KEYSETS: dict[tuple[int, str], tuple[object, frozenset[Any]]] = {}
_KEYSETS_MAX = 1 << 16


def _listed_keyset(ordering: str, listed: Sequence[Any]) -> frozenset[Any]:
    slot = (id(listed), ordering)
    hit = _KEYSETS.get(slot)
    if hit is not None and hit[0] is listed:
        return hit[1]
    keys = _listed_keys(ordering, tuple(str(item) for item in listed))
    if len(_KEYSETS) >= _KEYSETS_MAX:
        _KEYSETS.clear()
    _KEYSETS[slot] = (listed, keys)
    return keys


def _in_versions_list(entry: Mapping[str, Any], ordering: str | None, version: str) -> bool:
    listed = entry.get("versions") or ()
    if not listed:
        return False
    if version in listed:
        return True
    if ordering is None:
        return False
    try:
        v = sort_key(ordering, version)
    except (InvalidVersion, UnsupportedEcosystem):
        return False
    return v in _listed_keyset(ordering, listed)


def _entry_ecosystem(entry: Mapping[str, Any], ecosystem: str) -> str:
    package = entry.get("package") or {}
    eco = package.get("ecosystem")
    return eco if isinstance(eco, str) and eco else ecosystem


def entry_affected(entry: Mapping[str, Any], ecosystem: str, version: str) -> bool:
    """Whether one `affected[]` entry (already known to be about the package) covers `version`."""
    eco = _entry_ecosystem(entry, ecosystem)
    try:
        family(eco)
        ordering: str | None = eco
    except UnsupportedEcosystem:
        ordering = None
    if _in_versions_list(entry, ordering, version):
        return True
    for rng in entry.get("ranges") or ():
        range_type = str(rng.get("type", ""))
        range_ordering = _ordering_ecosystem(range_type, eco)
        if range_ordering is None or (range_type == "ECOSYSTEM" and ordering is None):
            continue
        try:
            if range_contains(range_ordering, rng.get("events") or (), version, "ECOSYSTEM"):
                return True
        except InvalidVersion:
            continue  # the installed version cannot be placed in this ordering
    return False


def affected(record: Record, ecosystem: str, name: str, version: str) -> bool:
    """Whether the OSV `record` says `name`@`version` in `ecosystem` is affected."""
    if record.get("withdrawn"):
        return False
    return any(entry_affected(e, ecosystem, version) for e in affected_entries(record, ecosystem, name))


def fixed_for(record_or_entry: Mapping[str, Any], ecosystem: str, name: str, version: str) -> list[str]:
    """The fixed versions that end the affected intervals holding `version`, lowest first.

    For every ECOSYSTEM/SEMVER range that contains the version, this is the first `fixed` event above
    it — not the first `fixed` of the range, which may close an earlier, unrelated interval. A range
    closed only by `last_affected` contributes nothing (no fix is known). Accepts a whole record or
    a single `affected[]` entry.
    """
    if "affected" in record_or_entry:
        if record_or_entry.get("withdrawn"):
            return []
        entries: list[Mapping[str, Any]] = list(affected_entries(record_or_entry, ecosystem, name))
    else:
        entries = [record_or_entry] if entry_matches(record_or_entry, ecosystem, name) else []
    found: dict[str, Any] = {}
    for entry in entries:
        eco = _entry_ecosystem(entry, ecosystem)
        for rng in entry.get("ranges") or ():
            range_type = str(rng.get("type", ""))
            ordering = _ordering_ecosystem(range_type, eco)
            if ordering is None:
                continue
            try:
                fix = _fixed_in_range(ordering, rng.get("events") or (), version)
                if fix is not None:
                    found.setdefault(fix, sort_key(ordering, fix))
            except (InvalidVersion, UnsupportedEcosystem):
                continue
    return sorted(found, key=lambda f: found[f])
