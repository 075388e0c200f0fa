"""EPSS files for tests, built from real scores: the EPSS values Grype attached to its matches
(shared/data/reports/grype/many_vulns_with_epss_values.json, scored 2025-06-18), plus scores for the demo
venue's CVEs where a test needs one to move a ranking."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

MODEL = "v2025.03.14"  # the EPSS model in use on 2025-06-18


def grype_scores(shared_data: Path) -> dict[str, tuple[float, float]]:
    """CVE -> (epss, percentile) as Grype reported them."""
    doc = json.loads((shared_data / "reports" / "grype" / "many_vulns_with_epss_values.json").read_text())
    out: dict[str, tuple[float, float]] = {}
    for match in doc["matches"]:
        for e in match["vulnerability"].get("epss") or []:
            out[e["cve"]] = (float(e["epss"]), float(e["percentile"]))
    return out


def epss_csv(scores: dict[str, tuple[float, float]], day: str = "2025-06-18", model: str = MODEL) -> str:
    lines = [f"#model_version:{model},score_date:{day}T00:00:00Z", "cve,epss,percentile"]
    lines += [f"{cve},{e},{p}" for cve, (e, p) in sorted(scores.items())]
    return "\n".join(lines) + "\n"


def write_epss(path: Path, text: str) -> Path:
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path
