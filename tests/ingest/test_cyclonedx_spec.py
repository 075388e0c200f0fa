"""CycloneDX 1.5/1.6 features the real example SBOMs (1.1-1.4) do not exercise, in JSON and XML."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from patchbook.ingest import parse
from patchbook.model.component import Dependency

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("ext", ["json", "xml"])
def test_cyclonedx_1_6(ext: str) -> None:
    inventory = parse(FIXTURES / f"wallet-signer.cdx-1.6.{ext}")
    assert (inventory.format, inventory.spec_version) == (f"cyclonedx-{ext}", "1.6")
    assert inventory.subject is not None and inventory.subject.purl == "pkg:pypi/wallet-signer@3.4.0"
    by_key = {c.key: c for c in inventory.components}
    assert list(by_key) == [
        "pkg:pypi/cryptography@41.0.7",
        "vendored-openssl",
        "pkg:pypi/cffi@1.16.0",
        "crypto/ed25519",
        "internal-hsm-client",
    ]
    assert by_key["vendored-openssl"].parent == "pkg:pypi/cryptography@41.0.7"
    assert by_key["pkg:pypi/cryptography@41.0.7"].licenses == ("Apache-2.0 OR BSD-3-Clause",)
    # Direct = depended on by the subject; the rest of the graph is transitive.
    assert {k for k, c in by_key.items() if c.direct} == {
        "pkg:pypi/cryptography@41.0.7",
        "internal-hsm-client",
    }
    assert by_key["pkg:pypi/cffi@1.16.0"].direct is False
    # "provides" (1.6) is not a dependency.
    assert Dependency("pkg:pypi/cryptography@41.0.7", "crypto/ed25519") not in inventory.dependencies
    assert len(inventory.dependencies) == 4
    # The algorithm (no version, no purl) and the in-house client (no purl) are kept, and counted.
    assert inventory.unmatchable == 2
    assert by_key["crypto/ed25519"].kind == "cryptographic-asset"
    assert inventory.warnings == ()


def test_json_and_xml_1_6_agree() -> None:
    a, b = parse(FIXTURES / "wallet-signer.cdx-1.6.json"), parse(FIXTURES / "wallet-signer.cdx-1.6.xml")
    assert a.components == b.components and set(a.dependencies) == set(b.dependencies)


def test_newer_minor_version_parses_with_a_warning(tmp_path: Path) -> None:
    doc = orjson.loads((FIXTURES / "wallet-signer.cdx-1.6.json").read_bytes())
    doc["specVersion"] = "1.7"
    path = tmp_path / "bom.json"
    path.write_bytes(orjson.dumps(doc))
    inventory = parse(path)
    assert len(inventory.components) == 5
    assert inventory.warnings[0].startswith("CycloneDX 1.7 is newer than 1.6")


def test_repeated_bom_refs_are_made_unique_with_a_warning(tmp_path: Path) -> None:
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "components": [
            {"type": "library", "bom-ref": "dup", "name": "a", "version": "1", "purl": "pkg:npm/a@1"},
            {"type": "library", "bom-ref": "dup", "name": "b", "version": "2", "purl": "pkg:npm/b@2"},
        ],
    }
    path = tmp_path / "bom.json"
    path.write_bytes(orjson.dumps(doc))
    inventory = parse(path)
    assert [c.key for c in inventory.components] == ["dup", "dup#2"]
    assert any("repeats" in w for w in inventory.warnings)
