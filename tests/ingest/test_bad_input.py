"""Bad input: every case ends in one InputError line naming the file, the position and what was expected."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import orjson
import pytest

from patchbook.errors import InputError
from patchbook.ingest import ParseOptions, detect, parse
from tests.conftest import DATA

JUICE_JSON = DATA / "sboms" / "cyclonedx" / "juice-shop" / "via_npm" / "flat" / "bom.1.4.json"
JUICE_XML = DATA / "sboms" / "cyclonedx" / "juice-shop" / "via_npm" / "flat" / "bom.1.4.xml"
SPDX_JSON = DATA / "sboms" / "spdx" / "spdx-spec" / "SPDXJSONExample-v2.3.spdx.json"
SPDX_TAG = DATA / "sboms" / "spdx" / "spdx-spec" / "SPDXTagExample-v2.3.spdx"


def _error(path: Path, **kwargs: object) -> InputError:
    with pytest.raises(InputError) as info:
        parse(path, **kwargs)  # type: ignore[arg-type]
    error = info.value
    text = str(error)
    assert "\n" not in text, "the message must be one line"
    assert text.startswith(str(path)), "the message must name the file first"
    assert error.exit_code == 2
    return error


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def _cdx(components: list[dict[str, object]], **extra: object) -> bytes:
    return orjson.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": components, **extra})


# --- truncated and malformed -------------------------------------------------------------------------


def test_truncated_cyclonedx_json(tmp_path: Path, shared_data: Path) -> None:
    data = JUICE_JSON.read_bytes()
    path = _write(tmp_path, "bom.json", data[: len(data) // 2])
    error = _error(path)
    assert "truncated" in error.message and "CycloneDX" in error.message
    line = data[: len(data) // 2].count(b"\n") + 1
    assert error.position is not None and error.position.startswith(f"{line}:")


def test_malformed_cyclonedx_json_names_line_and_column(tmp_path: Path) -> None:
    text = '{\n  "bomFormat": "CycloneDX",\n  "specVersion": "1.5",\n  "components": [,]\n}\n'
    error = _error(_write(tmp_path, "bom.json", text))
    assert error.message.startswith("malformed JSON")
    assert error.position == "4:18"


def test_truncated_cyclonedx_xml(tmp_path: Path, shared_data: Path) -> None:
    data = JUICE_XML.read_bytes()
    error = _error(_write(tmp_path, "bom.xml", data[:300_000]))
    assert "truncated" in error.message
    assert error.position is not None and ":" in error.position


def test_malformed_cyclonedx_xml(tmp_path: Path) -> None:
    text = (
        '<?xml version="1.0"?>\n<bom xmlns="http://cyclonedx.org/schema/bom/1.4" version="1">\n'
        '  <components>\n    <component type="library"><name>a</nme></component>\n  </components>\n</bom>\n'
    )
    error = _error(_write(tmp_path, "bom.xml", text))
    assert error.message.startswith("malformed XML: mismatched tag")
    assert error.position == "4:40"  # where expat notices the mismatch


def test_truncated_spdx_json(tmp_path: Path, shared_data: Path) -> None:
    data = SPDX_JSON.read_bytes()
    error = _error(_write(tmp_path, "sbom.spdx.json", data[:5000]))
    assert "truncated" in error.message and "SPDX" in error.message


def test_truncated_spdx_tag_value_text_block(tmp_path: Path, shared_data: Path) -> None:
    data = SPDX_TAG.read_text()
    cut = data.index("<text>") + 20
    error = _error(_write(tmp_path, "sbom.spdx", data[:cut]))
    assert "not closed by </text>" in error.message


def test_spdx_tag_value_garbage_line(tmp_path: Path) -> None:
    text = "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nthis is not a tag\n"
    error = _error(_write(tmp_path, "sbom.spdx", text))
    assert error.position == "3:1" and "Tag: value" in error.message


# --- right syntax, wrong document ---------------------------------------------------------------------


def test_json_that_is_neither_cyclonedx_nor_spdx_lists_what_was_tried(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, "bom.json", '{"name": "x", "items": [1, 2, 3]}'))
    assert "valid JSON" in error.message
    for name in ("cyclonedx-json", "spdx-json", "package-lock", "requirements", "dpkg-status"):
        assert name in error.message


def test_unsupported_cyclonedx_spec_version(tmp_path: Path) -> None:
    error = _error(
        _write(tmp_path, "bom.json", orjson.dumps({"bomFormat": "CycloneDX", "specVersion": "2.0"}))
    )
    assert error.position == "specVersion" and "1.0 to 1.6" in error.message


def test_spdx_3_is_refused_clearly(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, "sbom.json", orjson.dumps({"spdxVersion": "SPDX-3.0", "packages": []})))
    assert "SPDX-2.2 or SPDX-2.3" in error.message


def test_component_without_name(tmp_path: Path) -> None:
    path = _write(tmp_path, "bom.json", _cdx([{"type": "library", "bom-ref": "r1", "version": "1.0"}]))
    error = _error(path)
    assert error.position == "components[0] (bom-ref 'r1')" and "no name" in error.message


def test_component_that_is_not_an_object(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, "bom.json", _cdx(["lodash@4.17.20"])))  # type: ignore[list-item]
    assert error.position == "components[0]"


def test_dependency_without_ref(tmp_path: Path) -> None:
    data = _cdx([{"type": "library", "name": "a"}], dependencies=[{"dependsOn": ["a"]}])
    error = _error(_write(tmp_path, "bom.json", data))
    assert error.position == "dependencies[0]"


# --- components without purl or version: kept and counted, not an error --------------------------------


def test_components_without_purl_or_version_are_kept(tmp_path: Path) -> None:
    data = _cdx(
        [
            {"type": "library", "bom-ref": "a", "name": "a", "version": "1.0", "purl": "pkg:npm/a@1.0"},
            {"type": "library", "bom-ref": "b", "name": "b", "version": "2.0"},
            {"type": "library", "bom-ref": "c", "name": "c", "purl": "pkg:npm/c"},
            {"type": "library", "name": "d"},
        ]
    )
    inventory = parse(_write(tmp_path, "bom.json", data))
    assert [c.key for c in inventory.components] == ["a", "b", "c", "d@"]
    assert inventory.unmatchable == 3
    assert [c.matchable for c in inventory.components] == [True, False, False, False]


# --- purls that do not parse --------------------------------------------------------------------------


def test_bad_purl_is_an_error_naming_the_component(tmp_path: Path) -> None:
    data = _cdx(
        [
            {"type": "library", "bom-ref": "ok", "name": "ok", "version": "1", "purl": "pkg:npm/ok@1"},
            {"type": "library", "bom-ref": "broken-ref", "name": "x", "version": "1", "purl": "pkg:npm/@1"},
        ]
    )
    error = _error(_write(tmp_path, "bom.json", data))
    assert error.position == "components[1] (bom-ref 'broken-ref')"
    assert "'pkg:npm/@1' does not parse" in error.message and "name" in error.message


def test_bad_purl_lenient_keeps_the_component_without_purl(tmp_path: Path) -> None:
    data = _cdx([{"type": "library", "bom-ref": "r", "name": "x", "version": "1", "purl": "not a purl"}])
    inventory = parse(_write(tmp_path, "bom.json", data), options=ParseOptions(strict_purls=False))
    (component,) = inventory.components
    assert component.purl is None and component.name == "x"
    assert any("not a purl" in w and "kept without a purl" in w for w in inventory.warnings)


def test_bad_purl_in_nested_component_names_its_path(tmp_path: Path) -> None:
    nested = {"type": "library", "name": "inner", "version": "1", "purl": "pkg:"}
    data = _cdx([{"type": "library", "bom-ref": "outer", "name": "outer", "components": [nested]}])
    error = _error(_write(tmp_path, "bom.json", data))
    assert error.position == "components[0].components[0]"


def test_bad_purl_in_spdx_external_ref(tmp_path: Path) -> None:
    ref = {"referenceCategory": "PACKAGE_MANAGER", "referenceType": "purl", "referenceLocator": "pkg:/nope"}
    doc = {
        "spdxVersion": "SPDX-2.3",
        "SPDXID": "SPDXRef-DOCUMENT",
        "packages": [{"SPDXID": "SPDXRef-p", "name": "p", "versionInfo": "1", "externalRefs": [ref]}],
    }
    error = _error(_write(tmp_path, "sbom.json", orjson.dumps(doc)))
    assert error.position == "packages[0] (SPDXID 'SPDXRef-p')"


# --- hostile XML --------------------------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.4" version="1">
  <components><component type="library"><name>&lol9;</name></component></components>
</bom>
"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE bom [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.4" version="1">
  <components><component type="library"><name>&secret;</name></component></components>
</bom>
"""


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, "bom.xml", BILLION_LAUGHS))
    assert "XML refused" in error.message and "billion-laughs" in error.message
    assert error.position == "3:2"


