"""Syncing the Solidity bug list from a local HTTP mirror (no test touches the internet), and the bug
list through `feeds import` detection, on both store back ends."""

from __future__ import annotations

import http.server
import shutil
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from patchbook.errors import InputError
from patchbook.model.asset import Asset, AssetKind
from patchbook.model.contract import CompilerSettings, ContractDetails
from patchbook.service import contracts as service
from patchbook.service import feeds as feed_service
from patchbook.store import Store
from patchbook.store import contracts as repo


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def mirror(tmp_path: Path, shared_data: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "mirror"
    root.mkdir()
    for name in ("bugs.json", "bugs_by_version.json"):
        shutil.copy(shared_data / "solidity" / name, root / name)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


def test_sync_imports_then_skips_unchanged_and_rematches(store: Store, mirror: tuple[str, Path]) -> None:
    base, root = mirror
    contract = ContractDetails(
        compiler_version="0.8.15", settings=CompilerSettings(optimizer=True, via_ir=False)
    )
    service.save_contract(store, Asset(name="vault", kind=AssetKind.CONTRACT), contract, "test")
    urls = {"bugs_url": f"{base}/bugs.json", "by_version_url": f"{base}/bugs_by_version.json"}
    first = service.sync_bug_list(store, **urls)
    assert [r.kind for r in first.reports] == ["solc-bugs", "solc-versions"]
    assert first.reports[0].findings_opened == 5
    assert all(d["unchanged_since"] is None for d in first.downloads)
    second = service.sync_bug_list(store, **urls)
    assert second.reports == [] and all(d["unchanged_since"] for d in second.downloads)
    # upstream drops a bug: the next sync imports only that file and the finding leaves the contract
    text = (root / "bugs.json").read_text()
    (root / "bugs.json").write_text(
        text.replace('"name": "VerbatimInvalidDeduplication"', '"name": "Renamed"', 1)
    )
    third = service.sync_bug_list(store, **urls)
    assert [r.kind for r in third.reports] == ["solc-bugs"]
    with store.engine.connect() as conn:
        names = {b.name for b in repo.load_bugs(conn)}
    assert "Renamed" in names and "VerbatimInvalidDeduplication" not in names


def test_sync_of_a_missing_file_fails_and_writes_nothing(store: Store, mirror: tuple[str, Path]) -> None:
    base, _ = mirror
    with pytest.raises(InputError, match="HTTP 404"):
        service.sync_bug_list(store, bugs_url=f"{base}/bugs.json", by_version_url=f"{base}/nope.json")
    with store.engine.connect() as conn:
        assert repo.load_bugs(conn) == []


def test_feeds_import_detects_the_bug_list_by_content(
    store: Store, shared_data: Path, tmp_path: Path
) -> None:
    renamed = tmp_path / "solidity-bugs-download"  # no telling name: the content decides
    shutil.copy(shared_data / "solidity" / "bugs.json", renamed)
    [report] = feed_service.import_paths(store, [renamed])
    assert (report.kind, report.counts.inserted) == ("solc-bugs", 59)
    damaged = tmp_path / "bugs.json"
    damaged.write_text(
        '[{"uid": "SOL-2020-1", "name": "X", "severity": "low"}, {"uid": "SOL-2020-2", "name": "X"'
    )
    with pytest.raises(InputError, match="malformed JSON"):
        feed_service.import_paths(store, [damaged])
    with store.engine.connect() as conn:
        assert len(repo.load_bugs(conn)) == 59


def test_feeds_sync_cli_fetches_the_bug_list_on_request(
    mirror: tuple[str, Path], tmp_path: Path, shared_data: Path
) -> None:
    import json
    import os
    import subprocess
    import sys
    import zipfile

    base, root = mirror
    (root / "npm").mkdir()
    with zipfile.ZipFile(root / "npm" / "all.zip", "w") as zf:
        zf.write(shared_data / "osv" / "ghsa" / "GHSA-878m-3g6q-594q.json", "GHSA-878m-3g6q-594q.json")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATCHBOOK_")}
    env |= {
        "PATCHBOOK_HOME": str(tmp_path / "home"),
        "PATCHBOOK_OSV_BASE_URL": base,
        "PATCHBOOK_SOLIDITY_BUGS_URL": f"{base}/bugs.json",
        "PATCHBOOK_SOLIDITY_BY_VERSION_URL": f"{base}/bugs_by_version.json",
    }
    command = [str(Path(sys.executable).with_name("patchbook")), "feeds", "sync", "-e", "npm", "--no-kev"]
    result = subprocess.run(
        [*command, "--solidity", "--json"], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [d["url"].rsplit("/", 1)[-1] for d in data["downloads"]] == [
        "all.zip",
        "bugs.json",
        "bugs_by_version.json",
    ]
    assert [(i["kind"], i["inserted"]) for i in data["imports"]] == [
        ("osv", 1),
        ("solc-bugs", 59),
        ("solc-versions", 112),
    ]
