"""Which Solidity compiler bugs apply to a contract, from its compiler version and settings.

Pure: takes the bug list (``docs/bugs.json`` of ethereum/solidity, as :class:`SolcBug`) and, where
known, ``bugs_by_version.json`` (version -> bug names), and returns :class:`BugMatch` objects.

A bug applies when the version is in its range and **every** condition it lists holds (bugs.rst).
A condition that the known settings cannot decide does not drop the bug: it is reported as
"conditions unknown", naming the setting, so missing build metadata never hides a bug.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from patchbook.model.contract import BugMatch, BugStatus, CompilerSettings, SolcBug

Version = tuple[int, int, int]

# Hard forks in order; `evmVersion` conditions compare on this order.
EVM_VERSIONS = (
    "homestead",
    "tangerineWhistle",
    "spuriousDragon",
    "byzantium",
    "constantinople",
    "petersburg",
    "istanbul",
    "berlin",
    "london",
    "paris",
    "shanghai",
    "cancun",
    "prague",
    "osaka",
)

# The EVM version solc targets when the settings name none: (first release with that default, fork).
# Releases before 0.4.21 had no EVM version setting, so their target is left unknown.
_DEFAULT_EVM: tuple[tuple[Version, str], ...] = (
    ((0, 4, 21), "byzantium"),
    ((0, 5, 5), "petersburg"),
    ((0, 5, 14), "istanbul"),
    ((0, 8, 5), "berlin"),
    ((0, 8, 7), "london"),
    ((0, 8, 18), "paris"),
    ((0, 8, 20), "shanghai"),
    ((0, 8, 25), "cancun"),
    ((0, 8, 30), "prague"),
)

_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)(?:[+-].*)?")
_COMPARISON = re.compile(r"\s*(>=|<=|==|!=|>|<|=)?\s*([A-Za-z]+)\s*")


class InvalidCompilerVersion(ValueError):
    pass


def parse_version(text: str) -> Version:
    """``0.8.15``, ``v0.8.15`` or ``0.8.15+commit.e14f2714`` -> (0, 8, 15)."""
    m = _VERSION.fullmatch(text.strip())
    if m is None:
        raise InvalidCompilerVersion(f"{text!r} is not a solc version (expected e.g. 0.8.15)")
    return int(m[1]), int(m[2]), int(m[3])


def normalise_version(text: str) -> str:
    return ".".join(str(n) for n in parse_version(text))


def default_evm_version(version: Version) -> str | None:
    found = None
    for first, fork in _DEFAULT_EVM:
        if version >= first:
            found = fork
    return found


def in_range(bug: SolcBug, version: Version) -> bool:
    if bug.introduced is not None and version < parse_version(bug.introduced):
        return False
    return bug.fixed is None or version < parse_version(bug.fixed)


def candidates(
    version: str, bugs: Sequence[SolcBug], by_version: Mapping[str, Sequence[str]] | None = None
) -> list[SolcBug]:
    """The bugs of this release before conditions: from bugs_by_version where it lists the release
    (the list solc publishes), else from each bug's introduced/fixed range."""
    parsed = parse_version(version)
    key = ".".join(str(n) for n in parsed)
    if by_version is not None and key in by_version:
        names = set(by_version[key])
        return [b for b in bugs if b.name in names]
    return [b for b in bugs if in_range(b, parsed)]


def _effective(setting: str, version: Version, s: CompilerSettings) -> bool | str | None:
    """The value of a bug-list condition key for these settings; None = cannot be told."""
    if setting == "optimizer":
        return s.optimizer
    if setting == "yulOptimizer":
        if s.yul_optimizer is not None:
            return s.yul_optimizer
        if s.optimizer is None:
            return None
        # From 0.6.0 enabling the optimizer enables the Yul optimizer too; before, it was opt-in.
        return s.optimizer and version >= (0, 6, 0)
    if setting == "viaIR":
        if s.via_ir is not None:
            return s.via_ir
        return False if version < (0, 7, 5) else None  # the IR pipeline did not exist before 0.7.5
    if setting == "ABIEncoderV2":
        if s.abi_coder is not None:
            return s.abi_coder == 2
        return True if version >= (0, 8, 0) else None  # ABI coder v2 is the default from 0.8.0
    if setting == "evmVersion":
        return s.evm_version or default_evm_version(version)
    return None


def _evm_holds(condition: str, target: str) -> bool | None:
    m = _COMPARISON.fullmatch(condition)
    if m is None or m[2] not in EVM_VERSIONS or target not in EVM_VERSIONS:
        return None
    op, want = m[1] or "==", EVM_VERSIONS.index(m[2])
    have = EVM_VERSIONS.index(target)
    return {
        ">=": have >= want,
        "<=": have <= want,
        ">": have > want,
        "<": have < want,
        "=": have == want,
        "==": have == want,
        "!=": have != want,
    }[op]


def evaluate(bug: SolcBug, version: str, settings: CompilerSettings) -> BugMatch | None:
    """The bug's verdict for a contract whose release is affected; None when a condition is false."""
    parsed = parse_version(version)
    unknown: list[str] = []
    for key, wanted in sorted(bug.conditions.items()):
        have = _effective(key, parsed, settings)
        if have is None:
            unknown.append(key)
            continue
        if key == "evmVersion":
            holds = _evm_holds(str(wanted), str(have))
            if holds is None:
                unknown.append(key)
            elif not holds:
                return None
        elif have != wanted:
            return None
    if unknown:
        return BugMatch(bug, BugStatus.CONDITIONS_UNKNOWN, tuple(unknown))
    return BugMatch(bug, BugStatus.APPLIES)


def applicable_bugs(
    version: str,
    settings: CompilerSettings,
    bugs: Sequence[SolcBug],
    by_version: Mapping[str, Sequence[str]] | None = None,
) -> list[BugMatch]:
    """Every bug of the bug list that applies (or may apply) to a contract built with this compiler."""
    found = (evaluate(b, version, settings) for b in candidates(version, bugs, by_version))
    return [m for m in found if m is not None]
