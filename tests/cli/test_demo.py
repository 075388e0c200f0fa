"""`patchbook demo`: builds the demo venue offline, replaces an earlier demo, refuses foreign data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Run


@pytest.mark.xdist_group("timing")
def test_demo_builds_the_venue_and_ranks_log4shell_first(run: Run) -> None:
    result = run("demo", "--no-simulate", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [i["asset"] for i in data["ingests"]] == [
        "matching-engine",
        "risk-engine",
        "market-data-gateway",
        "order-gateway",
        "settlement-service",
        "wallet-signer",
        "host-ams-1",
        "host-ams-2",
        "options-vault",  # contracts: their declared libraries (issue 5)
        "venue-token",
    ]
    assert {i["format"] for i in data["ingests"]} == {
        "cyclonedx-json",
        "cyclonedx-xml",
        "spdx-json",
        "requirements",
        "package-lock",
        "dpkg-status",
        "contract-libraries",
    }
    findings = data["findings"]
    first = findings[0]
    assert (first["asset"], first["alias_group"], first["in_kev"], first["fixed_versions"]) == (
        "settlement-service",
        "CVE-2021-44228",
        True,
        ["2.15.0"],
    )
    # ranked by the risk model: KEV + automatable + critical settlement flows; the KEV dueDate caps the SLA
    assert (first["decision"], first["cisa"], first["due"]) == ("out-of-cycle", "act", "2021-12-24")
    assert first["why"].startswith("critical 10.0, exploitation active")
    by_key = {(f["asset"], f["alias_group"]): f for f in findings}
    # PYSEC-2023-74 and GHSA-j8r2-6x86-q33q are one vulnerability: one finding, two advisories.
    assert by_key[("market-data-gateway", "CVE-2023-32681")]["advisory_ids"] == [
        "GHSA-j8r2-6x86-q33q",
        "PYSEC-2023-74",
    ]
    # Debian advisories name source packages: libcurl4 and openssh-server are matched via curl / openssh.
    assert by_key[("host-ams-1", "CVE-2024-6387")]["package"] == "openssh"
    assert not [f for f in findings if f["asset"] == "host-ams-2"]  # the patched standby
    assert not [f for f in findings if f["package"] == "lodash"]  # 4.17.21 is past both lodash fixes
    # scanner reports: Trivy's axios and express findings join patchbook's own (one finding, two
    # sources); body-parser is Trivy's alone; bandit's SARIF adds three code findings
    scans = {s["asset"]: s for s in data["scans"]}
    assert (scans["order-gateway"]["format"], scans["order-gateway"]["findings"],
            scans["order-gateway"]["new_findings"]) == ("trivy-json", 3, 1)
    assert (scans["market-data-gateway"]["format"], scans["market-data-gateway"]["findings"]) == ("sarif", 3)
    assert ("order-gateway", "CVE-2024-45590") in by_key
    # no advisory in the snapshot describes it: scored by the severity Trivy states, marked as stated
    assert by_key[("order-gateway", "CVE-2024-45590")]["severity"] == "high (stated)"
    # compiler bugs are scored from the bug list's own severity
    assert by_key[("options-vault", "SOL-2022-7")]["severity"] == "high (stated)"

    again = run("demo")  # as `make demo` runs it: findings, then the simulated deployment of a patch
    assert again.returncode == 0, again.stderr
    assert "CVE-2021-44228" in again.stdout and "no open findings on host-ams-2" in again.stdout
    assert "out-of-cycle" in again.stdout and "exploitation active" in again.stdout
    assert "demo-simulation.html" in again.stdout
    assert "B602" in again.stdout and "trivy-json report on order-gateway" in again.stdout
    # the simulated deployment is the plan's matching-engine patch, stored with it
    assert "Simulated deployment of patch" in again.stdout and "stored with the patch" in again.stdout
    history = json.loads(run("simulate", "history", "--asset", "matching-engine", "--json").stdout)
    assert len(history) == 1 and history[0]["patch"] is not None
    # the identical-behaviour patch promotes; on a host too noisy to judge latency the judge holds instead
    assert "PROMOTE" in again.stdout or (
        "HOLD" in again.stdout and "not judged" in " ".join(again.stdout.split())
    )


def test_demo_refuses_a_store_with_other_data(run: Run, shared_data: Path) -> None:
    assert run("feeds", "import", str(shared_data / "osv" / "ghsa")).returncode == 0
    refused = run("demo")
    assert refused.returncode == 2
    assert "holds data that is not the demo's" in refused.stderr and "--force" in refused.stderr
    forced = run("demo", "--force", "--no-simulate", "--json")
    assert forced.returncode == 0, forced.stderr
    status = json.loads(run("feeds", "status", "--json").stdout)
    assert status["advisories"] == 21  # only the demo's own snapshot is left
