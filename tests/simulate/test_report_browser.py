"""The HTML report renders in a real headless browser (Debian chromium) and shows the answer first."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from patchbook.simulate.profile import Profile
from patchbook.simulate.report_html import render_html
from patchbook.simulate.runner import run_simulation

from .conftest import venue

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _chromium() -> str:
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is required under CI=true (make sysdeps installs it)")
        pytest.skip("chromium not installed (make sysdeps installs it)")
    return CHROMIUM


def _dump_dom(html: Path, tmp_path: Path) -> str:
    r = subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            "--dump-dom",
            html.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def test_report_renders_in_headless_chromium(tmp_path: Path, tiny_flow: list[dict[str, Any]]) -> None:
    _chromium()
    run = run_simulation(venue("1.4.2"), venue("1.4.3-tick"), tiny_flow, Profile(rounds=1, rate="4000"))
    html = tmp_path / "report.html"
    html.write_text(render_html(run), encoding="utf-8")
    text = html.read_text()
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")  # self-contained, no CDN
    assert "https://" not in text and "<script" not in text
    dom = _dump_dom(html, tmp_path)
    # the answer, first thing on the page
    assert re.search(r'<span class="verdict rollback" id="verdict">ROLLBACK</span>', dom)
    assert 'id="score">score 0 / 100' in dom
    assert dom.index('id="verdict"') < dom.index('id="latency-plot"') < dom.index('id="judge"')
    # the latency plot: one percentile curve per arm
    assert len(re.findall(r'<polyline class="curve" data-arm="(baseline|candidate)"', dom)) == 2
    # the judge's table has one row per metric, the diffs table names the fill field with an example
    judge_table = dom[dom.index('id="judge"') : dom.index("</table>", dom.index('id="judge"'))]
    assert judge_table.count("<tr>") == len(run.judgement.metrics) + 1
    diffs = dom[dom.index('id="diffs"') :]
    assert "fills[].price" in diffs and "must match" in diffs and "<details>" in diffs
    assert "noise (masked)" in diffs  # ts / trade ids learned from the two baselines
