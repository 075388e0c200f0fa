"""The schema, as SQLAlchemy Core tables. Alembic migrations under ``migrations/`` create it.

Advisory data (this module) is keyed by OSV id; alias groups use a stable human-readable key (the
group's CVE id where it has one), so the findings of the inventory stage can reference
``(asset, component, alias_group)`` without reshaping anything here.
"""

from __future__ import annotations

import sqlalchemy as sa

from patchbook.store.types import JSONColumn, UTCDateTime

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

feed_imports = sa.Table(
    "feed_imports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),  # osv | kev
    sa.Column("source", sa.Text, nullable=False),  # a path or the URL it was fetched from
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime, nullable=True),
    sa.Column("fetched_at", UTCDateTime, nullable=True),  # set by `feeds sync`
    sa.Column("sha256", sa.String(64), nullable=True),
    sa.Column("upstream_marker", sa.Text, nullable=True),  # KEV catalogVersion, OSV max(modified)
    sa.Column("records_seen", sa.Integer, nullable=False, default=0),
    sa.Column("inserted", sa.Integer, nullable=False, default=0),
    sa.Column("updated", sa.Integer, nullable=False, default=0),
    sa.Column("unchanged", sa.Integer, nullable=False, default=0),
    sa.Column("removed", sa.Integer, nullable=False, default=0),
    sa.Column("skipped", sa.Integer, nullable=False, default=0),
)

