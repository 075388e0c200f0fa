"""What a scanner report says, normalised: dependency findings and code findings.

These are the output of ``patchbook.ingest.reports``: plain values, no I/O. A dependency finding names a
package and the vulnerability ids the tool gave (its own id first, then the aliases it listed); the store
resolves them to the alias group patchbook's own matching uses, so one vulnerability in one package is
one finding whichever tool reported it. A code finding (SAST, Slither) has no package: its identity is
(tool, rule id, fingerprint).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    """The one severity scale reports are mapped onto (docs/formats.md lists each format's mapping)."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"
    UNKNOWN = "unknown"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {
    Severity.UNKNOWN: 0,
    Severity.INFO: 1,
    Severity.LOW: 2,
    Severity.MEDIUM: 3,
    Severity.HIGH: 4,
    Severity.CRITICAL: 5,
}


def severity_from_score(score: float) -> Severity:
    """A 0-10 score (CVSS, SARIF ``security-severity``) on the CVSS v3 qualitative scale."""
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score > 0.0:
        return Severity.LOW
    return Severity.INFO


@dataclass(frozen=True, slots=True)
class DependencyFinding:
    """A vulnerable package as a dependency scanner (Trivy, Grype, osv-scanner, pip-audit) reports it."""

    # The package as the report names it, turned into a purl where the report does not give one; the
    # store resolves it to (OSV ecosystem, normalised package) the way SBOM components are resolved.
    name: str
    installed_version: str
    purl: str | None
    # Every id the report gives for the vulnerability: its primary id first, then aliases.
    ids: tuple[str, ...]
    # The OSV ecosystem where the report states it (osv-scanner, pip-audit); else it comes from the purl.
    ecosystem: str | None = None
    # The report's own package type ("alpine", "npm", "java-archive"), kept where neither the purl nor
    # the ecosystem can be resolved, so the finding is still stored under a recognisable key.
    package_type: str | None = None
    fixed_versions: tuple[str, ...] = ()
    severity: Severity = Severity.UNKNOWN
    stated_severity: str | None = None  # as the report spells it ("MEDIUM", "Negligible", ...)
    title: str | None = None
    target: str | None = None  # where the tool found it (image layer, lock file path, ...)
    # OS packages: Debian/Alpine advisories name the source package, which some reports give.
    source_name: str | None = None
    source_version: str | None = None


@dataclass(frozen=True, slots=True)
class CodeFinding:
    """A result of a code scanner (SARIF from any tool, Slither)."""

    tool: str  # normalised tool name: "codeql", "bandit", "semgrep-oss", "slither", ...
    rule_id: str
    fingerprint: str  # stable across unrelated edits (see docs/decisions/008-report-findings.md)
    severity: Severity
    level: str | None  # SARIF level / Slither "impact/confidence", as stated
    security_severity: float | None  # SARIF rule property, 0-10
    message: str
    file: str | None
    line: int | None


@dataclass(frozen=True, slots=True)
class ParsedReport:
    format: str  # "sarif", "trivy-json", "grype-json", "osv-scanner-json", "pip-audit-json", "slither-json"
    source: str  # the file it was read from
    # The attribution a finding of this report gets ("trivy", "codeql", ...). A SARIF file with runs of
    # several tools yields code findings of each tool; ``tools`` lists them all.
    tools: tuple[str, ...]
    dependency_findings: tuple[DependencyFinding, ...] = ()
    code_findings: tuple[CodeFinding, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def findings(self) -> int:
        return len(self.dependency_findings) + len(self.code_findings)
