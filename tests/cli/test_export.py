"""`patchbook findings export --format cyclonedx-vdr|cyclonedx-vex` through the real console script."""

from __future__ import annotations

import json
from pathlib import Path

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from tests.cli.conftest import Run

JUICE = "sboms/cyclonedx/juice-shop/via_npm/bare/bom.1.4.json"


def test_cyclonedx_exports(run: Run, shared_data: Path, tmp_path: Path) -> None:
    assert run("feeds", "import", str(shared_data / "osv" / "ghsa")).returncode == 0
    assert run("asset", "add", "juice-shop", "--kind", "service").returncode == 0
    assert run("ingest", str(shared_data / JUICE), "--asset", "juice-shop").returncode == 0

    target = tmp_path / "vdr.cdx.json"
    vdr = run("findings", "export", "--format", "cyclonedx-vdr", "--asset", "juice-shop", "-o", str(target))
    assert vdr.returncode == 0, vdr.stderr
    assert "wrote 4 findings" in vdr.stdout
    text = target.read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    doc = json.loads(text)
    assert doc["specVersion"] == "1.6" and len(doc["vulnerabilities"]) == 4

    vex = run(
        "findings", "export", "--format", "cyclonedx-vex", "--asset", "juice-shop", "--spec-version", "1.5"
    )
    assert vex.returncode == 0, vex.stderr
    assert JsonStrictValidator(SchemaVersion.V1_5).validate_str(vex.stdout) is None
    doc = json.loads(vex.stdout)
    assert doc["specVersion"] == "1.5"
    assert {v["analysis"]["state"] for v in doc["vulnerabilities"]} == {"in_triage"}

    no_asset = run("findings", "export", "--format", "cyclonedx-vex")
    assert no_asset.returncode == 2 and "--asset" in no_asset.stderr
    old_spec = run(
        "findings", "export", "--format", "cyclonedx-vdr", "--asset", "juice-shop", "--spec-version", "1.4"
    )
    assert old_spec.returncode == 2 and "1.5, 1.6" in old_spec.stderr
    unknown = run("findings", "export", "--format", "spdx")
    assert unknown.returncode == 2 and "cyclonedx-vex" in unknown.stderr
