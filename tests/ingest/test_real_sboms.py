"""Every real SBOM in shared/data/sboms parses, with component counts established independently.

The expected numbers were counted with one-off scripts outside patchbook (json + xml.etree walking
``components`` recursively, counting ``dependsOn`` entries and the subject's direct dependencies;
``grep -c '^PackageName:'`` for tag-value), not by this parser.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from patchbook.ingest import detect
from patchbook.ingest import parse as _parse
from patchbook.model.component import ParsedInventory
from tests.conftest import DATA


@cache
def parse(path: Path) -> ParsedInventory:
    """Each real SBOM is parsed once per test session (results are immutable)."""
    return _parse(path)


CDX = DATA / "sboms" / "cyclonedx"
SPDX = DATA / "sboms" / "spdx"
JUICE = CDX / "juice-shop" / "via_npm"

# path -> (format, spec, components, direct (None: unknown), dependency edges, subject name)
CYCLONEDX = {
    **{
        f"juice-shop/via_npm/{layout}/bom.{spec}.{ext}": (
            f"cyclonedx-{ext}",
            spec,
            1115,
            71,
            1775,
            "juice-shop",
        )
        for layout in ("bare", "flat")
        for spec in ("1.2", "1.3", "1.4")
        for ext in ("json", "xml")
    },
    **{
        f"laravel-7.12.0/bom.{spec}.{ext}": (
            f"cyclonedx-{ext}",
            spec,
            62,
            1,
            113,
            "cyclonedx-php-composer-demo",
        )
        for spec in ("1.2", "1.3", "1.4")
        for ext in ("json", "xml")
    },
    "laravel-7.12.0/bom.1.1.xml": ("cyclonedx-xml", "1.1", 62, None, 0, None),
    # The Maven plugin left the subject out of the graph: its 29 roots are taken as direct.
    "dropwizard-1.3.15/bom.json": ("cyclonedx-json", "1.2", 167, 29, 170, "dropwizard-parent"),
    "dropwizard-1.3.15/bom.xml": ("cyclonedx-xml", "1.2", 167, 29, 170, "dropwizard-parent"),
}

# path -> (format, spec, packages, with purl, direct (None: unknown), edges, subject name)
SPDX_FILES = {
    "spdx-examples/OSS-NA-2023__SPDXVersion2.3__01-MinimalSBOM.json": (
        "spdx-json",
        "2.3",
        1,
        1,
        None,
        0,
        "tools-java",
    ),
    "spdx-examples/OSS-NA-2023__SPDXVersion2.3__02-SBOMwSource.json": (
        "spdx-json",
        "2.3",
        1,
        1,
        None,
        0,
        "tools-java",
    ),
    "spdx-examples/OSS-NA-2023__SPDXVersion2.3__03-SBOMwDependency.json": (
        "spdx-json",
        "2.3",
        2,
        2,
        1,
        1,
        "tools-java",
    ),
    "spdx-examples/OSS-NA-2023__SPDXVersion2.3__04-SBOMwSecurity.json": (
        "spdx-json",
        "2.3",
        2,
        2,
        1,
        1,
        "tools-java",
    ),
    "spdx-examples/OSS-NA-2023__SPDXVersion2.3__05-SBOMwSourceLicense.json": (
        "spdx-json",
        "2.3",
        1,
        1,
        None,
        0,
        "tools-java",
    ),
    "spdx-examples/example11__spdx2.3__sbom.spdx.json": ("spdx-json", "2.3", 4, 4, 3, 3, "hello-server-src"),
    "spdx-examples/example8__spdx2.3__examplemaven-0.0.1.spdx.json": (
        "spdx-json",
        "2.3",
        6,
        0,
        5,
        5,
        "examplemaven",
    ),
    "spdx-examples/example6__spdx2.2__example6-bin.spdx": (
        "spdx-tag-value",
        "2.2",
        1,
        0,
        None,
        0,
        "hello-go-bin",
    ),
    "spdx-examples/example6__spdx2.2__example6-lib.spdx": ("spdx-tag-value", "2.2", 5, 0, 4, 4, "go-1.15"),
    "spdx-examples/example6__spdx2.2__example6-src.spdx": (
        "spdx-tag-value",
        "2.2",
        1,
        0,
        None,
        0,
        "hello-go-src",
    ),
    "spdx-spec/SPDXJSONExample-v2.3.spdx.json": ("spdx-json", "2.3", 4, 1, 1, 1, "glibc"),
    "spdx-spec/SPDXTagExample-v2.3.spdx": ("spdx-tag-value", "2.3", 4, 1, 1, 1, "glibc"),
}


def _direct(inventory: ParsedInventory) -> int | None:
    flags = [c.direct for c in inventory.components]
    if all(f is None for f in flags):
        return None
    return sum(1 for f in flags if f)


def test_every_real_sbom_is_covered(shared_data: Path) -> None:
    on_disk = {str(p.relative_to(CDX)) for p in CDX.rglob("bom*") if p.suffix in (".json", ".xml")} | {
        str(p.relative_to(SPDX)) for p in SPDX.rglob("*") if p.is_file()
    }
    assert on_disk == set(CYCLONEDX) | set(SPDX_FILES)


@pytest.mark.parametrize("name", sorted(CYCLONEDX))
def test_cyclonedx_counts(name: str, shared_data: Path) -> None:
    fmt, spec, count, direct, edges, subject = CYCLONEDX[name]
    inventory = parse(CDX / name)
    assert (inventory.format, inventory.spec_version) == (fmt, spec)
    assert len(inventory.components) == count
    assert len({c.key for c in inventory.components}) == count
    assert _direct(inventory) == direct
    assert len(inventory.dependencies) == edges
    assert (inventory.subject.name if inventory.subject else None) == subject
    # Every component of these SBOMs has a purl and a version: nothing unmatchable.
    assert inventory.unmatchable == 0


@pytest.mark.parametrize("name", sorted(SPDX_FILES))
def test_spdx_counts(name: str, shared_data: Path) -> None:
    fmt, spec, count, with_purl, direct, edges, subject = SPDX_FILES[name]
    inventory = parse(SPDX / name)
    assert (inventory.format, inventory.spec_version) == (fmt, spec)
    assert len(inventory.components) == count
    assert sum(1 for c in inventory.components if c.purl) == with_purl
    assert _direct(inventory) == direct
    assert len(inventory.dependencies) == edges
    assert (inventory.subject.name if inventory.subject else None) == subject


def _summary(path: Path) -> set[tuple[object, ...]]:
    # Licences and scope are left out: the dropwizard JSON and XML really differ there (the XML has
    # <scope>required</scope> and drops one licence expression), as a look at both files shows.
    inventory = parse(path)
    return {(c.key, c.name, c.version, c.purl, c.direct, c.parent, c.hashes) for c in inventory.components}


@pytest.mark.parametrize(
    "stem",
    [
        f"juice-shop/via_npm/{layout}/bom.{spec}"
        for layout in ("bare", "flat")
        for spec in ("1.2", "1.3", "1.4")
    ]
    + [f"laravel-7.12.0/bom.{spec}" for spec in ("1.2", "1.3", "1.4")]
    + ["dropwizard-1.3.15/bom"],
)
def test_json_and_xml_forms_agree(stem: str, shared_data: Path) -> None:
    json_form, xml_form = parse(CDX / f"{stem}.json"), parse(CDX / f"{stem}.xml")
    assert _summary(CDX / f"{stem}.json") == _summary(CDX / f"{stem}.xml")
    assert set(json_form.dependencies) == set(xml_form.dependencies)
    assert json_form.subject is not None and xml_form.subject is not None
    assert (json_form.subject.key, json_form.subject.purl) == (xml_form.subject.key, xml_form.subject.purl)


def test_nested_components_keep_their_parent(shared_data: Path) -> None:
    bare = parse(JUICE / "bare" / "bom.1.4.json")
    flat = parse(JUICE / "flat" / "bom.1.4.json")
    top_level = [c for c in bare.components if c.parent is None]
    assert len(top_level) == 837
    assert all(c.parent is None for c in flat.components)
    # Nesting changes the layout, not the set of components.
    assert {c.purl for c in bare.components} == {c.purl for c in flat.components}
    keys = {c.key for c in bare.components}
    assert all(c.parent in keys for c in bare.components if c.parent is not None)


def test_cyclonedx_fields(shared_data: Path) -> None:
    inventory = parse(JUICE / "flat" / "bom.1.4.json")
    by_key = {c.key: c for c in inventory.components}
    babel = by_key["@babel/helper-string-parser@7.19.4"]
    assert babel.purl == "pkg:npm/%40babel/helper-string-parser@7.19.4#packages/babel-helper-string-parser"
    assert (babel.type, babel.namespace, babel.name, babel.version) == (
        "npm",
        "@babel",
        "helper-string-parser",
        "7.19.4",
    )
    assert babel.licenses == ("MIT",)
    assert babel.hashes[0][0] == "SHA-512"
    assert babel.kind == "library"
    assert inventory.subject is not None
    assert inventory.subject.purl is not None and inventory.subject.purl.startswith(
        "pkg:npm/juice-shop@14.1.1"
    )
    assert sum(1 for c in inventory.components if c.scope == "optional") == 76


def test_cyclonedx_1_1_has_no_bom_refs_so_purls_are_keys(shared_data: Path) -> None:
    inventory = parse(CDX / "laravel-7.12.0" / "bom.1.1.xml")
    assert all(c.key == c.purl for c in inventory.components)
    later = parse(CDX / "laravel-7.12.0" / "bom.1.2.xml")
    assert {c.purl for c in inventory.components} == {c.purl for c in later.components}


def test_spdx_purl_and_tag_value_agree_with_json(shared_data: Path) -> None:
    as_json = parse(SPDX / "spdx-spec" / "SPDXJSONExample-v2.3.spdx.json")
    as_tag = parse(SPDX / "spdx-spec" / "SPDXTagExample-v2.3.spdx")
    summary = lambda inv: {(c.key, c.name, c.version, c.purl, c.direct) for c in inv.components}  # noqa: E731
    assert summary(as_json) == summary(as_tag)
    jena = next(c for c in as_json.components if c.name == "Jena")
    assert (jena.purl, jena.type, jena.namespace) == (
        "pkg:maven/org.apache.jena/apache-jena@3.12.0",
        "maven",
        "org.apache.jena",
    )
    glibc = next(c for c in as_tag.components if c.name == "glibc")
    assert glibc.version == "2.11.1" and len(glibc.hashes) == 4


def test_spdx_packages_without_purl_are_kept(shared_data: Path) -> None:
    inventory = parse(SPDX / "spdx-examples" / "example8__spdx2.3__examplemaven-0.0.1.spdx.json")
    assert len(inventory.components) == 6
    assert inventory.unmatchable == 6  # no purls at all: kept, all unmatched


@pytest.mark.parametrize("name", sorted(CYCLONEDX)[:4] + sorted(SPDX_FILES)[:3])
def test_detect_from_content_not_name(name: str, tmp_path: Path, shared_data: Path) -> None:
    source = CDX / name if name in CYCLONEDX else SPDX / name
    renamed = tmp_path / "requirements.txt"  # a misleading name
    renamed.write_bytes(source.read_bytes())
    expected = CYCLONEDX[name][0] if name in CYCLONEDX else SPDX_FILES[name][0]
    assert detect(renamed) == expected


def test_sorted_key_spdx_json_is_detected_beyond_the_head(tmp_path: Path, shared_data: Path) -> None:
    import orjson

    doc = orjson.loads((SPDX / "spdx-spec" / "SPDXJSONExample-v2.3.spdx.json").read_bytes())
    # Pad the packages so "spdxVersion", sorted last, lies far beyond the 64 KiB the sniffers see.
    doc["packages"][0]["comment"] = "x" * 100_000
    path = tmp_path / "sorted.json"
    path.write_bytes(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS))
    assert path.read_bytes().index(b'"spdxVersion"') > 64 * 1024
    assert detect(path) == "spdx-json"
    assert len(_parse(path).components) == 4
