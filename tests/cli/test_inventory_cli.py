"""`patchbook asset`, `inventory apply`, `ingest` and `findings` end to end."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Run

JUICE = "sboms/cyclonedx/juice-shop/via_npm/bare/bom.1.4.json"


def test_ingest_json_contract_and_findings(run: Run, shared_data: Path) -> None:
    assert run("feeds", "import", str(shared_data / "osv" / "ghsa")).returncode == 0
    added = run("asset", "add", "juice-shop", "--kind", "service", "--exposure", "internet-facing", "--json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["change"] == "added"
    result = run("ingest", str(shared_data / JUICE), "--asset", "juice-shop", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {
        k: data[k] for k in ("asset", "format", "components", "unmatched", "findings", "new_findings")
    } == {
        "asset": "juice-shop",
        "format": "cyclonedx-json",
        "components": 1115,
        "unmatched": 0,
        "findings": 4,
        "new_findings": 4,
    }
    listed = json.loads(run("findings", "list", "--state", "open", "--json").stdout)["findings"]
    assert sorted((f["package"], f["alias_group"]) for f in listed) == [
        ("express", "CVE-2024-29041"),
        ("lodash", "CVE-2020-8203"),
        ("lodash", "CVE-2021-23337"),
        ("ws", "CVE-2024-37890"),
    ]
    shown = json.loads(run("findings", "show", str(listed[0]["id"]), "--json").stdout)
    assert shown["history"][0]["event"] == "opened" and shown["attributions"][0]["source"] == "patchbook"
    assert shown["affected_ranges"] and shown["aliases"]
    csv_out = run("findings", "export", "--format", "csv")
    assert csv_out.returncode == 0 and csv_out.stdout.splitlines()[0].startswith("id,asset,ecosystem,package")
    assert len(csv_out.stdout.splitlines()) == 5


def test_ingest_errors(run: Run, shared_data: Path, tmp_path: Path) -> None:
    unknown = run("ingest", str(shared_data / JUICE), "--asset", "ghost")
    assert unknown.returncode == 2 and "patchbook asset add ghost --kind service" in unknown.stderr
    assert run("asset", "add", "svc", "--kind", "service").returncode == 0
    truncated = tmp_path / "bom.json"
    truncated.write_text((shared_data / JUICE).read_text()[:5000])
    bad = run("ingest", str(truncated), "--asset", "svc")
    assert bad.returncode == 2
    assert len(bad.stderr.strip().splitlines()) == 1 and str(truncated) in bad.stderr
    assert json.loads(run("asset", "show", "svc", "--json").stdout)["snapshot"] is None


def test_inventory_apply_prints_a_diff(run: Run, tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(
        "assets:\n  - {name: a, kind: service}\n  - {name: b, kind: host, depends_on: [a]}\n"
    )
    first = run("inventory", "apply", str(inventory))
    assert first.returncode == 0 and "added a" in " ".join(first.stdout.split())
    inventory.write_text(
        "assets:\n"
        "  - {name: a, kind: service, criticality: high}\n"
        "  - {name: b, kind: host, depends_on: [a]}\n"
    )
    second = run("inventory", "apply", str(inventory), "--json")
    assert json.loads(second.stdout)["assets"] == [
        {"asset": "a", "change": "changed"},
        {"asset": "b", "change": "unchanged"},
    ]
    listed = json.loads(run("asset", "list", "--json").stdout)["assets"]
    assert [(a["name"], a["criticality"], a["depends_on"]) for a in listed] == [
        ("a", "high", []),
        ("b", "medium", ["a"]),
    ]
