"""`feeds sync` against a local HTTP server serving fixture files (no test touches the internet)."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from patchbook.errors import InputError
from patchbook.service import feeds as service
from patchbook.store import Store
from patchbook.store import advisories as repo


@pytest.fixture
def mirror(tmp_path: Path, shared_data: Path) -> Iterator[tuple[str, Path]]:
    """An OSV-bucket-shaped mirror: <base>/<Ecosystem>/all.zip, plus the KEV JSON at <base>/kev.json."""
    root = tmp_path / "mirror"
    by_ecosystem: dict[str, list[Path]] = {}
    for path in sorted((shared_data / "osv" / "ghsa").glob("*.json")):
        ecosystems = {a["package"]["ecosystem"] for a in json.loads(path.read_text())["affected"]}
        for eco in ecosystems:
            by_ecosystem.setdefault(eco, []).append(path)
    for eco, paths in by_ecosystem.items():
        (root / eco).mkdir(parents=True)
        with zipfile.ZipFile(root / eco / "all.zip", "w", zipfile.ZIP_DEFLATED) as zf:
            for path in paths:
                zf.write(path, path.name)
    (root / "kev.json").write_bytes(
        (shared_data / "kev" / "known_exploited_vulnerabilities.json").read_bytes()
    )
    handler = partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_sync_records_url_time_and_sha_then_skips_unchanged(store: Store, mirror: tuple[str, Path]) -> None:
    base, root = mirror
    first = service.sync(
        store, ecosystems=["PyPI", "Maven"], include_kev=True, osv_base=base, kev_source=f"{base}/kev.json"
    )
    assert [d["url"] for d in first.downloads] == [
        f"{base}/PyPI/all.zip",
        f"{base}/Maven/all.zip",
        f"{base}/kev.json",
    ]
    expected_sha = hashlib.sha256((root / "PyPI" / "all.zip").read_bytes()).hexdigest()
    assert first.downloads[0]["sha256"] == expected_sha
    assert [r.counts.inserted for r in first.reports] == [12, 8, 1404]
    with store.engine.connect() as conn:
        imports = repo.feed_status(conn, recent=10).last_imports
    pypi_import = next(i for i in imports if i["source"] == f"{base}/PyPI/all.zip")
    assert pypi_import["sha256"] == expected_sha and pypi_import["fetched_at"] is not None

    again = service.sync(
        store, ecosystems=["PyPI", "Maven"], include_kev=True, osv_base=base, kev_source=f"{base}/kev.json"
    )
    assert again.reports == []
    assert all(d["unchanged_since"] for d in again.downloads)


def test_sync_http_error_names_the_url(store: Store, mirror: tuple[str, Path]) -> None:
    base, _ = mirror
    with pytest.raises(InputError, match=r"/Nonexistent/all.zip: download failed: HTTP 404"):
        service.sync(store, ecosystems=["Nonexistent"], include_kev=False, osv_base=base)


def test_sync_unreachable_server(store: Store) -> None:
    with pytest.raises(InputError, match="cannot download"):
        service.sync(store, ecosystems=["PyPI"], include_kev=False, osv_base="http://127.0.0.1:9")


def test_sync_cli(mirror: tuple[str, Path], tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    base, _ = mirror
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATCHBOOK_")}
    env |= {
        "PATCHBOOK_HOME": str(tmp_path / "home"),
        "PATCHBOOK_OSV_BASE_URL": base,
        "PATCHBOOK_KEV_URL": f"{base}/kev.json",
    }
    result = subprocess.run(
        [str(Path(sys.executable).with_name("patchbook")), "feeds", "sync", "-e", "npm", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [i["inserted"] for i in data["imports"]] == [20, 1404]
