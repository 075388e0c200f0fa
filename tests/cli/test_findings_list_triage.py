"""`findings list` hides what triage took off the working list (unless --all) and lists code findings."""

from __future__ import annotations

import json
from pathlib import Path

import patchbook
from tests.cli.conftest import Run

DEMO = Path(patchbook.__file__).parent / "demo" / "data"


def test_triaged_findings_hidden_unless_all_and_code_findings_listed(run: Run) -> None:
    assert run("feeds", "import", str(DEMO / "advisories")).returncode == 0
    assert run("asset", "add", "market-data-gateway", "--kind", "service").returncode == 0
    ingested = run("ingest", str(DEMO / "sboms" / "market-data-gateway.cdx.json"), "--asset",
                   "market-data-gateway")
    assert ingested.returncode == 0, ingested.stderr
    listed = json.loads(run("findings", "list", "--json").stdout)["findings"]
    jinja = next(f for f in listed if f["package"] == "jinja2")
    assert jinja["triage"]["label"] == "untriaged"
    triaged = run("findings", "triage", str(jinja["id"]), "--state", "not_affected", "--justification",
                  "vulnerable_code_not_in_execute_path", "--reason", "no user templates", "--as", "appsec")
    assert triaged.returncode == 0, triaged.stderr

    text = run("findings", "list").stdout
    assert "CVE-2024-22195" not in text and "1 triaged away not shown" in " ".join(text.split())
    assert "CVE-2024-22195" in run("findings", "list", "--all").stdout
    again = json.loads(run("findings", "list", "--json").stdout)["findings"]
    assert next(f for f in again if f["id"] == jinja["id"])["triage"]["suppressed"] is True

    sarif = run("ingest", str(DEMO / "reports" / "market-data-gateway.bandit.sarif"), "--asset",
                "market-data-gateway")
    assert sarif.returncode == 0, sarif.stderr
    code = json.loads(run("findings", "list", "--code", "--json").stdout)["code_findings"]
    assert {c["rule_id"] for c in code} == {"B105", "B301", "B602"}
    assert "md_gateway/feed_restart.py:41" in run("findings", "list", "--code").stdout