def test_external_entity_is_refused(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, "bom.xml", XXE))
    assert "XML refused" in error.message
    assert "root:" not in str(error)  # nothing of /etc/passwd leaks into the message


def test_xml_that_is_not_cyclonedx(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, "bom.xml", '<?xml version="1.0"?>\n<project><name>x</name></project>\n'))
    assert "XML, but not a format" in error.message


# --- size, emptiness, binary, encoding ----------------------------------------------------------------


def test_two_gigabyte_file_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "huge.json"
    subprocess.run(["truncate", "-s", "2G", str(path)], check=True)
    assert path.stat().st_size == 2 * 1024**3

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was opened")

    monkeypatch.setattr(Path, "open", no_reading)
    error = _error(path)
    assert "2,147,483,648 bytes" in error.message and "1,073,741,824-byte" in error.message


def test_size_limit_is_configurable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_data: Path
) -> None:
    path = _write(tmp_path, "bom.json", JUICE_JSON.read_bytes())
    assert "over the 1,000-byte input limit" in _error(path, max_bytes=1000).message
    monkeypatch.setenv("PATCHBOOK_MAX_INPUT_BYTES", "4096")
    assert "over the 4,096-byte input limit" in _error(path).message


def test_empty_file(tmp_path: Path) -> None:
    assert "empty file" in _error(_write(tmp_path, "bom.json", b"")).message


