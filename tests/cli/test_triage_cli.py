"""`patchbook findings triage|accept`, `patchbook triage show|rule ...` and `patchbook vex import|export`
through the real console script, on the real juice-shop SBOM and the real GHSA advisories."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from tests.cli.conftest import Run
from tests.service.test_vex import check_openvex

JUICE = "sboms/cyclonedx/juice-shop/via_npm/bare/bom.1.4.json"


def _ids(run: Run) -> dict[str, int]:
    listed = run("findings", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    return {f"{f['package']}/{f['alias_group']}": f["id"] for f in json.loads(listed.stdout)["findings"]}


def test_triage_accept_rules_and_vex(run: Run, shared_data: Path, tmp_path: Path) -> None:
    assert run("feeds", "import", str(shared_data / "osv" / "ghsa")).returncode == 0
    assert run("asset", "add", "juice-shop", "--kind", "service", "--tag", "pci").returncode == 0
    assert run("ingest", str(shared_data / JUICE), "--asset", "juice-shop").returncode == 0
    ids = _ids(run)
    express, ws = ids["express/CVE-2024-29041"], ids["ws/CVE-2024-37890"]

    done = run(
        "findings", "triage", str(express), "--state", "not_affected",
        "--justification", "vulnerable_code_not_in_execute_path",
        "--reason", "redirect targets are constants", "--as", "alice",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "not_affected (vulnerable_code_not_in_execute_path)" in done.stdout

    missing = run("findings", "triage", str(express), "--state", "not_affected", "--reason", "r", "--as", "a")
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "needs a justification" in missing.stderr

    expires = (date.today() + timedelta(days=30)).isoformat()
    accepted = run(
        "findings", "accept", str(ws), "--approver", "cso", "--reason", "waits for Q1", "--expires", expires,
        "--json",
    )  # fmt: skip
    assert accepted.returncode == 0, accepted.stderr
    assert json.loads(accepted.stdout)["acceptance"]["running"] is True
    # (the service tests check every rule; here: one line, exit 2, from the real script)
    for args, message in (
        (("--reason", "r", "--expires", expires), "--approver: an approver is required"),
        (("--approver", "cso", "--reason", "r", "--expires", "next week"), "YYYY-MM-DD"),
    ):
        bad = run("findings", "accept", str(ws), *args)
        assert bad.returncode == 2 and message in bad.stderr, (args, bad.stderr)

    rule = run(
        "triage", "rule", "add", "--package", "lodash", "--version", "2.4.2", "--state", "not_affected",
        "--justification", "vulnerable_code_not_present", "--reason", "tree-shaken", "--as", "bob", "--json",
    )  # fmt: skip
    assert rule.returncode == 0, rule.stderr
    rule_id = json.loads(rule.stdout)["id"]
    listed = json.loads(run("triage", "rule", "list", "--json").stdout)["rules"]
    assert [(r["id"], r["applies_to"]) for r in listed] == [(rule_id, 2)]
    no_criteria = run("triage", "rule", "add", "--state", "affected", "--reason", "r", "--as", "b")
    assert no_criteria.returncode == 2 and "at least one of package" in no_criteria.stderr

    shown = json.loads(run("triage", "show", str(express), "--json").stdout)
    assert shown["state"] == "not_affected" and shown["by"] == "alice"
    assert [e["event"] for e in shown["history"]] == ["triage"]
    lodash = json.loads(run("triage", "show", str(ids["lodash/CVE-2020-8203"]), "--json").stdout)
    assert lodash["rule"] == rule_id and lodash["suppressed"] is True
    text = run("triage", "show", str(ids["lodash/CVE-2020-8203"])).stdout
    assert f"not_affected (vulnerable_code_not_present) [rule {rule_id}]" in text  # not eaten as markup

    # export both formats, remove the rule, re-import: the per-finding decisions come from the file
    openvex = tmp_path / "juice.openvex.json"
    out = run("vex", "export", "--format", "openvex", "--asset", "juice-shop", "-o", str(openvex))
    assert out.returncode == 0, out.stderr
    assert "wrote 4 statements" in out.stdout
    check_openvex(json.loads(openvex.read_text()))
    cdx = run("vex", "export", "--format", "cyclonedx", "--asset", "juice-shop")
    assert cdx.returncode == 0, cdx.stderr
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(cdx.stdout) is None
    assert run("triage", "rule", "remove", str(rule_id), "--as", "bob").returncode == 0
    assert (
        "rule"
        not in json.loads(run("triage", "show", str(ids["lodash/CVE-2020-8203"]), "--json").stdout)["label"]
    )
    imported = run("vex", "import", str(openvex), "--json")
    assert imported.returncode == 0, imported.stderr
    result = json.loads(imported.stdout)
    assert (result["format"], result["changed"], result["unchanged"]) == ("openvex", 3, 1)
    lodash = json.loads(run("triage", "show", str(ids["lodash/CVE-2020-8203"]), "--json").stdout)
    assert lodash["state"] == "not_affected" and lodash["justification"] == "vulnerable_code_not_present"

    doc = json.loads(openvex.read_text())
    doc["statements"][0]["products"] = [{"@id": "pkg:npm/left-pad@1.3.0"}]
    (tmp_path / "unknown.json").write_text(json.dumps(doc))
    failed = run("vex", "import", str(tmp_path / "unknown.json"))
    assert failed.returncode == 2 and failed.stderr.count("\n") == 1
    assert "unknown.json:statements[0].products[0]" in failed.stderr
    skipped = run("vex", "import", str(tmp_path / "unknown.json"), "--skip-unknown")
    # rich wraps at the terminal width and the tmp path is long: compare the words, not the lines
    assert skipped.returncode == 0 and "1 unknown products skipped" in " ".join(skipped.stdout.split())
    revoked = run("triage", "revoke", str(ws), "--reason", "exploit published", "--as", "cso")
    assert revoked.returncode == 0 and "acceptance revoked" in revoked.stdout, revoked.stderr
    wrong = run("vex", "export", "--format", "csaf")
    assert wrong.returncode == 2 and "openvex, cyclonedx" in wrong.stderr
