"""The demo: a small, realistic crypto-options venue built in the embedded store from data bundled in
the package (advisory snapshot, KEV excerpt, inventory file and the assets' SBOMs).

It replaces an earlier demo, and refuses (without ``force``) a store that holds anything else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from patchbook.demo import DATA
from patchbook.errors import PatchbookError
from patchbook.service import feeds as feed_service
from patchbook.service import inventory as inventory_service
from patchbook.service import plan as plan_service
from patchbook.service import reports as report_service
from patchbook.service import simulations as simulation_service
from patchbook.service.progress import Progress
from patchbook.service.risk import RankedFinding, ranked_findings
from patchbook.store import Store
from patchbook.store.maintenance import import_sources, wipe


class DemoRefused(PatchbookError):
    pass


# Scanner reports the demo's services were also scanned with (issue 5): a Trivy run over the order
# gateway's lock file (two findings patchbook matched too, one it has no advisory for) and bandit's SARIF
# for the market-data gateway's code.
SCANS = (
    ("order-gateway", "reports/order-gateway.trivy.json"),
    ("market-data-gateway", "reports/market-data-gateway.bandit.sarif"),
)
SIMULATED_ASSET = "matching-engine"
SIMULATION_PROFILE = "simulation/matching-engine.yaml"


@dataclass(frozen=True)
class DemoResult:
    reports: list[feed_service.ImportReport]
    inventory: inventory_service.ApplyResult
    findings: list[RankedFinding]  # open findings, most urgent first (SSVC decision, then risk score)
    scans: list[inventory_service.IngestResult]


def _is_demo_source(source: str) -> bool:
    return source.startswith(str(DATA))


def build(store: Store, *, force: bool = False, progress: Progress | None = None) -> DemoResult:
    with store.engine.connect() as conn:
        foreign = [s for s in import_sources(conn) if not _is_demo_source(s)]
    if foreign and not force:
        raise DemoRefused(
            f"the store at {store.display_url} holds data that is not the demo's "
            f"(imported from {foreign[0]}{' and others' if len(foreign) > 1 else ''}); "
            "use `patchbook demo --force` to replace it, or set PATCHBOOK_HOME to an empty directory"
        )
    with store.transaction() as conn:
        wipe(conn)
    reports = feed_service.import_paths(
        store,
        [DATA / "advisories", DATA / "kev.json", DATA / "solidity-bugs.json"],  # + compiler bugs (issue 5)
        progress=progress,
    )
    applied = inventory_service.apply_inventory(store, DATA / "inventory.yaml", progress=progress)
    scans = [report_service.ingest_report(store, asset, DATA / path) for asset, path in SCANS]
    simulation_service.set_profile(store, SIMULATED_ASSET, DATA / SIMULATION_PROFILE, "demo")
    return DemoResult(reports=reports, inventory=applied, findings=ranked_findings(store), scans=scans)


def simulate_planned_patch(
    store: Store, progress: Callable[[str, int, int], None] | None = None
) -> simulation_service.PatchSimulation | None:
    """Validate the current plan's matching-engine patch through its simulation profile (None when the
    plan holds no patch for it)."""
    _, patches = plan_service.list_patches(store)
    software = [v.patch for v in patches if v.patch.kind == "software"]
    found = next((p for p in software if p.asset == SIMULATED_ASSET), None)
    if found is None:
        return None
    return simulation_service.simulate_patch(store, found.id, "demo", progress=progress)
