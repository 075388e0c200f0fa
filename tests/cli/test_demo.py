"""`patchbook demo`: builds the demo venue offline, replaces an earlier demo, refuses foreign data."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Run


def test_demo_shows_log4shell_and_groups_aliases(run: Run) -> None:
    result = run("demo", "--json")
    assert result.returncode == 0, result.stderr
    checks = {(c["asset"], c["package"]): c for c in json.loads(result.stdout)["checks"]}
    log4j = checks[("settlement-service", "org.apache.logging.log4j:log4j-core")]
    by_cve = {h["alias_group"]: h for h in log4j["advisories"]}
    assert by_cve["CVE-2021-44228"]["in_kev"] and by_cve["CVE-2021-44228"]["fixed_in"] == ["2.15.0"]
    assert by_cve["CVE-2021-44228"]["severity"] == "critical 10.0"
    requests = checks[("market-data-gateway", "requests")]["advisories"]
    assert [(h["alias_group"], h["advisory_ids"]) for h in requests] == [
        ("CVE-2023-32681", ["GHSA-j8r2-6x86-q33q", "PYSEC-2023-74"])
    ]
    assert checks[("order-gateway", "lodash")]["advisories"] == []  # 4.17.21 is past the 4.17.20 fix

    again = run("demo")
    assert again.returncode == 0, again.stderr
    assert "CVE-2021-44228" in again.stdout and "no known advisory for aiohttp 3.9.5" in again.stdout


def test_demo_refuses_a_store_with_other_data(run: Run, shared_data: Path) -> None:
    assert run("feeds", "import", str(shared_data / "osv" / "ghsa")).returncode == 0
    refused = run("demo")
    assert refused.returncode == 2
    assert "holds data that is not the demo's" in refused.stderr and "--force" in refused.stderr
    forced = run("demo", "--force", "--json")
    assert forced.returncode == 0, forced.stderr
    status = json.loads(run("feeds", "status", "--json").stdout)
    assert status["advisories"] == 10  # only the demo's own snapshot is left
