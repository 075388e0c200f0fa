"""Ingest speed: ``patchbook.ingest.parse`` against cyclonedx-python-lib reading the same SBOMs.

For each SBOM (the largest real ones in shared/data, and a synthetic 3,000-component CycloneDX 1.5 JSON
with a dependency graph) both readers run in this process, several times; the best run of each counts.
patchbook's time is the whole ``parse(path)``: stat, read, detect, decode, build components, with its
purl cache emptied before every run so no run profits from an earlier one. The baseline is what a
user of cyclonedx-python-lib would write: ``Bom.from_json(json.loads(text))`` (or ``Bom.from_xml``).
"""

from __future__ import annotations

import gc
import json
import random
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import orjson
from rich.table import Table

from patchbook.ingest import parse
from patchbook.ingest.common import split_purl

PATCHBOOK_RUNS = 7
BASELINE_RUNS = 3
SYNTHETIC_COMPONENTS = 3000


def _best(fn: Callable[[], Any], runs: int, before: Callable[[], None] | None = None) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(runs):
        if before:
            before()
        gc.collect()
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def synthetic_bom(path: Path, count: int = SYNTHETIC_COMPONENTS, seed: int = 20240601) -> Path:
    """A CycloneDX 1.5 JSON shaped like a real npm/PyPI/Maven mix, with a dependency DAG."""
    rng = random.Random(seed)
    ecosystems = ["npm", "pypi", "maven", "golang", "cargo"]
    components = []
    for i in range(count):
        eco = ecosystems[i % len(ecosystems)]
        group = f"org.venue{i % 37}" if eco == "maven" else None
        name = f"pkg-{eco}-{i}"
        version = f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 99)}"
        purl = f"pkg:{eco}/{group + '/' if group else ''}{name}@{version}"
        components.append(
            {
                "type": "library",
                "bom-ref": purl,
                **({"group": group} if group else {}),
                "name": name,
                "version": version,
                "purl": purl,
                "scope": "required",
                "hashes": [{"alg": "SHA-256", "content": f"{rng.getrandbits(256):064x}"}],
                "licenses": [{"license": {"id": rng.choice(["MIT", "Apache-2.0", "BSD-3-Clause"])}}],
                "externalReferences": [{"type": "distribution", "url": f"https://registry.example/{name}"}],
            }
        )
    refs = [c["bom-ref"] for c in components]
    dependencies = [{"ref": "root-app", "dependsOn": refs[:60]}]
    for i, ref in enumerate(refs):
        later = refs[i + 1 :]
        dependencies.append({"ref": ref, "dependsOn": rng.sample(later, min(len(later), rng.randint(0, 4)))})
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
        "version": 1,
        "metadata": {
            "timestamp": "2024-06-01T00:00:00Z",
            "component": {
                "type": "application",
                "bom-ref": "root-app",
                "name": "matching-engine",
                "version": "7.2.0",
            },
        },
        "components": components,
        "dependencies": dependencies,
    }
    path.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    return path


def _baseline(path: Path) -> Callable[[], int]:
    from cyclonedx.model.bom import Bom

    def count(components: Any) -> int:
        return sum(1 + count(c.components) for c in components)

    def read() -> int:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if path.suffix == ".xml":
                bom = Bom.from_xml(ElementTree.fromstring(path.read_bytes()))  # type: ignore[attr-defined]
            else:
                bom = Bom.from_json(json.loads(path.read_text()))  # type: ignore[attr-defined]
        return count(bom.components)

    return read


def run(shared: Path, workdir: Path) -> Table:
    juice = shared / "data" / "sboms" / "cyclonedx" / "juice-shop" / "via_npm"
    cases = [
        ("juice-shop flat 1.4 (JSON)", juice / "flat" / "bom.1.4.json"),
        ("juice-shop bare 1.4 (JSON, nested)", juice / "bare" / "bom.1.4.json"),
        (
            "dropwizard 1.3.15 (JSON)",
            shared / "data" / "sboms" / "cyclonedx" / "dropwizard-1.3.15" / "bom.json",
        ),
        ("juice-shop flat 1.4 (XML)", juice / "flat" / "bom.1.4.xml"),
        (f"synthetic {SYNTHETIC_COMPONENTS:,} (JSON 1.5)", synthetic_bom(workdir / "synthetic.cdx.json")),
    ]
    table = Table(title="SBOM read: patchbook.ingest vs cyclonedx-python-lib (best of runs, same process)")
    for column in ("SBOM", "size", "components", "patchbook ms", "cyclonedx-lib ms", "speed-up"):
        table.add_column(column, justify="left" if column == "SBOM" else "right")
    for label, path in cases:
        ours, inventory = _best(lambda p=path: parse(p), PATCHBOOK_RUNS, before=split_purl.cache_clear)
        try:
            theirs, their_count = _best(_baseline(path), BASELINE_RUNS)
        except Exception as exc:  # the baseline failing to read a file is a result worth printing
            table.add_row(
                label,
                f"{path.stat().st_size / 1e6:.1f} MB",
                str(len(inventory.components)),
                f"{ours * 1e3:.1f}",
                f"failed: {type(exc).__name__}",
                "-",
            )
            continue
        same = "" if their_count == len(inventory.components) else f" (lib: {their_count})"
        table.add_row(
            label,
            f"{path.stat().st_size / 1e6:.1f} MB",
            f"{len(inventory.components):,}{same}",
            f"{ours * 1e3:.1f}",
            f"{theirs * 1e3:.1f}",
            f"{theirs / ours:.1f}x",
        )
    return table
