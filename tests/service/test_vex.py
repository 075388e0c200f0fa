"""VEX import and export (OpenVEX 0.2.0 and CycloneDX) on the real juice-shop SBOM and the real GHSA
advisories, on SQLite and PostgreSQL: statements land on the findings they name (by asset, purl and
any alias), bad documents fail on one line naming file and statement with nothing written, and a
round trip through either format gives back the same triage."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from patchbook.errors import InputError
from patchbook.model.triage import Justification, TriageState
from patchbook.service import triage, vex
from patchbook.store import Store
from tests.store.test_inventory_findings import JUICE
from tests.store.test_triage import _ids, _views
from tests.store.test_triage import juice as juice  # the fixture, used by name

OPENVEX_STATUSES = {"not_affected", "affected", "fixed", "under_investigation"}
STATEMENT_KEYS = {
    "@id",
    "version",
    "vulnerability",
    "timestamp",
    "last_updated",
    "products",
    "status",
    "supplier",
    "status_notes",
    "justification",
    "impact_statement",
    "action_statement",
    "action_statement_timestamp",
}


def check_openvex(doc: dict[str, Any]) -> None:
    """The rules of the OpenVEX 0.2.0 JSON schema that a writer can get wrong."""
    assert {"@context", "@id", "author", "timestamp", "version", "statements"} <= doc.keys()
    assert doc["@context"] == "https://openvex.dev/ns/v0.2.0" and doc["version"] >= 1
    assert doc["statements"], "at least one statement"
    seen = set()
    for st in doc["statements"]:
        assert set(st) <= STATEMENT_KEYS, set(st) - STATEMENT_KEYS
        assert set(st["vulnerability"]) <= {"@id", "name", "description", "aliases"}
        assert st["status"] in OPENVEX_STATUSES
        if st["status"] == "not_affected":  # exactly one of justification, impact_statement
            assert ("justification" in st) != ("impact_statement" in st), st
        else:
            assert "justification" not in st
        if st["status"] == "affected":
            assert st.get("action_statement"), st
        for p in st["products"]:
            assert set(p) <= {"@id", "identifiers", "hashes", "subcomponents"}
        key = json.dumps(st, sort_keys=True)
        assert key not in seen, "statements are unique"
        seen.add(key)


def _write(tmp_path: Path, name: str, doc: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=2))
    return path


def _openvex(*statements: dict[str, Any]) -> dict[str, Any]:
    # the shape of the example in the OpenVEX 0.2.0 specification
    return {
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://openvex.dev/docs/example/vex-9fb3463de1b57",
        "author": "Wolfi J Inkinson",
        "role": "Document Creator",
        "timestamp": "2023-01-08T18:02:03.647787998-06:00",
        "version": 1,
        "statements": list(statements),
    }


def test_openvex_import_by_purl_asset_and_alias(juice: Store, tmp_path: Path) -> None:
    ids = _ids(juice)
    doc = _openvex(
        {  # named by its GHSA alias, product by purl
            "vulnerability": {"name": "GHSA-rv95-896h-c2vc"},
            "products": [{"@id": "pkg:npm/express@4.18.2"}],
            "status": "not_affected",
            "justification": "vulnerable_code_not_in_execute_path",
        },
        {  # the asset as product, narrowed to one package
            "vulnerability": {"name": "CVE-2020-8203", "aliases": ["GHSA-p6mc-m468-83gw"]},
            "products": [{"@id": "juice-shop", "subcomponents": [{"@id": "pkg:npm/lodash@2.4.2"}]}],
            "status": "affected",
            "action_statement": "Upgrade lodash to 4.17.21",
        },
        {  # another version of ws than the installed one: the statement is not about this finding
            "vulnerability": {"name": "CVE-2024-37890"},
            "products": [{"@id": "pkg:npm/ws@8.17.1"}],
            "status": "fixed",
        },
    )
    result = vex.import_file(juice, _write(tmp_path, "vendor.openvex.json", doc))
    assert (result.format, result.statements, result.changed, result.unmatched) == ("openvex", 3, 2, 1)
    views = _views(juice)
    express = views[ids[("express", "CVE-2024-29041")]]
    assert express.state is TriageState.NOT_AFFECTED
    assert express.justification is Justification.VULNERABLE_CODE_NOT_IN_EXECUTE_PATH
    assert express.actor == "Wolfi J Inkinson" and express.source == "vex:vendor.openvex.json#statements[0]"
    lodash = views[ids[("lodash", "CVE-2020-8203")]]
    assert lodash.state is TriageState.AFFECTED and lodash.reason == "Upgrade lodash to 4.17.21"
    assert set(views) == {ids[("express", "CVE-2024-29041")], ids[("lodash", "CVE-2020-8203")]}
    # the same file again changes nothing and writes no event
    again = vex.import_file(juice, _write(tmp_path, "vendor.openvex.json", doc), actor="ops")
    assert (again.changed, again.unchanged) == (0, 2)


def test_unknown_product_is_an_error_or_counted(juice: Store, tmp_path: Path) -> None:
    doc = _openvex(
        {
            "vulnerability": {"name": "CVE-2024-29041"},
            "products": [{"@id": "pkg:npm/express@4.18.2"}],
            "status": "under_investigation",
        },
        {
            "vulnerability": {"name": "CVE-2024-29041"},
            "products": [{"@id": "pkg:npm/left-pad@1.3.0"}],
            "status": "fixed",
        },
    )
    path = _write(tmp_path, "mixed.json", doc)
    with pytest.raises(InputError) as err:
        vex.import_file(juice, path)
    assert str(err.value).startswith(f"{path}:statements[1].products[0]: product 'pkg:npm/left-pad@1.3.0'")
    assert _views(juice) == {}  # the good first statement was not half-applied
    result = vex.import_file(juice, path, skip_unknown=True)
    assert (result.changed, result.unknown_products) == (1, 1)
    assert result.unknown == ["statements[1].products[0]: pkg:npm/left-pad@1.3.0"]
    asset = _write(tmp_path, "asset.json", _openvex({**doc["statements"][0], "products": [{"@id": "nope"}]}))
    with pytest.raises(InputError, match=r"statements\[0\].products\[0\]: product 'nope' is neither"):
        vex.import_file(juice, asset)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", r"bad.json:line 1: not valid JSON"),
        ("[]", "expected a JSON object"),
        ('{"statements": []}', "not a VEX document"),
        ('{"@context": "x", "statements": []}', "has no statements"),
        (
            json.dumps(_openvex({"vulnerability": {"name": "CVE-1"}, "products": [], "status": "maybe"})),
            r"statements\[0\]: status 'maybe' is not one of",
        ),
        (
            json.dumps(
                _openvex({"vulnerability": {"name": "CVE-1"}, "products": [], "status": "not_affected"})
            ),
            r"statements\[0\]: not_affected needs a justification or an impact_statement",
        ),
        (
            json.dumps(
                _openvex(
                    {
                        "vulnerability": {"name": "CVE-1"},
                        "products": [{"@id": "x"}],
                        "status": "not_affected",
                        "justification": "looks_fine",
                    }
                )
            ),
            r"justification 'looks_fine' is not one of",
        ),
        (
            json.dumps(
                {"bomFormat": "CycloneDX", "vulnerabilities": [{"id": "CVE-1", "analysis": {"state": "ok"}}]}
            ),
            r"vulnerabilities\[0\]: analysis.state 'ok' is not one of",
        ),
    ],
)
def test_bad_documents(tmp_path: Path, content: str, message: str) -> None:
    # all of these fail while reading, before the store is opened (import_file reads first)
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        vex.read(path)


def test_cyclonedx_vex_on_the_real_sbom(juice: Store, shared_data: Path, tmp_path: Path) -> None:
    """The real juice-shop BOM with a supplier's analysis added: refs are its own bom-refs."""
    ids = _ids(juice)
    bom = json.loads((shared_data / JUICE).read_text())
    bom["vulnerabilities"] = [
        {
            "id": "CVE-2024-37890",
            "source": {"name": "NVD"},
            "analysis": {
                "state": "not_affected",
                "justification": "protected_at_perimeter",
                "detail": "the websocket endpoint is behind the gateway, which strips the headers",
            },
            "affects": [{"ref": "ws@7.4.6"}],
        },
        {
            "id": "GHSA-rv95-896h-c2vc",
            "analysis": {"state": "false_positive", "detail": "express is a dev dependency only"},
            "affects": [{"ref": f"urn:cdx:{bom.get('serialNumber', 'x')[9:]}/1#express@4.18.2"}],
        },
        {"id": "CVE-2020-8203", "affects": [{"ref": "juice-shop@14.1.1"}]},  # no analysis: a VDR entry
    ]
    result = vex.import_file(juice, _write(tmp_path, "juice.cdx.json", bom))
    assert (result.format, result.changed, result.skipped) == ("cyclonedx", 2, 1)
    views = _views(juice)
    ws = views[ids[("ws", "CVE-2024-37890")]]
    assert ws.state is TriageState.NOT_AFFECTED
    assert ws.justification is Justification.INLINE_MITIGATIONS_ALREADY_EXIST
    assert views[ids[("express", "CVE-2024-29041")]].state is TriageState.FALSE_POSITIVE


