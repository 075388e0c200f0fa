"""Approvals a change needs, and whether it has them.

Policy (DORA Art. 10 asks for documented change and emergency-patching procedures; this is the venue's):

- a production change needs the asset owner and security, two different people;
- an emergency change (placed on the emergency track) needs two distinct people, and the requester may
  not approve their own change;
- any other change needs one approval.

Approving twice, or as a person the policy excludes, is refused (:class:`ApprovalRefused`, exit 1: a
policy was violated).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from patchbook.errors import PatchbookError

ROLES = ("owner", "security", "change")


class ApprovalRefused(PatchbookError):
    exit_code = 1


@dataclass(frozen=True, slots=True)
class Approval:
    approver: str
    role: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Requirement:
    roles: tuple[str, ...]  # each filled by a different person
    distinct: int  # at least this many different people in all
    requester_excluded: bool
    why: str

    def describe(self) -> str:
        parts = [" + ".join(self.roles)] if self.roles else []
        if self.distinct > len(self.roles):
            parts.append(f"{self.distinct} distinct people")
        if self.requester_excluded:
            parts.append("not the requester")
        return "; ".join(parts) or "one approval"


def requirement(environment: str, *, emergency: bool) -> Requirement:
    if emergency:
        roles = ("owner", "security") if environment == "prod" else ()
        return Requirement(roles, 2, True, "emergency change: two distinct people, not the requester")
    if environment == "prod":
        return Requirement(("owner", "security"), 2, False, "production change: asset owner + security")
    return Requirement((), 1, False, f"{environment} change: one approval")


@dataclass(frozen=True, slots=True)
class Status:
    complete: bool
    missing: tuple[str, ...]  # what is still needed, in words


def status(req: Requirement, approvals: Sequence[Approval], requester: str | None) -> Status:
    people = {a.approver for a in approvals}
    missing = [role for role in req.roles if not any(a.role == role for a in approvals)]
    more = req.distinct - len(people) - len(missing)  # people still needed beyond the missing roles
    if more > 0:
        missing.append(f"{more} more approver(s)" if req.roles or people else f"{more} approver(s)")
    return Status(not missing, tuple(missing))


def check_new(
    req: Requirement, approvals: Sequence[Approval], requester: str | None, new: Approval, what: str
) -> None:
    """Raise :class:`ApprovalRefused` when ``new`` may not be added to ``approvals`` of ``what``."""
    if new.role not in ROLES:
        raise ApprovalRefused(f"{what}: unknown role {new.role!r}; expected one of {', '.join(ROLES)}")
    if any(a.approver == new.approver for a in approvals):
        raise ApprovalRefused(f"{what}: {new.approver} has already approved it; it needs distinct people")
    if req.requester_excluded and requester is not None and new.approver == requester:
        raise ApprovalRefused(
            f"{what}: {new.approver} requested this emergency change and may not approve it"
        )
    if req.roles and new.role in req.roles and any(a.role == new.role for a in approvals):
        raise ApprovalRefused(f"{what}: the {new.role} approval is already given")
