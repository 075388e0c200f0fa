"""Any mangling of a real report is either read or refused with an InputError naming the file, never
another exception (which the CLI would turn into exit 3): hypothesis drops keys and swaps value types
at random places of each format's real sample."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patchbook.errors import InputError
from patchbook.ingest.reports import parse_document

SAMPLES = [
    "sarif/semgrep-oss-1.69.0.sarif",
    "slither-cli/options-vault.sarif",
    "trivy/misconfigurations_and_secrets.json",
    "trivy/kubernetes.json",
    "grype/check_all_fields.json",
    "osv-scanner/osvscanner_test-vuln-results-a.json",
    "pip-audit/many_vulns_new.json",
    "slither-cli/options-vault.json",
    "slither/reentrancy.sol.0.7.6.ReentrancyEth.json",
]
REPLACEMENTS = st.sampled_from([None, 0, -1, 1.5, True, "", "x", [], {}, [None], {"a": None}])


def _paths(doc: Any, prefix: tuple[Any, ...] = (), depth: int = 0) -> list[tuple[Any, ...]]:
    """Every place in the document down to a few levels (the parsers' fields live there)."""
    found = [prefix]
    if depth >= 7:
        return found
    if isinstance(doc, dict):
        for k, v in list(doc.items())[:12]:
            found += _paths(v, (*prefix, k), depth + 1)
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:2]):
            found += _paths(v, (*prefix, i), depth + 1)
    return found


def _mangle(doc: Any, path: tuple[Any, ...], value: Any, delete: bool) -> Any:
    if not path:
        return value
    holder = doc
    for step in path[:-1]:
        holder = holder[step]
    if delete and isinstance(holder, dict):
        del holder[path[-1]]
    else:
        holder[path[-1]] = value
    return doc


@pytest.mark.parametrize("sample", SAMPLES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mangled_reports_parse_or_fail_cleanly(shared_data: Path, sample: str, data: st.DataObject) -> None:
    text = (shared_data / "reports" / sample).read_text()
    places = _paths(json.loads(text))
    doc = json.loads(text)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(places))
        try:
            doc = _mangle(doc, path, data.draw(REPLACEMENTS), data.draw(st.booleans()))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this place
    try:
        parse_document(doc, "mangled.json")
    except InputError as exc:
        assert str(exc).startswith("mangled.json") and "\n" not in str(exc)