feed_skips = sa.Table(
    "feed_skips",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("import_id", sa.Integer, sa.ForeignKey("feed_imports.id", ondelete="CASCADE"), nullable=False),
    sa.Column("record_id", sa.Text, nullable=True),
    sa.Column("location", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Index("ix_feed_skips_import_id", "import_id"),
)

advisories = sa.Table(
    "advisories",
    metadata,
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column("modified", UTCDateTime, nullable=False),
    sa.Column("published", UTCDateTime, nullable=True),
    sa.Column("withdrawn", UTCDateTime, nullable=True),
    sa.Column("summary", sa.Text, nullable=False, default=""),
    sa.Column("aliases", JSONColumn, nullable=False),
    sa.Column("severity", JSONColumn, nullable=False),
    sa.Column("alias_group", sa.String(128), nullable=False),
    sa.Column("record", JSONColumn, nullable=False),  # the OSV record as received
    sa.Column("sha256", sa.String(64), nullable=False),  # of the canonical record, to spot silent edits
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("import_id", sa.Integer, sa.ForeignKey("feed_imports.id"), nullable=False),
    sa.Index("ix_advisories_alias_group", "alias_group"),
)

affected_packages = sa.Table(
    "affected_packages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "advisory_id", sa.String(128), sa.ForeignKey("advisories.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("ecosystem", sa.String(64), nullable=False),  # base name: "Debian" for "Debian:11"
    sa.Column("ecosystem_qualifier", sa.String(128), nullable=True),
    sa.Column("name", sa.Text, nullable=False),  # normalised for lookup
    sa.Column("purl", sa.Text, nullable=True),
    sa.Column("ranges", JSONColumn, nullable=False),
    sa.Column("versions", JSONColumn, nullable=False),
    sa.Index("ix_affected_packages_ecosystem_name", "ecosystem", "name"),
    sa.Index("ix_affected_packages_advisory_id", "advisory_id"),
)

# Every identifier (OSV id or alias) -> the key of its alias group. Groups only ever merge.
alias_members = sa.Table(
    "alias_members",
    metadata,
    sa.Column("identifier", sa.String(128), primary_key=True),
    sa.Column("alias_group", sa.String(128), nullable=False),
    sa.Index("ix_alias_members_alias_group", "alias_group"),
)

kev_entries = sa.Table(
    "kev_entries",
    metadata,
    sa.Column("cve_id", sa.String(32), primary_key=True),
    sa.Column("vendor", sa.Text, nullable=False),
    sa.Column("product", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("date_added", sa.Date, nullable=False),
    sa.Column("due_date", sa.Date, nullable=True),
    sa.Column("known_ransomware", sa.Boolean, nullable=False),
    sa.Column("short_description", sa.Text, nullable=False),
    sa.Column("required_action", sa.Text, nullable=False),
    sa.Column("notes", sa.Text, nullable=False),
    sa.Column("cwes", JSONColumn, nullable=False),
    sa.Column("import_id", sa.Integer, sa.ForeignKey("feed_imports.id"), nullable=False),
)

# --- inventory: assets and what they contain ------------------------------------------------------

assets = sa.Table(
    "assets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("owner", sa.Text, nullable=True),
    sa.Column("environment", sa.String(16), nullable=False),
    sa.Column("trading_role", sa.Text, nullable=True),
    sa.Column("criticality", sa.String(16), nullable=False),
    sa.Column("exposure", sa.String(24), nullable=False),
    sa.Column("value_at_risk_usd", sa.Float, nullable=True),
    sa.Column("tags", JSONColumn, nullable=False),
    sa.Column("attributes", JSONColumn, nullable=False),  # kind-specific details (contracts, hosts, ...)
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

asset_dependencies = sa.Table(
    "asset_dependencies",
    metadata,
    sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("depends_on_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
)

# One row per ingest of an asset's SBOM / lock file; the newest is `current`, older ones are history.
snapshots = sa.Table(
    "snapshots",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), nullable=False),
    sa.Column("ingested_at", UTCDateTime, nullable=False),
    sa.Column("format", sa.String(32), nullable=False),
    sa.Column("spec_version", sa.String(16), nullable=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("components", sa.Integer, nullable=False),
    sa.Column("unmatched", sa.Integer, nullable=False),
    sa.Column("current", sa.Boolean, nullable=False),
    sa.Index("ix_snapshots_asset_id_current", "asset_id", "current"),
)

components = sa.Table(
    "components",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.id", ondelete="CASCADE"), nullable=False),
    sa.Column("key", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("version", sa.Text, nullable=True),
    sa.Column("purl", sa.Text, nullable=True),
    sa.Column("ecosystem", sa.String(64), nullable=True),  # OSV ecosystem (base name), None = unmatched
    sa.Column("ecosystem_qualifier", sa.String(128), nullable=True),  # "11" of Debian:11, ...
    sa.Column("package", sa.Text, nullable=True),  # normalised name advisories are looked up by
    sa.Column("package_version", sa.Text, nullable=True),  # the version advisories are evaluated on
    sa.Column("direct", sa.Boolean, nullable=True),
    sa.Column("scope", sa.String(32), nullable=True),
    sa.Column("unmatched_reason", sa.Text, nullable=True),
    sa.Index("ix_components_snapshot_id", "snapshot_id"),
    sa.Index("ix_components_package", "ecosystem", "package"),
)

# --- matching: each (ecosystem, package, version) of the estate is matched once ---------------------

matched_versions = sa.Table(
    "matched_versions",
    metadata,
    sa.Column("ecosystem", sa.String(64), primary_key=True),
    sa.Column("qualifier", sa.String(128), primary_key=True),  # "" or the release, as in "Debian:11"
    sa.Column("package", sa.Text, primary_key=True),
    sa.Column("version", sa.Text, primary_key=True),
    sa.Column("matched_at", UTCDateTime, nullable=False),
)

version_vulns = sa.Table(
    "version_vulns",
    metadata,
    sa.Column("ecosystem", sa.String(64), primary_key=True),
    sa.Column("qualifier", sa.String(128), primary_key=True),  # "" or the release, as in "Debian:11"
    sa.Column("package", sa.Text, primary_key=True),
    sa.Column("version", sa.Text, primary_key=True),
    sa.Column(
        "advisory_id", sa.String(128), sa.ForeignKey("advisories.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("fixed", JSONColumn, nullable=False),  # the fixed versions that apply to this version
)

# --- findings: (asset, package, alias group), never deleted ----------------------------------------

findings = sa.Table(
    "findings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), nullable=False),
    sa.Column("ecosystem", sa.String(64), nullable=False),
    sa.Column("package", sa.Text, nullable=False),
    sa.Column("alias_group", sa.String(128), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # open | inactive | fixed
    sa.Column("installed_version", sa.Text, nullable=True),
    sa.Column("fixed_versions", JSONColumn, nullable=False),
    sa.Column("advisory_ids", JSONColumn, nullable=False),
    sa.Column("direct", sa.Boolean, nullable=True),
    sa.Column("first_seen", UTCDateTime, nullable=False),
    sa.Column("last_seen", UTCDateTime, nullable=False),
    sa.Column("state_changed_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("asset_id", "ecosystem", "package", "alias_group"),
    sa.Index("ix_findings_state", "state"),
    sa.Index("ix_findings_alias_group", "alias_group"),
)

finding_attributions = sa.Table(
    "finding_attributions",
    metadata,
    sa.Column("finding_id", sa.Integer, sa.ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("source", sa.String(64), primary_key=True),  # "patchbook" (own matching), "trivy", ...
    sa.Column("first_seen", UTCDateTime, nullable=False),
    sa.Column("last_seen", UTCDateTime, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
)

finding_events = sa.Table(
    "finding_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("finding_id", sa.Integer, sa.ForeignKey("findings.id", ondelete="CASCADE"), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("event", sa.String(32), nullable=False),  # opened | reopened | inactive | fixed | version
    sa.Column("detail", JSONColumn, nullable=False),
    sa.Index("ix_finding_events_finding_id", "finding_id"),
)

# --- risk: EPSS history and finding scores (issue 4, migration 0004) ---------------------------------

# Every imported EPSS day is kept (history): one row per (CVE, score date). The scores of one day come
# from one model; the model version is kept beside each so scores of different models are never mixed.
epss_scores = sa.Table(
    "epss_scores",
    metadata,
    sa.Column("cve", sa.String(32), primary_key=True),
    sa.Column("score_date", sa.Date, primary_key=True),
    sa.Column("epss", sa.Float, nullable=False),
    sa.Column("percentile", sa.Float, nullable=True),
    sa.Column("model_version", sa.String(32), nullable=True),
    sa.Column("import_id", sa.Integer, sa.ForeignKey("feed_imports.id"), nullable=False),
    sa.Index("ix_epss_scores_score_date", "score_date"),
)

# The current priority of each finding, recomputed after ingest, re-match and feed imports. Derived
# data: it can always be rebuilt from the findings, the advisories, KEV, EPSS and the assets. Only values
# are kept (no sentences, no JSON): 200,000 rows are rewritten after every EPSS import.
finding_scores = sa.Table(
    "finding_scores",
    metadata,
    sa.Column("finding_id", sa.Integer, sa.ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("decision", sa.String(16), nullable=False),  # SSVC deployer: defer .. immediate
    sa.Column("cisa", sa.String(8), nullable=False),  # CISA coordinator: track .. act
    sa.Column("score", sa.Float, nullable=False),  # probability x impact, ranks inside a decision
    sa.Column("probability", sa.Float, nullable=False),  # EPSS, 1.0 when in KEV, else an assumed floor
    sa.Column("impact", sa.Float, nullable=False),  # the product of the four weights below
    sa.Column("criticality_weight", sa.Float, nullable=False),
    sa.Column("value_at_risk_factor", sa.Float, nullable=False),
    sa.Column("exposure_weight", sa.Float, nullable=False),
    sa.Column("reachability_weight", sa.Float, nullable=False),
    sa.Column("severity", sa.String(16), nullable=True),  # CVSS band, None when no source states one
    sa.Column("severity_score", sa.Float, nullable=True),  # None when the band is only stated
    sa.Column("in_kev", sa.Boolean, nullable=False),
    sa.Column("epss", sa.Float, nullable=True),
    sa.Column("due_date", sa.Date, nullable=True),
    sa.Column("exploitation", sa.String(16), nullable=False),  # the SSVC inputs the "why" line names
    sa.Column("system_exposure", sa.String(16), nullable=False),
    sa.Column("automatable", sa.String(8), nullable=False),
    sa.Column("human_impact", sa.String(16), nullable=False),
    sa.Column("computed_at", UTCDateTime, nullable=False),
)

# --- triage, risk acceptance, triage rules (issue 4, migration 0005) ---------------------------------

# The current triage and risk acceptance of a finding (one row each; the history of every change is
# in finding_events). Kept apart from `findings`, so a re-ingest that rewrites the lifecycle columns
# never touches what people decided.
finding_triage = sa.Table(
    "finding_triage",
    metadata,
    sa.Column("finding_id", sa.Integer, sa.ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("state", sa.String(24), nullable=True),  # model.triage.TriageState; None: acceptance only
    sa.Column("justification", sa.String(64), nullable=True),  # OpenVEX label, with not_affected
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("actor", sa.Text, nullable=True),
    sa.Column("decided_at", UTCDateTime, nullable=True),
    sa.Column("source", sa.Text, nullable=True),  # "cli" or "vex:<file>"
    sa.Column("accepted_by", sa.Text, nullable=True),
    sa.Column("accepted_reason", sa.Text, nullable=True),
    sa.Column("accepted_at", UTCDateTime, nullable=True),
    sa.Column("accepted_until", UTCDateTime, nullable=True),
    sa.Column("expiry_recorded", sa.Boolean, nullable=False, default=False),  # the lapse is in history
    sa.Index("ix_finding_triage_accepted_until", "accepted_until"),
)

# Rules that triage every finding they match, evaluated when findings are read; removing one keeps
# the row (removed_at/removed_by) so the record of who suppressed what stays.
triage_rules = sa.Table(
    "triage_rules",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("package", sa.Text, nullable=True),
    sa.Column("ecosystem", sa.String(64), nullable=True),
    sa.Column("version", sa.Text, nullable=True),
    sa.Column("advisory", sa.String(128), nullable=True),
    sa.Column("asset_tag", sa.Text, nullable=True),
    sa.Column("state", sa.String(24), nullable=False),
    sa.Column("justification", sa.String(64), nullable=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=True),
    sa.Column("removed_by", sa.Text, nullable=True),
    sa.Column("removed_at", UTCDateTime, nullable=True),
)

# --- findings from scanner reports, code findings (issue 5, migration 0006) --------------------------

# Dependency findings from reports live in `findings` (identity asset, package, alias group) with one
# attribution per tool; code findings have no package and get their own table (ADR 008).
code_findings = sa.Table(
    "code_findings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), nullable=False),
    sa.Column("tool", sa.String(64), nullable=False),  # "codeql", "slither", ... (also the attribution)
    sa.Column("rule_id", sa.Text, nullable=False),
    sa.Column("fingerprint", sa.Text, nullable=False),  # the tool's own, or a content hash (ADR 008)
    sa.Column("state", sa.String(16), nullable=False),  # open | inactive
    sa.Column("severity", sa.String(16), nullable=False),  # critical | high | medium | low | info | unknown
    sa.Column("level", sa.String(32), nullable=True),  # as stated: SARIF level, Slither impact/confidence
    sa.Column("security_severity", sa.Float, nullable=True),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("file", sa.Text, nullable=True),
    sa.Column("line", sa.Integer, nullable=True),
    sa.Column("first_seen", UTCDateTime, nullable=False),
    sa.Column("last_seen", UTCDateTime, nullable=False),
    sa.Column("state_changed_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("asset_id", "tool", "rule_id", "fingerprint"),
    sa.Index("ix_code_findings_state", "state"),
)

code_finding_events = sa.Table(
    "code_finding_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "code_finding_id", sa.Integer, sa.ForeignKey("code_findings.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("event", sa.String(32), nullable=False),  # opened | reopened | inactive
    sa.Column("detail", JSONColumn, nullable=False),
    sa.Index("ix_code_finding_events_code_finding_id", "code_finding_id"),
)

# What each tool's latest report said about a dependency finding (severity as stated, its ids and fixed
# versions): the risk model scores a finding no advisory in the store describes from this.
finding_report_details = sa.Table(
    "finding_report_details",
    metadata,
    sa.Column("finding_id", sa.Integer, sa.ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("stated_severity", sa.String(32), nullable=True),
    sa.Column("title", sa.Text, nullable=True),
    sa.Column("ids", JSONColumn, nullable=False),
    sa.Column("fixed_versions", JSONColumn, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# One row per report ingest: which file, which tools, what it held.
report_imports = sa.Table(
    "report_imports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), nullable=False),
    sa.Column("format", sa.String(32), nullable=False),
    sa.Column("tools", JSONColumn, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("imported_at", UTCDateTime, nullable=False),
    sa.Column("findings", sa.Integer, nullable=False),
    sa.Column("new_findings", sa.Integer, nullable=False),
    sa.Index("ix_report_imports_asset_id", "asset_id"),
)

# --- smart contracts (issue 5, migration 0007) -------------------------------------------------------

# One row per contract asset: how it was built and who can change it (model.contract.ContractDetails).
contracts = sa.Table(
    "contracts",
    metadata,
    sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("chain", sa.String(64), nullable=True),
    sa.Column("chain_id", sa.BigInteger, nullable=True),
    sa.Column("address", sa.String(42), nullable=True),
    sa.Column("contract_name", sa.Text, nullable=True),
    sa.Column("compiler_version", sa.String(32), nullable=True),
    sa.Column("settings", JSONColumn, nullable=False),  # optimizer, runs, via_ir, evm_version, ...
    sa.Column("libraries", JSONColumn, nullable=False),  # [{"name", "version"}] (npm packages)
    sa.Column("proxy", sa.String(16), nullable=False),  # none | transparent | uups | beacon
    sa.Column("implementation", sa.String(42), nullable=True),
    sa.Column("admin", sa.String(42), nullable=True),
    sa.Column("owner", sa.String(42), nullable=True),
    sa.Column("timelock_address", sa.String(42), nullable=True),
    sa.Column("timelock_min_delay_seconds", sa.Integer, nullable=True),
    sa.Column("multisig_address", sa.String(42), nullable=True),
    sa.Column("multisig_threshold", sa.Integer, nullable=True),
    sa.Column("multisig_signers", sa.Integer, nullable=True),
    sa.Column("pausable", sa.Boolean, nullable=True),
    sa.Column("compiler_bugs", JSONColumn, nullable=False),  # the latest match: [{"name", "status", ...}]
    sa.Column("source", sa.Text, nullable=False),  # the inventory file or build file it came from
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# The Solidity compiler bug list (docs/bugs.json), replaced as a whole by each import.
solc_bugs = sa.Table(
    "solc_bugs",
    metadata,
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("uid", sa.String(32), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("introduced", sa.String(32), nullable=True),
    sa.Column("fixed", sa.String(32), nullable=True),
    sa.Column("conditions", JSONColumn, nullable=False),
    sa.Column("link", sa.Text, nullable=True),
    sa.Column("published", sa.String(32), nullable=True),
    sa.Column("import_id", sa.Integer, sa.ForeignKey("feed_imports.id"), nullable=False),
)

# docs/bugs_by_version.json: the bug names of each solc release, and its release date.
solc_releases = sa.Table(
    "solc_releases",
    metadata,
    sa.Column("version", sa.String(32), primary_key=True),
    sa.Column("bugs", JSONColumn, nullable=False),
    sa.Column("released", sa.String(16), nullable=True),
    sa.Column("import_id", sa.Integer, sa.ForeignKey("feed_imports.id"), nullable=False),
)


# --- patches, plans, approvals, audit trail (issue 6, migration 0008) --------------------------------

# One run of the planner: its horizon and the calendar it read. Patches belong to a run; the newest run
# is the current plan, older runs stay as the record of what was planned when.
plan_runs = sa.Table(
    "plan_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("venue", sa.Text, nullable=False),
    sa.Column("calendar_source", sa.Text, nullable=False),
    sa.Column("calendar_sha256", sa.String(64), nullable=True),
    sa.Column("horizon_start", UTCDateTime, nullable=False),
    sa.Column("horizon_end", UTCDateTime, nullable=False),
    sa.Column("summary", JSONColumn, nullable=False),
)

# One change of a plan run: a patch of an asset, or one step of a contract's remediation.
patches = sa.Table(
    "patches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("plan_run_id", sa.Integer, sa.ForeignKey("plan_runs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("change_key", sa.Text, nullable=False),  # "matching-engine", "vault:pause"
    sa.Column("asset", sa.Text, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # software | contract
    sa.Column("decision", sa.String(16), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # scheduled | unscheduled
    sa.Column("environment", sa.String(16), nullable=False),
    sa.Column("team", sa.Text, nullable=False),
    sa.Column("emergency", sa.Boolean, nullable=False),
    sa.Column("late", sa.Boolean, nullable=False),
    sa.Column("due_date", sa.Date, nullable=True),
    sa.Column("window_start", UTCDateTime, nullable=True),
    sa.Column("window_end", UTCDateTime, nullable=True),
    sa.Column("rollback_end", UTCDateTime, nullable=True),
    sa.Column("risk_reduction", sa.Float, nullable=False),
    sa.Column("requested_by", sa.Text, nullable=False),
    sa.Column("detail", JSONColumn, nullable=False),  # label, upgrades, findings, why / reasons
    sa.UniqueConstraint("plan_run_id", "change_key"),
)

patch_approvals = sa.Table(
    "patch_approvals",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("patch_id", sa.Integer, sa.ForeignKey("patches.id", ondelete="CASCADE"), nullable=False),
    sa.Column("approver", sa.Text, nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("patch_id", "approver"),
)

# Append-only and hash-chained: each row's hash covers its own content and the previous row's hash, so
# editing, deleting or inserting a row breaks every hash after it (store/audit.py verifies the chain).
audit_events = sa.Table(
    "audit_events",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("payload", JSONColumn, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False, unique=True),
)

# --- simulated deployments of planned patches (issue 7, migration 0009) ------------------------------

# The simulation profile each asset's patches run through (`patchbook simulate profile set`): the file
# is read at run time (its flow and wheelhouse paths are relative to it); its hash at set time and at
# run time are both kept, so a run can show which version of the profile it used.
simulation_profiles = sa.Table(
    "simulation_profiles",
    metadata,
    sa.Column("asset", sa.Text, primary_key=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("set_by", sa.Text, nullable=False),
    sa.Column("set_at", UTCDateTime, nullable=False),
)

# Every simulated deployment of a patch, with the whole SimulationRun (metrics, diff, judgement) as the
# evidence of "fully tested" a change board asks for; the newest run of a patch is its verdict.
simulation_runs = sa.Table(
    "simulation_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("patch_id", sa.Integer, sa.ForeignKey("patches.id", ondelete="SET NULL"), nullable=True),
    sa.Column("asset", sa.Text, nullable=False),
    sa.Column("verdict", sa.String(16), nullable=False),  # promote | hold | rollback
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime, nullable=False),
    sa.Column("profile_source", sa.Text, nullable=False),
    sa.Column("profile_sha256", sa.String(64), nullable=False),
    sa.Column("baseline_cmd", sa.Text, nullable=False),
    sa.Column("candidate_cmd", sa.Text, nullable=False),
    sa.Column("flow_sha256", sa.String(64), nullable=False),
    sa.Column("run", JSONColumn, nullable=False),
    sa.Index("ix_simulation_runs_patch_id", "patch_id"),
)
