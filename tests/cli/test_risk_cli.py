"""The risk model at the command line: ranked `findings list`, `findings explain`, EPSS import re-scoring
the estate, `sla report` — on the demo venue (real advisories, KEV excerpt, real-format SBOMs)."""

from __future__ import annotations

import json
from pathlib import Path

from patchbook.demo import DATA
from tests.cli.conftest import Run
from tests.risk.epss_data import epss_csv, grype_scores, write_epss


def _demo(run: Run) -> list[dict[str, object]]:
    built = run("demo", "--no-simulate", "--json")
    assert built.returncode == 0, built.stderr
    findings: list[dict[str, object]] = json.loads(built.stdout)["findings"]
    return findings


def test_findings_list_is_ranked_and_explain_shows_every_input(run: Run) -> None:
    demo = _demo(run)
    listed = json.loads(run("findings", "list", "--state", "open", "--json").stdout)["findings"]
    assert [f["id"] for f in listed] == [f["id"] for f in demo]  # the demo shows the same ranking
    first = listed[0]
    assert (first["asset"], first["alias_group"], first["decision"], first["cisa"]) == (
        "settlement-service",
        "CVE-2021-44228",
        "out-of-cycle",  # partner-facing: System Exposure controlled; KEV, automatable, human impact high
        "act",
    )
    assert first["due"] == "2021-12-24"  # capped by the KEV dueDate
    factors = first["factors"]
    assert factors["probability"] == 1.0 and factors["criticality weight"] == 8.0
    assert abs(first["score"] - 8.0 * factors["value-at-risk factor"] * 2.0) < 1e-3  # exposure controlled = 2
    order = {"immediate": 0, "out-of-cycle": 1, "scheduled": 2, "defer": 3}
    assert [order[f["decision"]] for f in listed] == sorted(order[f["decision"]] for f in listed)

    table = run("findings", "list")
    assert table.returncode == 0, table.stderr
    for column in ("decision", "cisa", "score", "p(exploit)", "crit", "VaR", "exp", "reach", "due"):
        assert column in table.stdout

    explained = run("findings", "explain", str(first["id"]))
    assert explained.returncode == 0, explained.stderr
    text = explained.stdout
    for expected in (
        "CVE-2021-44228 on settlement-service: out-of-cycle (SSVC deployer), act (CISA coordinator)",
        "CVSS 3.1 base 10.0 (critical)",
        "KEV: CVE-2021-44228 added 2021-12-10, due 2021-12-24, ransomware use yes",
        "System Exposure: controlled — asset is partner-facing",
        "ssvc:DT_DP:1.0.0 row",
        "cisa:DT_CO:2.0.3 row",
        "impact = criticality 8 x value-at-risk factor",
        "2021-12-24 — KEV dueDate 2021-12-24 is earlier than decision out-of-cycle: 7 days",
    ):
        assert expected in text, expected
    as_json = json.loads(run("findings", "explain", str(first["id"]), "--json").stdout)
    assert [step["table"] for step in as_json["path"]] == [
        "ssvc:DT_HI:1.0.0",
        "ssvc:DT_DP:1.0.0",
        "cisa:DT_MWI:1.0.0",
        "cisa:DT_CO:2.0.3",
    ]
    assert as_json["inputs"]["Exploitation"]["value"] == "active"
    assert abs(as_json["risk"]["score"] - first["score"]) < 1e-5

    missing = run("findings", "explain", "9999")
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1
    assert "no finding with id 9999" in missing.stderr


def test_epss_import_rescores_and_reorders(run: Run, shared_data: Path, tmp_path: Path) -> None:
    demo = _demo(run)
    requests_cve = next(f for f in demo if f["alias_group"] == "CVE-2023-32681")
    jinja_cve = next(f for f in demo if f["alias_group"] == "CVE-2024-22195")
    assert demo.index(requests_cve) < demo.index(jinja_cve)  # same decision, assumed probability
    scores = {**grype_scores(shared_data), "CVE-2024-22195": (0.9, 0.99), "CVE-2023-32681": (0.001, 0.3)}
    path = write_epss(tmp_path / "epss_scores-2025-06-18.csv.gz", epss_csv(scores))
    imported = run("feeds", "import", str(path))
    assert imported.returncode == 0, imported.stderr
    assert f"re-scored {len(demo)} findings" in imported.stdout
    assert "15 CVEs no stored advisory names" in " ".join(imported.stdout.split())
    after = json.loads(run("findings", "list", "--state", "open", "--json").stdout)["findings"]
    ids = [f["id"] for f in after]
    assert ids.index(jinja_cve["id"]) < ids.index(requests_cve["id"])  # EPSS 0.9 now outranks 0.001
    status = json.loads(run("feeds", "status", "--json").stdout)["epss"]
    assert status == {"days": 1, "latest": "2025-06-18", "model_version": "v2025.03.14", "scores": 17}
    jinja = after[ids.index(jinja_cve["id"])]
    assert jinja["epss"] == 0.9 and jinja["decision"] == jinja_cve["decision"]

    headless = tmp_path / "epss.csv"
    headless.write_text("CVE-2021-44228,0.9,0.99\n")
    bad = run("feeds", "import", str(headless))
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert f"{headless}:line 1: expected header 'cve,epss,percentile'" in bad.stderr


def test_sla_report_counts_breaches_and_time_to_remediate(run: Run, tmp_path: Path) -> None:
    demo = _demo(run)
    # host-ams-1 gets the patched standby's package list: its curl and openssh findings are fixed
    fixed = run("ingest", str(DATA / "sboms" / "host-ams-2.dpkg-status"), "--asset", "host-ams-1")
    assert fixed.returncode == 0, fixed.stderr
    report = json.loads(run("sla", "report", "--json").stdout)
    assert report["policy"] == "built-in defaults"
    total = report["total"]
    # the three KEV findings are past their KEV dueDate; nothing else is due within 7 days
    assert (total["open"], total["breached"], total["due_soon"], total["fixed"]) == (len(demo) - 2, 3, 0, 2)
    assert total["fixed_on_time"] == 2 and 0 <= total["mttr_days"] < 1
    by_asset = {a["name"]: a for a in report["assets"]}
    assert (
        by_asset["settlement-service"]["breached"] == 2
        and by_asset["settlement-service"]["owner"] == "post-trade"
    )
    assert by_asset["host-ams-1"]["fixed"] == 2 and by_asset["host-ams-1"]["open"] == 0
    owners = {o["name"]: o for o in report["owners"]}
    assert owners["custody"]["breached"] == 1 and owners["sre"]["fixed"] == 2
    assert report["breaches"][0]["vulnerability"] == "CVE-2021-44228"  # most overdue first

    policy = tmp_path / "sla.yaml"
    policy.write_text("version: 1\ndecisions: {scheduled: 3}\n")
    tight = json.loads(run("sla", "report", "--policy", str(policy), "--json").stdout)
    scheduled = sum(1 for f in demo if f["decision"] == "scheduled" and f["asset"] != "host-ams-1")
    assert tight["policy"] == str(policy) and tight["total"]["due_soon"] == scheduled
    text = run("sla", "report", "--policy", str(policy))
    assert text.returncode == 0 and "Per owner" in text.stdout and "most overdue first" in text.stdout

    policy.write_text("version: 1\ndecisions:\n  urgent: 1\n")
    bad = run("sla", "report", "--policy", str(policy))
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert f"{policy}:line 3" in bad.stderr and "urgent" in bad.stderr
