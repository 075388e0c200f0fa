"""`patchbook feeds` and `patchbook db` end to end: exit codes, one-line errors, JSON output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from patchbook.store.migrate import head_revision as migrate_head
from tests.cli.conftest import Run


def test_import_then_status_json(run: Run, shared_data: Path) -> None:
    result = run(
        "feeds",
        "import",
        str(shared_data / "osv" / "ghsa"),
        str(shared_data / "kev" / "known_exploited_vulnerabilities.json"),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    imports = json.loads(result.stdout)["imports"]
    assert [(i["kind"], i["inserted"]) for i in imports] == [("osv", 44), ("kev", 1404)]

    status = run("feeds", "status", "--json")
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert data["advisories"] == 44
    assert data["kev"] == {"entries": 1404, "catalog_version": "2025.08.25"}
    by_eco = {(row["ecosystem"], row["source"]): row["advisories"] for row in data["by_ecosystem"]}
    assert by_eco[("Maven", "GHSA")] == 8
    assert data["aliases"]["groups"] >= 44

    text = run("feeds", "status")
    assert "1,404 KEV entries" in text.stdout


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("broken.json", '{"id": "X-1",\n "modified": ', "broken.json:2:14: malformed JSON"),
        ("broken.yaml", "id: X-1\nmodified: [\n", "broken.yaml:3:1: malformed YAML"),
        ("all.zip", "PK\x03\x04 not really a zip", "all.zip: not a valid zip archive"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    run: Run, tmp_path: Path, name: str, content: str, expected: str
) -> None:
    bad = tmp_path / name
    bad.write_text(content)
    result = run("feeds", "import", str(bad))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("patchbook: error: ") and expected in lines[0], (
        result.stderr
    )
    assert json.loads(run("feeds", "status", "--json").stdout)["advisories"] == 0


def test_invalid_record_lists_it_and_writes_nothing(run: Run, tmp_path: Path) -> None:
    tree = tmp_path / "osv"
    tree.mkdir()
    (tree / "X-9.json").write_text(
        json.dumps(
            {
                "id": "X-9",
                "modified": "2024-01-01T00:00:00Z",
                "affected": [{"package": {"ecosystem": "Nope", "name": "x"}}],
            }
        )
    )
    result = run("feeds", "import", str(tree))
    assert result.returncode == 2
    assert "1 invalid record(s); nothing was imported" in result.stderr
    assert f"{tree / 'X-9.json'}: X-9: affected[0]: unknown ecosystem 'Nope'" in result.stderr
    skipped = run("feeds", "import", str(tree), "--skip-invalid", "--json")
    assert skipped.returncode == 0
    assert json.loads(skipped.stdout)["imports"][0]["skips"][0]["id"] == "X-9"


def test_missing_path_and_unreachable_database(run: Run, tmp_path: Path) -> None:
    missing = run("feeds", "import", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "no such file or directory" in missing.stderr
    dead = run("feeds", "status", env={"PATCHBOOK_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none"})
    assert dead.returncode == 2
    assert dead.stderr.startswith(
        "patchbook: error: cannot reach the database at postgresql://nobody@127.0.0.1:9/none"
    )
    assert len(dead.stderr.strip().splitlines()) == 1


def test_usage_error_exits_2(run: Run) -> None:
    result = run("feeds", "import")
    assert result.returncode == 2
    assert "Missing argument" in result.stderr


@pytest.mark.postgres
def test_postgres_needs_db_upgrade_first(run: Run, pg_url: str, shared_data: Path) -> None:
    env = {"PATCHBOOK_DATABASE_URL": pg_url}
    before = run("feeds", "status", env=env)
    assert before.returncode == 2 and "run `patchbook db upgrade`" in before.stderr
    upgraded = run("db", "upgrade", "--json", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert json.loads(upgraded.stdout)["after"] == migrate_head()
    imported = run("feeds", "import", str(shared_data / "osv" / "ghsa"), "--json", env=env)
    assert imported.returncode == 0, imported.stderr
    assert json.loads(run("feeds", "status", "--json", env=env).stdout)["advisories"] == 44
