"""Risk use cases: score the estate's findings, keep the scores current, rank and explain them.

Scores are derived data kept in ``finding_scores``: a feed import (OSV, KEV, EPSS) re-scores the whole
estate inside its transaction; findings an ingest opened or changed since their score was computed are
re-scored the next time anything reads the ranking (:func:`refresh`). Other stages call
:func:`ranked_findings` (the CI gate, the planner) and get the same order ``findings list`` prints.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from patchbook import config
from patchbook.errors import InputError
from patchbook.model.finding import Finding
from patchbook.model.risk import Priority, Reachability, SeverityAssessment
from patchbook.risk import best_severity, explain, prioritise
from patchbook.risk.batch import (
    Decision,
    Scored,
    Scorer,
    VulnerabilityInputs,
    reachability_of,
    severity_label,
)
from patchbook.risk.explain import why_line
from patchbook.risk.priority import ASSUMED_PROBABILITY, CISA_ORDER, DEPLOYER_ORDER
from patchbook.risk.sla import DEFAULT_POLICY, SlaPolicy, load_sla_policy
from patchbook.store import Store
from patchbook.store import contracts as contracts_repo
from patchbook.store import reports as reports_repo
from patchbook.store import risk as repo
from patchbook.store.findings import get_finding, list_findings

SLA_FILE = "sla.yaml"  # the venue's SLA policy, if $PATCHBOOK_HOME holds one


def sla_policy(path: Path | None = None) -> SlaPolicy:
    """The policy file given, else ``$PATCHBOOK_SLA_POLICY``, else ``$PATCHBOOK_HOME/sla.yaml``, else
    the built-in defaults (immediate 2 days, out-of-cycle 7, scheduled 30, defer 90)."""
    if path is not None:
        return load_sla_policy(path)
    env = os.environ.get("PATCHBOOK_SLA_POLICY")
    if env:
        return load_sla_policy(env)
    default = config.home() / SLA_FILE
    return load_sla_policy(default) if default.is_file() else DEFAULT_POLICY


# --- computing ------------------------------------------------------------------------------------


# a scanner's stated band, in the words of GHSA's database_specific.severity that best_severity reads
_GHSA_WORDS = {"critical": "CRITICAL", "high": "HIGH", "medium": "MODERATE", "low": "LOW"}


class _Inputs:
    """Everything a batch of findings needs, read in a few set-based queries, with per-key caches."""

    def __init__(self, conn: Connection, rows: Sequence[repo.FindingRow]) -> None:
        self.assets = repo.assets_by_id(conn)
        wanted = {a for r in rows for a in r.advisory_ids}
        self.records = repo.advisory_records(conn, wanted)
        # compiler-bug findings name bugs of the Solidity bug list, not advisories (issue 5)
        self.records.update(contracts_repo.bug_records(conn, wanted - set(self.records)))
        self._add_stated(conn, rows)
        self.cves = repo.group_cves(conn, {r.alias_group for r in rows})
        self.kev = repo.kev_index(conn)
        self.epss = repo.latest_epss(conn, {c for cs in self.cves.values() for c in cs})
        self._severity: dict[tuple[str, ...], SeverityAssessment | None] = {}
        self._vulns: dict[tuple[str, tuple[str, ...]], VulnerabilityInputs] = {}
        # (group, advisory ids) -> (inputs, a small int naming its decision class), for the re-score loop
        self.classed: dict[tuple[str, tuple[str, ...]], tuple[VulnerabilityInputs, int]] = {}
        self._classes: dict[Any, int] = {}

    def _add_stated(self, conn: Connection, rows: Sequence[repo.FindingRow]) -> None:
        """Findings only a scanner reports (no advisory in the store describes them) are scored by the
        worst severity an active report states, marked as stated, instead of "unknown"."""
        bare = [r for r in rows if not any(a in self.records for a in r.advisory_ids)]
        if not bare:
            return
        stated = reports_repo.stated_severities(conn, [r.id for r in bare])
        for r in bare:
            band = _GHSA_WORDS.get(stated[r.id][0]) if r.id in stated else None
            if band is None:
                continue
            for a in r.advisory_ids:
                self.records.setdefault(a, {"id": a, "severity": [], "references": [],
                                            "database_specific": {"severity": band}})

    def severity(self, advisory_ids: tuple[str, ...]) -> SeverityAssessment | None:
        if advisory_ids not in self._severity:
            found = [
                best_severity(rec["severity"], rec["database_specific"])
                for a in advisory_ids
                if (rec := self.records.get(a)) is not None
            ]
            scored = [s for s in found if s is not None]
            self._severity[advisory_ids] = max(
                scored, key=lambda s: (s.score is not None, s.score or 0.0), default=None
            )
        return self._severity[advisory_ids]

    def references(self, advisory_ids: tuple[str, ...]) -> list[Any]:
        return [ref for a in advisory_ids for ref in self.records.get(a, {}).get("references", [])]

    def vulnerability(self, group: str, advisory_ids: tuple[str, ...]) -> VulnerabilityInputs:
        key = (group, advisory_ids)
        hit = self._vulns.get(key)
        if hit is None:
            cves = self.cves.get(group, [])
            kev = next((self.kev[c] for c in cves if c in self.kev), None)
            scores = [self.epss[c] for c in cves if c in self.epss]
            epss = max(scores, key=lambda s: s.epss, default=None)
            hit = VulnerabilityInputs.build(
                group,
                severity=self.severity(advisory_ids),
                kev=kev,
                references=self.references(advisory_ids),
                epss=epss,
            )
            self._vulns[key] = hit
        return hit

    def classify(self, group: str, advisory_ids: tuple[str, ...]) -> tuple[VulnerabilityInputs, int]:
        vuln = self.vulnerability(group, advisory_ids)
        cls = self._classes.setdefault(vuln.decision_key, len(self._classes))
        self.classed[(group, advisory_ids)] = (vuln, cls)
        return vuln, cls


def compute(
    conn: Connection, ids: Sequence[int] | None = None, sla: SlaPolicy | None = None
) -> list[tuple[repo.FindingRow, Scored]]:
    """Score findings (all, or these ids) without writing anything."""
    rows = repo.finding_rows(conn, ids)
    inputs = _Inputs(conn, rows)
    scorer = Scorer(sla or sla_policy())
    assets, vulnerability, score = inputs.assets, inputs.vulnerability, scorer.score
    days: dict[datetime, date] = {}
    out = []
    for r in rows:
        day = days.get(r.first_seen)
        if day is None:
            day = days[r.first_seen] = r.first_seen.date()
        vuln = vulnerability(r.alias_group, r.advisory_ids)
        out.append((r, score(r.asset_id, assets[r.asset_id], vuln, reachability_of(r.direct), day)))
    return out


@dataclass(frozen=True)
class RescoreResult:
    findings: int
    seconds: float
    compute_seconds: float
    write_seconds: float


def rescore(
    conn: Connection, ids: Sequence[int] | None = None, sla: SlaPolicy | None = None
) -> RescoreResult:
    """Re-score findings (all when ``ids`` is None) and store the scores, on the caller's transaction.

    The loop is :func:`compute` without its per-finding objects: 200,000 findings must re-score in
    seconds after an EPSS import (bench/risk_bench.py), so each finding costs a few dict lookups and
    one tuple; everything else is cached per vulnerability, per decision and per first-seen day.
    """
    started = time.perf_counter()
    rows = repo.finding_rows(conn, ids)
    inputs = _Inputs(conn, rows)
    scorer = Scorer(sla or sla_policy())
    assets, classed, classify, decide = inputs.assets, inputs.classed, inputs.classify, scorer.decide
    now = datetime.now(UTC)
    days: dict[datetime, date] = {}
    decided: dict[tuple[int, int, bool | None], Decision] = {}
    out = []
    # Plain tuples, local names and int-keyed caches: this loop runs once per finding of the estate.
    for fid, asset_id, group, advisory_ids, direct, first_seen, _state in rows:
        entry = classed.get((group, advisory_ids)) or classify(group, advisory_ids)
        vuln = entry[0]
        key = (asset_id, entry[1], direct)
        d = decided.get(key)
        if d is None:
            d = decided[key] = decide(asset_id, assets[asset_id], vuln, _REACH[direct])
        day = days.get(first_seen)
        if day is None:
            day = days[first_seen] = first_seen.date()
        p = d.priority
        due_on = day + d.delta
        if d.cap is not None and d.cap < due_on:
            due_on = d.cap
        out.append(
            (
                fid,
                p.deployer,
                p.cisa,
                vuln.probability * p.risk.impact,
                vuln.probability,
                *d.impact_columns,
                vuln.epss.epss if vuln.epss else None,
                due_on,
                *d.input_columns,
                now,
            )
        )
    computed = time.perf_counter()
    repo.replace_scores(conn, out, ids)
    done = time.perf_counter()
    return RescoreResult(len(out), done - started, computed - started, done - computed)


_REACH: dict[bool | None, Reachability] = {True: "direct", False: "transitive", None: "unknown"}


def rescore_epss(conn: Connection) -> RescoreResult:
    """After an EPSS import: only each score's probability moves (decisions never read EPSS), so the
    stored scores are updated in one set-based statement instead of being re-decided."""
    started = time.perf_counter()
    groups = repo.finding_groups(conn)
    cves = repo.group_cves(conn, groups)
    latest = repo.latest_epss(conn, {c for cs in cves.values() for c in cs})
    group_epss = {
        g: max((latest[c].epss for c in cves.get(g, ()) if c in latest), default=None) for g in groups
    }
    computed = time.perf_counter()
    n = repo.update_probabilities(conn, group_epss, ASSUMED_PROBABILITY)
    done = time.perf_counter()
    return RescoreResult(n, done - started, computed - started, done - computed)


def after_import(conn: Connection, imports: Sequence[tuple[str, int]]) -> RescoreResult:
    """Re-score what a batch of feed imports ((kind, import id) pairs) can have changed.

    KEV changes decisions anywhere (exploitation, due dates): everything is re-decided. OSV records
    change the findings of the alias groups they belong to (severity, references, withdrawals, merges),
    and the re-match that followed touched the findings it opened or closed (their scores are stale):
    those are re-decided. EPSS moves only probabilities: one set-based update of every stored score.
    """
    kinds = {kind for kind, _ in imports}
    started = time.perf_counter()
    n = 0
    if "kev" in kinds:
        n = rescore(conn).findings
    elif "osv" in kinds:
        osv = [import_id for kind, import_id in imports if kind == "osv"]
        touched = set(repo.findings_of_imports(conn, osv)) | set(repo.stale_findings(conn))
        if len(touched) > repo.count_findings(conn) // 2:  # one pass beats thousands of IN lists
            n = rescore(conn).findings
        elif touched:
            n = rescore(conn, sorted(touched)).findings
    if "epss" in kinds and "kev" not in kinds:
        n = max(n, rescore_epss(conn).findings)
    elapsed = time.perf_counter() - started
    return RescoreResult(n, elapsed, elapsed, 0.0)


def refresh(store: Store) -> int:
    """Re-score the findings whose score is missing or older than their last change; returns how many."""
    with store.engine.connect() as conn:
        stale = repo.stale_findings(conn)
    if not stale:
        return 0
    with store.transaction() as conn:
        return refresh_in(conn)  # again, under the writers' lock


def refresh_in(conn: Connection, asset_ids: Sequence[int] | None = None) -> int:
    """:func:`refresh` on the caller's transaction, for these assets' findings only if given (an ingest
    scores what it changed before it commits, without scanning the rest of the estate)."""
    stale = repo.stale_findings(conn, asset_ids)
    if stale:
        rescore(conn, stale)
    return len(stale)


# --- reading the ranking --------------------------------------------------------------------------


@dataclass(frozen=True)
class RankedFinding:
    """One finding with its priority, as every ranked view shows it."""

    finding: Finding
    decision: str  # SSVC deployer: immediate / out-of-cycle / scheduled / defer
    cisa: str  # CISA coordinator: act / attend / track* / track
    score: float  # probability x impact; ranks inside a decision
    due: date | None
    in_kev: bool
    epss: float | None
    severity: str  # label: "critical 10.0", "high (stated)", "unknown"
    why: str  # the one-line reason
    severity_band: str | None = None
    inputs: dict[str, Any] | None = None  # every SSVC input and score factor

    @property
    def rank_key(self) -> tuple[int, int, float, str, str, str]:
        f = self.finding
        return (
            DEPLOYER_ORDER[self.decision],
            CISA_ORDER[self.cisa],
            -self.score,
            f.asset,
            f.package,
            f.alias_group,
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "decision": self.decision,
            "cisa": self.cisa,
            "score": round(self.score, 6),
            "due": self.due.isoformat() if self.due else None,
            "in_kev": self.in_kev,
            "epss": self.epss,
            "severity": self.severity,
            "why": self.why,
            "factors": self.inputs or {},
        }


def ranked_findings(
    store: Store, asset: str | None = None, states: Sequence[str] | None = ("open",)
) -> list[RankedFinding]:
    """Findings (of one asset, in these states; ``states=None`` for all), most urgent first."""
    refresh(store)
    with store.engine.connect() as conn:
        if states is None:
            found = list_findings(conn, asset=asset)
        else:
            found = [f for state in states for f in list_findings(conn, asset=asset, state=state)]
        scores = repo.scores_for(conn, [f.id for f in found] if asset is not None else None)
    out = []
    for f in found:
        s = scores.get(f.id)
        if s is None:  # changed by a concurrent writer since the refresh: its score comes next time
            continue
        out.append(
            RankedFinding(
                finding=f,
                decision=s.decision,
                cisa=s.cisa,
                score=s.score,
                due=s.due_date,
                in_kev=s.in_kev,
                epss=s.epss,
                severity=severity_label(s.severity, s.severity_score),
                why=why_line(
                    s.severity,
                    s.severity_score,
                    s.exploitation,
                    s.system_exposure,
                    s.automatable,
                    s.human_impact,
                ),
                severity_band=s.severity,
                inputs=_factors(s),
            )
        )
    out.sort(key=lambda r: r.rank_key)
    return out


def _factors(s: Any) -> dict[str, Any]:
    """The stored SSVC inputs and score factors of one finding, by the names the explanation uses."""
    return {
        "Exploitation": s.exploitation,
        "System Exposure": s.system_exposure,
        "Automatable": s.automatable,
        "Human Impact": s.human_impact,
        "probability": s.probability,
        "criticality weight": s.criticality_weight,
        "value-at-risk factor": round(s.value_at_risk_factor, 4),
        "exposure weight": s.exposure_weight,
        "reachability weight": s.reachability_weight,
        "impact": round(s.impact, 4),
    }


# --- one finding, explained -----------------------------------------------------------------------


@dataclass(frozen=True)
class Explanation:
    finding: Finding
    priority: Priority
    due: date
    due_reason: str
    lines: list[str]  # every input and the path through the SSVC tables, to redo by hand
    epss_history: list[dict[str, object]]


def explain_finding(store: Store, finding_id: int, sla: SlaPolicy | None = None) -> Explanation:
    """The full :func:`prioritise` of one finding with every input, as ``findings explain`` prints it."""
    with store.engine.connect() as conn:
        found = get_finding(conn, finding_id)
        if found is None:
            raise InputError(
                "findings", f"no finding with id {finding_id}; `patchbook findings list` shows them"
            )
        finding = found[0]
        row = repo.finding_rows(conn, [finding_id])[0]
        inputs = _Inputs(conn, [row])
        asset = inputs.assets[row.asset_id]
        vuln = inputs.vulnerability(row.alias_group, row.advisory_ids)
        history: list[dict[str, object]] = []
        for cve in inputs.cves.get(row.alias_group, []):
            history += [
                {"cve": cve, "score_date": d.isoformat(), "epss": e, "percentile": p, "model_version": m}
                for d, e, p, m in repo.epss_history(conn, cve)
            ]
    priority = prioritise(
        row.alias_group,
        asset,
        severity=vuln.severity,
        epss=vuln.epss,
        kev=vuln.kev,
        references=inputs.references(row.advisory_ids),
        reachability=reachability_of(row.direct),
    )
    due, reason = Scorer(sla or sla_policy()).due_for(priority, asset, row.first_seen.date(), vuln.kev)
    lines = explain(priority)
    lines.append("Context (asset):")
    a = asset
    var = "not set" if a.value_at_risk_usd is None else f"${a.value_at_risk_usd:,.0f}"
    lines.append(
        f"  {a.name}: kind {a.kind.value}, environment {a.environment.value},"
        f" role {a.trading_role or 'none'}, criticality {a.criticality.value},"
        f" exposure {a.exposure.value}, value at risk {var},"
        f" reachability {reachability_of(row.direct)}"
    )
    lines.append("Due date:")
    lines.append(f"  {due.isoformat()} — {reason}")
    return Explanation(finding, priority, due, reason, lines, history)


# --- SLA report -----------------------------------------------------------------------------------

DUE_SOON_DAYS = 7


@dataclass
class SlaLine:
    """Counts for one asset (or one owner, or the whole estate)."""

    name: str
    owner: str | None
    open: int = 0
    due_soon: int = 0  # open, due within the next ``due_soon_days`` days
    breached: int = 0  # open, past its due date
    fixed: int = 0
    fixed_on_time: int = 0
    remediation_days: list[float] | None = None

    @property
    def mttr_days(self) -> float | None:
        days = self.remediation_days or []
        return sum(days) / len(days) if days else None

    def add(
        self, state: str, due: date, today: date, soon: int, fixed_at: datetime | None, first: datetime
    ) -> None:
        if state == "open":
            self.open += 1
            if due < today:
                self.breached += 1
            elif (due - today).days <= soon:
                self.due_soon += 1
        elif state == "fixed" and fixed_at is not None:
            self.fixed += 1
            self.fixed_on_time += fixed_at.date() <= due
            if self.remediation_days is None:
                self.remediation_days = []
            self.remediation_days.append((fixed_at - first).total_seconds() / 86400)

    def as_dict(self) -> dict[str, object]:
        mttr = self.mttr_days
        return {
            "name": self.name,
            "owner": self.owner,
            "open": self.open,
            "due_soon": self.due_soon,
            "breached": self.breached,
            "fixed": self.fixed,
            "fixed_on_time": self.fixed_on_time,
            "mttr_days": None if mttr is None else round(mttr, 2),
        }


@dataclass(frozen=True)
class Breach:
    finding_id: int
    asset: str
    owner: str | None
    vulnerability: str
    decision: str
    due: date
    days_overdue: int
    due_reason: str


@dataclass(frozen=True)
class SlaReport:
    policy: str
    today: date
    due_soon_days: int
    assets: list[SlaLine]
    owners: list[SlaLine]
    total: SlaLine
    breaches: list[Breach]  # most overdue first


def sla_report(
    store: Store,
    sla: SlaPolicy | None = None,
    *,
    today: date | None = None,
    due_soon_days: int = DUE_SOON_DAYS,
) -> SlaReport:
    """Open / due soon / breached per asset and owner, and the mean time to remediate of fixed findings.

    Due dates are computed with ``sla`` (default: the store's policy), so a draft policy can be tried
    without changing what is stored. Time to remediate runs from first seen to the last ``fixed`` event.
    """
    policy = sla or sla_policy()
    today = today or datetime.now(UTC).date()
    with store.engine.connect() as conn:
        scored = compute(conn, None, policy)
        fixed = repo.fixed_at(conn)
        assets = repo.assets_by_id(conn)
    per_asset: dict[int, SlaLine] = {}
    per_owner: dict[str, SlaLine] = {}
    total = SlaLine("all assets", None)
    breaches: list[Breach] = []
    for row, s in scored:
        asset = assets[row.asset_id]
        owner = asset.owner or "(no owner)"
        line = per_asset.setdefault(row.asset_id, SlaLine(asset.name, asset.owner))
        for target in (line, per_owner.setdefault(owner, SlaLine(owner, owner)), total):
            target.add(row.state, s.due, today, due_soon_days, fixed.get(row.id), row.first_seen)
        if row.state == "open" and s.due < today:
            breaches.append(
                Breach(
                    row.id,
                    asset.name,
                    asset.owner,
                    row.alias_group,
                    s.decision,
                    s.due,
                    (today - s.due).days,
                    s.due_reason,
                )
            )
    breaches.sort(key=lambda b: (-b.days_overdue, b.asset, b.vulnerability))
    return SlaReport(
        policy=policy.source,
        today=today,
        due_soon_days=due_soon_days,
        assets=sorted(per_asset.values(), key=lambda x: (-x.breached, -x.open, x.name)),
        owners=sorted(per_owner.values(), key=lambda x: (-x.breached, -x.open, x.name)),
        total=total,
        breaches=breaches,
    )