def test_whitespace_only_file(tmp_path: Path) -> None:
    assert "unrecognised format" in _error(_write(tmp_path, "bom.json", b"\n  \n")).message


def test_binary_garbage_with_nul_bytes(tmp_path: Path) -> None:
    data = bytes(range(256)) * 40
    error = _error(_write(tmp_path, "bom.json", data))
    assert "binary data" in error.message and error.position == "byte 0"


def test_binary_garbage_without_nul_bytes(tmp_path: Path) -> None:
    data = os.urandom(4096).replace(b"\x00", b"\x01")
    data = b"\xff\xd8\xff\xe0" + data  # a JPEG header: not UTF-8 from the first byte
    error = _error(_write(tmp_path, "bom.json", data))
    assert "not UTF-8" in error.message


def test_utf16_sbom(tmp_path: Path) -> None:
    text = '{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": []}'
    error = _error(_write(tmp_path, "bom.json", text.encode("utf-16")))
    assert "UTF-16" in error.message and "expected UTF-8" in error.message


def test_latin1_requirements(tmp_path: Path) -> None:
    data = "# d\xe9pendances du gateway\nrequests==2.31.0\n".encode("latin-1")
    error = _error(_write(tmp_path, "requirements.txt", data))
    assert "not UTF-8" in error.message and "0xe9" in error.message and error.position == "1:4"


def test_latin1_inside_a_cyclonedx_json_string(tmp_path: Path) -> None:
    data = (
        b'{"bomFormat": "CycloneDX", "specVersion": "1.5",\n'
        b' "components": [{"type": "library", "name": "caf\xe9"}]}'
    )
    error = _error(_write(tmp_path, "bom.json", data))
    assert "not UTF-8" in error.message and error.position == "2:49"


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert "no such file" in _error(tmp_path / "absent.json").message
    assert "not a regular file" in _error(tmp_path).message


def test_detect_reports_the_same_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty file"):
        detect(_write(tmp_path, "x", b""))


# --- lock files and package databases -----------------------------------------------------------------


def test_npm_lockfile_v1_is_refused_with_a_hint(tmp_path: Path) -> None:
    data = orjson.dumps({"name": "x", "lockfileVersion": 1, "dependencies": {"a": {"version": "1.0.0"}}})
    error = _error(_write(tmp_path, "package-lock.json", data))
    assert "lockfileVersion 2 or 3" in error.message and "npm 7" in error.message


def test_poetry_lock_malformed_toml(tmp_path: Path) -> None:
    text = (
        "# This file is automatically @generated by Poetry 1.8.2\n\n"
        '[[package]]\nname = "a"\nversion = 1.0.0\n'
    )
    error = _error(_write(tmp_path, "poetry.lock", text))
    assert error.message.startswith("malformed TOML") and error.position == "5:14"


def test_dpkg_status_malformed_line(tmp_path: Path) -> None:
    text = "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\nthis line has no colon\n"
    error = _error(_write(tmp_path, "status", text))
    assert error.position == "4:1" and "Field: value" in error.message


def test_dpkg_status_without_status_field(tmp_path: Path) -> None:
    text = (
        "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\n\n"
        "Package: zlib1g\nVersion: 1:1.2.13\n"
    )
    error = _error(_write(tmp_path, "status", text))
    assert error.position == "5:1" and "no Status" in error.message


def test_apk_installed_malformed_line(tmp_path: Path) -> None:
    text = "C:Q1abc=\nP:musl\nV:1.2.4-r2\nmusl is great\n"
    error = _error(_write(tmp_path, "installed", text))
    assert error.position == "4:1" and "X:value" in error.message


def test_requirements_line_that_is_not_a_requirement(tmp_path: Path) -> None:
    text = "requests==2.31.0\nflask=2.0\n"
    error = _error(_write(tmp_path, "requirements.txt", text))
    assert error.position == "2:1" and "name==version" in error.message


def test_plain_prose_is_unrecognised(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, "notes.txt", "Dear team,\nplease patch the order gateway.\n"))
    assert "unrecognised format; tried:" in error.message
