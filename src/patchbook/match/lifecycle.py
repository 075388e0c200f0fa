"""Finding lifecycle: what the latest observation of an asset does to its findings.

Identity is (asset, ecosystem, package, alias group). Findings are never deleted. One that is no
longer observed becomes ``fixed`` when the package was upgraded (another version is installed now),
and ``inactive`` when the package is gone or when the same version is installed but the advisories no
longer say it is affected (withdrawn, or a narrowed range): calling that "fixed" would be false
evidence. An observed one that was fixed or inactive is reopened.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from patchbook.model.finding import Change, FindingState, Identity, Known, Observation


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
        if now_installed is None:
            detail = {"reason": "the package is no longer reported", "was": old.installed_version}
            changes.append(Change(old.id, identity, FindingState.INACTIVE, "inactive", detail))
        elif now_installed != old.installed_version:
            detail = {"from": old.installed_version, "to": now_installed}
            changes.append(Change(old.id, identity, FindingState.FIXED, "fixed", detail))
        else:
            detail = {
                "version": now_installed,
                "reason": "the advisories no longer list this version as affected",
            }
            changes.append(Change(old.id, identity, FindingState.INACTIVE, "not-affected", detail))
    return changes
