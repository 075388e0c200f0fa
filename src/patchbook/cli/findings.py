"""``patchbook findings``: what affects the estate, ranked by the risk model, with every source that reports
it, its history, and the explanation of its priority."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich import box
from rich.table import Table

from patchbook.cli.output import console, print_json, print_json_list
from patchbook.model.finding import Finding, FindingState

if TYPE_CHECKING:
    from patchbook.model.risk import Input
    from patchbook.service.risk import Explanation, RankedFinding
    from patchbook.store import Store

app = typer.Typer(help="Findings: vulnerabilities in the assets' components.", no_args_is_help=True)
JSON_OPT = typer.Option(False, "--json", help="Print the result as JSON.")


def finding_dict(f: Finding) -> dict[str, object]:
    return {
        "id": f.id,
        "asset": f.asset,
        "ecosystem": f.ecosystem,
        "package": f.package,
        "installed_version": f.installed_version,
        "alias_group": f.alias_group,
        "advisory_ids": list(f.advisory_ids),
        "state": f.state.value,
        "fixed_versions": list(f.fixed_versions),
        "direct": f.direct,
        "sources": list(f.sources),
        "first_seen": f.first_seen.isoformat(),
        "last_seen": f.last_seen.isoformat(),
        "state_changed_at": f.state_changed_at.isoformat(),
    }


@app.command("list")
def list_(
    asset: str = typer.Option(None, "--asset", help="Only this asset."),
    state: FindingState = typer.Option(None, "--state", help="Only findings in this state."),
    show_all: bool = typer.Option(
        False, "--all", help="Also findings triaged away (not_affected, false_positive, accepted)."
    ),
    code: bool = typer.Option(False, "--code", help="List code findings (SAST, Slither) instead."),
    json: bool = JSON_OPT,
) -> None:
    """List findings (all states unless --state), most urgent first.

    Order: SSVC deployer decision, then CISA decision, then the risk score (probability of exploitation
    x impact on the venue). `patchbook findings explain ID` shows how one finding got its place.
    Findings triage took off the working list are hidden unless --all (JSON always carries them, with
    their triage).
    """
    from patchbook.cli.triage import view_dict
    from patchbook.service.risk import ranked_findings
    from patchbook.service.triage import triage_of
    from patchbook.store import open_store

    store = open_store()
    if code:
        _list_code(store, asset, state.value if state else None, json)
        return
    ranked = ranked_findings(store, asset=asset, states=[state.value] if state else None)
    triage = triage_of(store, [r.finding.id for r in ranked])
    if json:
        print_json_list("findings", (
            {**finding_dict(r.finding), **r.as_dict(), "triage": view_dict(triage.get(r.finding.id))}
            for r in ranked
        ))
        return
    hidden = 0
    if not show_all:
        kept = [r for r in ranked if not (r.finding.id in triage and triage[r.finding.id].suppressed)]
        hidden, ranked = len(ranked) - len(kept), kept
    title = f"{len(ranked)} findings, most urgent first"
    if hidden:
        title += f" ({hidden} triaged away not shown: --all shows them)"
    wide = console.width >= WIDE_TABLE
    console.print(ranked_table(ranked, title=title) if wide else compact_ranked_table(ranked, title=title))


WIDE_TABLE = 150  # columns the full table needs; narrower terminals get the factors in one column


def _list_code(store: Store, asset: str | None, state: str | None, as_json: bool) -> None:
    from patchbook.service.reports import code_findings

    found = code_findings(store, asset=asset, state=state)
    if as_json:
        print_json({"code_findings": found})
        return
    table = Table(title=f"{len(found)} code findings from scanner reports", title_justify="left")
    for col in ("id", "asset", "tool", "rule", "severity", "state", "where", "message"):
        table.add_column(col, overflow="fold")
    for c in found:
        where = f"{c['file']}:{c['line']}" if c.get("file") else "-"
        table.add_row(str(c["id"]), c["asset"], c["tool"], c["rule_id"], c["severity"], c["state"], where,
                      c["message"])
    console.print(table)


def ranked_table(ranked: Sequence[RankedFinding], *, title: str) -> Table:
    """The ranked findings with the decision, the score and each of its factors, and the due date.

    score = p(exploit) x crit x VaR x exp x reach (docs/risk-model.md); the columns are the factors.
    """
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    columns = (
        "id",
        "asset",
        "package",
        "vulnerability",
        "decision",
        "cisa",
        "score",
        "p(exploit)",
        "crit",
        "VaR",
        "exp",
        "reach",
        "severity",
        "due",
        "state",
    )
    numeric = ("id", "score", "p(exploit)", "crit", "VaR", "exp", "reach")
    for col in columns:
        table.add_column(col, justify="right" if col in numeric else "left", no_wrap=col in numeric)
    today = datetime.now(UTC).date()
    for r in ranked:
        f, x = r.finding, r.inputs or {}
        table.add_row(
            str(f.id),
            f.asset,
            f"{short_package(f.package)} {f.installed_version or ''}",
            f.alias_group + (" [bold red]KEV[/]" if r.in_kev else ""),
            decision_markup(r.decision),
            r.cisa,
            f"{r.score:.3f}",
            _factor(x.get("probability"), "{:.3g}") + ("e" if r.epss is not None and not r.in_kev else ""),
            _factor(x.get("criticality weight"), "{:g}"),
            _factor(x.get("value-at-risk factor"), "{:.2f}"),
            _factor(x.get("exposure weight"), "{:g}"),
            _factor(x.get("reachability weight"), "{:g}"),
            r.severity,
            due_markup(r.due, today)
            if f.state is FindingState.OPEN
            else (r.due.isoformat() if r.due else ""),
            f.state.value,
        )
    table.caption = (
        "score = p(exploit) x crit x VaR x exp x reach; p is 1 in KEV, EPSS where marked e, else assumed. "
        "`patchbook findings explain ID` shows every input."
    )
    table.caption_justify = "left"
    return table


def compact_ranked_table(ranked: Sequence[RankedFinding], *, title: str) -> Table:
    """The same ranking for a narrow terminal: decision, score and due date; the factors need width."""
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("id", "asset", "vulnerability", "decision", "score", "due"):
        table.add_column(col, justify="right" if col in ("id", "score") else "left")
    today = datetime.now(UTC).date()
    for r in ranked:
        f = r.finding
        table.add_row(
            str(f.id),
            f.asset,
            f.alias_group + (" [bold red]KEV[/]" if r.in_kev else ""),
            decision_markup(r.decision),
            f"{r.score:.3f}",
            due_markup(r.due, today) if f.state is FindingState.OPEN else f.state.value,
        )
    table.caption = (
        f"the score's factors: a terminal >= {WIDE_TABLE} columns, --json, or `findings explain ID`"
    )
    table.caption_justify = "left"
    return table


def short_package(name: str) -> str:
    """The last part of a Maven group:artifact or a scoped/namespaced name, for narrow tables."""
    return name.rsplit(":", 1)[-1].rsplit("/", 1)[-1]


_DECISION_STYLE = {"immediate": "bold red", "out-of-cycle": "red", "scheduled": "yellow", "defer": "dim"}


def decision_markup(decision: str) -> str:
    return f"[{_DECISION_STYLE.get(decision, '')}]{decision}[/]"


def due_markup(due: date | None, today: date) -> str:
    if due is None:
        return ""
    if due < today:
        return f"[bold red]{due.isoformat()} overdue[/]"
    return due.isoformat()


def _factor(value: object, fmt: str) -> str:
    return "" if value is None else fmt.format(value)


@app.command()
def explain(
    finding_id: int = typer.Argument(..., help="The finding's id."),
    policy: Path = typer.Option(None, "--policy", help="SLA policy file (default: the store's)."),
    json: bool = JSON_OPT,
) -> None:
    """Every input of one finding's priority and the path through the SSVC tables, to check by hand."""
    from patchbook.risk.sla import load_sla_policy
    from patchbook.service.risk import explain_finding
    from patchbook.store import open_store

    shown = explain_finding(open_store(), finding_id, load_sla_policy(policy) if policy else None)
    from patchbook.cli.contract import contract_context, print_contract_context  # contracts (issue 5)

    contract = contract_context(shown.finding)
    if json:
        print_json({**explanation_dict(shown), **({"contract": contract} if contract else {})})
        return
    f = shown.finding
    console.rule(f"finding {f.id}: {f.alias_group} in {f.package} {f.installed_version or ''} on {f.asset}")
    # soft_wrap: each line stays one line (a person checks it against the tables; copy-paste intact)
    for line in shown.lines:
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    for h in shown.epss_history:
        console.print(
            f"  EPSS history {h['cve']} {h['score_date']}: {h['epss']} (model {h['model_version'] or '?'})",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    print_contract_context(contract)


def explanation_dict(shown: Explanation) -> dict[str, object]:
    p = shown.priority
    sev = p.severity

    def value(i: Input) -> dict[str, object]:
        return {"value": i.value, "reason": i.reason, "overridden": i.overridden}

    return {
        "finding": finding_dict(shown.finding),
        "decision": p.deployer,
        "cisa": p.cisa,
        "severity": None
        if sev is None
        else {
            "band": sev.band,
            "score": sev.score,
            "version": sev.version,
            "vector": sev.vector,
            "stated": sev.stated,
            "source": sev.source,
        },
        "kev": None
        if p.kev is None
        else {
            "cve": p.kev.cve_id,
            "date_added": p.kev.date_added.isoformat(),
            "due_date": p.kev.due_date.isoformat() if p.kev.due_date else None,
            "known_ransomware": p.kev.known_ransomware,
        },
        "epss": None
        if p.epss is None
        else {
            "cve": p.epss.cve,
            "epss": p.epss.epss,
            "percentile": p.epss.percentile,
            "model_version": p.epss.model_version,
            "score_date": p.epss.score_date.date().isoformat() if p.epss.score_date else None,
        },
        "epss_history": shown.epss_history,
        "inputs": {
            i.name: value(i)
            for i in p.ssvc_inputs
        },
        "path": [
            {
                "table": step.table,
                "row": step.row,
                "inputs": dict(step.inputs),
                "outcome": {step.outcome_name: step.outcome},
            }
            for step in p.path
        ],
        "risk": {
            "probability": p.risk.probability,
            "probability_reason": p.risk.probability_reason,
            "criticality_weight": p.risk.criticality_weight,
            "value_at_risk_factor": p.risk.value_at_risk_factor,
            "exposure_weight": p.risk.exposure_weight,
            "reachability_weight": p.risk.reachability_weight,
            "impact": p.risk.impact,
            "score": p.risk.score,
        },
        "due": shown.due.isoformat(),
        "due_reason": shown.due_reason,
        "lines": shown.lines,
    }


@app.command()
def show(finding_id: int = typer.Argument(..., help="The finding's id."), json: bool = JSON_OPT) -> None:
    """One finding: its advisories and their ranges, every attribution, and its history."""
    from patchbook.service.findings import detail
    from patchbook.store import open_store

    shown = detail(open_store(), finding_id)
    finding, aliases, attributions, events = shown.finding, shown.aliases, shown.attributions, shown.history
    summaries = {e["advisory"]: e["summary"] for e in shown.entries}
    ranges = [{k: e[k] for k in ("advisory", "ranges", "versions")} for e in shown.entries]
    data = {
        **finding_dict(finding),
        "aliases": aliases,
        "summaries": summaries,
        "affected_ranges": ranges,
        "attributions": [
            {**a, "first_seen": _iso(a["first_seen"]), "last_seen": _iso(a["last_seen"])}
            for a in attributions
        ],
        "history": [{"at": e.at.isoformat(), "event": e.event, **e.detail} for e in events],
    }
    from patchbook.cli.contract import contract_context, print_contract_context  # contracts (issue 5)

    contract = contract_context(finding)
    if contract:
        data["contract"] = contract
    if json:
        print_json(data)
        return
    console.rule(f"finding {finding.id}: {finding.alias_group} in {finding.package} on {finding.asset}")
    fixes = ", ".join(finding.fixed_versions) or "no fix known"
    console.print(f"state {finding.state.value}; installed {finding.installed_version}; fixed in {fixes}")
    console.print(f"aliases: {', '.join(aliases)}")
    for advisory_id, summary in summaries.items():
        console.print(f"[bold]{advisory_id}[/]: {summary}")
    for r in ranges:
        for rng in r["ranges"]:
            walk = ", ".join(f"{k} {v}" for e in rng["events"] for k, v in e.items())
            console.print(f"  {r['advisory']} {rng['type']}: {walk}")
    console.print(
        "sources: "
        + "; ".join(
            f"{a['source']} ({'active' if a['active'] else 'no longer reports it'})" for a in attributions
        )
    )
    for e in events:
        console.print(f"  {e.at:%Y-%m-%d %H:%M} {e.event} {e.detail}")
    print_contract_context(contract)


def _iso(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


@app.command()
def export(
    output: Path = typer.Option(None, "-o", "--output", help="Write here instead of stdout."),
    fmt: str = typer.Option(
        "json", "--format", help="json | csv | cyclonedx-vdr | cyclonedx-vex (the last two need --asset)"
    ),
    asset: str = typer.Option(None, "--asset", help="Only this asset."),
    state: FindingState = typer.Option(None, "--state", help="Only findings in this state."),
    spec_version: str = typer.Option("1.6", "--spec-version", help="CycloneDX spec version: 1.5 | 1.6"),
) -> None:
    """Export findings as JSON, CSV, or one asset's CycloneDX VDR or VEX."""
    import orjson

    from patchbook.errors import InputError
    from patchbook.store import open_store
    from patchbook.store.findings import list_findings

    formats = ("json", "csv", "cyclonedx-vdr", "cyclonedx-vex")
    if fmt not in formats:
        raise InputError("--format", f"unknown export format {fmt!r}; expected one of {', '.join(formats)}")
    if fmt.startswith("cyclonedx-"):
        from patchbook.service import export as export_service

        if asset is None:
            raise InputError("--asset", f"--format {fmt} writes one BOM per asset; name it with --asset")
        kind: export_service.Kind = "vdr" if fmt == "cyclonedx-vdr" else "vex"
        with open_store().engine.connect() as conn:
            data = export_service.load(conn, asset, kind, state)
        text = export_service.render(data, kind, spec_version)
        count = len(data.views)
    else:
        with open_store().engine.connect() as conn:
            found = [
                finding_dict(f)
                for f in list_findings(conn, asset=asset, state=state.value if state else None)
            ]
        count = len(found)
        if fmt == "json":
            text = orjson.dumps({"findings": found}, option=orjson.OPT_INDENT_2).decode() + "\n"
        else:
            buffer = io.StringIO()
            columns = list(found[0]) if found else ["id", "asset", "package", "alias_group", "state"]
            writer = csv.DictWriter(buffer, fieldnames=columns)
            writer.writeheader()
            for row in found:
                writer.writerow(
                    {k: "; ".join(map(str, v)) if isinstance(v, list) else v for k, v in row.items()}
                )
            text = buffer.getvalue()
    if output is None:
        print(text, end="")
    else:
        output.write_text(text)
        console.print(f"wrote {count} findings to {output}")
