"""Finding lifecycle: what the latest observation of an asset does to its findings.

Identity is (asset, ecosystem, package, alias group). Findings are never deleted: one that is no
longer observed becomes ``fixed`` when the package is still installed (at a version past the fix) and
``inactive`` when the package is gone; an observed one that was fixed or inactive is reopened.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from patchbook.model.finding import FindingState

Identity = tuple[str, str, str]  # (ecosystem, package, alias group)


@dataclass(frozen=True, slots=True)
class Observation:
    ecosystem: str
    package: str
    alias_group: str
    installed_version: str
    advisory_ids: tuple[str, ...]
    fixed_versions: tuple[str, ...]
    direct: bool | None

    @property
    def identity(self) -> Identity:
        return (self.ecosystem, self.package, self.alias_group)


@dataclass(frozen=True, slots=True)
class Known:
    """A stored finding of the asset, as far as the lifecycle needs it."""

    id: int
    ecosystem: str
    package: str
    alias_group: str
    state: FindingState
    installed_version: str | None

    @property
    def identity(self) -> Identity:
        return (self.ecosystem, self.package, self.alias_group)


@dataclass(frozen=True, slots=True)
class Change:
    finding_id: int | None  # None: a new finding
    identity: Identity
    state: FindingState
    event: str | None  # None: only refreshed (last seen, advisories)
    detail: Mapping[str, object] = field(default_factory=dict)
    observation: Observation | None = None


def reconcile(
    known: Iterable[Known], observed: Iterable[Observation], installed: Mapping[tuple[str, str], str]
) -> list[Change]:
    """The changes that bring the stored findings in line with this observation.

    ``installed`` maps each (ecosystem, package) the asset still contains to its version(s), so a
    finding no longer observed can be told apart: fixed by an upgrade, or inactive because removed.
    """
    by_identity = {k.identity: k for k in known}
    changes: list[Change] = []
    detail: dict[str, object]
    seen: set[Identity] = set()
    for obs in observed:
        seen.add(obs.identity)
        old = by_identity.get(obs.identity)
        if old is None:
            changes.append(
                Change(
                    None, obs.identity, FindingState.OPEN, "opened", {"version": obs.installed_version}, obs
                )
            )
        elif old.state is not FindingState.OPEN:
            detail = {"from": old.state.value, "version": obs.installed_version}
            changes.append(Change(old.id, obs.identity, FindingState.OPEN, "reopened", detail, obs))
        elif old.installed_version != obs.installed_version:
            detail = {"from": old.installed_version, "to": obs.installed_version}
            changes.append(Change(old.id, obs.identity, FindingState.OPEN, "version", detail, obs))
        else:
            changes.append(Change(old.id, obs.identity, FindingState.OPEN, None, {}, obs))
    for identity, old in by_identity.items():
        if identity in seen or old.state is not FindingState.OPEN:
            continue
        now_installed = installed.get((old.ecosystem, old.package))
        if now_installed is not None:
            detail = {"from": old.installed_version, "to": now_installed}
            changes.append(Change(old.id, identity, FindingState.FIXED, "fixed", detail))
        else:
            detail = {"reason": "the package is no longer reported", "was": old.installed_version}
            changes.append(Change(old.id, identity, FindingState.INACTIVE, "inactive", detail))
    return changes
