"""Downloading the public feeds: OSV per-ecosystem ``all.zip`` files and the CISA KEV JSON.

Only the transfer lives here (streamed to a file with a size cap and deadlines, hashed as it arrives);
what is downloaded is imported by the same code as a local file, with the URL, fetch time and
SHA-256 recorded on the import.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import httpx

from patchbook.errors import InputError
from patchbook.feeds import DEFAULT_ECOSYSTEMS as DEFAULT_ECOSYSTEMS

OSV_BASE_URL = "https://osv-vulnerabilities.storage.googleapis.com"
KEV_URL = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
MAX_DOWNLOAD_BYTES = 4 * 1024 * 1024 * 1024
MAX_DOWNLOAD_SECONDS = 30 * 60
TIMEOUT = httpx.Timeout(60.0, connect=10.0)  # per read/connect; a stalled server cannot hang a sync


def osv_base_url() -> str:
    return os.environ.get("PATCHBOOK_OSV_BASE_URL", OSV_BASE_URL)


def kev_url() -> str:
    return os.environ.get("PATCHBOOK_KEV_URL", KEV_URL)


def osv_zip_url(base: str, ecosystem: str) -> str:
    # Suffixed ecosystems ("Alpine:v3.18") are served under their base directory.
    return f"{base.rstrip('/')}/{quote(ecosystem.split(':', 1)[0], safe='')}/all.zip"


@dataclass(frozen=True)
class Download:
    url: str
    path: Path
    sha256: str
    size: int
    fetched_at: datetime


def download(
    client: httpx.Client,
    url: str,
    dest: Path,
    *,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
    max_seconds: float = MAX_DOWNLOAD_SECONDS,
    on_bytes: Callable[[int, int | None], None] | None = None,
) -> Download:
    digest = hashlib.sha256()
    size = 0
    # The client's timeout bounds each read; this bounds the whole transfer, so a server that drips
    # a byte at a time cannot keep a sync alive for ever.
    deadline = time.monotonic() + max_seconds
    try:
        with client.stream("GET", url) as response:
            if response.status_code != 200:
                raise InputError(
                    url, f"download failed: HTTP {response.status_code} {response.reason_phrase}"
                )
            declared = response.headers.get("content-length")
            total = int(declared) if declared and declared.isdigit() else None
            if total is not None and total > max_bytes:
                raise InputError(url, f"download is {total:,} bytes, over the {max_bytes:,} limit")
            with dest.open("wb") as out:
                for chunk in response.iter_bytes(1 << 20):
                    size += len(chunk)
                    if time.monotonic() > deadline:
                        raise InputError(url, f"download took longer than {max_seconds:.0f} s; stopped")
                    if size > max_bytes:
                        raise InputError(url, f"download passed the {max_bytes:,}-byte limit")
                    digest.update(chunk)
                    out.write(chunk)
                    if on_bytes:
                        on_bytes(len(chunk), total)
    except httpx.TimeoutException:
        dest.unlink(missing_ok=True)
        raise InputError(url, "download timed out") from None
    except httpx.TransportError as exc:
        dest.unlink(missing_ok=True)
        raise InputError(url, f"cannot download: {exc}") from None
    except InputError:
        dest.unlink(missing_ok=True)
        raise
    return Download(url=url, path=dest, sha256=digest.hexdigest(), size=size, fetched_at=datetime.now(UTC))