def _triage_everything(store: Store) -> None:
    ids = _ids(store)
    triage.triage(
        store,
        ids[("express", "CVE-2024-29041")],
        TriageState.NOT_AFFECTED,
        Justification.COMPONENT_NOT_PRESENT,
        "express is not shipped in the image",
        "alice",
    )
    triage.triage(
        store, ids[("lodash", "CVE-2020-8203")], TriageState.FALSE_POSITIVE, None, "vendored copy", "bob"
    )
    triage.triage(
        store, ids[("lodash", "CVE-2021-23337")], TriageState.AFFECTED, None, "template() is used", "bob"
    )
    later = date.today().replace(year=date.today().year + 1) - (date.today() - date.today().replace(day=1))
    triage.accept(store, ids[("ws", "CVE-2024-37890")], "cso", "until the Q1 release", later)


def _essence_openvex(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted(
        (
            st["vulnerability"]["name"],
            json.dumps(st["products"], sort_keys=True),
            st["status"],
            st.get("justification"),
            "impact_statement" in st,
            str(st.get("status_notes", "")).startswith(vex.FALSE_POSITIVE_NOTE),
        )
        for st in doc["statements"]
    )


def test_openvex_round_trip(juice: Store, tmp_path: Path) -> None:
    _triage_everything(juice)
    with juice.engine.connect() as conn:
        first = vex.export_openvex(conn, "juice-shop")
    check_openvex(first)
    by_vuln = {st["vulnerability"]["name"]: st for st in first["statements"]}
    assert by_vuln["CVE-2024-29041"]["justification"] == "component_not_present"
    assert by_vuln["CVE-2024-29041"]["products"] == [
        {"@id": "patchbook:asset:juice-shop", "subcomponents": [{"@id": "pkg:npm/express@4.18.2"}]}
    ]
    assert by_vuln["CVE-2024-29041"]["vulnerability"]["aliases"] == ["GHSA-rv95-896h-c2vc"]
    assert by_vuln["CVE-2024-37890"]["status"] == "affected"
    assert by_vuln["CVE-2024-37890"]["action_statement"].startswith("Risk accepted by cso until")
    assert by_vuln["CVE-2020-8203"]["status_notes"].startswith(vex.FALSE_POSITIVE_NOTE)
    # everyone changes their mind, then the exported file restores every state
    for finding_id in _ids(juice).values():
        triage.triage(juice, finding_id, TriageState.UNDER_INVESTIGATION, None, "re-review", "carol")
    result = vex.import_file(juice, _write(tmp_path, "round.openvex.json", first))
    assert result.changed == 4 and result.unmatched == 0
    views = _views(juice)
    ids = _ids(juice)
    assert views[ids[("lodash", "CVE-2020-8203")]].state is TriageState.FALSE_POSITIVE
    assert views[ids[("ws", "CVE-2024-37890")]].state is TriageState.AFFECTED
    with juice.engine.connect() as conn:
        second = vex.export_openvex(conn, "juice-shop")
    check_openvex(second)
    assert _essence_openvex(second) == _essence_openvex(first)


def _cdx(store: Store) -> dict[str, Any]:
    with store.engine.connect() as conn:
        text = vex.export_cyclonedx(conn, "juice-shop")
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    doc: dict[str, Any] = json.loads(text)
    return doc


def _essence_cdx(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    def props(v: dict[str, Any]) -> dict[str, str]:
        return {p["name"]: p["value"] for p in v.get("properties", [])}

    return sorted(
        (
            v["id"],
            v["analysis"]["state"],
            v["analysis"].get("justification"),
            props(v).get("patchbook:justification"),
            props(v).get("patchbook:triage_state"),
        )
        for v in doc["vulnerabilities"]
    )


def test_cyclonedx_round_trip(juice: Store, tmp_path: Path) -> None:
    _triage_everything(juice)
    first = _cdx(juice)
    vulns = {v["id"]: v for v in first["vulnerabilities"]}
    assert vulns["CVE-2024-29041"]["analysis"]["state"] == "not_affected"
    assert vulns["CVE-2024-29041"]["analysis"]["justification"] == "code_not_present"
    assert vulns["CVE-2020-8203"]["analysis"]["state"] == "false_positive"
    assert vulns["CVE-2021-23337"]["analysis"]["state"] == "exploitable"
    assert vulns["CVE-2021-23337"]["analysis"]["response"] == ["update"]
    assert vulns["CVE-2024-37890"]["analysis"]["response"] == ["will_not_fix"]
    for finding_id in _ids(juice).values():
        triage.triage(juice, finding_id, TriageState.UNDER_INVESTIGATION, None, "re-review", "carol")
    result = vex.import_file(juice, _write(tmp_path, "round.cdx.json", first))
    assert result.changed == 4
    express = _views(juice)[_ids(juice)[("express", "CVE-2024-29041")]]
    assert express.justification is Justification.COMPONENT_NOT_PRESENT  # exact, through the property
    second = _cdx(juice)
    # the acceptance is not re-created by an import (it needs an approver here): it comes back affected
    assert _essence_cdx(second) == [
        e if e[0] != "CVE-2024-37890" else (e[0], "exploitable", None, None, "affected")
        for e in _essence_cdx(first)
    ]


def test_export_needs_a_known_asset(juice: Store) -> None:
    with juice.engine.connect() as conn:
        with pytest.raises(InputError, match="no asset named 'nope'"):
            vex.export_openvex(conn, "nope")
        with pytest.raises(InputError, match="one BOM per asset"):
            vex.export_cyclonedx(conn, None)
        estate = vex.export_openvex(conn, None)
    check_openvex(estate)
    # untriaged findings state what the lifecycle implies
    assert {st["status"] for st in estate["statements"]} == {"under_investigation"}


# --- the reader never fails with anything but a one-line InputError ----------------------------------

_scalars = hs.none() | hs.booleans() | hs.integers() | hs.text(max_size=12)
_json = hs.recursive(
    _scalars,
    lambda inner: hs.lists(inner, max_size=3) | hs.dictionaries(hs.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)
_statement = hs.fixed_dictionaries(
    {},
    optional={
        "vulnerability": _json | hs.fixed_dictionaries({"name": _json}, optional={"aliases": _json}),
        "products": _json
        | hs.lists(hs.fixed_dictionaries({}, optional={"@id": _json, "subcomponents": _json})),
        "status": _json | hs.sampled_from(sorted(OPENVEX_STATUSES)),
        "justification": _json | hs.sampled_from([j.value for j in Justification]),
        "impact_statement": _json,
        "status_notes": _json,
    },
)
_vulnerability = hs.fixed_dictionaries(
    {},
    optional={
        "id": _json,
        "references": _json,
        "analysis": _json | hs.fixed_dictionaries({"state": _json}, optional={"justification": _json}),
        "affects": _json | hs.lists(hs.fixed_dictionaries({}, optional={"ref": _json})),
        "properties": _json,
    },
)
_documents = (
    _json
    | hs.fixed_dictionaries({"@context": _json, "statements": _json | hs.lists(_statement, max_size=3)})
    | hs.fixed_dictionaries(
        {"bomFormat": hs.just("CycloneDX")},
        optional={
            "metadata": _json,
            "components": _json,
            "vulnerabilities": _json | hs.lists(_vulnerability),
        },
    )
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_documents)
def test_any_json_reads_or_fails_with_one_clear_line(doc: Any) -> None:
    try:
        parsed = vex.parse(doc, "fuzz.json")
    except InputError as exc:
        assert str(exc).startswith("fuzz.json")
        return
    assert parsed.format in ("openvex", "cyclonedx")
