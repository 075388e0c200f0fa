"""Property tests: round trips through the text formats, and "InputError or a result, nothing else"."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patchbook.errors import InputError
from patchbook.ingest import ParseOptions
from patchbook.ingest.base import get
from patchbook.ingest.detect import detect_parser
from patchbook.model.component import ParsedInventory
from tests.conftest import DATA

OPTIONS = ParseOptions()
FIXTURES = Path(__file__).parent / "fixtures"

_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
# PEP 508 names: alphanumeric at both ends, ".", "_", "-" inside (built from text(), cheaper than from_regex).
names = st.builds(
    lambda first, middle, last: first + middle + last,
    st.sampled_from(_ALNUM),
    st.text(_ALNUM + "._-", max_size=12),
    st.text(_ALNUM, max_size=1),
).filter(lambda n: n[-1] in _ALNUM)
releases = st.lists(st.integers(0, 300), min_size=1, max_size=4).map(lambda p: ".".join(map(str, p)))
suffixes = st.sampled_from(["", "a1", "b2", "rc1", ".post1", ".dev3"])
pep440 = st.builds(lambda r, s: r + s, releases, suffixes)


@st.composite
def requirement_lines(draw: st.DrawFn) -> tuple[str, str, str]:
    name, version = draw(names), draw(pep440)
    extras = draw(st.sampled_from(["", "[socks]", "[a,b]"]))
    marker = draw(st.sampled_from(["", ' ; python_version >= "3.8"', "; sys_platform == 'linux'"]))
    comment = draw(st.sampled_from(["", "  # pinned by ops", "\t# via -r base.in"]))
    hashes = draw(st.sampled_from(["", " --hash=sha256:" + "ab" * 32]))
    return name, version, f"{name}{extras}=={version}{marker}{hashes}{comment}"


@settings(max_examples=100, deadline=None)
@given(st.lists(requirement_lines(), min_size=1, max_size=15), st.booleans())
def test_requirements_pins_round_trip(lines: list[tuple[str, str, str]], noise: bool) -> None:
    body = [line for _, _, line in lines]
    if noise:
        body = ["# generated", "--index-url https://pypi.org/simple", "", *body, "-r other.txt"]
    inventory = get("requirements").parse("\n".join(body).encode(), "req.txt", OPTIONS)
    assert [(c.name, c.version) for c in inventory.components] == [(n, v) for n, v, _ in lines]
    assert inventory.unmatchable == 0


_LOWER = "abcdefghijklmnopqrstuvwxyz0123456789"
debian_names = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(_LOWER),
    st.text(_LOWER + "+.-", min_size=1, max_size=12),
)
debian_versions = st.builds(
    lambda epoch, upstream, revision: f"{epoch}{upstream}{revision}",
    st.sampled_from(["", "1:", "2:"]),
    st.builds(lambda d, rest: d + rest, st.sampled_from("0123456789"), st.text(_LOWER + ".+~", max_size=8)),
    st.sampled_from(["", "-1", "-9+deb12u4", "-0ubuntu1.15", "-1~deb12u2"]),
)


@st.composite
def dpkg_stanzas(draw: st.DrawFn) -> dict[str, str]:
    fields = {
        "Package": draw(debian_names),
        "Status": draw(
            st.sampled_from(["install ok installed", "deinstall ok config-files", "hold ok installed"])
        ),
        "Architecture": draw(st.sampled_from(["amd64", "arm64", "all"])),
        "Version": draw(debian_versions),
    }
    if draw(st.booleans()):
        source = draw(debian_names)
        fields["Source"] = source + (f" ({draw(debian_versions)})" if draw(st.booleans()) else "")
    return fields


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(dpkg_stanzas(), min_size=1, max_size=12, unique_by=lambda f: (f["Package"], f["Architecture"]))
)
def test_dpkg_stanzas_round_trip(stanzas: list[dict[str, str]]) -> None:
    text = "\n\n".join(
        "\n".join(f"{k}: {v}" for k, v in s.items()) + "\nDescription: a package\n more text\n"
        for s in stanzas
    )
    inventory = get("dpkg-status").parse(text.encode(), "status", OPTIONS)
    expected = []
    for s in stanzas:
        if not s["Status"].endswith(" installed"):
            continue
        source, _, source_version = s.get("Source", s["Package"]).partition(" (")
        expected.append((s["Package"], s["Version"], source, source_version.rstrip(")") or s["Version"]))
    got = [(c.name, c.version, c.source_name, c.source_version) for c in inventory.components]
    assert got == expected


# --- CycloneDX: JSON and XML serialisations of one generated tree read the same --------------------------


@st.composite
def component_trees(draw: st.DrawFn, depth: int = 0) -> dict[str, object]:
    name = draw(names)
    component: dict[str, object] = {"type": "library", "name": name}
    if draw(st.booleans()):
        component["version"] = draw(pep440)
    if draw(st.integers(0, 3)):
        component["purl"] = f"pkg:pypi/{name.lower()}@{component.get('version', '1')}"
    if depth < 2 and draw(st.integers(0, 4)) == 0:
        component["components"] = draw(st.lists(component_trees(depth + 1), max_size=3))
    return component


def _xml_component(c: dict[str, object]) -> str:
    parts = [f"<component type={quoteattr(str(c['type']))}>", f"<name>{escape(str(c['name']))}</name>"]
    for key in ("version", "purl"):
        if key in c:
            parts.append(f"<{key}>{escape(str(c[key]))}</{key}>")
    nested = c.get("components")
    if isinstance(nested, list):
        parts.append("<components>" + "".join(_xml_component(n) for n in nested) + "</components>")
    return "".join(parts) + "</component>"


def _count(components: list[dict[str, object]]) -> int:
    return sum(1 + _count(c.get("components", [])) for c in components)  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(component_trees(), max_size=8), st.sampled_from(["1.2", "1.4", "1.5", "1.6"]))
def test_cyclonedx_json_and_xml_agree(components: list[dict[str, object]], spec: str) -> None:
    as_json = orjson.dumps({"bomFormat": "CycloneDX", "specVersion": spec, "components": components})
    as_xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<bom xmlns="http://cyclonedx.org/schema/bom/{spec}" version="1">'
        "<components>" + "".join(_xml_component(c) for c in components) + "</components></bom>"
    ).encode()
    from_json = detect_parser(as_json, "bom.json").parse(as_json, "bom.json", OPTIONS)
    from_xml = detect_parser(as_xml, "bom.xml").parse(as_xml, "bom.xml", OPTIONS)
    assert (from_json.format, from_xml.format) == ("cyclonedx-json", "cyclonedx-xml")
    summary = lambda inv: [(c.key, c.name, c.version, c.purl, c.parent) for c in inv.components]  # noqa: E731
    assert summary(from_json) == summary(from_xml)
    assert len(from_json.components) == _count(components)
    assert len({c.key for c in from_json.components}) == len(from_json.components)


# --- any prefix of a real file: a result or an InputError, never a crash ---------------------------------

SAMPLES = {
    "cdx.json": DATA / "sboms" / "cyclonedx" / "laravel-7.12.0" / "bom.1.4.json",
    "cdx.xml": DATA / "sboms" / "cyclonedx" / "laravel-7.12.0" / "bom.1.4.xml",
    "spdx.json": DATA / "sboms" / "spdx" / "spdx-spec" / "SPDXJSONExample-v2.3.spdx.json",
    "spdx.tag": DATA / "sboms" / "spdx" / "spdx-spec" / "SPDXTagExample-v2.3.spdx",
    "lock.json": FIXTURES / "package-lock.json",
    "poetry.lock": FIXTURES / "poetry.lock",
    "status": FIXTURES / "dpkg-status",
    "installed": FIXTURES / "apk-installed",
}
_BYTES = {name: path.read_bytes() for name, path in SAMPLES.items() if path.is_file()}


def _parse_bytes(data: bytes) -> ParsedInventory | InputError:
    try:
        return detect_parser(data, "mem").parse(data, "mem", OPTIONS)
    except InputError as error:
        assert "\n" not in str(error)
        return error


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(sorted(_BYTES)), st.floats(0, 1), st.binary(max_size=8))
def test_truncated_or_corrupted_input_never_crashes(name: str, cut: float, junk: bytes) -> None:
    data = _BYTES[name]
    _parse_bytes(data[: int(len(data) * cut)] + junk)


@settings(max_examples=120, deadline=None)
@given(st.binary(min_size=1, max_size=512))
def test_random_bytes_never_crash(data: bytes) -> None:
    _parse_bytes(data)
