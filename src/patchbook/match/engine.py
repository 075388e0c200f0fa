"""The matcher: package versions x candidate advisory entries -> affected pairs with their fixes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from patchbook import versions
from patchbook.model.matching import Candidate, PackageKey, VersionVuln


def match(
    keys: Iterable[PackageKey], candidates: Mapping[tuple[str, str], Sequence[Candidate]]
) -> list[VersionVuln]:
    """Every (key, advisory) where the advisory affects the key's version.

    ``candidates`` maps (ecosystem, package) to the entries that name it. Several entries of one
    advisory may cover the same version (Log4Shell lists three ranges in three entries): they make one
    result, with the fixes of all of them.
    """
    found: list[VersionVuln] = []
    for key in keys:
        entries = candidates.get((key.ecosystem, key.package))
        if not entries:
            continue
        query = key.query_ecosystem
        hits: dict[str, tuple[str, set[str]]] = {}
        for cand in entries:
            if not versions.ecosystem_matches(cand.ecosystem, query):
                continue
            if not versions.entry_affected(cand.entry, query, key.version):
                continue
            name = cand.entry["package"]["name"]
            fixes = versions.fixed_for(cand.entry, query, name, key.version)
            group, seen = hits.setdefault(cand.advisory_id, (cand.alias_group, set()))
            seen.update(fixes)
        for advisory_id, (group, fix_set) in hits.items():
            found.append(VersionVuln(key, advisory_id, group, _ordered(key.ecosystem, fix_set)))
    return found


def _ordered(ecosystem: str, fixes: set[str]) -> tuple[str, ...]:
    try:
        return tuple(sorted(fixes, key=lambda v: versions.sort_key(ecosystem, v)))
    except versions.InvalidVersion:  # a fix the ordering cannot place (validated records rarely have one)
        return tuple(sorted(fixes))
