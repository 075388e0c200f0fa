"""Direct vs transitive, derived from a dependency graph."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from patchbook.model.component import Dependency


def direct_keys(
    subject: str | None, keys: Collection[str], edges: Iterable[Dependency], warnings: list[str]
) -> set[str] | None:
    """The keys the subject depends on directly, or None when the input has no graph to say.

    Direct means "depended on by the subject". When the subject is missing from the graph (some
    generators, e.g. the CycloneDX Maven plugin 2.0, leave the root out) the direct ones are taken to be
    the graph's roots, the components no other component depends on, and a warning says so.
    """
    edges = list(edges)
    if not edges:
        return None
    if subject is not None:
        mine = {e.target for e in edges if e.source == subject}
        if mine:
            return mine
    depended_on = {e.target for e in edges if e.source != subject}
    roots = {k for k in keys if k not in depended_on}
    if subject is None:
        warnings.append(
            "no subject to take direct dependencies from; the dependency graph's roots are direct"
        )
    else:
        warnings.append(
            f"the subject {subject!r} has no entry in the dependency graph; its roots are taken as direct"
        )
    return roots
